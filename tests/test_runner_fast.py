"""The runner's thread logic on scripted adapters (the fast tier): no model, timing set by the test.

Queue order and positions, isolation of failures, cache claims between identical panes, the
total and idle limits, abandoning a stream that ignores Stop, the loop stop, re-rolls that add
samples. The same paths on the real tiny model are in test_runner.py (slow).
"""

from __future__ import annotations

import threading

import pytest

from playground.adapters.base import ChatRequest, Finish, GenerationSettings, ModelError, Retrying, Status, TextDelta
from playground.runner import Comparison, PaneRequest
from playground.runtime import Limits
from conftest import wait_for
from scripted import Raise, ScriptedAdapter, Sleep, answer, gate, local_model, scripted_runtime

SETTINGS = GenerationSettings(max_tokens=64)


@pytest.fixture
def make(tmp_path):
    made = []

    def build(scripts, **kw):
        runtime = scripted_runtime(scripts, **kw)
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


def run(runtime, models, prompt="hi", **kw):
    comparison = Comparison(runtime, ChatRequest(prompt), [PaneRequest(m, SETTINGS) for m in models], **kw)
    seen = []
    for states in comparison.start().snapshots(interval_s=0.01, give_up_s=0.5):
        seen.append(states)
    return comparison, seen


def test_local_panes_run_one_at_a_time_in_pane_order_while_api_panes_run_at_once(tmp_path, make):
    a, b = local_model(tmp_path, "a"), local_model(tmp_path, "b")
    scripts = {a: ScriptedAdapter(answer("first local", delay=0.05), is_local=True),
               b: ScriptedAdapter(answer("second local", delay=0.05), is_local=True),
               "scripted:api": ScriptedAdapter(answer("api", delay=0.05))}
    runtime = make(scripts)
    comparison, seen = run(runtime, [b, a, "scripted:api"])  # pane 1 is model b
    (b_start, b_end), (a_start, a_end) = scripts[b].calls[0], scripts[a].calls[0]
    assert b_end <= a_start, "the second local pane started before the first one ended"
    api_start = scripts["scripted:api"].calls[0][0]
    assert api_start < b_end, "the API pane waited for the local queue"
    notes = {s.status_note for states in seen for s in states if s.status == "queued"}
    assert "queued (2 of 2)" in notes
    assert [s.text for s in seen[-1]] == ["second local", "first local", "api"]


def test_a_failing_pane_leaves_the_line_and_never_stops_the_others(tmp_path, make):
    a, b = local_model(tmp_path, "a"), local_model(tmp_path, "b")
    runtime = make({a: ScriptedAdapter([Raise(ModelError("the file is damaged"))], is_local=True),
                    b: ScriptedAdapter(answer("fine"), is_local=True)})
    _, seen = run(runtime, [a, b])
    first, second = seen[-1]
    assert first.status == "error" and first.error == "the file is damaged"
    assert second.status == "done" and second.text == "fine"


def test_an_unexpected_exception_stays_in_its_pane_as_an_internal_error(make):
    runtime = make({"scripted:x": ScriptedAdapter([TextDelta("par"), Raise(KeyError("boom"))]),
                    "scripted:y": ScriptedAdapter(answer("ok"))})
    _, seen = run(runtime, ["scripted:x", "scripted:y"])
    broken, fine = seen[-1]
    assert broken.error.startswith("internal error: KeyError") and broken.text == "par"
    assert fine.text == "ok" and fine.error is None


def test_the_idle_limit_stops_a_silent_stream_and_keeps_its_text(make):
    runtime = make({"scripted:slow": ScriptedAdapter([TextDelta("so far"), Sleep(30), Finish("stop")])},
                   limits=Limits(total_s=60, idle_s=0.3))
    _, seen = run(runtime, ["scripted:slow"])
    state = seen[-1][0]
    # stopped by the limit: had it waited out the 30 s pause, the stream would have finished ("stop")
    assert state.status == "stopped" and state.finish_reason == "timeout"
    assert state.text == "so far" and any("no token for" in n for n in state.notes)


def test_the_total_limit_stops_a_pane_that_keeps_talking(make):
    runtime = make({"scripted:chatty": ScriptedAdapter(answer("blah " * 400, delay=0.01))},
                   limits=Limits(total_s=0.3, idle_s=60))
    _, seen = run(runtime, ["scripted:chatty"])
    state = seen[-1][0]
    assert state.finish_reason == "timeout" and any("limit" in n for n in state.notes)


