"""The leaderboard read from the vote store: a bad tag filter is one exact sentence (a lone
surrogate matches no vote, so only the check can refuse it), each filter, seed and bootstrap
size gets its own board, the store keeps the 8 newest, and a board with no ranking still has
an empty, well-formed win matrix."""

from __future__ import annotations

import json

import pytest

from playground.judging.ranking import WinMatrix, fit_leaderboard, leaderboard
from playground.judging.vote_record import VoteError, make_vote
from playground.judging.votes import VoteStore


@pytest.fixture
def store(tmp_path):
    s = VoteStore(tmp_path)
    for n in range(3):
        s.add(prompt="p", panes=["a", "b"], ranking=[[0], [1]], tags=["svg"], time=1_800_000_000 + n)
    s.add(prompt="p", panes=["a", "b"], ranking=[[1], [0]], blind=True, time=1_800_086_400)
    return s


@pytest.mark.parametrize("tag, message", [
    ("\ud800", "The tag filter is not valid text: character 1 is a lone surrogate (U+D800); remove it."),
    ("sv\udfffg", "The tag filter is not valid text: character 3 is a lone surrogate (U+DFFF); remove it."),
])
def test_a_tag_filter_with_a_lone_surrogate_is_refused_in_one_sentence(store, tag, message):
    with pytest.raises(VoteError) as caught:
        leaderboard(store, tag=tag, resamples=3)
    assert str(caught.value) == message
    assert store.boards == {}  # nothing fitted, nothing kept


@pytest.mark.parametrize("filters, message", [
    ({"since": "soon"}, "'soon' is not a date: use YYYY-MM-DD or an ISO 8601 time."),
    ({"until": "2026-13-45"}, "'2026-13-45' is not a date: use YYYY-MM-DD or an ISO 8601 time."),
    ({"since": True}, "not a time: True."),
])
def test_a_date_filter_that_is_no_date_is_refused_in_one_sentence(store, filters, message):
    with pytest.raises(VoteError) as caught:
        leaderboard(store, resamples=3, **filters)
    assert str(caught.value) == message


def test_each_filter_seed_and_size_gets_its_own_board(store):
    everything = leaderboard(store, resamples=3)
    assert (everything.votes, everything.resamples, everything.seed) == (4, 3, 20261128)
    assert everything.filters == {"tag": None, "blind_only": False, "since": None, "until": None}
    assert leaderboard(store, tag="SVG", resamples=3).votes == 3
    assert leaderboard(store, blind_only=True, resamples=3).votes == 1
    assert leaderboard(store, since="2027-01-16", resamples=3).votes == 1
    assert leaderboard(store, until="2027-01-15", resamples=3).votes == 3
    assert leaderboard(store, resamples=3, seed=1).seed == 1
    assert leaderboard(store, resamples=3, seed=2).seed == 2
    assert leaderboard(store, resamples=4).resamples == 4
    assert leaderboard(store, resamples=3) is everything  # asked for again: kept, not refitted


def test_the_store_keeps_the_eight_newest_boards(store):
    boards = [leaderboard(store, resamples=2, seed=n) for n in range(10)]
    assert len(store.boards) == 8
    assert [leaderboard(store, resamples=2, seed=n) is boards[n] for n in range(2, 10)] == [True] * 8
    assert leaderboard(store, resamples=2, seed=0) is not boards[0]  # the oldest was let go
    assert len(store.boards) == 8


def test_a_board_with_no_ranking_has_an_empty_win_matrix():
    for votes in ([], [make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]], all_bad=True)]):
        board = fit_leaderboard(votes, resamples=3)
        assert board.win_matrix == WinMatrix(models=[], pairs={})
        assert board.win_matrix.record("a", "b") == (0, 0, 0)
        out = board.to_json()
        assert out["win_matrix"] == {"models": [], "pairs": [], "wins": [], "ties": []}
        assert json.loads(json.dumps(out))["win_matrix"]["models"] == []
