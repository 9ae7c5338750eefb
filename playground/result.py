"""The record of one pane's answer: what the runner produces, the cache stores, the CLI prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

METRIC_FIELDS = (
    "queue_s",
    "load_s",
    "ttft_s",
    "tokens_per_s",
    "prompt_tokens",
    "completion_tokens",
    "thinking_tokens",
    "total_s",
)


KEPT_FINISH_REASONS = frozenset({"stop", "length", "loop"})


@dataclass
class Metrics:
    queue_s: float | None = None  # waiting for a local slot
    load_s: float | None = None  # loading weights (0 when warm)
    ttft_s: float | None = None  # request start (after load) → first token
    tokens_per_s: float | None = None  # (tokens after the first) / (last token − first token)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None  # answer + thinking tokens generated
    thinking_tokens: int | None = None
    total_s: float | None = None  # pane start → finish, queue included

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Metrics":
        return cls(**{k: data.get(k) for k in METRIC_FIELDS})


@dataclass
class PaneResult:
    """One finished (or failed, or stopped) pane."""

    model: str  # catalog id as the user named it
    source: str  # "local", "gemini", "openai"
    settings: dict[str, Any]
    text: str = ""
    thinking: str = ""
    finish_reason: str | None = None  # stop, length, loop, cancelled, error, timeout, ...
    error: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    notes: list[str] = field(default_factory=list)  # e.g. "system prompt folded into user turn"
    cached: bool = False
    created_at: float | None = None  # unix time the answer was generated
    request: dict[str, Any] | None = None  # what the model was given (see adapters.base.RequestSent)

    @property
    def complete(self) -> bool:
        """An answer worth keeping: it ended on its own (stop), at max tokens (length) or was
        stopped for repeating itself (loop) — a loop is a finding about the model, not a failure
        of the run. Errors, timeouts and answers the user cancelled are not kept."""
        return self.error is None and self.finish_reason in KEPT_FINISH_REASONS

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["metrics"] = self.metrics.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PaneResult":
        data = dict(data)
        data["metrics"] = Metrics.from_dict(data.get("metrics") or {})
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})
