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

The fit (:mod:`.bradley_terry`) is the maximum-likelihood estimate over the unique (pair,
outcome) rows of all the votes, with counts as weights (never a models × models matrix), and a
small ridge penalty (``ALPHA``) so that a model that always wins, or was never compared with
another, still gets a finite strength.

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

The result of :func:`leaderboard` is kept on the store per vote-set state (a counter the
database bumps on every write): refreshing an unchanged leaderboard never refits.

numpy and scipy are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import itertools
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
    "Unseparated",
    "ModelStanding",
    "WinMatrix",
    "fit_leaderboard",
    "leaderboard",
    "pairwise_counts",
]

from .defaults import DEFAULT_RESAMPLES, DEFAULT_SEED  # the one bootstrap size (UI, CLI, README)

ALPHA = 0.1  # ≈ a fraction of a virtual comparison between every two models: keeps θ finite
MIN_RANKINGS = 10
MAX_LISTED_PAIRS = 30  # unseparated pairs named in a note; the rest are counted
MAX_JSON_PAIRS = 10_000  # unseparated pairs listed by to_json (unseparated_count has them all)
DENSE_JSON_MODELS = 100  # up to this many models, to_json adds the dense win/tie matrices
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
    """Head to head, sparse: ``pairs[(a, b)]`` (``a`` placed above ``b``) is (pairs of panes
    where ``a`` was ranked above ``b``, where ``b`` was above ``a``, where they shared a tie
    group); pairs that never met are absent. Models are in leaderboard order."""

    models: list[str]
    pairs: dict[tuple[str, str], tuple[int, int, int]] = field(default_factory=dict)

    def record(self, a: str, b: str) -> tuple[int, int, int]:
        """(wins, losses, ties) of `a` against `b`."""
        if (a, b) in self.pairs:
            return self.pairs[(a, b)]
        wins, losses, ties = self.pairs.get((b, a), (0, 0, 0))
        return losses, wins, ties

    @property
    def wins(self) -> list[list[int]]:
        """Dense ``wins[i][j]`` (row beat column) — for small boards only: it is N×N."""
        return [[self.record(a, b)[0] if a != b else 0 for b in self.models] for a in self.models]

    @property
    def ties(self) -> list[list[int]]:
        return [[self.record(a, b)[2] if a != b else 0 for b in self.models] for a in self.models]

    def to_json(self) -> dict[str, Any]:
        """``pairs`` as [a, b, a's wins, b's wins, ties]; the dense ``wins``/``ties`` matrices too
        when there are at most DENSE_JSON_MODELS models."""
        out: dict[str, Any] = {"models": self.models,
                               "pairs": [[a, b, *counts] for (a, b), counts in self.pairs.items()]}
        if len(self.models) <= DENSE_JSON_MODELS:
            out |= {"wins": self.wins, "ties": self.ties}
        return out


@dataclass(frozen=True)
class Leaderboard:
    """Everything the Leaderboard tab and ``leaderboard --json`` show."""

    votes: int  # votes that passed the filters, all-bad ones included
    models: list[ModelStanding]  # best first
    win_matrix: WinMatrix
    unseparated: Sequence[tuple[str, str]]  # pairs the votes cannot tell apart (better one first)
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
            listed = list(itertools.islice(self.unseparated, MAX_LISTED_PAIRS + 1))
            pairs = "; ".join(f"{a} and {b}" for a, b in listed[:MAX_LISTED_PAIRS])
            more = len(self.unseparated) - MAX_LISTED_PAIRS if len(listed) > MAX_LISTED_PAIRS else 0
            out.append(f"Too thin to separate: {pairs}" + (f"; and {more} more pairs." if more else "."))
        if self.unranked:
            out.append(f"Only in all-bad votes, so not ranked: {_join(self.unranked)}.")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "votes": self.votes,
            "models": [m.to_json() for m in self.models],
            "all_bad_votes": self.all_bad_votes,
            "unranked": self.unranked,
            # at most MAX_JSON_PAIRS pairs (thousands of thin models make millions of them)
            "unseparated": [list(p) for p in itertools.islice(self.unseparated, MAX_JSON_PAIRS)],
            "unseparated_count": len(self.unseparated),
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


