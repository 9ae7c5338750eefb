"""Speed vs quality: each ranked model's leaderboard score beside how fast it answered.

The score and its interval come from the fit (:mod:`.ranking`); the speeds are medians of the
judged panes' own metrics (those the metrics table keeps with votes: tokens per second, time
to first token, prefill tokens per second), read from the vote when it
carries them and otherwise from the response cache. A separate step from the fit, so the
leaderboard never waits on the cache and the plot can reuse a board already fitted.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from playground.result import KEPT_WITH_VOTES, METRIC_BY_NAME

from .ranking import DEFAULT_RESAMPLES, DEFAULT_SEED, Leaderboard, fit_leaderboard
from .vote_record import Vote

if TYPE_CHECKING:  # pragma: no cover
    from .votes import VoteStore

__all__ = ["SpeedPoint", "pane_metrics", "speed_points", "speed_quality"]


@dataclass(frozen=True)
class SpeedPoint:
    """One model on the speed-vs-quality plot. Speeds are medians over the judged panes
    whose metrics are known (``measured`` of them), one per metric kept with votes (the
    metrics table, playground/result.py); None when none are."""

    model: str
    score: float
    ci_low: float
    ci_high: float
    medians: dict[str, float | None]  # metric name -> median over the judged panes
    measured: int

    @property
    def median_tokens_per_s(self) -> float | None:
        return self.medians.get("tokens_per_s")

    @property
    def median_ttft_s(self) -> float | None:
        return self.medians.get("ttft_s")

    def median(self, name: str) -> float | None:
        return self.medians.get(name)

    def __getattr__(self, name: str) -> Any:  # median_prefill_tokens_per_s, … (one per table row)
        if name.startswith("median_") and name[7:] in KEPT_WITH_VOTES:
            return self.__dict__["medians"].get(name[7:])
        raise AttributeError(name)

    def to_json(self) -> dict[str, Any]:
        def r(x: float | None, digits: int) -> float | None:
            return None if x is None else round(x, digits)

        return ({"model": self.model, "score": round(self.score, 1), "ci_low": round(self.ci_low, 1),
                 "ci_high": round(self.ci_high, 1)}
                | {f"median_{name}": r(self.medians.get(name), METRIC_BY_NAME[name].digits + 1)
                   for name in KEPT_WITH_VOTES}
                | {"measured": self.measured})


def pane_metrics(votes: Iterable[Vote], cache: Any = None) -> dict[str, list[dict[str, float]]]:
    """model → the metrics of each distinct judged answer.

    A pane's own ``metrics`` come first (the UI stores them with the vote; an import may give
    them); otherwise, with a response `cache`, the cached answer (``key`` + ``sample``) is
    read. One cached answer judged twice counts once.
    """
    out: dict[str, list[dict[str, float]]] = {}
    seen: set[tuple[str, int]] = set()
    for vote in votes:
        for pane in vote.panes:
            ident = (pane.key, pane.sample) if pane.key and pane.sample else None
            if ident is not None:
                if ident in seen:
                    continue
                seen.add(ident)
            metrics = dict(pane.metrics)
            if not metrics and ident is not None and cache is not None:
                try:
                    result = cache.sample(pane.key, pane.sample)
                except Exception:  # noqa: BLE001 - a cache problem only loses this point
                    result = None
                if result is not None:
                    metrics = {k: v for k in KEPT_WITH_VOTES
                               if (v := getattr(result.metrics, k, None)) is not None}
            if metrics:
                out.setdefault(pane.model, []).append(metrics)
    return out


def speed_quality(
    store: "VoteStore",
    cache: Any = None,
    *,
    board: Leaderboard | None = None,
    tag: str | None = None,
    blind_only: bool = False,
    since: Any = None,
    until: Any = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[SpeedPoint]:
    """Each ranked model's strength against its median tok/s and time to first token.

    `cache` is a ResponseCache (optional) for panes whose vote carries no metrics. Pass
    `board` to reuse a leaderboard already fitted with the same filters."""
    votes = store.list(tag=tag, blind_only=blind_only, since=since, until=until)
    if board is None:
        board = fit_leaderboard(votes, resamples=resamples, seed=seed)
    return speed_points(board, pane_metrics(votes, cache))


def speed_points(board: Leaderboard, metrics: dict[str, list[dict[str, float]]]) -> list[SpeedPoint]:
    points = []
    for row in board.models:
        measured = metrics.get(row.model, [])
        medians = {}
        for name in KEPT_WITH_VOTES:
            values = [m[name] for m in measured if m.get(name) is not None]
            medians[name] = statistics.median(values) if values else None
        points.append(SpeedPoint(model=row.model, score=row.score, ci_low=row.ci_low, ci_high=row.ci_high,
                                 medians=medians, measured=len(measured)))
    return points
