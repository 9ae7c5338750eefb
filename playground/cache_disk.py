"""diskcache plumbing for the response cache: a JSON-only Disk and the cache's errors."""

from __future__ import annotations

import math
from typing import Any

import diskcache
from diskcache.core import MODE_PICKLE


class CacheError(Exception):
    """The cache failed while in use (disk full, database damaged, lock timeout)."""


class CacheUnavailable(CacheError):
    """The cache directory cannot be used; the message says which path and why."""


class _UnsafeValue(ValueError):
    """A stored value this cache did not write as JSON (e.g. a pickle)."""


class SafeJSONDisk(diskcache.JSONDisk):
    """diskcache's JSONDisk, minus every path that could reach ``pickle.load``.

    JSONDisk writes JSON, but its base class still unpickles rows whose mode column says
    "pickle" and keys whose raw flag is 0. A tampered database could set either, so both
    are refused here and the value is treated as absent.
    """

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise _UnsafeValue("refusing a pickled key")
        return super().get(key, raw)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise _UnsafeValue("refusing a pickled value")
        return super().fetch(mode, filename, value, read)


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
