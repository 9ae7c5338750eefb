"""Which pairs the leaderboard calls "too thin to separate", listed, counted and looked up alike:
a thin model is unseparated from everyone (above or below it), models never compared (not even
through others) are unseparated, touching intervals overlap, and disjoint ones are apart; ten
rankings make a model's interval trusted, nine do not."""

from __future__ import annotations

import itertools

from playground.judging.ranking import (
    MIN_RANKINGS,
    Leaderboard,
    ModelStanding,
    Unseparated,
    WinMatrix,
    fit_leaderboard,
)
from playground.judging.vote_record import make_vote


def row(model, low, high, thin=False):
    return ModelStanding(model=model, score=(low + high) / 2, ci_low=low, ci_high=high,
                         rankings=3 if thin else 12, first_places=0, thin=thin)


def check(standings, groups, expected):
    pairs = Unseparated(standings, groups)
    assert list(pairs) == expected
    assert len(pairs) == len(expected) and bool(pairs) is bool(expected)
    assert pairs == expected
    names = [s.model for s in standings]
    for a, b in itertools.permutations(names, 2):  # lookup agrees with the listing, better first
        assert ((a, b) in pairs) is ((a, b) in expected), (a, b)
    return pairs


def test_a_thin_model_is_unseparated_from_the_models_above_and_below_it():
    standings = [row("a", 1100, 1120), row("b", 1050, 1060, thin=True), row("c", 1000, 1010),
                 row("d", 900, 910)]
    check(standings, [0, 0, 0, 0], [("a", "b"), ("b", "c"), ("b", "d")])


def test_models_in_different_components_are_unseparated_whatever_their_intervals():
    standings = [row("a", 1100, 1120), row("b", 1050, 1060), row("c", 1000, 1010), row("d", 900, 910)]
    check(standings, [0, 0, 1, 1], [("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")])
    check(standings, [0, 1, 0, 1], [("a", "b"), ("a", "d"), ("b", "c"), ("c", "d")])


def test_thin_and_never_compared_together():
    standings = [row("a", 1100, 1120), row("b", 1050, 1060, thin=True), row("c", 1000, 1010),
                 row("d", 900, 910)]
    check(standings, [0, 0, 0, 1], [("a", "b"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")])


def test_the_last_model_thin_is_unseparated_from_all_above():
    standings = [row("a", 1100, 1120), row("b", 1050, 1060), row("c", 900, 910, thin=True)]
    check(standings, [0, 0, 0], [("a", "c"), ("b", "c")])


def test_touching_intervals_overlap_and_disjoint_ones_do_not():
    standings = [row("a", 1100, 1120), row("b", 1050, 1100), row("c", 1000, 1049.9)]
    check(standings, [0, 0, 0], [("a", "b")])


def test_overlap_is_checked_against_every_model_below_not_only_the_next():
    # a's interval reaches down past b's into c's
    standings = [row("a", 1005, 1120), row("b", 1050, 1060), row("c", 1000, 1010)]
    check(standings, [0, 0, 0], [("a", "b"), ("a", "c")])


def test_all_apart_is_an_empty_falsy_listing_and_no_note():
    standings = [row("a", 1100, 1120), row("b", 1050, 1060), row("c", 1000, 1010)]
    pairs = check(standings, [0, 0, 0], [])
    assert repr(pairs) == "Unseparated(0 pairs)"
    board = Leaderboard(votes=36, models=standings, win_matrix=WinMatrix(models=["a", "b", "c"]),
                        unseparated=pairs)
    assert board.notes() == [] and board.to_json()["unseparated"] == []
    assert board.to_json()["unseparated_count"] == 0


def test_the_note_and_json_name_the_unseparated_pairs_of_a_thin_middle_model():
    standings = [row("a", 1100, 1120), row("b", 1050, 1060, thin=True), row("c", 1000, 1010)]
    pairs = Unseparated(standings, [0, 0, 0])
    board = Leaderboard(votes=27, models=standings, win_matrix=WinMatrix(models=["a", "b", "c"]),
                        unseparated=pairs)
    assert repr(pairs) == "Unseparated(2 pairs)"
    assert board.notes()[-1] == "Too thin to separate: a and b; b and c."
    assert board.to_json()["unseparated"] == [["a", "b"], ["b", "c"]]
    assert board.why_unseparated("c", "b") == "fewer than 10 rankings"
    assert board.why_unseparated("a", "c") is None


def test_ten_rankings_are_enough_nine_are_thin():
    # every vote the same: each resample is that same set, so the intervals are points apart
    def ranked(n):
        return fit_leaderboard([make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]])
                                for _ in range(n)], resamples=3)

    ten = ranked(MIN_RANKINGS)
    assert [(m.model, m.rankings, m.thin) for m in ten.models] == [("a", 10, False), ("b", 10, False)]
    assert ten.separated("a", "b") and list(ten.unseparated) == [] and ten.notes() == []
    nine = ranked(MIN_RANKINGS - 1)
    assert [(m.model, m.rankings, m.thin) for m in nine.models] == [("a", 9, True), ("b", 9, True)]
    assert list(nine.unseparated) == [("a", "b")]
    assert nine.notes() == ["Fewer than 10 rankings for a and b: too few votes for a trustworthy interval.",
                            "Too thin to separate: a and b."]