def test_a_stream_that_ignores_stop_is_abandoned_and_its_late_output_dropped(make):
    stuck = gate()
    script = ScriptedAdapter([TextDelta("early"), stuck, TextDelta(" late"), Finish("stop")])
    runtime = make({"scripted:deaf": script})
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:deaf", SETTINGS)]).start()
    wait_for(lambda: comparison.snapshot()[0].text == "early")
    comparison.stop()
    states = list(comparison.snapshots(interval_s=0.01, give_up_s=0.3))
    # the caller got its last snapshot while the stream was still stuck: it did not wait for it
    assert script.calls[0][1] is None, "the caller waited for the deaf stream"
    final = states[-1][0]
    assert final.status == "stopped" and final.text == "early"
    assert any("did not stop in time" in n for n in final.notes)
    stuck.open()  # the stuck read returns; what it says must not reach the pane
    wait_for(lambda: script.calls[0][1] is not None)
    assert comparison.snapshot()[0].text == "early"


def test_a_repeating_answer_is_stopped_as_a_loop_with_its_text_kept(make):
    runtime = make({"scripted:loopy": ScriptedAdapter(answer("la la la " * 200, chunk=9))})
    _, seen = run(runtime, ["scripted:loopy"])
    state = seen[-1][0]
    assert state.finish_reason == "loop" and state.status == "stopped"
    assert state.text.startswith("la la la") and len(state.text) < len("la la la " * 200)
    assert any("repeating" in n for n in state.notes)


def test_retry_notes_show_in_the_status_line_but_not_in_the_notes(make):
    runtime = make({"scripted:retry": ScriptedAdapter([Retrying(1, 1, 3, "503"), Sleep(0.3),
                                                     Status("system prompt folded into the user turn"),
                                                     *answer("ok")])})
    _, seen = run(runtime, ["scripted:retry"])
    assert any(s.status_note.startswith("retrying") for states in seen for s in states)
    assert seen[-1][0].notes == ["system prompt folded into the user turn"]


def test_a_loading_event_shows_the_pane_loading_until_the_model_is_loaded(tmp_path, make):
    from playground.adapters.base import Loaded, Loading
    from playground.status import PaneStatus

    a = local_model(tmp_path, "a")
    runtime = make({a: ScriptedAdapter([Loading(), Sleep(0.1), Loaded(0.1), *answer("ok")], is_local=True)})
    _, seen = run(runtime, [a])
    assert any(s.status == PaneStatus.LOADING and s.status_note == "loading model" for states in seen for s in states)
    assert seen[-1][0].status is PaneStatus.DONE and seen[-1][0].metrics.load_s == 0.1


def test_identical_panes_each_get_their_own_cached_sample_then_run_fresh(tmp_path, make):
    from playground.cache import ResponseCache

    cache = ResponseCache(tmp_path / "cache")
    script = ScriptedAdapter(answer("an answer"))
    runtime = make({"scripted:same": script}, cache=cache)
    run(runtime, ["scripted:same"])
    run(runtime, ["scripted:same"], use_cache=False)  # a second sample next to the first
    assert len(script.calls) == 2
    _, seen = run(runtime, ["scripted:same"] * 3)
    states = seen[-1]
    assert [s.cached for s in states] == [True, True, False]
    assert len({s.sample for s in states}) == 3, "two panes showed the same sample"
    assert len(script.calls) == 3  # only the third pane ran


def test_stop_reaches_a_pane_still_waiting_for_a_local_slot(tmp_path, make):
    a, b = local_model(tmp_path, "a"), local_model(tmp_path, "b")
    runtime = make({a: ScriptedAdapter([TextDelta("x"), Sleep(30)], is_local=True),
                    b: ScriptedAdapter(answer("never"), is_local=True)})
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, SETTINGS), PaneRequest(b, SETTINGS)])
    comparison.start()
    wait_for(lambda: comparison.snapshot()[0].text == "x")  # pane 1 holds the slot; pane 2 waits for it
    comparison.stop()
    final = list(comparison.snapshots(interval_s=0.01, give_up_s=2))[-1]
    assert [s.status for s in final] == ["stopped", "stopped"]
    assert final[1].text == "" and runtime.slots.busy() == 0


# ---- k samples per pane -------------------------------------------------------------------

def _by_seed(settings):
    return answer(f"answer for seed {settings.seed}", delay=0.05)


