"""Glue between the runner and the response cache: which identity a pane's model has,
replaying a hit into a pane, storing a finished pane, recording the comparison in history.

A cache failure never fails a pane: it becomes a note and the pane runs uncached.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from playground.cache_disk import CacheError
from playground.cache_keys import api_identity, gguf_identity, image_digest

if TYPE_CHECKING:  # pragma: no cover
    from playground.runner import Comparison, _PaneRun
    from playground.runtime import Runtime

GEMINI_DEFAULT_ENDPOINT = "https://generativelanguage.googleapis.com"


def model_identity(spec: Any, with_image: bool) -> tuple[str, dict[str, Any]]:
    """(adapter name, identity) — what makes this model's answers this model's answers."""
    e = spec.entry
    if spec.kind == "llama":
        identity: dict[str, Any] = {"model": gguf_identity(spec.path)}
        if with_image and spec.mmproj_path is not None:
            identity["mmproj"] = gguf_identity(spec.mmproj_path)
        return "llama", identity
    if spec.kind == "gemini":
        endpoint = os.environ.get("GOOGLE_GEMINI_BASE_URL") or GEMINI_DEFAULT_ENDPOINT
        return "gemini", api_identity(endpoint, e.api_model or spec.id)
    return "openai", api_identity(e.base_url, e.model or spec.id)


def _key_for(runtime: "Runtime", run: "_PaneRun") -> str | None:
    spec = run.spec
    if spec is None or (spec.kind == "llama" and (spec.path is None or not spec.path.exists())):
        return None  # nothing to run either: the pane will report why
    adapter, identity = model_identity(spec, run.comparison.request.image is not None)
    return runtime.cache.key(adapter=adapter, model_id=spec.id, identity=identity,
                             settings=run.pane.settings, request=run.comparison.request)


def lookup(runtime: "Runtime", run: "_PaneRun", read: bool) -> bool:
    """Fill the pane from the newest stored sample. The key is kept even when not reading, so a
    bypassed run (or a re-roll) stores a new sample next to the old ones."""
    try:
        key = _key_for(runtime, run)
        run.state.cache_key = key
        if key is None or not read:
            return False
        samples = runtime.cache.numbered_samples(key)
    except (CacheError, OSError) as exc:
        run.state.notes.append(f"cache unavailable for this pane: {exc}")
        return False
    # Two panes with the same model and settings share a key: give each its own sample (newest
    # first), and let a pane with no sample left run fresh, so they never show one answer twice.
    claimed = run.comparison.claimed_samples.setdefault(key, set())
    free = [(n, r) for n, r in samples if n not in claimed]
    if not free:
        return False
    number, result = free[-1]
    claimed.add(number)
    with run.lock:
        run.state.show_cached(result, number, len(samples))
    return True


def store(runtime: "Runtime", run: "_PaneRun") -> None:
    key = run.state.cache_key
    if key is None:
        return
    try:
        number = runtime.cache.add_sample(key, run.snapshot().to_result())
        if number is not None:
            count = len(runtime.cache.numbered_samples(key))
            with run.lock:
                run.state.sample, run.state.samples = number, count
                run.state.version += 1
    except (CacheError, OSError) as exc:
        with run.lock:
            run.state.notes.append(f"not cached: {exc}")


def record(runtime: "Runtime", comparison: "Comparison") -> str | None:
    """Add the finished comparison to History (panes point at their cache key + sample)."""
    request = comparison.request
    panes = []
    for run in comparison.runs:
        state = run.snapshot()
        panes.append({"model": state.model, "label": state.label, "source": state.source,
                      "settings": state.settings, "key": state.cache_key,
                      "sample": state.sample if (state.cached or state.status == "done") and state.cache_key else None,
                      "error": state.error, "finish_reason": state.finish_reason})
    try:
        return runtime.cache.record_comparison(prompt=request.prompt, system=request.system,
                                               image_sha=image_digest(request.image), panes=panes)
    except (CacheError, OSError, ValueError):
        return None
