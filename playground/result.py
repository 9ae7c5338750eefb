"""The record of one pane's answer: what the runner produces, the cache stores, the CLI prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, make_dataclass
from dataclasses import field as dc_field
from typing import Any

@dataclass(frozen=True)
class Metric:
    """One row of the metrics table: everything the app says about a metric, said once. The pane
    line (format.py), the JSON (`Metrics.to_dict`), the cache replay (`from_dict`), the vote
    record (`KEPT_WITH_VOTES`), the leaderboard CLI and the speed-vs-quality plot loop over it."""

    name: str
    kind: type  # float or int
    unit: str  # "tok/s", "s", "tokens"
    help: str
    line: str | None = None  # its place in the pane line ("TTFT {}"); None: not on its own
    digits: int = 1  # decimals in the line and the chart
    better: str | None = None  # "higher", "lower" or None (a count is neither)
    kept_with_votes: bool = False  # copied into a vote, for the speed-vs-quality plot
    chart_label: str | None = None  # its axis on the plot; None: not plotted
    hide_below: float | None = None  # not in the line under this (a 0.01 s load is noise)
    derived: bool = False  # computed from other metrics (never stored, always recomputed)
    column: str | None = None  # its column heading in `leaderboard` (kept_with_votes rows)


# The line's order is this order.
METRICS: tuple[Metric, ...] = (
    Metric("tokens_per_s", float, "tok/s", "decode speed: (tokens after the first) ÷ (last token − first token)",
           line="{} tok/s", better="higher", kept_with_votes=True, chart_label="tokens/s", column="tok/s"),
    Metric("ttft_s", float, "s", "time to first token: request start (after loading) → first token",
           line="TTFT {}", digits=2, better="lower", kept_with_votes=True, chart_label="time to first token (s)", column="TTFT"),
    Metric("completion_tokens", int, "tokens", "tokens generated (answer + thinking)", line="{} tokens"),
    Metric("thinking_tokens", int, "tokens", "of which thinking"),
    Metric("prompt_tokens", int, "tokens", "tokens in the prompt the model read", line="prompt {}"),
    Metric("prefill_tokens_per_s", float, "tok/s",
           "prompt reading speed: prompt tokens ÷ prompt time (the time to first token)",
           line="prefill {} tok/s", digits=0, better="higher", kept_with_votes=True,
           chart_label="prefill tokens/s", derived=True, column="prefill"),
    Metric("load_s", float, "s", "loading the weights (0 when warm)", line="load {}", better="lower",
           hide_below=0.05),
    Metric("queue_s", float, "s", "waiting for a local slot", line="queued {}", better="lower", hide_below=0.05),
    Metric("total_s", float, "s", "pane start → finish, queue included", line="{} total", better="lower"),
)
METRIC_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
METRIC_FIELDS: tuple[str, ...] = tuple(m.name for m in METRICS if not m.derived)  # what is stored
KEPT_WITH_VOTES: tuple[str, ...] = tuple(m.name for m in METRICS if m.kept_with_votes)
# A prefill rate means something only over enough prompt and time (like the decode rate).
MIN_PREFILL_TOKENS = 8
MIN_PREFILL_WINDOW_S = 0.05


KEPT_FINISH_REASONS = frozenset({"stop", "length", "loop"})


class _MetricsRules:
    """What Metrics does besides holding values: derived rows, JSON both ways."""

    @property
    def prefill_tokens_per_s(self) -> float | None:
        """Prompt tokens ÷ prompt time (the time to first token, loading excluded); None when
        either is unknown or too small to mean anything."""
        prompt, ttft = self.prompt_tokens, self.ttft_s  # type: ignore[attr-defined]
        if not prompt or not ttft or prompt < MIN_PREFILL_TOKENS or ttft < MIN_PREFILL_WINDOW_S:
            return None
        return prompt / ttft

    def to_dict(self) -> dict[str, Any]:
        """Every row of the table, derived ones included (the JSON of `compare`, the cache)."""
        return {m.name: getattr(self, m.name) for m in METRICS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Metrics":
        """The stored rows back (a derived row is recomputed, never read)."""
        return cls(**{k: data.get(k) for k in METRIC_FIELDS})  # type: ignore[call-arg]


# A pane's measured metrics: one field per stored row of METRICS (all optional: None = unknown).
Metrics = make_dataclass(
    "Metrics", [(m.name, m.kind | None, dc_field(default=None)) for m in METRICS if not m.derived],
    bases=(_MetricsRules,), namespace={"__module__": __name__})


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
