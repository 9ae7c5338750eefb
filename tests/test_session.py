"""Per-browser-session views: a newer run, restore or re-roll owns the panes; an older stream
that is still winding down never writes over them."""

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.cache import ResponseCache
from playground.runner import PaneRequest, run_comparison
from playground.ui.session import Sessions

pytestmark = pytest.mark.slow
LONG = GenerationSettings(temperature=1.0, max_tokens=2000, seed=3)


@pytest.fixture
def sessions(runtime, tmp_path):
    runtime.cache = ResponseCache(tmp_path / "cache")
    return Sessions(runtime)


def test_restore_during_a_run_is_not_overwritten_by_the_old_stream(sessions, runtime):
    short = GenerationSettings(temperature=0.0, max_tokens=8, seed=1)
    run_comparison(runtime, ChatRequest("Old comparison: say hi."), [PaneRequest("gemma-3-270m", short)])
    entry_id = runtime.cache.history("Old comparison")[0]["id"]

    stream = sessions.run("s1", ChatRequest("A long story about the sea."), [PaneRequest("gemma-3-270m", LONG)], False)
    next(stream)
    next(stream)
    sessions.restore("s1", entry_id)
    restored_text = sessions.view("s1").states[0].text
    for _ in stream:  # the old run winds down (restore stopped it) and keeps yielding a moment
        pass
    view = sessions.view("s1")
    assert view.states[0].cached and view.states[0].text == restored_text
    assert view.request.prompt == "Old comparison: say hi."
    assert view.running == []


def test_reroll_replaces_the_stream_in_its_pane(sessions):
    first = sessions.run("s2", ChatRequest("Tell a story."), [PaneRequest("gemma-3-270m", LONG)], True)
    next(first)
    next(first)
    old_run = sessions.view("s2").slot_runs[0]
    reroll = sessions.reroll("s2", 0)
    next(reroll)
    assert old_run.ctx.cancel.is_set()  # the pane had one stream; the re-roll took its place
    assert sessions.stop_pane("s2", 0) == "stopping pane 1…"
    for _ in reroll:
        pass
    for _ in first:
        pass
    assert sessions.view("s2").states[0].finish_reason == "cancelled"
    assert sessions.view("s2").slot_runs[0] is not old_run
