"""The leaderboard's numbers as documented, exactly: one vote gives the closed-form score, the
ridge ALPHA shapes score and interval alike, no resamples give a point interval, and every
resample starts from the full-data strengths (fewer Newton steps than starting from zero).
(The 2.5th–97.5th percentile itself: test_ranking_interval_percentiles.py.)"""

from __future__ import annotations

import math

from playground.judging import bradley_terry as bt
from playground.judging import ranking
from playground.judging.ranking import ELO_SCALE, fit_leaderboard
from playground.judging.vote_record import make_vote

# 3 models, uneven results
PLAN = [("ab", [[0], [1]], 9), ("ab", [[1], [0]], 4), ("bc", [[0], [1]], 7), ("bc", [[1], [0]], 5),
        ("ac", [[0], [1]], 6), ("ac", [[0, 1]], 3), ("abc", [[2], [0, 1]], 2)]


def plan_votes():
    return [make_vote(prompt="p", panes=list(panes), ranking=ranking_, time=1_800_000_000 + n)
            for panes, ranking_, count in PLAN for n in range(count)]


def hand_rows():
    """The same votes as Bradley–Terry rows built by hand (a=0, b=1, c=2; i < j)."""
    entries = {("ab", ((0,), (1,))): [(0, 1, bt.I_WON)], ("ab", ((1,), (0,))): [(0, 1, bt.J_WON)],
               ("bc", ((0,), (1,))): [(1, 2, bt.I_WON)], ("bc", ((1,), (0,))): [(1, 2, bt.J_WON)],
               ("ac", ((0,), (1,))): [(0, 2, bt.I_WON)], ("ac", ((0, 1),)): [(0, 2, bt.TIE)],
               ("abc", ((2,), (0, 1))): [(0, 1, bt.TIE), (0, 2, bt.J_WON), (1, 2, bt.J_WON)]}
    per_vote = [entries[(panes, tuple(tuple(g) for g in ranking_))]
                for panes, ranking_, count in PLAN for _ in range(count)]
    return bt.pair_rows(3, per_vote)


def elo(theta):
    return 1000.0 + ELO_SCALE * theta


def test_no_resamples_gives_a_zero_width_interval_at_the_score():
    board = fit_leaderboard(plan_votes(), resamples=0)
    assert board.resamples == 0
    for row in board.models:
        assert row.ci_low == row.score == row.ci_high


def one_win_theta(alpha):
    """θ of the winner of a single vote a > b under the ridge: θa = −θb = t solves
    1 − σ(2t) = alpha·t (bisection: the left side falls, the right one rises)."""
    lo, hi = 0.0, 50.0
    for _ in range(200):
        t = (lo + hi) / 2
        if 1.0 - 1.0 / (1.0 + math.exp(-2 * t)) > alpha * t:
            lo = t
        else:
            hi = t
    return (lo + hi) / 2


def test_one_vote_gives_the_closed_form_score_and_every_resample_is_that_vote():
    board = fit_leaderboard([make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]])], resamples=5)
    t = one_win_theta(0.1)  # ALPHA = 0.1: about 1.58, i.e. 1275 Elo points
    for name, theta in (("a", t), ("b", -t)):
        row = board.standing(name)
        assert math.isclose(row.score, elo(theta), abs_tol=1e-4)
        assert math.isclose(row.ci_low, row.score, abs_tol=1e-4)
        assert math.isclose(row.ci_high, row.score, abs_tol=1e-4)


def test_the_ridge_alpha_shapes_both_the_score_and_the_interval(monkeypatch):
    # A stronger prior pulls the lone winner in: the fit and every resample use the same ALPHA
    # (a resample of one vote is that vote, so the interval sits on the score).
    monkeypatch.setattr(ranking, "ALPHA", 2.0)
    board = fit_leaderboard([make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]])], resamples=5)
    row = board.standing("a")
    assert math.isclose(row.score, elo(one_win_theta(2.0)), abs_tol=1e-4)  # about 1034
    assert math.isclose(row.ci_low, row.score, abs_tol=1e-4)
    assert math.isclose(row.ci_high, row.score, abs_tol=1e-4)


def test_resamples_start_from_the_full_data_strengths(monkeypatch):
    # A warm start is what keeps a 100-resample leaderboard quick: count the Newton solves.
    solves = []
    real_solve = bt._solve
    monkeypatch.setattr(bt, "_solve", lambda *a: solves.append(1) or real_solve(*a))
    rows = hand_rows()
    bt.fit(rows, alpha=0.1)
    full_fit = len(solves)
    solves.clear()
    bt.bootstrap(rows, None, 20, 5, alpha=0.1)
    cold = len(solves)
    solves.clear()
    fit_leaderboard(plan_votes(), resamples=20, seed=5)
    warm = len(solves) - full_fit
    assert 20 <= warm < cold
