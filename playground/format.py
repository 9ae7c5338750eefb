"""A pane's metrics as plain text, one line, the same in the CLI, the web UI and exports.

Bottom layer: the CLI prints it without importing the UI (playground/ui/format.py re-exports it).
"""

from __future__ import annotations

from playground.result import Metrics

# A decode rate means something only over a real window: an answer that arrives in one or two
# chunks (a cached API reply, a three-token answer) gives "315506.5 tok/s". Below either bound
# the rate is shown as "—".
MIN_RATE_TOKENS = 8
MIN_RATE_WINDOW_S = 0.25


def decode_window_s(m: Metrics) -> float | None:
    """Seconds from the first to the last token, recovered from tokens/s (tokens after the
    first ÷ that window); None when it cannot be known."""
    if not m.tokens_per_s or not m.completion_tokens or m.completion_tokens < 2:
        return None
    return (m.completion_tokens - 1) / m.tokens_per_s


def rate_is_meaningful(m: Metrics) -> bool:
    window = decode_window_s(m)
    return (window is not None and (m.completion_tokens or 0) >= MIN_RATE_TOKENS
            and window >= MIN_RATE_WINDOW_S)


def format_rate(m: Metrics) -> str:
    """"42.1 tok/s", or "— tok/s" when the decode window is too short to mean anything."""
    if m.tokens_per_s is None:
        return "— tok/s"
    return f"{m.tokens_per_s:.1f} tok/s" if rate_is_meaningful(m) else "— tok/s"


def format_seconds(seconds: float | None, digits: int = 1) -> str:
    """"3.2 s"; under 0.05 s (what would print as "0.0 s") "< 0.05 s"; None "—"."""
    if seconds is None:
        return "—"
    if seconds < 0.05:
        return "< 0.05 s"
    return f"{seconds:.{digits}f} s"


def format_metrics(m: Metrics) -> str:
    """"42.1 tok/s · TTFT 0.31 s · 120 tokens (40 thinking) · load 0.6 s · queue 2.0 s · 3.2 s total"."""
    parts = []
    if m.tokens_per_s is not None:
        parts.append(format_rate(m))
    if m.ttft_s is not None:
        parts.append(f"TTFT {format_seconds(m.ttft_s, 2)}")
    if m.completion_tokens is not None:
        tokens = f"{m.completion_tokens} tokens"
        if m.thinking_tokens:
            tokens += f" ({m.thinking_tokens} thinking)"
        parts.append(tokens)
    if m.prompt_tokens is not None:
        parts.append(f"prompt {m.prompt_tokens}")
    if m.load_s and m.load_s >= 0.05:
        parts.append(f"load {m.load_s:.1f} s")
    if m.queue_s and m.queue_s >= 0.05:
        parts.append(f"queued {m.queue_s:.1f} s")
    if m.total_s is not None:
        parts.append(f"{format_seconds(m.total_s)} total")
    return " · ".join(parts) if parts else "—"
