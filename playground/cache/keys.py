"""Cache key derivation: what makes two requests "the same question to the same model".

A key is the sha256 of canonical JSON over everything that can change an answer: the
cache format version, adapter, model id, the model's identity (which file or endpoint),
every generation setting (seed and thinking included; a setting at its neutral value is left
out, so adding a setting orphans nothing), the system prompt, the prompt and
the image's content hash. Canonical JSON (sorted keys, fixed separators) makes the key the
same in every process and on every run.

API keys never enter a key: the identity helpers never take one, endpoints lose their
credentials and secret-looking query parameters, and an identity dict with a secret-looking
field name is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playground.adapters.base import ChatRequest, GenerationSettings, ImageInput
from playground.settings_table import keyed_settings

# Bump when the key material or the stored record changes shape: old entries then simply
# stop matching and age out under LRU eviction.
CACHE_FORMAT_VERSION = 1

# How much of a GGUF's head and tail is hashed. Hashing a whole 5-20 GB file on every
# launch is too slow; size + mtime + head (metadata, tokenizer) + tail (last tensors)
# catches re-downloads, re-quantizations and truncated copies.
GGUF_HASH_BYTES = 4 * 1024 * 1024

# Field / query-parameter names that may carry a credential ("key", "api_key", "access_token",
# "x-goog-api-key", "client_secret", ...), matched as whole words so "tokenizer" is fine.
_SECRET_NAME = re.compile(
    r"(^|[-_])(api[-_]?key|apikey|key|token|secret|password|passwd|auth|authorization|sig|signature"
    r"|credentials?)($|[-_])",
    re.I,
)

_gguf_memo: dict[tuple[str, int, int], dict[str, Any]] = {}
_gguf_lock = threading.Lock()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal values give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _hash_head_tail(path: Path, size: int, chunk: int = GGUF_HASH_BYTES) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        if size <= 2 * chunk:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(block)
        else:
            digest.update(handle.read(chunk))
            handle.seek(size - chunk)
            digest.update(handle.read(chunk))
    return digest.hexdigest()


def gguf_identity(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Identity of a local model file: resolved path, size, mtime and a head+tail hash.

    Memoized on (path, size, mtime_ns), so only the first call per file version reads
    from disk. Raises OSError if the file cannot be read.
    """
    resolved = Path(path).expanduser().resolve()
    stat = resolved.stat()
    memo_key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    with _gguf_lock:
        cached = _gguf_memo.get(memo_key)
    if cached is not None:
        return dict(cached)
    identity = {
        "kind": "gguf",
        "path": str(resolved),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "head_tail_sha256": _hash_head_tail(resolved, stat.st_size),
        "hash_bytes": GGUF_HASH_BYTES,
    }
    with _gguf_lock:
        _gguf_memo[memo_key] = identity
    return dict(identity)


def clear_identity_memo() -> None:
    """Forget memoized GGUF identities (tests; a long-lived process never needs it)."""
    with _gguf_lock:
        _gguf_memo.clear()


def _clean_endpoint(endpoint: str) -> str:
    """Normalise an endpoint URL and strip anything that could be a credential."""
    parts = urlsplit(endpoint.strip())
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _SECRET_NAME.search(k)]
    return urlunsplit(
        (parts.scheme.lower(), host.lower(), parts.path.rstrip("/"), urlencode(sorted(query)), "")
    )


def api_identity(endpoint: str | None, model: str) -> dict[str, Any]:
    """Identity of a remote model: its endpoint (credentials stripped) and model name.

    `endpoint` None means the provider's default (e.g. the Gemini API without a base URL).
    """
    return {"kind": "api", "endpoint": _clean_endpoint(endpoint) if endpoint else None, "model": model}


def _check_no_secrets(value: Any, where: str = "identity") -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if _SECRET_NAME.search(str(name)):
                raise ValueError(
                    f"{where} has a field named {name!r}, which looks like a credential; "
                    "credentials must never enter a cache key"
                )
            _check_no_secrets(item, f"{where}.{name}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_no_secrets(item, f"{where}[{index}]")


def image_digest(image: ImageInput | None) -> str | None:
    """sha256 of the image bytes (hex), or None without an image."""
    return hashlib.sha256(image.data).hexdigest() if image is not None else None


def key_material(
    *,
    adapter: str,
    model_id: str,
    identity: dict[str, Any],
    settings: GenerationSettings,
    request: ChatRequest,
) -> dict[str, Any]:
    """Everything a cache key is made of, as a JSON-able dict (the key is its sha256)."""
    _check_no_secrets(identity)
    image = request.image
    return {
        "format": CACHE_FORMAT_VERSION,
        "adapter": adapter,
        "model_id": model_id,
        "identity": identity,
        # Every setting, except one at its neutral value (settings_table.keyed_settings): a row
        # added to the table later leaves the keys of every answer cached before it unchanged.
        "settings": keyed_settings(settings.model_dump(mode="json")),
        "system": request.system,
        "prompt": request.prompt,
        "image": None if image is None else {"sha256": image_digest(image), "mime": image.mime},
    }


def derive_key(
    *,
    adapter: str,
    model_id: str,
    identity: dict[str, Any],
    settings: GenerationSettings,
    request: ChatRequest,
) -> str:
    """The cache key: 64 hex chars, stable across processes for equal inputs."""
    material = key_material(
        adapter=adapter, model_id=model_id, identity=identity, settings=settings, request=request
    )
    return hashlib.sha256(canonical_json(material).encode("utf-8")).hexdigest()


def comparison_key(
    *, prompt: str, system: str | None, image_sha: str | None, panes: list[dict[str, Any]]
) -> str:
    """Hash (64 hex) of what defines a comparison: prompt, system prompt, image and each
    pane's model and settings, in pane order. Equal for identical re-runs, so History can
    later fold them into one entry; answers, errors and timings do not enter it.

    Never raises on odd text: a lone surrogate is hashed as its escaped code point.
    """
    material = {
        "format": CACHE_FORMAT_VERSION,
        "prompt": prompt,
        "system": system,
        "image_sha": image_sha,
        "panes": [
            {"model": p.get("model"), "settings": keyed_settings(p.get("settings") or {})}
            for p in panes
            if isinstance(p, dict)
        ],
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
