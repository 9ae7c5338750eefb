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
                             settings=run.settings, request=run.comparison.request)


def lookup(runtime: "Runtime", run: "_PaneRun", read: bool) -> bool:
    """Fill the pane from the newest stored sample. The key is kept even when not reading, so a
    bypassed run (or a re-roll) stores a new sample next to the old ones."""
    try:
        key = _key_for(runtime, run)
        run.state.cache_key = key
        if key is None or not read:
            return False
        # Two panes (or two samples of one pane) with the same model and settings share a key:
        # give each its own sample (newest first), and let one with no sample left run fresh, so
        # they never show one answer twice. Under the claims lock: a sample another run of this
        # comparison is storing right now is claimed by it, never offered here.
        with run.comparison.claims_lock:
            samples = runtime.cache.numbered_samples(key)
            claimed = run.comparison.claimed_samples.setdefault(key, set())
            free = [(n, r) for n, r in samples if n not in claimed]
            if not free:
                return False
            number, result = free[-1]
            claimed.add(number)
    except (CacheError, OSError) as exc:
        run.state.notes.append(f"cache unavailable for this pane: {exc}")
        return False
    with run.lock:
        run.state.show_cached(result, number, len(samples))
    return True


def store(runtime: "Runtime", run: "_PaneRun") -> None:
    key = run.state.cache_key
    if key is None:
        return
    try:
        with run.comparison.claims_lock:  # what this comparison generated is never replayed in it
            number = runtime.cache.add_sample(key, run.snapshot().to_result())
            if number is not None:
                run.comparison.claimed_samples.setdefault(key, set()).add(number)
        if number is not None:
            count = len(runtime.cache.numbered_samples(key))
            with run.lock:
                run.state.sample, run.state.samples = number, count
                run.state.version += 1
    except (CacheError, OSError) as exc:
        with run.lock:
            run.state.notes.append(f"not cached: {exc}")


def _stored_sample(state: Any) -> int | None:
    """The cache's sample number of a pane's answer, when the answer is in the cache."""
    if state.cache_key is None:
        return None
    return state.sample if state.cached or state.to_result().complete else None


def record(runtime: "Runtime", comparison: "Comparison") -> str | None:
    """Add the finished comparison to History (panes point at their cache key + sample)."""
    request = comparison.request
    panes = []
    for runs in comparison.by_pane():
        states = [run.snapshot() for run in runs]
        kept = [{"key": s.cache_key, "sample": _stored_sample(s), "settings": s.settings} for s in states]
        state = states[0]  # the pane's fields describe its first sample, as in compare --json
        panes.append({"model": state.model, "label": state.label, "source": state.source,
                      "settings": runs[0].pane.settings.model_dump(), "key": state.cache_key,
                      "sample": kept[0]["sample"], "samples": kept,
                      "error": state.error, "finish_reason": state.finish_reason})
    try:
        return runtime.cache.record_comparison(prompt=request.prompt, system=request.system,
                                               image_sha=image_digest(request.image), panes=panes)
    except (CacheError, OSError, ValueError):
        return None
