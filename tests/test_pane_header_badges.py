"""A pane's header at two small edges: the one metric a blind pane shows (the answer's length,
or nothing when it is unknown) and the "cached" badge's icon, words and tooltip."""

from __future__ import annotations

import re

from playground.result import Metrics
from playground.runner import PaneState
from playground.ui.render import Blind, render_pane


def _state(**extra) -> PaneState:
    s = PaneState(index=0, model="gemma-3-270m", label="Gemma 3 270M", source="local", status="done",
                  text="hi", finish_reason="stop", settings={},
                  metrics=Metrics(completion_tokens=42, tokens_per_s=10.0, total_s=4.2))
    for key, value in extra.items():
        setattr(s, key, value)
    return s


def _metrics(html: str) -> list[str]:
    return re.findall(r'<span class="gp-metrics">(.*?)</span>', html)


BLIND = Blind(names=("gemma-3-270m", "Gemma 3 270M"))


def test_a_blind_pane_shows_only_the_answer_length():
    assert _metrics(render_pane(_state(), blind=BLIND)) == ["42 tokens · speed after the vote"]


def test_a_blind_pane_without_a_token_count_shows_no_number():
    assert _metrics(render_pane(_state(metrics=Metrics()), blind=BLIND)) == ["speed after the vote"]


def test_the_cached_badge_has_its_icon_words_and_tooltip():
    html = render_pane(_state(cached=True, created_at=None))
    assert re.findall(r'<span class="gp-badge .*?</span></span>', html) == [
        '<span class="gp-badge gp-cached" title="cached: replayed from the cache">'
        '<span class="gp-badge-icon" aria-hidden="true">↺</span>'
        '<span class="gp-badge-text">cached</span></span>'
    ]
