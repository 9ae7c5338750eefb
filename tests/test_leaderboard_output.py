"""What the leaderboard says, exactly: its JSON (`leaderboard --json`, the tab), its notes in
words, why two models are not separated, and the store's cached board. Built from hand-made
standings so every number is known."""

from __future__ import annotations

import pytest

from judging_sim import simulate
from playground.judging.ranking import (
    DENSE_JSON_MODELS,
    MAX_JSON_PAIRS,
    MAX_LISTED_PAIRS,
    Leaderboard,
    ModelStanding,
    WinMatrix,
    fit_leaderboard,
    leaderboard,
)
from playground.judging.vote_record import VoteError, make_vote
from playground.judging.votes import VoteStore


def standing(model, score=1000.0, low=990.0, high=1010.0, rankings=12, firsts=3, thin=False):
    return ModelStanding(model=model, score=score, ci_low=low, ci_high=high, rankings=rankings,
                         first_places=firsts, thin=thin)


def test_a_standing_in_json_is_rounded_to_a_tenth():
    row = ModelStanding(model="a", score=1012.345, ci_low=990.36, ci_high=1030.06, rankings=12,
                        first_places=5, all_bad=2, thin=True)
    assert row.to_json() == {"model": "a", "score": 1012.3, "ci_low": 990.4, "ci_high": 1030.1,
                             "rankings": 12, "first_places": 5}


def test_the_win_matrix_in_json_is_sparse_with_dense_matrices_for_small_boards():
    matrix = WinMatrix(models=["a", "b", "c"], pairs={("a", "b"): (5, 1, 2), ("b", "c"): (0, 3, 0)})
    assert matrix.record("b", "a") == (1, 5, 2) and matrix.record("a", "c") == (0, 0, 0)
    assert matrix.to_json() == {
        "models": ["a", "b", "c"],
        "pairs": [["a", "b", 5, 1, 2], ["b", "c", 0, 3, 0]],
        "wins": [[0, 5, 0], [1, 0, 0], [0, 3, 0]],
        "ties": [[0, 2, 0], [2, 0, 0], [0, 0, 0]],
    }
    many = [f"m{i:03d}" for i in range(DENSE_JSON_MODELS + 1)]
    assert set(WinMatrix(models=many).to_json()) == {"models", "pairs"}
    assert set(WinMatrix(models=many[:DENSE_JSON_MODELS]).to_json()) == {"models", "pairs", "wins", "ties"}


def board(**extra):
    fields = dict(votes=20, models=[standing("a", 1100, 1080, 1120), standing("b", 1000, 990, 1010),
                                    standing("c", 995, 985, 1005, rankings=4, thin=True)],
                  win_matrix=WinMatrix(models=["a", "b", "c"], pairs={("a", "b"): (9, 1, 0)}),
                  unseparated=[("b", "c")], unranked=["z"], all_bad_votes=3, resamples=50, seed=7,
                  filters={"tag": "svg"})
    fields.update(extra)
    return Leaderboard(**fields)


def test_the_board_in_json():
    assert board().to_json() == {
        "votes": 20,
        "models": [
            {"model": "a", "score": 1100.0, "ci_low": 1080.0, "ci_high": 1120.0, "rankings": 12, "first_places": 3},
            {"model": "b", "score": 1000.0, "ci_low": 990.0, "ci_high": 1010.0, "rankings": 12, "first_places": 3},
            {"model": "c", "score": 995.0, "ci_low": 985.0, "ci_high": 1005.0, "rankings": 4, "first_places": 3},
        ],
        "all_bad_votes": 3,
        "unranked": ["z"],
        "unseparated": [["b", "c"]],
        "unseparated_count": 1,
        "win_matrix": {"models": ["a", "b", "c"], "pairs": [["a", "b", 9, 1, 0]],
                       "wins": [[0, 9, 0], [1, 0, 0], [0, 0, 0]], "ties": [[0, 0, 0]] * 3},
        "resamples": 50,
        "seed": 7,
        "notes": ["Fewer than 10 rankings for c: too few votes for a trustworthy interval.",
                  "Too thin to separate: b and c.",
                  "Only in all-bad votes, so not ranked: z."],
    }


def test_notes_name_every_model_in_words():
    thin = [standing(m, thin=True) for m in "abc"]
    assert board(models=thin, unseparated=[], unranked=["x", "y"]).notes() == [
        "Fewer than 10 rankings for a, b and c: too few votes for a trustworthy interval.",
        "Only in all-bad votes, so not ranked: x and y."]
    assert board(models=thin[:2], unseparated=[], unranked=[]).notes() == [
        "Fewer than 10 rankings for a and b: too few votes for a trustworthy interval."]
    assert board(models=[], unseparated=[], unranked=[]).notes() == [
        "No rankings yet: rank the panes of a comparison, or import votes."]


