"""Text for the pane header: the metrics line (from playground/format.py, the bottom-layer module
the CLI also prints with, re-exported here), the effective sampling values and the thinking flag."""

from __future__ import annotations

from typing import Any

from playground.format import (  # noqa: F401  (re-exported: one metrics line for CLI, UI and exports)
    MIN_RATE_TOKENS,
    MIN_RATE_WINDOW_S,
    decode_window_s,
    format_metrics,
    format_rate,
    format_seconds,
    rate_is_meaningful,
)


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
