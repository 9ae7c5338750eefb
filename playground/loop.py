"""Degenerate-output detection: a model stuck repeating the same span forever.

The check is exact periodicity of the tail: the last `span` characters equal the `span`
characters one period earlier. Real loops ("---\\n" forever, a sentence over and over) are
exactly periodic; SVG path data, tables and lists vary (numbers, words) so they are not,
unless they truly repeat the same line many times in a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class LoopSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    min_repeats: int = Field(8, ge=2, le=1000, description="repeats of the same span before stopping")
    min_chars: int = Field(256, ge=16, le=100_000, description="repeated text needed before stopping")
    max_period: int = Field(400, ge=1, le=4000, description="longest repeating unit checked (chars)")
    check_every: int = Field(32, ge=1, le=4096, description="check after this many new chars")


@dataclass(frozen=True)
class LoopFound:
    unit: str
    repeats: int

    def describe(self) -> str:
        shown = self.unit if len(self.unit) <= 40 else self.unit[:37] + "..."
        return f"stopped: repeating {shown!r} ×{self.repeats}"


def find_loop(text: str, settings: LoopSettings) -> LoopFound | None:
    """Return the repeating unit at the end of `text`, if the tail is a long exact loop."""
    n = len(text)
    for period in range(1, min(settings.max_period, n // 2) + 1):
        span = max(settings.min_chars, (settings.min_repeats - 1) * period)
        if span + period > n:
            continue
        if text[n - span:] == text[n - span - period:n - period]:
            unit = text[n - period:]
            if unit.strip() == "" and period > 1:
                continue  # whitespace padding: let the period-1 check decide
            repeats = 1
            while repeats * period + period <= n and \
                    text[n - (repeats + 1) * period:n - repeats * period] == unit:
                repeats += 1
            return LoopFound(unit=unit, repeats=repeats)
    return None


class LoopDetector:
    """Feed it the growing text; it rechecks every `check_every` new characters."""

    def __init__(self, settings: LoopSettings | None = None):
        self.settings = settings or LoopSettings()
        self._checked_at = 0

    def check(self, text: str) -> LoopFound | None:
        if not self.settings.enabled or len(text) - self._checked_at < self.settings.check_every:
            return None
        self._checked_at = len(text)
        return find_loop(text, self.settings)
