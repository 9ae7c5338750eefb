"""Response cache: complete answers stored as JSON on diskcache, plus a comparison history.

Layout inside one ``diskcache.Cache`` (LRU eviction, size-limited):

* ``r:<key>``  → ``{"v", "next", "samples": [{"n": 1, "result": PaneResult.to_dict()}, ...]}``;
  the newest ``max_samples`` answers for one cache key, oldest first. ``n`` is a stable
  1-based sample number: trimming old samples never renumbers the kept ones, so a history
  entry that points at sample 3 still finds sample 3 (or nothing, once it was trimmed).
  The diskcache tag holds the sample count, so ``stats()`` is one SQL aggregate.
* ``h:<id>``   → one full comparison (prompt, system, image hash, panes with key + sample).

The comparison index (what History lists and searches) is a SQLite table in
``history.sqlite3`` beside diskcache's ``cache.db`` (see history.py): recording is one
INSERT, search is full-text, and nothing is removed unless ``history_max`` is set or the
user deletes or clears. Caches written before it had a ``hist-index`` blob; it is imported
into the table on first open and then removed.

Read-modify-writes run inside ``cache.transact()`` (SQLite ``BEGIN IMMEDIATE``), which
serialises writers across threads and processes. Values are zlib-compressed JSON written
by :class:`SafeJSONDisk`, which also refuses to unpickle anything it finds and never
reads or removes a file outside the cache folder: whoever can write the cache directory
must not be able to run code in the app or reach the user's other files.

Failures while opening raise :class:`CacheUnavailable`; failures later raise
:class:`CacheError`. Callers warn once and carry on without the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any, Iterator

import diskcache

from playground.result import PaneResult

from .disk import CacheError, CacheUnavailable, SafeJSONDisk, describe_error, json_safe, refuse_escaping_databases
from .history import HISTORY_DB, HistoryStore, legacy_rows
from .keys import CACHE_FORMAT_VERSION, comparison_key

ENV_CACHE_DIR = "GEMMA_PLAYGROUND_CACHE_DIR"
DEFAULT_SIZE_LIMIT = 2 * 1024**3
DEFAULT_MAX_SAMPLES = 8
# None = History keeps every comparison until the user deletes one or clears the cache.
DEFAULT_HISTORY_MAX: int | None = None

_RESP = "r:"
_HIST = "h:"
_LEGACY_INDEX = "hist-index"  # the pre-table index: one JSON list, imported once
_DB_FILES = (diskcache.core.DBNAME, HISTORY_DB)


def default_cache_dir() -> Path:
    """$GEMMA_PLAYGROUND_CACHE_DIR if set, else <user cache dir>/gemma-playground/responses.

    The ``responses`` sub-folder keeps diskcache's files apart from anything else the app
    may cache (model downloads, thumbnails), so ``cache clear`` can never touch those.
    """
    override = os.environ.get(ENV_CACHE_DIR, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("gemma-playground")) / "responses"


class ResponseCache:
    """Complete answers keyed by `keys.derive_key`, and a searchable history of comparisons."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        size_limit: int = DEFAULT_SIZE_LIMIT,
        *,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        history_max: int | None = DEFAULT_HISTORY_MAX,
        timeout: float = 10.0,
        history_fts: bool | None = None,
    ) -> None:
        """`history_max` None keeps every comparison; a number keeps the newest that many.
        `history_fts` False forces the LIKE search (tests); None uses FTS5 when available."""
        if max_samples < 1 or (history_max is not None and history_max < 1) or size_limit < 1:
            raise ValueError("size_limit, max_samples and history_max must be positive")
        path = Path(directory).expanduser()
        self.directory = path
        self.size_limit = int(size_limit)
        self.max_samples = max_samples
        self.history_max = history_max
        if path.exists() and not path.is_dir():
            raise CacheUnavailable(f"The cache path {path} exists but is not a directory.")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheUnavailable(
                f"The cache directory {path} could not be created ({exc.strerror or exc})."
            ) from exc
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise CacheUnavailable(f"The cache directory {path} is not readable and writable by this user.")
        refuse_escaping_databases(path, _DB_FILES)
        try:
            self._cache = diskcache.Cache(
                str(path),
                timeout=timeout,
                disk=SafeJSONDisk,
                eviction_policy="least-recently-used",
                size_limit=self.size_limit,
            )
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            raise CacheUnavailable(f"The cache at {path} cannot be opened ({describe_error(exc)}).{_hint(path, exc)}") from exc
        try:
            # A database with a valid header but damaged pages opens fine; one real read
            # (plus the schema diskcache expects) surfaces it now rather than mid-comparison.
            self._cache.get(_LEGACY_INDEX)
            self._cache.volume()
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            self._cache.close()
            raise CacheUnavailable(f"The cache at {path} is damaged ({describe_error(exc)}).{_hint(path, exc)}") from exc
        except (ValueError, zlib.error):
            pass  # a foreign legacy index is ignored (and removed by _import_legacy_index)
        try:
            self._history = HistoryStore(path / HISTORY_DB, timeout=timeout, fts=history_fts)
            self._import_legacy_index()
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            self._cache.close()
            raise CacheUnavailable(
                f"The history index at {path / HISTORY_DB} cannot be opened ({describe_error(exc)})."
                f"{_hint(path, exc, HISTORY_DB)}") from exc

    # ---- plumbing -------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            raise CacheError(f"Cache {action} failed at {self.directory} ({describe_error(exc)}).") from exc

    def _get(self, name: str) -> Any:
        """A stored value, or None when absent or not something this cache wrote."""
        try:
            return self._cache.get(name)
        except (ValueError, zlib.error, UnicodeDecodeError):
            return None

    def _read_entry(self, key: str) -> dict[str, Any]:
        entry = self._get(_RESP + key)
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("samples"), list)
            and isinstance(entry.get("next"), int)
        ):
            return entry
        return {"v": CACHE_FORMAT_VERSION, "next": 1, "samples": []}

    def _import_legacy_index(self) -> None:
        """Move a pre-table ``hist-index`` blob into the table, then drop the blob (once)."""
        if _LEGACY_INDEX not in self._cache:
            return
        legacy = self._get(_LEGACY_INDEX)
        entries = legacy.get("entries") if isinstance(legacy, dict) else None
        self._history.add_many(legacy_rows(entries, lambda entry_id: self._get(_HIST + entry_id)))
        self._cache.delete(_LEGACY_INDEX)

    # ---- answers --------------------------------------------------------------------

    def numbered_samples(self, key: str) -> list[tuple[int, PaneResult]]:
        """(sample number, result) for every stored sample, oldest first, cached=True."""
        with self._guard("read"):
            entry = self._read_entry(key)
        out: list[tuple[int, PaneResult]] = []
        for item in entry["samples"]:
            try:
                result = PaneResult.from_dict(item["result"])
                number = int(item["n"])
            except (TypeError, KeyError, ValueError, AttributeError):
                continue  # a damaged sample is skipped, not fatal
            result.cached = True
            out.append((number, result))
        return out

    def samples(self, key: str) -> list[PaneResult]:
        """Every stored sample for `key`, oldest first, each marked cached=True."""
        return [result for _, result in self.numbered_samples(key)]

    def sample(self, key: str, number: int) -> PaneResult | None:
        """Sample `number` (as returned by add_sample), or None if trimmed or evicted."""
        for n, result in self.numbered_samples(key):
            if n == number:
                return result
        return None

    def add_sample(self, key: str, result: PaneResult) -> int | None:
        """Store a complete answer; return its 1-based sample number, or None if not stored.

        Only ``result.complete`` answers are kept (no error, finish_reason stop/length/loop):
        errors, cancelled, partial and timeout results return None. At most
        ``max_samples`` are kept per key; the oldest go first.
        """
        if not isinstance(key, str) or not key:
            raise ValueError("cache key must be a non-empty string")
        if not result.complete:
            return None
        record = json_safe(result.to_dict())
        record["cached"] = False
        if record.get("created_at") is None:
            record["created_at"] = time.time()
        with self._guard("write"), self._cache.transact():
            entry = self._read_entry(key)
            number = entry["next"]
            entry["next"] = number + 1
            entry["samples"].append({"n": number, "result": record})
            del entry["samples"][: -self.max_samples]
            # tag = sample count: stats() sums it in SQL without decoding any value.
            self._cache.set(_RESP + key, entry, tag=len(entry["samples"]))
        return number

    # ---- history --------------------------------------------------------------------

    def record_comparison(
        self,
        *,
        prompt: str,
        system: str | None,
        image_sha: str | None,
        panes: list[dict[str, Any]],
        blind: bool = False,
    ) -> str:
        """Save one comparison and return its id.

        Each pane is a JSON-able dict; to be restorable it should hold at least ``model``,
        ``key`` (cache key, or None if the pane was not cached) and ``sample`` (the number
        add_sample returned, or None). Anything else in it (source, label, error) is kept.
        A `blind` comparison is marked so: History brings it back blind until it is voted on,
        whoever restores it.
        """
        try:
            panes = json.loads(json.dumps(json_safe(list(panes)), allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"panes must be JSON-serialisable dicts: {exc}") from exc
        if not all(isinstance(p, dict) for p in panes):
            raise ValueError("each pane must be a dict")
        now = time.time()
        entry_id = f"{int(now * 1000):012x}-{secrets.token_hex(4)}"  # sorts by time
        models = [p.get("model") for p in panes]
        entry = {"v": CACHE_FORMAT_VERSION, "id": entry_id, "time": now, "prompt": prompt, "system": system,
                 "image_sha": image_sha, "models": models, "panes": panes}
        if blind:
            entry["blind"] = True
        key = comparison_key(prompt=prompt, system=system, image_sha=image_sha, panes=panes)
        # The record first, then the index row: a crash in between leaves an unlisted record
        # that LRU eviction ages out, never a listed entry that cannot be restored.
        with self._guard("write"):
            self._cache.set(_HIST + entry_id, entry)
            self._history.add(entry_id=entry_id, time=now, key=key, prompt=prompt, system=system,
                              image_sha=image_sha, models=models)
            if self.history_max is not None:
                for old in self._history.trim(self.history_max):
                    self._cache.delete(_HIST + old)
        return entry_id

    def history(self, query: str = "", limit: int = 100) -> list[dict[str, Any]]:
        """Comparison summaries, newest first, whose prompt contains `query` (any case).

        A summary has id, time, prompt (first 4000 chars), prompt_truncated, system,
        image_sha and models; get_comparison(id) gives the panes. Any query is safe: it is
        matched as plain text, never as search syntax.
        """
        with self._guard("read"):
            return self._history.search(str(query), int(limit))

    def get_comparison(self, entry_id: str) -> dict[str, Any] | None:
        """The full comparison (with panes), or None if deleted, trimmed or evicted."""
        with self._guard("read"):
            entry = self._get(_HIST + entry_id)
        if isinstance(entry, dict) and isinstance(entry.get("panes"), list):
            return entry
        # Evicted under the size limit (or damaged): drop it from the index so the history
        # list stops offering an entry that cannot be restored.
        self.delete_comparison(entry_id)
        return None

    def delete_comparison(self, entry_id: str) -> bool:
        """Forget one comparison (its cached answers stay). True if it existed."""
        with self._guard("write"):
            listed = self._history.remove(entry_id)
            stored = bool(self._cache.delete(_HIST + entry_id))
        return listed or stored

    # ---- maintenance ----------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """entries (cache keys), samples, comparisons, size_bytes, size_limit, directory."""
        with self._guard("read"):
            with contextlib.closing(
                sqlite3.connect(str(self.directory / diskcache.core.DBNAME), timeout=10)
            ) as con:
                entries, samples = con.execute(
                    "SELECT COUNT(*), COALESCE(SUM(tag), 0) FROM Cache"
                    " WHERE typeof(tag) = 'integer'"
                ).fetchone()
            comparisons = self._history.count()
            size = self._cache.volume()
        return {
            "entries": int(entries),
            "samples": int(samples),
            "comparisons": comparisons,
            "size_bytes": int(size),
            "size_limit": self.size_limit,
            "directory": str(self.directory),
        }

    def clear(self) -> None:
        """Remove every answer and the whole history."""
        with self._guard("clear"):
            self._history.clear()
            self._cache.clear()

    def close(self) -> None:
        self._history.close()
        self._cache.close()

    def __enter__(self) -> "ResponseCache":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _hint(path: Path, exc: BaseException, name: str = diskcache.core.DBNAME) -> str:
    # Only a damaged database earns advice, and it names the one file, never the folder:
    # --cache-dir may point at a folder holding other things.
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return f" Move or delete {path / name} to start a fresh {'history' if name == HISTORY_DB else 'cache'}."
    return ""


def open_cache(
    directory: str | os.PathLike[str] | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    **options: Any,
) -> tuple[ResponseCache | None, str | None]:
    """(cache, None) or (None, warning sentence). Never raises.

    `directory` None means :func:`default_cache_dir`. `options` go to ResponseCache
    (max_samples, history_max, timeout, history_fts).
    """
    path: Any = directory
    try:
        path = Path(directory) if directory is not None else default_cache_dir()
        return ResponseCache(path, size_limit, **options), None
    except CacheUnavailable as exc:
        return None, f"{exc} The response cache is off for this run."
    except Exception as exc:  # noqa: BLE001 - the app must start without its cache
        return None, (
            f"The response cache at {path} could not be opened ({type(exc).__name__}: {exc}). "
            "The response cache is off for this run."
        )
