"""Which runs the runner hands to one engine call (issue #19): a local pane's samples and the panes
of the same local model decode together; everything else runs on its own (the fast tier).

The batch adapter is scripted (tests/scripted.py `ScriptedBatchAdapter`): it interleaves its
members' scripts and records the settings of every batch it was given. The real engine's side is
tests/test_engine_batch.py (slow).
"""

from __future__ import annotations

import threading

import pytest

from conftest import wait_for
from playground.adapters.base import ChatRequest, Finish, GenerationSettings, ImageInput, TextDelta
from playground.cache import ResponseCache
from playground.runner import Comparison, PaneRequest
from playground.runtime import Limits
from scripted import ScriptedAdapter, ScriptedBatchAdapter, Sleep, answer, local_model, scripted_runtime

LOW = GenerationSettings(temperature=0.2, max_tokens=64, seed=1)
HIGH = GenerationSettings(temperature=0.9, max_tokens=64)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


def says_its_settings(settings: GenerationSettings) -> list:
    return answer(f"t={settings.temperature} seed={settings.seed}")


@pytest.fixture
def made():
    runtimes = []
    yield runtimes
    for runtime in runtimes:
        runtime.close()


def runtime_with(made, scripts, **kw):
    runtime = scripted_runtime(scripts, **kw)
    made.append(runtime)
    return runtime


def texts_by_pane(comparison: Comparison) -> list[list[str]]:
    return [[r.text for r in pane] for pane in comparison.wait_by_pane()]


def test_two_panes_of_one_local_model_share_one_batch_and_keep_their_own_answers(tmp_path, made):
    gemma, other = ScriptedBatchAdapter(says_its_settings), ScriptedBatchAdapter(says_its_settings)
    a, b = local_model(tmp_path, "a"), local_model(tmp_path, "b")
    runtime = runtime_with(made, {a: gemma, b: other})
    comparison = Comparison(runtime, ChatRequest("hi"), [
        PaneRequest(a, LOW, samples=2), PaneRequest(b, HIGH), PaneRequest(a, HIGH)]).start()
    assert texts_by_pane(comparison) == [["t=0.2 seed=1", "t=0.2 seed=2"], ["t=0.9 seed=None"],
                                         ["t=0.9 seed=None"]]
    # panes 1 and 3 (model a): one call with all three sequences, each with its own settings
    assert [[(s.temperature, s.seed) for s in batch] for batch in gemma.batches] == [
        [(0.2, 1), (0.2, 2), (0.9, None)]]
    assert gemma.calls == []  # nothing of model a ran on its own
    # model b has one answer to make: it runs alone, as before
    assert other.batches == [] and len(other.calls) == 1


def test_panes_of_one_model_are_not_joined_when_the_prompt_has_an_image(tmp_path, made):
    gemma = ScriptedBatchAdapter(says_its_settings)
    a = local_model(tmp_path, "a")
    runtime = runtime_with(made, {a: gemma})
    request = ChatRequest("what is this?", image=ImageInput(PNG, "image/png"))
    comparison = Comparison(runtime, request, [PaneRequest(a, LOW, samples=2),
                                               PaneRequest(a, HIGH)]).start()
    assert texts_by_pane(comparison) == [["t=0.2 seed=1", "t=0.2 seed=2"], ["t=0.9 seed=None"]]
    assert [[s.seed for s in batch] for batch in gemma.batches] == [[1, 2]]  # pane 1's samples only
    assert len(gemma.calls) == 1  # pane 2 on its own


def test_stop_on_one_pane_leaves_the_other_panes_answer_going(tmp_path, made):
    def slow(settings):
        return [step for n in range(40) for step in (Sleep(0.005), TextDelta(f"{n} "))] + answer(".")

    gemma = ScriptedBatchAdapter(slow)
    a = local_model(tmp_path, "a")
    runtime = runtime_with(made, {a: gemma})
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, LOW), PaneRequest(a, HIGH)],
                            use_cache=False).start()
    wait_for(lambda: comparison.snapshot()[0].text, timeout_s=10)
    comparison.runs[0].stop("cancelled")  # the page's Stop on pane 1
    first, second = comparison.wait()
    assert first.finish_reason == "cancelled" and not first.text.endswith(".")
    assert second.finish_reason == "stop"
    assert second.text == "".join(f"{n} " for n in range(40)) + "."


def test_a_cached_pane_is_replayed_and_only_the_missing_one_is_decoded(tmp_path, made):
    gemma = ScriptedBatchAdapter(says_its_settings)
    a = local_model(tmp_path, "a")
    runtime = runtime_with(made, {a: gemma}, cache=ResponseCache(tmp_path / "cache"))
    Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, LOW, samples=2)]).start().wait()
    assert [[s.seed for s in batch] for batch in gemma.batches] == [[1, 2]]
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, LOW, samples=2),
                                                         PaneRequest(a, HIGH)]).start()
    results = comparison.wait()
    assert [r.cached for r in results] == [True, True, False]
    assert [[s.seed for s in batch] for batch in gemma.batches] == [[1, 2], [None]]


