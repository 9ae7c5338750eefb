"""The response cache: complete answers and the comparison history, in one folder.

The front door: callers import from ``playground.cache`` only.

* ``store.py``   ResponseCache (diskcache, JSON values) and open_cache / default_cache_dir
* ``keys.py``    what makes two requests "the same question to the same model" (derive_key,
                 the identity of a GGUF file or an API endpoint, comparison_key)
* ``disk.py``    the JSON-only, folder-confined diskcache Disk and the cache's errors
* ``history.py`` the comparison index (SQLite table, full-text search on the prompt)
* ``cli.py``     ``gemma-playground cache stats|clear|path``
"""

from __future__ import annotations

from .disk import CacheError, CacheUnavailable
from .keys import api_identity, comparison_key, derive_key, gguf_identity, image_digest
from .store import ResponseCache, default_cache_dir, open_cache

__all__ = [
    "CacheError",
    "CacheUnavailable",
    "ResponseCache",
    "api_identity",
    "comparison_key",
    "default_cache_dir",
    "derive_key",
    "gguf_identity",
    "image_digest",
    "open_cache",
]
