"""The leaderboard: each model's strength fitted from stored rankings, with bootstrap intervals.

The model (what the numbers mean)
---------------------------------
Bradley–Terry: model *i* has a strength θᵢ, and in any pair of answers the chance that *i*'s
is ranked above *j*'s is 1 / (1 + e^-(θᵢ-θⱼ)). A ranking of N panes is "broken" into its
N·(N-1)/2 pairs (full rank-breaking: a 4-way ranking says six things, a 2-way one says one).
Full breaking gives consistent estimates of Plackett–Luce strengths too (Azari Soufiani, Chen,
Parkes & Xia, "Computing parametric ranking models via rank-breaking", ICML 2014), and it
handles ties and repeated models without special cases:

* **Ties**: two panes in the same tie group count as half a win each (the LMArena / chess
  convention). A ranking that is one big tie says "these are equally good", and pulls their
  strengths together.
* **All bad**: an "all bad" vote is kept and counted (``votes``, and each model's
  ``all_bad``) but carries no ordering information: it adds nothing to the fit, the win
  matrix or first places, and does not count in a model's ``rankings``.
* **Same model twice** (two samples of one model): pairs of a model with itself are skipped;
  each of its panes is compared with every other model's panes.

The fit is choix's I-LSR maximum-likelihood estimator on the matrix of (half-)wins
(``choix.ilsr_pairwise_dense``) with a small regularisation (``ALPHA``) so that a model that
always wins, or was never compared with another, still gets a finite strength.

Score: θ on the Elo scale, ``1000 + 400·log10(e)·θ`` with θ centred on the mean model. A
difference of 400 points means 10:1 odds of being ranked higher, 120 points about 2:1,
0 points even. Scores are relative to the models in the same fit; they are not comparable
across filters.

Intervals: a 95% percentile bootstrap over *votes*: draw as many votes as there are, with
replacement (a whole vote at a time, so the pairs of one ranking stay together), refit,
repeat ``resamples`` times with a fixed seed (reproducible), and take the 2.5th and 97.5th
percentiles of each model's score. Read it as "how much this score moves if the same person
had cast a different but similar set of votes". When two models' intervals overlap, the
votes do not separate them: the leaderboard says so (``unseparated``). Under ``MIN_RANKINGS``
rankings a model's interval is not trusted either (a bootstrap of three votes is three votes
resampled), and its pairs are reported as unseparated too; so are two models that were never
compared, directly or through other models (only the regularisation would put them apart).

numpy and choix are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .vote_record import Vote

if TYPE_CHECKING:  # pragma: no cover
    from .votes import VoteStore

__all__ = [
    "ALPHA",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "Leaderboard",
    "MIN_RANKINGS",
    "ModelStanding",
    "WinMatrix",
    "fit_leaderboard",
    "leaderboard",
    "pairwise_counts",
]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20261128
ALPHA = 0.1  # ≈ a fraction of a virtual comparison between every two models: keeps θ finite
MIN_RANKINGS = 10
ELO_BASE = 1000.0
ELO_SCALE = 400.0 / math.log(10.0)


@dataclass(frozen=True)
class ModelStanding:
    """One row of the leaderboard."""

    model: str
    score: float  # Elo scale, see the module docstring
    ci_low: float  # 95% bootstrap interval of the score
    ci_high: float
    rankings: int  # votes (not all-bad) in which the model was ranked against another
    first_places: int  # of those, how many had it in the top group (shared first place counts)
    all_bad: int = 0  # all-bad votes it was part of
    thin: bool = False  # fewer than MIN_RANKINGS rankings: the interval is not trusted

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "score": round(self.score, 1), "ci_low": round(self.ci_low, 1),
                "ci_high": round(self.ci_high, 1), "rankings": self.rankings,
                "first_places": self.first_places}


@dataclass(frozen=True)
class WinMatrix:
    """``wins[i][j]``: pairs of panes where ``models[i]`` was ranked above ``models[j]``;
    ``ties[i][j]``: pairs where they shared a tie group. Models are in leaderboard order."""

    models: list[str]
    wins: list[list[int]]
    ties: list[list[int]]

    def record(self, a: str, b: str) -> tuple[int, int, int]:
        """(wins, losses, ties) of `a` against `b`."""
        i, j = self.models.index(a), self.models.index(b)
        return self.wins[i][j], self.wins[j][i], self.ties[i][j]

    def to_json(self) -> dict[str, Any]:
        return {"models": self.models, "wins": self.wins, "ties": self.ties}


@dataclass(frozen=True)
class Leaderboard:
    """Everything the Leaderboard tab and ``leaderboard --json`` show."""

    votes: int  # votes that passed the filters, all-bad ones included
    models: list[ModelStanding]  # best first
    win_matrix: WinMatrix
    unseparated: list[tuple[str, str]]  # pairs the votes cannot tell apart (better one first)
    unranked: list[str] = field(default_factory=list)  # seen only in all-bad votes
    all_bad_votes: int = 0
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    filters: dict[str, Any] = field(default_factory=dict)

    def standing(self, model: str) -> ModelStanding | None:
        return next((m for m in self.models if m.model == model), None)

    def separated(self, a: str, b: str) -> bool:
        """True when the votes put `a` and `b` apart (intervals disjoint, enough votes)."""
        return (a, b) not in self.unseparated and (b, a) not in self.unseparated

    def why_unseparated(self, a: str, b: str) -> str | None:
        """Why the votes cannot separate `a` and `b` (a phrase), or None if they can."""
        if self.separated(a, b):
            return None
        sa, sb = self.standing(a), self.standing(b)
        if sa is None or sb is None:
            return "one of them is not ranked"
        if sa.thin or sb.thin:
            return f"fewer than {MIN_RANKINGS} rankings"
        if sa.ci_low <= sb.ci_high and sb.ci_low <= sa.ci_high:
            return "their intervals overlap"
        return "they were never compared, not even through other models"

    def notes(self) -> list[str]:
        """Plain sentences about what the data cannot say yet."""
        out = []
        if not self.models:
            out.append("No rankings yet: rank the panes of a comparison, or import votes.")
        thin = [m.model for m in self.models if m.thin]
        if thin:
            out.append(f"Fewer than {MIN_RANKINGS} rankings for {_join(thin)}: "
                       "too few votes for a trustworthy interval.")
        if self.unseparated:
            pairs = "; ".join(f"{a} and {b}" for a, b in self.unseparated)
            out.append(f"Too thin to separate: {pairs}.")
        if self.unranked:
            out.append(f"Only in all-bad votes, so not ranked: {_join(self.unranked)}.")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "votes": self.votes,
            "models": [m.to_json() for m in self.models],
            "all_bad_votes": self.all_bad_votes,
            "unranked": self.unranked,
            "unseparated": [list(p) for p in self.unseparated],
            "win_matrix": self.win_matrix.to_json(),
            "resamples": self.resamples,
            "seed": self.seed,
            "notes": self.notes(),
        }


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---- from votes to counts ------------------------------------------------------------------


def pairwise_counts(vote: Vote) -> list[tuple[str, str, float]]:
    """(a, b, credit to a over b) for every pair of panes with different models.

    Higher group beats lower: (winner, loser, 1.0). Same group: (a, b, 0.5) and (b, a, 0.5).
    An all-bad vote gives nothing.
    """
    if vote.all_bad:
        return []
    out: list[tuple[str, str, float]] = []
    groups = vote.model_ranking()
    for g, group in enumerate(groups):
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                if group[x] != group[y]:
                    out += [(group[x], group[y], 0.5), (group[y], group[x], 0.5)]
            for lower in groups[g + 1:]:
                out += [(group[x], loser, 1.0) for loser in lower if loser != group[x]]
    return out


def _first_place(vote: Vote) -> set[str]:
    groups = vote.model_ranking()
    if vote.all_bad or len(groups) < 2:
        return set()  # one big tie: nobody came first
    return set(groups[0])


# ---- the fit -------------------------------------------------------------------------------


def _fit(matrix, initial=None):
    import choix

    return choix.ilsr_pairwise_dense(matrix, alpha=ALPHA, initial_params=initial, max_iter=500)


def fit_leaderboard(
    votes: Iterable[Vote],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    filters: dict[str, Any] | None = None,
) -> Leaderboard:
    """The leaderboard of `votes` (already filtered); see the module docstring."""
    import numpy as np

    votes = list(votes)
    all_bad = [v for v in votes if v.all_bad]
    per_vote = [(v, pairwise_counts(v)) for v in votes if not v.all_bad]
    per_vote = [(v, pairs) for v, pairs in per_vote if pairs]
    names = sorted({m for _, pairs in per_vote for a, b, _ in pairs for m in (a, b)})
    index = {m: i for i, m in enumerate(names)}
    k = len(names)

    rankings = dict.fromkeys(names, 0)
    firsts = dict.fromkeys(names, 0)
    for v, _ in per_vote:
        for m in set(v.models):
            if m in rankings:
                rankings[m] += 1
        for m in _first_place(v):
            if m in firsts:
                firsts[m] += 1
    bad_counts: dict[str, int] = {}
    for v in all_bad:
        for m in set(v.models):
            bad_counts[m] = bad_counts.get(m, 0) + 1
    unranked = sorted(m for m in bad_counts if m not in index)

    if k < 2:
        # Nothing to compare (no votes, or every ranking was one model against itself).
        return Leaderboard(votes=len(votes), models=[], win_matrix=WinMatrix([], [], []), unseparated=[],
                           unranked=sorted(set(unranked) | set(names)), all_bad_votes=len(all_bad),
                           resamples=resamples, seed=seed, filters=dict(filters or {}))

    # One k×k credit matrix per vote: a bootstrap resample is a weighted sum of them.
    stack = np.zeros((len(per_vote), k, k))
    wins = np.zeros((k, k), dtype=int)
    ties = np.zeros((k, k), dtype=int)
    for n, (_, pairs) in enumerate(per_vote):
        for a, b, credit in pairs:
            stack[n, index[a], index[b]] += credit
            if credit == 1.0:
                wins[index[a], index[b]] += 1
            else:
                ties[index[a], index[b]] += 1
    theta = np.asarray(_fit(stack.sum(axis=0)))

    rng = np.random.default_rng(seed)
    n_votes = len(per_vote)
    draws = []
    for _ in range(resamples):
        weights = np.bincount(rng.integers(0, n_votes, n_votes), minlength=n_votes)
        try:
            draws.append(_fit(np.tensordot(weights, stack, axes=1), theta))
        except RuntimeError:  # did not converge: drop this resample (very rare with ALPHA > 0)
            continue
    if draws:
        low, high = np.percentile(np.asarray(draws), [2.5, 97.5], axis=0)
    else:
        low = high = theta

    def elo(x: float) -> float:
        return float(ELO_BASE + ELO_SCALE * x)

    rows = [ModelStanding(model=m, score=elo(theta[i]), ci_low=elo(low[i]), ci_high=elo(high[i]),
                          rankings=rankings[m], first_places=firsts[m], all_bad=bad_counts.get(m, 0),
                          thin=rankings[m] < MIN_RANKINGS)
            for i, m in enumerate(names)]
    rows.sort(key=lambda r: (-r.score, r.model))
    order = [index[r.model] for r in rows]
    group = _components(wins + ties)
    unseparated = []
    for x, a in enumerate(rows):
        for b in rows[x + 1:]:
            overlap = a.ci_low <= b.ci_high and b.ci_low <= a.ci_high
            # Never compared, not even through other models: only the prior puts them apart.
            apart = group[index[a.model]] != group[index[b.model]]
            if overlap or a.thin or b.thin or apart:
                unseparated.append((a.model, b.model))
    matrix = WinMatrix(models=[r.model for r in rows],
                       wins=[[int(wins[i, j]) for j in order] for i in order],
                       ties=[[int(ties[i, j]) for j in order] for i in order])
    return Leaderboard(votes=len(votes), models=rows, win_matrix=matrix, unseparated=unseparated,
                       unranked=unranked, all_bad_votes=len(all_bad), resamples=len(draws), seed=seed,
                       filters=dict(filters or {}))


def _components(counts) -> list[int]:
    """Connected components of the comparison graph (an edge wherever two models met)."""
    k = len(counts)
    group = list(range(k))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i in range(k):
        for j in range(k):
            if counts[i][j]:
                group[root(i)] = root(j)
    return [root(i) for i in range(k)]


def leaderboard(
    store: "VoteStore",
    tag: str | None = None,
    blind_only: bool = False,
    since: Any = None,
    until: Any = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Leaderboard:
    """The leaderboard of the stored votes that pass the filters (see VoteStore.list)."""
    filters = {"tag": tag, "blind_only": blind_only, "since": since, "until": until}
    votes = store.list(tag=tag, blind_only=blind_only, since=since, until=until)
    return fit_leaderboard(votes, resamples=resamples, seed=seed, filters=filters)
