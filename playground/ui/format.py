"""Plain-text formatting shared by the CLI and the web UI (no gradio import here)."""

from __future__ import annotations

from typing import Any

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


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_sampling(settings: dict[str, Any]) -> tuple[str, str]:
    """The effective sampling values a pane ran with: a compact line ("t 1 · p 0.95 · k 64 ·
    seed 5") and its long form for a tooltip. Values not known (None) are left out."""
    short, long = [], []
    for key, abbrev, name in (("temperature", "t", "temperature"), ("top_p", "p", "top-p"),
                              ("top_k", "k", "top-k"), ("seed", "seed", "seed")):
        value = settings.get(key)
        if value is None:
            if key == "seed":
                long.append("seed: random")
            continue
        short.append(f"{abbrev} {_number(value)}")
        long.append(f"{name}: {_number(value)}")
    if settings.get("max_tokens") is not None:
        short.append(f"max {settings['max_tokens']}")
        long.append(f"max tokens: {settings['max_tokens']}")
    return " · ".join(short), ", ".join(long)


def thinking_flag(requested: bool | None, shows_thinking: bool) -> str:
    """What the header says about thinking, true to what the pane shows: a model asked not to
    think that thought anyway says so."""
    if requested:
        return "thinking on"
    return "thought anyway" if shows_thinking else "thinking off"
