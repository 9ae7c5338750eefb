"""Response cache: complete answers stored as JSON on diskcache, plus a comparison history.

Layout inside one ``diskcache.Cache`` (LRU eviction, size-limited):

* ``r:<key>``  → ``{"v", "next", "samples": [{"n": 1, "result": PaneResult.to_dict()}, ...]}``;
  the newest ``max_samples`` answers for one cache key, oldest first. ``n`` is a stable
  1-based sample number: trimming old samples never renumbers the kept ones, so a history
  entry that points at sample 3 still finds sample 3 (or nothing, once it was trimmed).
  The diskcache tag holds the sample count, so ``stats()`` is one SQL aggregate.
* ``h:<id>``   → one full comparison (prompt, system, image hash, panes with key + sample).
* ``hist-index`` → summaries of every comparison, oldest first, so ``history()`` is one read.

Read-modify-writes run inside ``cache.transact()`` (SQLite ``BEGIN IMMEDIATE``), which
serialises writers across threads and processes. Values are zlib-compressed JSON written
by :class:`SafeJSONDisk`, which also refuses to unpickle anything it finds: whoever can
write the cache directory must not be able to run code in the app.

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

from .adapters.base import ChatRequest, GenerationSettings
from .cache_disk import CacheError, CacheUnavailable, SafeJSONDisk, describe_error, json_safe
from .cache_keys import (
    CACHE_FORMAT_VERSION,
    api_identity,
    derive_key,
    gguf_identity,
    image_digest,
    key_material,
)
from .result import PaneResult

__all__ = [
    "CACHE_FORMAT_VERSION",
    "CacheError",
    "CacheUnavailable",
    "ResponseCache",
    "SafeJSONDisk",
    "api_identity",
    "default_cache_dir",
    "gguf_identity",
    "image_digest",
    "key_material",
    "open_cache",
]

ENV_CACHE_DIR = "GEMMA_PLAYGROUND_CACHE_DIR"
DEFAULT_SIZE_LIMIT = 2 * 1024**3
DEFAULT_MAX_SAMPLES = 8
DEFAULT_HISTORY_MAX = 1000
# history() searches the index, which keeps at most this much of each prompt: the index is
# rewritten on every comparison, so a pasted 100 KB document must not ride along.
INDEX_TEXT_CHARS = 4000

_RESP = "r:"
_HIST = "h:"
_INDEX = "hist-index"


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
    """Complete answers keyed by :meth:`key`, and a searchable history of comparisons."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        size_limit: int = DEFAULT_SIZE_LIMIT,
        *,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        history_max: int = DEFAULT_HISTORY_MAX,
        timeout: float = 10.0,
    ) -> None:
        if max_samples < 1 or history_max < 1 or size_limit < 1:
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
            self._cache.get(_INDEX)
            self._cache.volume()
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            self._cache.close()
            raise CacheUnavailable(f"The cache at {path} is damaged ({describe_error(exc)}).{_hint(path, exc)}") from exc
        except (ValueError, zlib.error):
            pass  # a foreign index value is ignored and rewritten on the next comparison

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

    def _read_index(self) -> list[dict[str, Any]]:
        index = self._get(_INDEX)
        if isinstance(index, dict) and isinstance(index.get("entries"), list):
            return [e for e in index["entries"] if isinstance(e, dict) and isinstance(e.get("id"), str)]
        return []

    def _write_index(self, entries: list[dict[str, Any]]) -> None:
        self._cache.set(_INDEX, {"v": CACHE_FORMAT_VERSION, "entries": entries})

    # ---- answers --------------------------------------------------------------------

    def key(
        self,
        *,
        adapter: str,
        model_id: str,
        identity: dict[str, Any],
        settings: GenerationSettings,
        request: ChatRequest,
    ) -> str:
        """sha256 (hex) over everything that can change the answer; see cache_keys."""
        return derive_key(
            adapter=adapter, model_id=model_id, identity=identity, settings=settings, request=request
        )

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

        Only ``result.complete`` answers are kept (no error, finish_reason stop/length):
        errors, cancelled, partial, loop and timeout results return None. At most
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
    ) -> str:
        """Save one comparison and return its id.

        Each pane is a JSON-able dict; to be restorable it should hold at least ``model``,
        ``key`` (cache key, or None if the pane was not cached) and ``sample`` (the number
        add_sample returned, or None). Anything else in it (source, label, error) is kept.
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
        entry = {
            "v": CACHE_FORMAT_VERSION,
            "id": entry_id,
            "time": now,
            "prompt": prompt,
            "system": system,
            "image_sha": image_sha,
            "models": models,
            "panes": panes,
        }
        summary = {
            "id": entry_id,
            "time": now,
            "prompt": prompt[:INDEX_TEXT_CHARS],
            "prompt_truncated": len(prompt) > INDEX_TEXT_CHARS,
            "system": None if system is None else system[:INDEX_TEXT_CHARS],
            "image_sha": image_sha,
            "models": models,
        }
        with self._guard("write"), self._cache.transact():
            self._cache.set(_HIST + entry_id, entry)
            index = self._read_index()
            index.append(summary)
            for old in index[: -self.history_max]:
                self._cache.delete(_HIST + old["id"])
            self._write_index(index[-self.history_max :])
        return entry_id

    def history(self, query: str = "", limit: int = 100) -> list[dict[str, Any]]:
        """Comparison summaries, newest first, whose prompt contains `query` (any case).

        A summary has id, time, prompt (first 4000 chars), prompt_truncated, system,
        image_sha and models; get_comparison(id) gives the panes.
        """
        needle = query.casefold()
        with self._guard("read"):
            index = self._read_index()
        out = []
        for summary in reversed(index):
            if len(out) >= limit:
                break
            if needle in str(summary.get("prompt", "")).casefold():
                out.append(summary)
        return out

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
        with self._guard("write"), self._cache.transact():
            existed = bool(self._cache.delete(_HIST + entry_id))
            index = self._read_index()
            kept = [e for e in index if e["id"] != entry_id]
            if len(kept) != len(index):
                self._write_index(kept)
                existed = True
        return existed

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
            comparisons = len(self._read_index())
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
            self._cache.clear()

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> "ResponseCache":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _hint(path: Path, exc: BaseException) -> str:
    # Only a damaged database earns advice, and it names the one file, never the folder:
    # --cache-dir may point at a folder holding other things.
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return f" Move or delete {path / diskcache.core.DBNAME} to start a fresh cache."
    return ""


def open_cache(
    directory: str | os.PathLike[str] | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    **options: Any,
) -> tuple[ResponseCache | None, str | None]:
    """(cache, None) or (None, warning sentence). Never raises.

    `directory` None means :func:`default_cache_dir`. `options` go to ResponseCache
    (max_samples, history_max, timeout).
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
