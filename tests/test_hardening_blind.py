"""Issue #21 hole 8: blind mode tells — the image note, per-pane sample counts, and a blind
comparison restored elsewhere with Blind off. Scripted adapters (fast tier)."""

from __future__ import annotations

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings, Status
from playground.cache import ResponseCache
from playground.pane import PaneRequest, PaneState
from playground.ui.drawing import Blind
from playground.ui.render import render_pane
from playground.ui.session import Sessions
from scripted import ScriptedAdapter, answer, scripted_runtime


@pytest.fixture
def sessions(tmp_path):
    runtime = scripted_runtime(
        {"scripted:sees": ScriptedAdapter(answer("a red square")),
         "scripted:blind-to-images": ScriptedAdapter([Status("this model cannot see images: it answered from "
                                                             "the text alone")] + answer("no idea"))},
        cache=ResponseCache(tmp_path / "cache"))
    yield Sessions(runtime)
    runtime.close()


def panes(samples=(1, 1)):
    return [PaneRequest(m, GenerationSettings(max_tokens=8), samples=k)
            for m, k in zip(("scripted:sees", "scripted:blind-to-images"), samples)]


def test_blind_panes_show_one_neutral_image_note_instead_of_naming_the_model_that_cannot_see():
    seeing = PaneState(index=0, model="gemma-4-e2b", label="Gemma 4 E2B", text="a red square", status="done")
    plain = PaneState(index=1, model="gemma-3-270m", label="Gemma 3 270M", text="no idea", status="done",
                      notes=["this model cannot see images: it answered from the text alone"])
    blind = Blind.for_states([seeing, plain])
    for state in (seeing, plain):
        html = render_pane(state, None, blind, None)
        assert "one of the models did not get the image" in html
        assert "cannot see images" not in html
    assert "cannot see images" in render_pane(plain, None, None, None)  # after the vote: the real note


def test_blind_run_gives_every_pane_the_same_number_of_samples(sessions):
    list(sessions.run("s1", ChatRequest("hi"), panes(samples=(1, 3)), bypass_cache=True, blind=True))
    view = sessions.view("s1")
    assert [p.samples for p in view.panes] == [3, 3]
    assert all(len(view.group(slot)) == 3 for slot in range(2))
    list(sessions.run("s1", ChatRequest("hi"), panes(samples=(1, 3)), bypass_cache=True, blind=False))
    assert sorted(p.samples for p in sessions.view("s1").panes) == [1, 3]  # not blind: as asked


def test_a_blind_comparison_restored_in_another_session_with_blind_off_stays_blind_until_voted(sessions):
    from playground.ui.judge import cast_vote

    list(sessions.run("s1", ChatRequest("hi"), panes(), bypass_cache=True, blind=True))
    entry_id = sessions.view("s1").comparison_id
    assert entry_id
    sessions.restore("s2", entry_id, blind=False)
    assert sessions.view("s2").hidden
    sessions.restore("s2", entry_id, blind=False)  # every Restore, not just the first
    assert sessions.view("s2").hidden
    cast_vote(sessions, "s1", [1, 2], None)
    vote = sessions.vote_store().for_comparison(entry_id)[0]
    sessions.restore("s3", entry_id, blind=False, vote=vote)
    assert not sessions.view("s3").hidden  # voted: names may show
