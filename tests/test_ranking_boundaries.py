"""The leaderboard at its edges: models linked only through ties, a comparison that is one tie
group, a store of all-bad votes only, rankings of a model against itself."""

from __future__ import annotations

import math

from playground.judging.ranking import fit_leaderboard, pairwise_counts
from playground.judging.vote_record import make_vote

FAST = 200  # bootstrap resamples


def votes(panes, ranking, n, **extra):
    return [make_vote(prompt="p", panes=list(panes), ranking=ranking, **extra) for _ in range(n)]


def test_models_linked_only_through_ties_are_compared():
    # a beats b every time; b and c only ever tie: c meets a through b's ties alone
    board = fit_leaderboard(votes("ab", [[0], [1]], 30) + votes("bc", [[0, 1]], 30), resamples=FAST)
    assert board.models[0].model == "a"
    assert board.separated("a", "c") and board.separated("a", "b")
    assert board.why_unseparated("b", "c") == "their intervals overlap"
    assert [set(pair) for pair in board.unseparated] == [{"b", "c"}]
    assert board.win_matrix.record("b", "c") == (0, 0, 30)


def test_models_never_compared_are_said_so():
    board = fit_leaderboard(votes("ab", [[0], [1]], 30) + votes("cd", [[0], [1]], 30), resamples=FAST)
    # the winners' intervals overlap (nothing sets them apart); a winner and the other loser's
    # do not, and only the regularisation puts them apart
    assert board.why_unseparated("a", "c") == "their intervals overlap"
    assert board.why_unseparated("a", "d") == "they were never compared, not even through other models"
    assert board.why_unseparated("c", "b") == "they were never compared, not even through other models"
    assert board.separated("a", "b") and board.separated("c", "d")


def test_one_tie_group_only():
    board = fit_leaderboard(votes("abc", [[0, 1, 2]], 12), resamples=FAST)
    assert [m.model for m in board.models] == ["a", "b", "c"]  # equal scores: by name
    scores = [m.score for m in board.models]
    assert all(math.isclose(s, 1000.0, abs_tol=1e-6) for s in scores)
    assert [(m.rankings, m.first_places, m.thin) for m in board.models] == [(12, 0, False)] * 3
    assert board.win_matrix.wins == [[0, 0, 0]] * 3
    assert board.win_matrix.ties == [[0, 12, 12], [12, 0, 12], [12, 12, 0]]
    assert list(board.unseparated) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert {board.why_unseparated(x, y) for x, y in board.unseparated} == {"their intervals overlap"}


def test_one_tie_group_of_two_is_half_a_win_each_way():
    assert sorted(pairwise_counts(make_vote(prompt="p", panes=["a", "b"], ranking=[[0, 1]]))) == [
        ("a", "b", 0.5), ("b", "a", 0.5)]


def test_a_tie_group_in_the_middle_beats_the_ones_below_and_loses_to_the_one_above():
    vote = make_vote(prompt="p", panes=["a", "b", "c", "d"], ranking=[[0], [1, 2], [3]])
    assert sorted(pairwise_counts(vote)) == [
        ("a", "b", 1.0), ("a", "c", 1.0), ("a", "d", 1.0), ("b", "c", 0.5), ("b", "d", 1.0),
        ("c", "b", 0.5), ("c", "d", 1.0)]


def test_all_bad_votes_only():
    board = fit_leaderboard(votes("abc", [[0], [1], [2]], 5, all_bad=True), resamples=FAST)
    assert board.models == [] and list(board.unseparated) == []
    assert (board.votes, board.all_bad_votes, board.unranked) == (5, 5, ["a", "b", "c"])
    assert board.notes() == ["No rankings yet: rank the panes of a comparison, or import votes.",
                             "Only in all-bad votes, so not ranked: a, b and c."]
    assert board.to_json()["unranked"] == ["a", "b", "c"] and board.to_json()["all_bad_votes"] == 5


def test_an_all_bad_vote_gives_no_pairs():
    assert pairwise_counts(make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]], all_bad=True)) == []


def test_a_model_ranked_only_against_itself_is_not_ranked():
    board = fit_leaderboard(votes("aa", [[0], [1]], 12), resamples=FAST)
    assert board.models == [] and board.votes == 12 and board.unranked == []


def test_thin_model_reason_and_first_places_of_a_two_way_ranking():
    board = fit_leaderboard(votes("ab", [[0], [1]], 12) + votes("bc", [[1], [0]], 3), resamples=FAST)
    assert board.standing("c").thin and not board.standing("a").thin
    assert board.why_unseparated("b", "c") == "fewer than 10 rankings"
    assert [(m.model, m.rankings, m.first_places) for m in sorted(board.models, key=lambda m: m.model)] == [
        ("a", 12, 12), ("b", 15, 0), ("c", 3, 3)]


def test_a_model_in_no_all_bad_vote_has_zero_all_bad():
    board = fit_leaderboard(votes("ab", [[0], [1]], 12) + votes("bc", [[0], [1]], 2, all_bad=True), resamples=20)
    assert (board.standing("a").all_bad, board.standing("b").all_bad) == (0, 2)
