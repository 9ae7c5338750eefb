"""A pane's metrics as plain text, one line, the same in the CLI, the web UI and exports.

Bottom layer: the CLI prints it without importing the UI (playground/ui/format.py re-exports it).
"""

from __future__ import annotations

from playground.result import METRIC_BY_NAME, METRICS, Metrics

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


def format_value(name: str, value: float | int | None, m: Metrics | None = None) -> str:
    """One metric's value as the line and the leaderboard show it: the table's unit and digits,
    seconds as format_seconds does, a decode rate "—" when its window is too short."""
    row = METRIC_BY_NAME[name]
    if value is None:
        return "—"
    if name == "tokens_per_s" and m is not None:
        return format_rate(m).removesuffix(" tok/s")
    if row.unit == "s":
        return format_seconds(value, row.digits)
    if row.kind is int:
        return str(int(value))
    return f"{value:.{row.digits}f}"


def format_metrics(m: Metrics) -> str:
    """"42.1 tok/s · TTFT 0.31 s · 120 tokens (40 thinking) · prompt 12 · prefill 230 tok/s ·
    load 0.6 s · queued 2.0 s · 3.2 s total": the metrics table's rows with a place in the line,
    in its order (thinking tokens ride along with the tokens)."""
    parts = []
    for row in METRICS:
        value = getattr(m, row.name)
        if row.line is None or value is None:
            continue
        if row.hide_below is not None and value < row.hide_below:
            continue
        text = row.line.format(format_value(row.name, value, m))
        if row.name == "completion_tokens" and m.thinking_tokens:
            text += f" ({m.thinking_tokens} thinking)"
        parts.append(text)
    return " · ".join(parts) if parts else "—"
