"""The metrics table (playground/result.py METRICS): the pane line, the JSON, the cache replay,
the vote record, the leaderboard CLI and the speed-vs-quality plot all loop over it. Prefill
tokens/s (prompt tokens ÷ time to first token) was added as one row: these follow it through."""

from __future__ import annotations

import json

from playground.format import format_metrics
from playground.result import KEPT_WITH_VOTES, METRIC_FIELDS, METRICS, Metrics, PaneResult


def test_prefill_rate_is_prompt_tokens_over_the_prompt_time_and_only_when_it_means_something():
    assert Metrics(prompt_tokens=200, ttft_s=0.5).prefill_tokens_per_s == 400.0
    assert Metrics(prompt_tokens=3, ttft_s=0.5).prefill_tokens_per_s is None  # too few tokens
    assert Metrics(prompt_tokens=200, ttft_s=0.001).prefill_tokens_per_s is None  # too short a window
    assert Metrics(prompt_tokens=200).prefill_tokens_per_s is None


def test_the_pane_line_follows_the_table_order_and_shows_prefill():
    m = Metrics(tokens_per_s=42.1, ttft_s=0.31, completion_tokens=120, thinking_tokens=40, prompt_tokens=62,
                load_s=0.6, queue_s=2.0, total_s=3.2)
    assert format_metrics(m) == ("42.1 tok/s · TTFT 0.31 s · 120 tokens (40 thinking) · prompt 62 · "
                                 "prefill 200 tok/s · load 0.6 s · queued 2.0 s · 3.2 s total")


def test_the_json_and_the_cache_replay_carry_every_row():
    values = {name: (7 if row.kind is int else 1.5) for row in METRICS if not row.derived for name in [row.name]}
    values["prompt_tokens"], values["ttft_s"] = 300, 1.5
    result = PaneResult("m", "local", {}, metrics=Metrics(**values))
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data["metrics"]) == {row.name for row in METRICS}
    assert data["metrics"]["prefill_tokens_per_s"] == 200.0
    again = PaneResult.from_dict(data).metrics
    assert all(getattr(again, name) == values[name] for name in METRIC_FIELDS)
    assert again.prefill_tokens_per_s == 200.0  # derived: recomputed, never read back


def test_a_vote_keeps_the_rows_the_table_marks_and_the_plot_and_leaderboard_show_them():
    from playground.judging.ranking import fit_leaderboard
    from playground.judging.speed import speed_points
    from playground.judging.vote_record import METRIC_KEYS, make_vote
    from playground.ui.chart import render_speed_quality

    assert METRIC_KEYS == KEPT_WITH_VOTES and "prefill_tokens_per_s" in KEPT_WITH_VOTES
    votes = [make_vote(prompt=str(i), panes=[{"model": "a", "metrics": {"tokens_per_s": 20.0,
                                                                       "prefill_tokens_per_s": 300.0}},
                                             {"model": "b", "metrics": {"tokens_per_s": 80.0, "ttft_s": 0.1}}],
                       ranking=[[1], [0]]) for i in range(3)]
    assert votes[0].panes[0].metrics["prefill_tokens_per_s"] == 300.0
    board = fit_leaderboard(votes, resamples=5, seed=1)
    points = {p.model: p for p in speed_points(board, {"a": [dict(v.panes[0].metrics) for v in votes],
                                                       "b": [dict(v.panes[1].metrics) for v in votes]})}
    assert points["a"].median("prefill_tokens_per_s") == 300.0
    assert points["a"].to_json()["median_prefill_tokens_per_s"] == 300.0
    plot = render_speed_quality(list(points.values()))
    assert 'data-axis="median_prefill_tokens_per_s"' in plot and "score vs prefill tokens/s" in plot
