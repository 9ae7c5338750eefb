"""Plain-text formatting shared by the CLI and the web UI (no gradio import here)."""

from __future__ import annotations

from playground.result import Metrics


def format_metrics(m: Metrics) -> str:
    """"42.1 tok/s · TTFT 0.31 s · 120 tokens (40 thinking) · load 0.6 s · queue 2.0 s · 3.2 s total"."""
    parts = []
    if m.tokens_per_s is not None:
        parts.append(f"{m.tokens_per_s:.1f} tok/s")
    if m.ttft_s is not None:
        parts.append(f"TTFT {m.ttft_s:.2f} s")
    if m.completion_tokens is not None:
        tokens = f"{m.completion_tokens} tokens"
        if m.thinking_tokens:
            tokens += f" ({m.thinking_tokens} thinking)"
        parts.append(tokens)
    if m.prompt_tokens is not None:
        parts.append(f"prompt {m.prompt_tokens}")
    if m.load_s:
        parts.append(f"load {m.load_s:.1f} s")
    if m.queue_s and m.queue_s >= 0.05:
        parts.append(f"queued {m.queue_s:.1f} s")
    if m.total_s is not None:
        parts.append(f"{m.total_s:.1f} s total")
    return " · ".join(parts) if parts else "—"