# ---- the fit -------------------------------------------------------------------------------


def _entries(vote: Vote, index: dict[str, int]) -> list[tuple[int, int, int]]:
    """A vote's pairs of panes as (i, j, outcome) with i < j (see bradley_terry.pair_rows)."""
    from .bradley_terry import I_WON, J_WON, TIE

    out: list[tuple[int, int, int]] = []
    ids = [index[p.model] for p in vote.panes]
    groups = [[ids[i] for i in group] for group in vote.ranking]
    for g, group in enumerate(groups):
        for x, a in enumerate(group):
            out += [(min(a, b), max(a, b), TIE) for b in group[x + 1:] if b != a]
            for lower in groups[g + 1:]:
                out += [(a, b, I_WON) if a < b else (b, a, J_WON) for b in lower if b != a]
    return out


def fit_leaderboard(
    votes: Iterable[Vote],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    filters: dict[str, Any] | None = None,
) -> Leaderboard:
    """The leaderboard of `votes` (already filtered); see the module docstring."""
    import numpy as np

    from . import bradley_terry as bt

    votes = list(votes)
    all_bad = [v for v in votes if v.all_bad]
    # A vote ranks something when it holds two different models (samples of one model are
    # never compared with each other).
    ranked = [v for v in votes if not v.all_bad and len(set(v.models)) > 1]
    names = sorted({m for v in ranked for m in v.models})
    index = {m: i for i, m in enumerate(names)}
    k = len(names)

    rankings = [0] * k
    firsts = [0] * k
    for v in ranked:
        ids = [index[p.model] for p in v.panes]
        for i in set(ids):
            rankings[i] += 1
        if len(v.ranking) > 1:  # one big tie: nobody came first
            for i in {ids[n] for n in v.ranking[0]}:
                firsts[i] += 1
    bad_counts: dict[str, int] = {}
    for v in all_bad:
        for m in set(v.models):
            bad_counts[m] = bad_counts.get(m, 0) + 1
    unranked = sorted(m for m in bad_counts if m not in index)

    if k < 2:
        # Nothing to compare (no votes, or every ranking was one model against itself).
        return Leaderboard(votes=len(votes), models=[], win_matrix=WinMatrix([], {}), unseparated=[],
                           unranked=sorted(set(unranked) | set(names)), all_bad_votes=len(all_bad),
                           resamples=resamples, seed=seed, filters=dict(filters or {}))

    rows = bt.pair_rows(k, [_entries(v, index) for v in ranked])
    theta = bt.fit(rows, alpha=ALPHA)
    draws = bt.bootstrap(rows, theta, resamples, seed, alpha=ALPHA)
    low, high = np.percentile(draws, [2.5, 97.5], axis=0) if len(draws) else (theta, theta)

    def elo(x: float) -> float:
        return float(ELO_BASE + ELO_SCALE * x)

    standings = [ModelStanding(model=m, score=elo(theta[i]), ci_low=elo(low[i]), ci_high=elo(high[i]),
                               rankings=rankings[i], first_places=firsts[i], all_bad=bad_counts.get(m, 0),
                               thin=rankings[i] < MIN_RANKINGS)
                 for i, m in enumerate(names)]
    standings.sort(key=lambda r: (-r.score, r.model))
    order = np.array([index[r.model] for r in standings])
    position = np.empty(k, dtype=int)
    position[order] = np.arange(k)

    # Head to head, sparse: (better-placed model, other) → (its wins, its losses, ties).
    tally: dict[tuple[int, int], list[int]] = {}
    for i, j, outcome, count in zip(rows.i.tolist(), rows.j.tolist(), rows.outcome.tolist(),
                                    rows.counts.tolist()):
        cell = tally.setdefault((i, j), [0, 0, 0])
        cell[outcome] += int(count)
    pairs = {}
    for (i, j), (i_won, j_won, tied) in tally.items():
        if position[i] < position[j]:
            pairs[(names[i], names[j])] = (i_won, j_won, tied)
        else:
            pairs[(names[j], names[i])] = (j_won, i_won, tied)
    matrix = WinMatrix(models=[r.model for r in standings], pairs=pairs)
    unseparated = Unseparated(standings, bt.components(rows)[order])
    return Leaderboard(votes=len(votes), models=standings, win_matrix=matrix, unseparated=unseparated,
                       unranked=unranked, all_bad_votes=len(all_bad), resamples=len(draws), seed=seed,
                       filters=dict(filters or {}))


