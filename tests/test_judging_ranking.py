"""The leaderboard fit: order recovered, intervals honest, ties and all-bad as documented."""

from __future__ import annotations

import math

import pytest

from judging_sim import simulate
from playground.judging.ranking import (
    ELO_SCALE,
    MIN_RANKINGS,
    fit_leaderboard,
    leaderboard,
    pairwise_counts,
)
from playground.judging.speed import speed_quality
from playground.judging.vote_record import make_vote
from playground.judging.votes import VoteStore

STRENGTHS = {"m-strong": 4.0, "m-good": 2.0, "m-fair": 1.0, "m-weak": 0.5}
FAST = 200  # bootstrap resamples in tests


def width(board, model):
    s = board.standing(model)
    return s.ci_high - s.ci_low


def test_fit_recovers_the_order_of_four_models_from_400_rankings():
    board = fit_leaderboard(simulate(400, STRENGTHS), resamples=FAST)
    assert [m.model for m in board.models] == ["m-strong", "m-good", "m-fair", "m-weak"]
    assert board.unseparated == []
    # strengths halve down the list: about ln 2 on the θ scale between neighbours
    gaps = [(a.score - b.score) / ELO_SCALE for a, b in zip(board.models, board.models[1:])]
    assert all(0.35 < g < 1.1 for g in gaps), gaps


def test_intervals_contain_the_point_score():
    board = fit_leaderboard(simulate(200, STRENGTHS), resamples=FAST)
    for m in board.models:
        assert m.ci_low <= m.score <= m.ci_high


def test_intervals_shrink_as_votes_grow():
    small = fit_leaderboard(simulate(60, STRENGTHS, seed=2), resamples=FAST)
    large = fit_leaderboard(simulate(600, STRENGTHS, seed=2), resamples=FAST)
    for model in STRENGTHS:
        assert width(large, model) < 0.6 * width(small, model)


def test_equal_strengths_overlap_and_are_reported_too_thin_to_separate():
    board = fit_leaderboard(simulate(150, {"a": 1.0, "b": 1.0, "c": 1.0}, seed=3), resamples=FAST)
    assert len(board.unseparated) == 3
    assert not board.separated("a", "b")
    assert any("Too thin to separate" in note for note in board.notes())


def test_bootstrap_is_reproducible_with_the_fixed_seed():
    votes = simulate(100, STRENGTHS)
    assert fit_leaderboard(votes, resamples=50) == fit_leaderboard(votes, resamples=50)


def test_a_tie_counts_as_half_a_win_each_way():
    vote = make_vote(prompt="p", panes=["a", "b", "c"], ranking=[[0, 1], [2]])
    assert sorted(pairwise_counts(vote)) == [("a", "b", 0.5), ("a", "c", 1.0), ("b", "a", 0.5), ("b", "c", 1.0)]


def test_tied_models_get_equal_scores_and_share_first_place():
    votes = [make_vote(prompt="p", panes=["a", "b", "c"], ranking=[[0, 1], [2]]) for _ in range(12)]
    board = fit_leaderboard(votes, resamples=FAST)
    a, b, c = (board.standing(m) for m in "abc")
    assert math.isclose(a.score, b.score, abs_tol=1e-6) and a.score > c.score
    assert (a.first_places, b.first_places, c.first_places) == (12, 12, 0)
    assert board.win_matrix.record("a", "b") == (0, 0, 12)
    assert board.win_matrix.record("a", "c") == (12, 0, 0)


def test_one_big_tie_gives_nobody_a_first_place_and_pulls_scores_together():
    votes = simulate(40, {"a": 4.0, "b": 1.0}, sizes=(2,))
    tied = [make_vote(prompt="p", panes=["a", "b"], ranking=[[0, 1]]) for _ in range(200)]
    apart = fit_leaderboard(votes, resamples=FAST)
    together = fit_leaderboard(votes + tied, resamples=FAST)
    gap = lambda board: board.standing("a").score - board.standing("b").score  # noqa: E731
    assert 0 < gap(together) < gap(apart)
    assert together.standing("a").first_places == apart.standing("a").first_places


def test_all_bad_votes_count_as_votes_but_carry_no_ordering():
    votes = simulate(80, STRENGTHS)
    bad = [make_vote(prompt="p", panes=["m-strong", "m-weak"], ranking=[[0], [1]], all_bad=True)
           for _ in range(30)]
    plain = fit_leaderboard(votes, resamples=50)
    with_bad = fit_leaderboard(votes + bad, resamples=50)
    assert with_bad.votes == plain.votes + 30 and with_bad.all_bad_votes == 30
    assert [m.score for m in with_bad.models] == [m.score for m in plain.models]
    assert with_bad.standing("m-strong").rankings == plain.standing("m-strong").rankings
    assert with_bad.standing("m-strong").all_bad == 30
    assert with_bad.win_matrix == plain.win_matrix