def test_with_batching_off_every_answer_runs_on_its_own(tmp_path, made, monkeypatch):
    monkeypatch.setenv("GP_BATCH_SAMPLES", "0")
    gemma = ScriptedBatchAdapter(says_its_settings)
    a = local_model(tmp_path, "a")
    runtime = runtime_with(made, {a: gemma})
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, LOW, samples=2),
                                                         PaneRequest(a, HIGH)]).start()
    assert texts_by_pane(comparison) == [["t=0.2 seed=1", "t=0.2 seed=2"], ["t=0.9 seed=None"]]
    assert gemma.batches == [] and len(gemma.calls) == 3


def test_an_api_model_never_joins_a_batch(tmp_path, made):
    api = ScriptedAdapter(says_its_settings)
    runtime = runtime_with(made, {"scripted:x": api})
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest("scripted:x", LOW, samples=2),
                                                         PaneRequest("scripted:x", HIGH)]).start()
    assert texts_by_pane(comparison) == [["t=0.2 seed=1", "t=0.2 seed=2"], ["t=0.9 seed=None"]]
    assert comparison.batches == [] and len(api.calls) == 3


def ticking(n: int, finish: str = "stop"):
    """A script that writes a word every 20 ms for n words (never idle), then finishes."""
    def script(settings):
        return [step for i in range(n) for step in (Sleep(0.02), TextDelta(f"w{i} "))] + [Finish(finish)]
    return script


def test_an_answer_that_finished_is_done_while_the_others_of_its_batch_go_on(tmp_path, made):
    """Its idle limit no longer runs (it has finished), Stop on another pane does not touch it,
    and it is cached at once."""
    def script(settings):
        return answer("short.") if settings.max_tokens == 8 else ticking(60)(settings)

    gemma = ScriptedBatchAdapter(script)
    a = local_model(tmp_path, "a")
    runtime = runtime_with(made, {a: gemma}, cache=ResponseCache(tmp_path / "cache"),
                           limits=Limits(idle_s=0.4))
    short = GenerationSettings(temperature=0.5, max_tokens=8)
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, short), PaneRequest(a, HIGH)]).start()
    wait_for(lambda: comparison.snapshot()[0].finished, timeout_s=10)
    assert not comparison.snapshot()[1].finished
    wait_for(lambda: len(comparison.snapshot()[1].text) > 40, timeout_s=10)  # > idle_s after pane 1 ended
    comparison.runs[1].stop("cancelled")
    first, second = comparison.wait()
    assert (first.finish_reason, first.text, first.error) == ("stop", "short.", None)
    assert not any("no token" in n for n in first.notes)
    assert second.finish_reason == "cancelled"
    again = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, short)]).start().wait()
    assert again[0].cached and again[0].text == "short."


def test_answers_decoded_after_the_first_group_are_queued_until_their_own_turn(tmp_path, made):
    """Memory for one at a time: the second answer waits for the first without running out its
    idle limit, and says it is queued meanwhile."""
    gemma = ScriptedBatchAdapter(ticking(40), at_once=1)
    a = local_model(tmp_path, "a")
    runtime = runtime_with(made, {a: gemma}, limits=Limits(idle_s=0.3))
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(a, LOW), PaneRequest(a, HIGH)],
                            use_cache=False).start()
    wait_for(lambda: len(comparison.snapshot()[0].text) > 20, timeout_s=10)
    assert comparison.snapshot()[1].status == "queued"
    results = comparison.wait()
    expected = "".join(f"w{i} " for i in range(40))
    assert [(r.finish_reason, r.text) for r in results] == [("stop", expected), ("stop", expected)]


def test_a_member_that_fails_before_the_next_joins_does_not_strand_it(tmp_path, made):
    """Its thread leaves at once (it failed before its turn); the batch still runs the other,
    and the failed one's sequence is dropped."""
    from types import SimpleNamespace

    from playground.adapters.base import StreamContext
    from playground.sample_batch import SampleBatch

    gemma = ScriptedBatchAdapter(says_its_settings)
    runtime = runtime_with(made, {local_model(tmp_path, "a"): gemma})
    failed, waiting = (SimpleNamespace(ctx=StreamContext(), settings=s) for s in (LOW, HIGH))
    batch = SampleBatch(runtime, ChatRequest("hi"), gemma)
    batch.join(failed)
    batch.leave(failed)  # e.g. its adapter could not be made
    batch.join(waiting)
    batch.seal()
    turn = []
    thread = threading.Thread(target=lambda: turn.append(batch.wait_turn(waiting)), daemon=True)
    thread.start()
    thread.join(10)
    assert turn == [True]
    events = list(batch.events(waiting))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "t=0.9 seed=None"
    assert failed.ctx.cancel.is_set()  # its sequence left the batch: nobody decodes for it
    assert runtime.slots.busy() == 0