class Unseparated:
    """The pairs (better first, in leaderboard order) that the votes cannot tell apart: their
    intervals overlap, either has fewer than MIN_RANKINGS rankings, or they were never compared,
    not even through other models (only the prior would put them apart).

    A list-like view computed on demand: with thousands of thinly voted models almost every
    pair is unseparated, and a list of them all would be quadratic in models."""

    def __init__(self, standings: Sequence[ModelStanding], group: Any) -> None:
        import numpy as np

        self._names = [s.model for s in standings]
        self._where = {m: n for n, m in enumerate(self._names)}
        self._low = np.array([s.ci_low for s in standings])
        self._high = np.array([s.ci_high for s in standings])
        self._thin = np.array([s.thin for s in standings], dtype=bool)
        self._group = np.asarray(group)
        self._len: int | None = None

    def _after(self, x: int):
        """Positions y > x unseparated from x."""
        import numpy as np

        low, high, thin, group = self._low, self._high, self._thin, self._group
        if thin[x]:
            return np.arange(x + 1, len(self._names))
        rest = slice(x + 1, None)
        mask = (low[x] <= high[rest]) & (low[rest] <= high[x]) | thin[rest] | (group[rest] != group[x])
        return np.nonzero(mask)[0] + x + 1

    def __iter__(self):
        for x, a in enumerate(self._names):
            for y in self._after(x).tolist():
                yield (a, self._names[y])

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(len(self._after(x)) for x in range(len(self._names)))
        return self._len

    def __bool__(self) -> bool:
        return any(len(self._after(x)) for x in range(len(self._names)))

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        x, y = self._where.get(pair[0]), self._where.get(pair[1])
        if x is None or y is None or x >= y:
            return False
        return bool(self._thin[x] or self._thin[y] or self._group[x] != self._group[y]
                    or (self._low[x] <= self._high[y] and self._low[y] <= self._high[x]))

    def __getitem__(self, item):
        return list(self)[item]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Unseparated, list, tuple)):
            return len(self) == len(other) and list(self) == [tuple(p) for p in other]
        return NotImplemented

    def __repr__(self) -> str:
        return f"Unseparated({len(self)} pairs)"


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
    """The leaderboard of the stored votes that pass the filters (see VoteStore.list).

    Kept on the store per (vote-set state, filters, resamples, seed): a refresh with no new
    vote is answered without a fit. VoteError for a filter that is not a date or not text."""
    from .vote_record import check_text, parse_when

    if tag is not None:
        check_text(tag, "The tag filter")
    for value in (since, until):
        if value is not None:
            parse_when(value)
    filters = {"tag": tag, "blind_only": blind_only, "since": since, "until": until}
    key = (store.state(), repr(sorted(filters.items())), resamples, seed)
    cached = store.boards.get(key)
    if cached is not None:
        return cached
    votes = store.list(tag=tag, blind_only=blind_only, since=since, until=until)
    board = fit_leaderboard(votes, resamples=resamples, seed=seed, filters=filters)
    store.boards[key] = board
    while len(store.boards) > 8:  # a few filter combinations; older states are useless
        store.boards.pop(next(iter(store.boards)))
    return board
