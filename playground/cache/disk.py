"""diskcache plumbing for the response cache: a JSON-only, folder-confined Disk and the
cache's errors.

The cache folder is untrusted input (whoever can write it is not necessarily who runs the
app). diskcache trusts two columns of its ``Cache`` table that an attacker could edit:
``mode`` (how to decode the value: a pickle mode runs code) and ``filename`` (the file that
holds a large value, joined to the folder with ``os.path.join``: ``../x`` or an absolute
path escapes it, and ``Cache.clear``/``delete``/eviction *remove* that file and then every
parent folder that became empty). :class:`SafeJSONDisk` is the one place diskcache reads,
writes or removes a value file (``Cache`` calls ``disk.fetch``, ``disk.store`` →
``disk.filename`` and ``disk.remove`` for every get, set, delete, clear, cull and evict),
so the checks live here: a row that fails them is a miss, reported once, never followed.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
from typing import Any

import diskcache
from diskcache.core import MODE_BINARY, MODE_PICKLE, MODE_RAW, UNKNOWN


class CacheError(Exception):
    """The cache failed while in use (disk full, database damaged, lock timeout)."""


class CacheUnavailable(CacheError):
    """The cache directory cannot be used; the message says which path and why."""


class _UnsafeValue(ValueError):
    """A stored value this cache did not write as JSON (e.g. a pickle) or a file outside the folder."""


# The only value-file names diskcache itself generates (Disk.filename): two levels of two
# hex digits, then 28 hex digits and ".val". Anything else in the column was not written by
# diskcache, even when it stays inside the folder ("cache.db", "history.sqlite3").
_VALUE_FILE = re.compile(r"[0-9a-f]{2}[/\\][0-9a-f]{2}[/\\][0-9a-f]{28}\.val")


def inside(root: str, path: str) -> bool:
    """True if `path`, with every symlink resolved, is strictly inside the real `root`."""
    real = os.path.realpath(path)
    try:
        return real != root and os.path.commonpath([root, real]) == root
    except ValueError:  # different drives (Windows), mixed absolute/relative
        return False


class SafeJSONDisk(diskcache.JSONDisk):
    """diskcache's JSONDisk, minus every path that could reach ``pickle.load`` or a file
    outside the cache folder.

    * Keys whose raw flag is 0 and values in any mode but raw bytes (1) or a value file (2)
      are refused: JSONDisk only ever writes those two, and a "pickle" mode would unpickle.
    * A value file must have the name diskcache generates and resolve (``realpath``,
      symlinks included) inside the folder, or it is neither read nor removed.
    * A refused row reads as a miss. The first one per cache prints one warning line on
      stderr; later ones are silent (one tampered folder must not flood the log).
    """

    def __init__(self, directory: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(directory, *args, **kwargs)
        self._root = os.path.realpath(directory)
        self._warned = False

    # ---- the checks ---------------------------------------------------------------

    def _refuse(self, why: str) -> _UnsafeValue:
        if not self._warned:
            self._warned = True
            print(
                f"warning: the response cache at {self._directory} has an entry {why}; it is treated"
                " as missing and its file is never opened or removed.",
                file=sys.stderr,
            )
        return _UnsafeValue(why)

    def _confined(self, filename: Any) -> str:
        """The full path of a value file, or raise _UnsafeValue (after the one warning)."""
        if not isinstance(filename, str) or not _VALUE_FILE.fullmatch(filename):
            raise self._refuse(f"whose file name is not one the cache writes ({filename!r:.80})")
        full_path = os.path.join(self._root, filename)
        if not inside(self._root, full_path):
            raise self._refuse(f"whose file leads outside the cache folder ({filename!r:.80})")
        return full_path

    # ---- diskcache's Disk interface -------------------------------------------------

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise self._refuse("with a pickled key")
        return super().get(key, raw)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_RAW:
            if not isinstance(value, (bytes, memoryview)):
                raise self._refuse(f"with a {type(value).__name__} value where bytes were written")
        elif mode == MODE_BINARY:
            # diskcache catches OSError (a file already deleted) and reports a miss.
            filename = self._confined(filename)
        elif mode == MODE_PICKLE:
            raise self._refuse("holding a pickled value")
        else:
            raise self._refuse(f"with an unknown storage mode ({mode!r:.20})")
        return super().fetch(mode, filename, value, read)

    def filename(self, key: Any = UNKNOWN, value: Any = UNKNOWN) -> tuple[str, str]:
        # A new value file goes in <folder>/xx/yy/; if xx or yy was replaced by a symlink
        # that leads out, pick another name rather than write through it.
        for _ in range(20):
            filename, full_path = super().filename(key, value)
            if inside(self._root, full_path):
                return filename, full_path
        raise OSError(f"the cache folder {self._directory} has sub-folders that lead outside it")

    def remove(self, file_path: str) -> None:
        try:
            full_path = self._confined(file_path)
        except _UnsafeValue:
            return  # the row is gone from the database; the file it named is left alone
        with contextlib.suppress(OSError):
            os.remove(full_path)
        # diskcache calls os.removedirs here, which climbs past the folder; remove only the
        # two sub-folder levels diskcache made, and only when empty.
        parent = os.path.dirname(full_path)
        for folder in (parent, os.path.dirname(parent)):
            if folder == self._root or not inside(self._root, folder):
                break
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def refuse_escaping_databases(directory: str | os.PathLike[str], names: tuple[str, ...]) -> None:
    """SQLite follows symlinks: a database (or its -wal/-shm/-journal) linked out of the
    folder would have SQLite write there. Refuse the folder instead (CacheUnavailable)."""
    root = os.path.realpath(directory)
    for name in names:
        for suffix in ("", "-wal", "-shm", "-journal"):
            candidate = os.path.join(directory, name + suffix)
            if os.path.islink(candidate) or (os.path.lexists(candidate) and not inside(root, candidate)):
                raise CacheUnavailable(
                    f"The cache file {candidate} is a link that leads out of the cache folder;"
                    " remove it to use the cache."
                )


def json_safe(value: Any) -> Any:
    """Copy of `value` that strict JSON accepts: NaN/inf → None, tuples → lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def describe_error(exc: BaseException) -> str:
    """A short lower-case reason for a warning sentence."""
    if isinstance(exc, diskcache.Timeout):
        return "the database stayed locked by another process"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


__all__ = ["CacheError", "CacheUnavailable", "SafeJSONDisk", "describe_error", "inside", "json_safe", "refuse_escaping_databases"]