def test_many_unseparated_pairs_are_listed_then_counted():
    pairs = [(f"m{i}", f"m{i + 1}") for i in range(MAX_LISTED_PAIRS + 5)]
    note = board(models=[standing("a")], unseparated=pairs, unranked=[]).notes()[-1]
    assert note.startswith("Too thin to separate: m0 and m1; m1 and m2; ")
    assert note.count(" and m") == MAX_LISTED_PAIRS
    assert note.endswith(f"m{MAX_LISTED_PAIRS - 1} and m{MAX_LISTED_PAIRS}; and 5 more pairs.")
    exactly = board(models=[standing("a")], unseparated=pairs[:MAX_LISTED_PAIRS], unranked=[]).notes()[-1]
    assert exactly.endswith(f"m{MAX_LISTED_PAIRS - 1} and m{MAX_LISTED_PAIRS}.") and "more" not in exactly


def test_why_two_models_are_not_separated():
    b = board(unseparated=[("b", "c"), ("a", "z"), ("a", "b")])
    assert b.why_unseparated("a", "z") == "one of them is not ranked"
    assert b.why_unseparated("c", "b") == "fewer than 10 rankings"
    assert b.why_unseparated("a", "b") == "they were never compared, not even through other models"
    assert b.why_unseparated("b", "a") == "they were never compared, not even through other models"
    assert board().why_unseparated("a", "b") is None


def test_unseparated_pairs_of_a_fit_behave_as_a_list():
    votes = [make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]]) for _ in range(3)]
    pairs = fit_leaderboard(votes, resamples=20).unseparated  # thin: not separated
    assert list(pairs) == [("a", "b")] and pairs[0] == ("a", "b") and len(pairs) == 1 and bool(pairs)
    assert pairs == [("a", "b")] and pairs == (("a", "b"),) and pairs == [["a", "b"]]
    assert pairs != [("b", "a")] and pairs != [] and (pairs == "ab") is False
    assert ("a", "b") in pairs and ("b", "a") not in pairs  # better one first
    for odd in (("a",), ("a", "b", "c"), ["a", "b"], "ab", ("a", "x"), ("x", "b"), ("a", "a")):
        assert odd not in pairs, odd


def test_the_store_keeps_the_board_until_a_vote_changes_it(tmp_path):
    store = VoteStore(tmp_path)
    store.add_many(simulate(30, {"a": 4.0, "b": 1.0}, seed=5, tags=["svg"]))
    first = leaderboard(store, resamples=10)
    assert leaderboard(store, resamples=10) is first  # no new vote: no new fit
    assert leaderboard(store, resamples=11) is not first and leaderboard(store, tag="svg", resamples=10) is not first
    store.add(prompt="p", panes=["a", "b"], ranking=[[1], [0]])
    again = leaderboard(store, resamples=10)
    assert again is not first and again.votes == 31
    for n in range(12):  # a few filter combinations are kept, not every one
        leaderboard(store, resamples=100 + n)
    assert len(store.boards) == 8


@pytest.mark.parametrize("filters, words", [
    ({"tag": "\ud800"}, "tag filter"),
    ({"since": "not a date"}, "not a date"),
    ({"until": "2026-13-45"}, "2026-13-45"),
])
def test_a_bad_filter_is_a_sentence(tmp_path, filters, words):
    with pytest.raises(VoteError, match=words):
        leaderboard(VoteStore(tmp_path), **filters)


def test_the_json_lists_at_most_max_json_pairs_and_counts_them_all():
    pairs = [(f"m{i}", f"m{i + 1}") for i in range(MAX_JSON_PAIRS + 1)]
    out = board(models=[standing("a")], unseparated=pairs, unranked=[]).to_json()
    assert len(out["unseparated"]) == MAX_JSON_PAIRS and out["unseparated_count"] == MAX_JSON_PAIRS + 1
    assert out["unseparated"][-1] == list(pairs[MAX_JSON_PAIRS - 1])


def test_an_empty_board_still_says_how_it_was_asked_for():
    empty = fit_leaderboard([], resamples=7, seed=3, filters={"tag": "svg"})
    assert (empty.resamples, empty.seed, empty.filters, empty.votes) == (7, 3, {"tag": "svg"}, 0)
    assert fit_leaderboard([]).filters == {}
    assert (empty.to_json()["resamples"], empty.to_json()["seed"]) == (7, 3)
