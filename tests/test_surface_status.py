"""One status per pane, computed from its samples (ui/pane_status.py), said the same way in the
page, the blind page and the PNG card."""

from __future__ import annotations

import re

from playground.adapters.base import ChatRequest
from playground.pane import PaneState
from playground.status import PaneStatus
from playground.ui.pane_status import pane_status
from playground.ui.render import Blind, Sample, render_pane


def sample(status=PaneStatus.DONE, finish="stop", text="an answer", index=0, ttft=0.2) -> PaneState:
    s = PaneState(index=index, model="gemma-3-270m", label="Gemma 3 270M", source="local", status=status,
                  finish_reason=finish, text=text)
    s.metrics.ttft_s = ttft
    return s


def head_word(markup: str) -> str:
    return re.search(r'<span class="gp-state" data-status="[^"]*" title="([^"]*)"', markup).group(1)


def test_samples_that_all_looped_say_stopped_loop_not_stopped():
    group = [sample(PaneStatus.STOPPED, "loop"), sample(PaneStatus.CACHED, "loop")]
    assert pane_status(group).label == "stopped (loop)"
    markup = render_pane(group[0], samples=[Sample(s, []) for s in group])
    assert head_word(markup) == "stopped (loop)"


def test_samples_that_all_hit_max_tokens_say_so():
    group = [sample(finish="length"), sample(PaneStatus.CACHED, "length")]
    assert pane_status(group).label == "done (max tokens)"
    assert head_word(render_pane(group[0], samples=[Sample(s, []) for s in group])) == "done (max tokens)"


def test_a_loop_stopped_answer_is_not_done_while_blind():
    s = sample(PaneStatus.CACHED, "loop")
    markup = render_pane(s, blind=Blind.for_states([s]))
    assert head_word(markup) == "stopped (loop)" and "cached" not in markup


def test_a_pane_stopped_while_queued_says_it_never_started():
    s = sample(PaneStatus.STOPPED, "cancelled", text="", ttft=None)
    markup = render_pane(s)
    assert head_word(markup) == "stopped before it started"
    assert "No answer: stopped before it started." in markup  # the body says so too, not a blank
    assert pane_status([sample(PaneStatus.STOPPED, "cancelled")]).label == "stopped"


def test_a_restored_stopped_pane_says_stopped_not_error():
    s = sample(PaneStatus.ERROR, "cancelled", text="")
    s.error = "this answer was not cached (it failed or was stopped)"
    word = pane_status([s])
    assert word.status == "stopped" and word.label == "stopped (not kept)"
    assert pane_status([sample(PaneStatus.ERROR, "error")]).label == "error"


def test_mixed_samples_say_what_happened():
    group = [sample(), sample(finish="loop", status=PaneStatus.STOPPED), sample(finish="length")]
    assert pane_status(group).label == "done (1 loop, 1 max tokens)"


def test_the_png_card_says_the_panes_status(monkeypatch):
    from playground.ui import export

    looped = sample(PaneStatus.CACHED, "loop", index=0)
    capped = sample(finish="length", index=1)
    written: list[str] = []
    monkeypatch.setattr(export._Canvas, "text", lambda self, x, y, text, **kw: written.append(text))
    monkeypatch.setattr(export._Canvas, "render", lambda self: b"")
    export.export_png_card(ChatRequest("Draw"), [looped, capped], {})
    assert any(t.startswith("stopped (loop)") for t in written) and any(t.startswith("done (max tokens)") for t in written)
    written.clear()
    export.export_png_card(ChatRequest("Draw"), [looped, capped], {}, blind=Blind.for_states([looped, capped]))
    assert "stopped (loop)" in written and "done" not in written