def test_k_samples_with_a_seed_use_seed_seed_plus_1_and_run_in_parallel_for_an_api(make):
    script = ScriptedAdapter(_by_seed)
    runtime = make({"scripted:m": script})
    comparison = Comparison(runtime, ChatRequest("hi"),
                            [PaneRequest("scripted:m", SETTINGS.model_copy(update={"seed": 5}), samples=3)])
    groups = comparison.start().wait_by_pane()
    assert [r.text for r in groups[0]] == ["answer for seed 5", "answer for seed 6", "answer for seed 7"]
    assert [r.settings["seed"] for r in groups[0]] == [5, 6, 7]
    starts, ends = [c[0] for c in script.calls], [c[1] for c in script.calls]
    assert max(starts) < min(ends), "API samples of one pane ran one after another"


def test_api_samples_of_one_pane_are_bounded(make):
    from playground.runner import API_SAMPLES_AT_ONCE

    script = ScriptedAdapter(answer("x", delay=0.1))
    runtime = make({"scripted:m": script})
    Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:m", SETTINGS, samples=8)]).start().wait()
    events = sorted([(c[0], 1) for c in script.calls] + [(c[1], -1) for c in script.calls])
    most, now = 0, 0
    for _, step in events:
        now += step
        most = max(most, now)
    assert len(script.calls) == 8 and most <= API_SAMPLES_AT_ONCE


def test_local_samples_queue_one_after_another(tmp_path, make):
    a = local_model(tmp_path, "a")
    script = ScriptedAdapter(_by_seed, is_local=True)
    runtime = make({a: script})
    groups = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, SETTINGS.model_copy(update={"seed": 1}), samples=3)]
                        ).start().wait_by_pane()
    assert [r.text for r in groups[0]] == ["answer for seed 1", "answer for seed 2", "answer for seed 3"]
    calls = script.calls
    assert all(calls[i][1] <= calls[i + 1][0] for i in range(len(calls) - 1))


def test_a_seeded_sample_set_replays_whole_from_the_cache(tmp_path, make):
    from playground.cache import ResponseCache

    script = ScriptedAdapter(_by_seed)
    runtime = make({"scripted:m": script}, cache=ResponseCache(tmp_path / "cache"))
    pane = PaneRequest("scripted:m", SETTINGS.model_copy(update={"seed": 9}), samples=3)
    first = Comparison(runtime, ChatRequest("hi"), [pane]).start().wait_by_pane()[0]
    again = Comparison(runtime, ChatRequest("hi"), [pane]).start().wait_by_pane()[0]
    assert [r.text for r in again] == [r.text for r in first]
    assert all(r.cached for r in again) and len(script.calls) == 3


def test_samples_already_cached_are_reused_and_only_the_missing_ones_generated(tmp_path, make):
    from playground.cache import ResponseCache

    script = ScriptedAdapter(answer("unseeded answer"))
    runtime = make({"scripted:m": script}, cache=ResponseCache(tmp_path / "cache"))
    Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:m", SETTINGS, samples=2)]).start().wait()
    assert len(script.calls) == 2
    results = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:m", SETTINGS, samples=3)]).start().wait()
    assert [r.cached for r in results].count(True) == 2 and len(script.calls) == 3


def test_a_loop_stopped_sample_is_kept_and_replays_with_finish_reason_loop(tmp_path, make):
    from playground.cache import ResponseCache

    script = ScriptedAdapter(answer("la la la " * 200, chunk=9))
    runtime = make({"scripted:loopy": script}, cache=ResponseCache(tmp_path / "cache"))
    first = Comparison(runtime, ChatRequest("sing"), [PaneRequest("scripted:loopy", SETTINGS)]).start().wait()[0]
    assert first.finish_reason == "loop"
    replay = Comparison(runtime, ChatRequest("sing"), [PaneRequest("scripted:loopy", SETTINGS)]).start().wait()[0]
    assert replay.cached and replay.finish_reason == "loop" and replay.text == first.text
    assert any("repeating" in n for n in replay.notes) and len(script.calls) == 1


def test_cancelled_and_timed_out_samples_are_not_kept(tmp_path, make):
    from playground.cache import ResponseCache

    cache = ResponseCache(tmp_path / "cache")
    runtime = make({"scripted:slow": ScriptedAdapter([TextDelta("part"), Sleep(30), Finish("stop")])},
                   cache=cache, limits=Limits(total_s=60, idle_s=0.2))
    result = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:slow", SETTINGS)]).start().wait()[0]
    assert result.finish_reason == "timeout"
    assert cache.stats()["samples"] == 0


