"""What a pane is asked (PaneRequest) and what it shows (PaneState): plain data, no threads.

The runner fills PaneStates; the UI, the export and the CLI read them. Kept apart from the
runner so that whoever only draws a pane does not depend on how panes are run.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from playground.adapters.base import GenerationSettings
from playground.result import Metrics, PaneResult
from playground.samples import MAX_SAMPLES
from playground.status import TERMINAL, PaneStatus


@dataclass(frozen=True)
class PaneRequest:
    model: str
    settings: GenerationSettings = GenerationSettings()
    samples: int = 1  # answers generated for this pane (1..MAX_SAMPLES)

    def __post_init__(self) -> None:
        if not 1 <= int(self.samples) <= MAX_SAMPLES:
            raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, not {self.samples}")


@dataclass
class PaneState:
    index: int
    model: str
    label: str
    source: str = "local"
    facts: str = ""
    settings: dict = field(default_factory=dict)
    status: PaneStatus = PaneStatus.QUEUED
    status_note: str = ""  # "queued (2 of 3)", "retrying in 2 s (1 of 3)"
    text: str = ""
    thinking: str = ""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    finish_reason: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    cached: bool = False
    created_at: float | None = None
    sample: int = 1  # the cache's number for this answer, and how many the cache holds
    samples: int = 1
    sample_index: int = 0  # which of the pane's requested samples this is (0-based)
    cache_key: str | None = None
    request: dict | None = None  # what the model was given, shown folded in the pane
    version: int = 0  # bumped on every change, so the UI can skip unchanged panes

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def show_cached(self, result: PaneResult, number: int, count: int) -> None:
        """Show a stored answer here: badge "cached", its original metrics, notes and time."""
        self.text, self.thinking = result.text, result.thinking
        self.metrics, self.notes = result.metrics, list(result.notes)
        self.finish_reason, self.error = result.finish_reason, None
        self.created_at, self.cached = result.created_at, True
        self.request = result.request
        self.status, self.status_note = PaneStatus.CACHED, ""
        self.sample, self.samples = number, count
        self.version += 1

    def to_result(self) -> PaneResult:
        return PaneResult(model=self.model, source=self.source, settings=dict(self.settings),
                          text=self.text, thinking=self.thinking, finish_reason=self.finish_reason,
                          error=self.error, metrics=copy.copy(self.metrics), notes=list(self.notes),
                          cached=self.cached, created_at=self.created_at,
                          request=copy.deepcopy(self.request))