def test_a_model_seen_only_in_all_bad_votes_is_listed_unranked():
    votes = simulate(30, {"a": 2.0, "b": 1.0})
    votes.append(make_vote(prompt="p", panes=["a", "z"], ranking=[[0, 1]], all_bad=True))
    board = fit_leaderboard(votes, resamples=20)
    assert board.unranked == ["z"] and board.standing("z") is None


def test_two_samples_of_one_model_are_compared_only_with_other_models():
    vote = make_vote(prompt="p", panes=["a", "a", "b"], ranking=[[0], [2], [1]])
    assert sorted(pairwise_counts(vote)) == [("a", "b", 1.0), ("b", "a", 1.0)]


def test_few_rankings_are_flagged_thin_even_when_intervals_are_apart():
    votes = [make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]]) for _ in range(MIN_RANKINGS - 1)]
    board = fit_leaderboard(votes, resamples=FAST)
    assert board.standing("a").thin and board.unseparated == [("a", "b")]


def test_no_votes_gives_an_empty_board_with_a_plain_note():
    board = fit_leaderboard([], resamples=10)
    assert board.models == [] and board.votes == 0
    assert board.notes() == ["No rankings yet: rank the panes of a comparison, or import votes."]


def test_leaderboard_filters_by_tag_blind_and_dates(tmp_path):
    store = VoteStore(tmp_path)
    store.add_many(simulate(30, {"a": 4.0, "b": 1.0}, seed=5, tags=["svg"], blind=True))
    store.add_many(simulate(20, {"a": 1.0, "b": 4.0}, seed=6, tags=["code"]))
    assert leaderboard(store, resamples=10).votes == 50
    assert leaderboard(store, tag="SVG", resamples=10).votes == 30
    assert leaderboard(store, blind_only=True, resamples=10).votes == 30
    assert leaderboard(store, tag="code", resamples=10).models[0].model == "b"
    assert leaderboard(store, since=1_790_000_010, until=1_790_000_019, resamples=10).votes == 20


def test_speed_quality_gives_median_speed_from_pane_metrics(tmp_path):
    store = VoteStore(tmp_path)
    for i, (fast, slow) in enumerate([(40.0, 10.0), (50.0, 12.0), (60.0, 8.0)] * 4):
        store.add(prompt=f"p{i}", ranking=[[1], [0]],
                  panes=[{"model": "fast", "metrics": {"tokens_per_s": fast, "ttft_s": 0.1}},
                         {"model": "slow", "metrics": {"tokens_per_s": slow, "ttft_s": 2.0}}])
    points = {p.model: p for p in speed_quality(store, resamples=20)}
    assert points["fast"].median_tokens_per_s == 50.0 and points["slow"].median_ttft_s == 2.0
    assert points["slow"].score > points["fast"].score and points["fast"].measured == 12


def test_speed_quality_reads_metrics_of_cached_answers(tmp_path):
    from playground.cache import ResponseCache
    from playground.result import Metrics, PaneResult

    cache = ResponseCache(tmp_path)
    store = VoteStore(tmp_path)
    numbers = {}
    for model, tps in (("a", 30.0), ("b", 90.0)):
        result = PaneResult(model=model, source="local", settings={}, text="x", finish_reason="stop",
                            metrics=Metrics(ttft_s=0.5, tokens_per_s=tps))
        numbers[model] = cache.add_sample(f"key-{model}", result)
    for _ in range(3):
        store.add(prompt="p", ranking=[[0], [1]],
                  panes=[{"model": m, "key": f"key-{m}", "sample": numbers[m]} for m in ("a", "b")])
    points = {p.model: p for p in speed_quality(store, cache, resamples=10)}
    cache.close()
    # one cached answer judged three times counts once
    assert points["b"].median_tokens_per_s == 90.0 and points["b"].measured == 1


@pytest.mark.parametrize("resamples", [1, 5])
def test_tiny_bootstraps_still_return_intervals(resamples):
    board = fit_leaderboard(simulate(30, STRENGTHS), resamples=resamples)
    assert all(m.ci_low <= m.ci_high for m in board.models)


def test_pairwise_fit_agrees_with_choix_plackett_luce_on_strict_rankings():
    import choix

    votes = simulate(400, STRENGTHS)
    names = sorted(STRENGTHS)
    data = [[names.index(m) for group in v.model_ranking() for m in group] for v in votes]
    pl = choix.ilsr_rankings(len(names), data, alpha=0.1) * ELO_SCALE + 1000
    board = fit_leaderboard(votes, resamples=1)
    for i, name in enumerate(names):
        assert abs(board.standing(name).score - pl[i]) < 25  # Elo points; neighbours are ~120 apart


def test_models_never_compared_even_indirectly_are_not_separated():
    votes = simulate(60, {"a": 8.0, "b": 1.0}, seed=7) + simulate(60, {"c": 8.0, "d": 1.0}, seed=8)
    board = fit_leaderboard(votes, resamples=FAST)
    assert board.separated("a", "b") and board.separated("c", "d")
    assert not board.separated("a", "d")
    assert board.why_unseparated("a", "d") == "they were never compared, not even through other models"
