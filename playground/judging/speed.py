"""Speed vs quality: each ranked model's leaderboard score beside how fast it answered.

The score and its interval come from the fit (:mod:`.ranking`); the speeds are medians of the
judged panes' own metrics (tokens per second, time to first token), read from the vote when it
carries them and otherwise from the response cache. A separate step from the fit, so the
leaderboard never waits on the cache and the plot can reuse a board already fitted.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from .ranking import DEFAULT_RESAMPLES, DEFAULT_SEED, Leaderboard, fit_leaderboard
from .vote_record import Vote

if TYPE_CHECKING:  # pragma: no cover
    from .votes import VoteStore

__all__ = ["SpeedPoint", "pane_metrics", "speed_points", "speed_quality"]


@dataclass(frozen=True)
class SpeedPoint:
    """One model on the speed-vs-quality plot. Speeds are medians over the judged panes
    whose metrics are known (``measured`` of them); None when none are."""

    model: str
    score: float
    ci_low: float
    ci_high: float
    median_tokens_per_s: float | None
    median_ttft_s: float | None
    measured: int

    def to_json(self) -> dict[str, Any]:
        def r(x: float | None, digits: int) -> float | None:
            return None if x is None else round(x, digits)

        return {"model": self.model, "score": round(self.score, 1), "ci_low": round(self.ci_low, 1),
                "ci_high": round(self.ci_high, 1), "median_tokens_per_s": r(self.median_tokens_per_s, 2),
                "median_ttft_s": r(self.median_ttft_s, 3), "measured": self.measured}


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
                    m = result.metrics
                    metrics = {k: v for k, v in (("tokens_per_s", m.tokens_per_s), ("ttft_s", m.ttft_s))
                               if v is not None}
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
        tps = [m["tokens_per_s"] for m in measured if m.get("tokens_per_s") is not None]
        ttft = [m["ttft_s"] for m in measured if m.get("ttft_s") is not None]
        points.append(SpeedPoint(model=row.model, score=row.score, ci_low=row.ci_low, ci_high=row.ci_high,
                                 median_tokens_per_s=statistics.median(tps) if tps else None,
                                 median_ttft_s=statistics.median(ttft) if ttft else None,
                                 measured=len(measured)))
    return points
