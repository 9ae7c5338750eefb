"""Text for the pane header: the metrics line (from playground/format.py, the bottom-layer module
the CLI also prints with, re-exported here), the effective sampling values and the thinking flag."""

from __future__ import annotations

from typing import Any

from playground.settings_table import HEADER, not_sent

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


def format_sampling(settings: dict[str, Any], source: str | None = None) -> tuple[str, str]:
    """The effective sampling values a pane ran with: a compact line ("t 1 · p 0.95 · k 64 ·
    seed 5 · max 256") and its long form for a tooltip, which also says once what the pane's
    source could not send ("min_p not sent: the Gemini API has no such setting"). Values not
    known (None) are left out. The rows and their order are the settings table's (HEADER)."""
    short, long = [], []
    for row in HEADER:
        value = settings.get(row.name)
        name = row.pane_label or row.name
        if value is None:
            if row.name == "seed":
                long.append("seed: random")
            continue
        short.append(f"{row.abbrev} {_number(value)}")
        long.append(f"{name}: {_number(value)}")
    long.extend(not_sent(settings, source))
    return " · ".join(short), ", ".join(long)


def thinking_flag(requested: bool | None, shows_thinking: bool) -> str:
    """What the header says about thinking, true to what the pane shows: a model asked not to
    think that thought anyway says so."""
    if requested:
        return "thinking on"
    return "thought anyway" if shows_thinking else "thinking off"
