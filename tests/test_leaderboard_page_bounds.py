"""The Leaderboard tab stays a page a browser can open with hundreds of models.

The win matrix has N×N cells and thin models make N²/2 "too thin to separate" pairs: the page shows
the best MATRIX_MODELS models' matrix and names MAX_LISTED_PAIRS pairs, counting the rest, and says
where every pair is (`leaderboard --json`)."""

from __future__ import annotations

import random
import re

import pytest

from playground.judging.ranking import MAX_LISTED_PAIRS, fit_leaderboard
from playground.judging.vote_record import make_vote
from playground.ui.leaderboard_tab import MATRIX_MODELS, render_leaderboard


@pytest.fixture(scope="module")
def big_board():
    rng = random.Random(3)
    names = [f"model-{i:03d}" for i in range(80)]
    votes = [make_vote(prompt=f"p{n}", panes=rng.sample(names, 2), ranking=[[0], [1]],
                       time=1_790_000_000 + n) for n in range(240)]
    return fit_leaderboard(votes, resamples=5)


def matrix_of(page: str) -> str:
    """The matrix's body rows (its header row has an empty first cell)."""
    return page[page.index('<table class="gp-board gp-matrix">'):].split("<tbody>", 1)[1]


def test_the_win_matrix_shows_the_best_models_and_says_where_the_rest_are(big_board):
    page = render_leaderboard(big_board)
    matrix = matrix_of(page)
    assert len(re.findall(r"<tr><th>", matrix)) == MATRIX_MODELS  # one row per shown model
    assert matrix.count('<td class="gp-self">') == MATRIX_MODELS
    assert len(re.findall(r"<td class", matrix)) == MATRIX_MODELS * MATRIX_MODELS
    best = [m.model for m in big_board.models[:MATRIX_MODELS]]
    assert re.findall(r"<tr><th>([^<]+)</th>", matrix) == best
    assert len(big_board.win_matrix.models) > MATRIX_MODELS
    assert f"the {MATRIX_MODELS} best of {len(big_board.win_matrix.models)} models" in page
    assert "gemma-playground leaderboard --json" in page


def test_the_thin_pairs_are_named_up_to_the_cap_and_the_rest_counted(big_board):
    pairs = len(big_board.unseparated)
    assert pairs > MAX_LISTED_PAIRS
    page = render_leaderboard(big_board)
    note = re.search(r"Too thin to separate \(intervals overlap or too few votes\): (.*?)</li>", page)[1]
    assert note.endswith(f"; and {pairs - MAX_LISTED_PAIRS} more pairs.")
    named = sum(len(re.split(r", | or ", clause.split(" from ", 1)[1]))
                for clause in note.rsplit("; and", 1)[0].split("; "))
    assert named == MAX_LISTED_PAIRS


def test_a_small_board_shows_every_model_and_no_cut(big_board):
    votes = [make_vote(prompt=f"p{n}", panes=["a", "b", "c"], ranking=[[0], [1], [2]],
                       time=1_790_000_000 + n) for n in range(12)]
    page = render_leaderboard(fit_leaderboard(votes, resamples=5))
    assert re.findall(r"<tr><th>([^<]+)</th>", matrix_of(page)) == ["a", "b", "c"]
    assert "best of" not in page and "more pairs" not in page