def test_the_history_entry_lists_every_sample_of_a_pane(tmp_path, make):
    from playground.cache import ResponseCache

    cache = ResponseCache(tmp_path / "cache")
    runtime = make({"scripted:m": ScriptedAdapter(_by_seed)}, cache=cache)
    comparison = Comparison(runtime, ChatRequest("hi"),
                            [PaneRequest("scripted:m", SETTINGS.model_copy(update={"seed": 1}), samples=2)])
    comparison.start().wait()
    entry = cache.get_comparison(comparison.history_id)
    pane = entry["panes"][0]
    assert [s["settings"]["seed"] for s in pane["samples"]] == [1, 2]
    assert all(s["sample"] is not None for s in pane["samples"])


def test_samples_outside_1_to_8_are_refused():
    with pytest.raises(ValueError, match="between 1 and 8"):
        PaneRequest("scripted:m", SETTINGS, samples=9)


# ---- diagnostics in the pane ------------------------------------------------------------------

def test_an_answer_left_in_the_thought_channel_gets_a_note_that_says_so(make):
    from playground.adapters.base import ThoughtDelta

    runtime = make({"scripted:t": ScriptedAdapter([ThoughtDelta("I will draw a pelican."), Finish("stop")])})
    state = run(runtime, ["scripted:t"])[1][-1][0]
    assert any("thought channel" in note for note in state.notes)


def test_leaked_turn_markers_get_a_note_and_an_ordinary_answer_gets_none(make):
    runtime = make({"scripted:leak": ScriptedAdapter(answer("Hello!<end_of_turn>\n<start_of_turn>user")),
                    "scripted:fine": ScriptedAdapter(answer("Hello! How can I help?"))})
    leak, fine = run(runtime, ["scripted:leak", "scripted:fine"])[1][-1]
    assert any("turn marker" in note for note in leak.notes)
    assert fine.notes == []


# ---- a fourth model kind ----------------------------------------------------------------------

def test_a_kind_registered_on_the_runtime_runs_panes_caches_them_and_names_its_source(tmp_path, make):
    from playground.cache import ResponseCache

    script = ScriptedAdapter(answer("from the fourth kind"))
    runtime = make({"scripted:four": script}, cache=ResponseCache(tmp_path / "cache"))
    assert set(runtime.sources) == {"llama", "gemini", "openai", "scripted", "scripted-local"}
    first = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:four", SETTINGS)]).start().wait()[0]
    assert first.text == "from the fourth kind" and first.source == "scripted" and not first.cached
    again = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:four", SETTINGS)]).start().wait()[0]
    assert again.cached and again.text == first.text and len(script.calls) == 1


def test_a_model_of_a_kind_nobody_registered_is_unavailable_and_says_why(make):
    from playground.config import parse_config
    from playground.catalog import Catalog
    from playground.runtime import Runtime

    config = parse_config('[models.odd]\nkind = "carrier-pigeon"\n', "c.toml")
    runtime = Runtime(config, Catalog(config, scan_disk=False), env={})
    ok, reason = runtime.availability(runtime.catalog.resolve("odd"))
    assert not ok and "no source runs models of kind 'carrier-pigeon'" in reason
    result = Comparison(runtime, ChatRequest("hi"), [PaneRequest("odd", SETTINGS)]).start().wait()[0]
    assert result.error is not None and "carrier-pigeon" in result.error
    runtime.close()


def test_first_characters_are_shown_at_once_and_the_rest_stays_throttled(make):
    # An interval of an hour: every snapshot before the end is one the runner sent at once. The
    # stream pauses after its first word until the test has seen it, then sends 300 more deltas.
    held = gate()
    numbers = " " + " ".join(str(i) for i in range(200))  # 690 characters that do not repeat
    rest = answer(numbers, chunk=2, delay=0.0005)
    runtime = make({"scripted:m": ScriptedAdapter([Sleep(0.05), TextDelta("first"), held, *rest])})
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:m", SETTINGS)]).start()
    texts = []
    opener = threading.Timer(30, held.open)  # only if the first words never come: never hang
    opener.start()
    try:
        for states in comparison.snapshots(interval_s=3600):
            texts.append(states[0].text)
            held.open()
    finally:
        opener.cancel()
    assert texts[0] == "first", "the first characters did not come at once"
    assert texts[-1] == "first" + numbers
    # 346 deltas, and a snapshot only for the first words, the finish and the end
    assert len(texts) <= 3, f"{len(texts)} snapshots: not throttled"
