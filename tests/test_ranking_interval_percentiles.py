"""The leaderboard's interval is what the README says it is: the 2.5th and 97.5th percentiles of
each model's bootstrap scores (a 95 % interval), on the Elo scale. Checked against the bootstrap's
own draws, so a 3.5/98.5 interval (narrower: it would separate models too early) fails."""

from __future__ import annotations

import numpy as np
import pytest

from playground.judging import bradley_terry as bt
from playground.judging.ranking import ALPHA, ELO_BASE, ELO_SCALE, _entries, fit_leaderboard
from playground.judging.vote_record import make_vote

RESAMPLES, SEED = 200, 7


def test_interval_is_the_2_5_to_97_5_percentile_of_the_bootstrap():
    votes = ([make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]]) for _ in range(6)]
             + [make_vote(prompt="p", panes=["a", "b"], ranking=[[1], [0]]) for _ in range(4)]
             + [make_vote(prompt="p", panes=["b", "c"], ranking=[[0], [1]]) for _ in range(5)])
    board = fit_leaderboard(votes, resamples=RESAMPLES, seed=SEED)
    index = {"a": 0, "b": 1, "c": 2}
    rows = bt.pair_rows(3, [_entries(v, index) for v in votes])
    theta = bt.fit(rows, alpha=ALPHA)
    draws = bt.bootstrap(rows, theta, RESAMPLES, SEED, alpha=ALPHA)
    for standing in board.models:
        i = index[standing.model]
        assert standing.ci_low == pytest.approx(ELO_BASE + ELO_SCALE * np.percentile(draws[:, i], 2.5))
        assert standing.ci_high == pytest.approx(ELO_BASE + ELO_SCALE * np.percentile(draws[:, i], 97.5))
        assert standing.ci_low < standing.score < standing.ci_high
