"""The runner on the real tiny model: fan-out, queueing, isolation of failures, metrics, loops."""

import pytest

from conftest import wait_for
from playground.adapters.base import ChatRequest, GenerationSettings
from playground.runner import Comparison, PaneRequest, run_comparison

pytestmark = pytest.mark.slow
SHORT = GenerationSettings(temperature=0.7, max_tokens=24, seed=3)


def test_two_panes_of_one_model_with_different_settings_both_answer(runtime):
    results = run_comparison(runtime, ChatRequest("Say hello."), [
        PaneRequest("gemma-3-270m", SHORT),
        PaneRequest("gemma-3-270m", SHORT.model_copy(update={"temperature": 0.0})),
    ])
    assert [r.error for r in results] == [None, None]
    assert all(r.text for r in results)
    assert results[1].settings["temperature"] == 0.0
    for r in results:
        m = r.metrics
        assert m.prompt_tokens > 0 and m.completion_tokens > 0 and m.total_s > 0
        assert m.ttft_s is not None and m.tokens_per_s > 0 and m.queue_s is not None
        assert r.finish_reason in ("stop", "length")


def test_second_local_pane_waits_in_the_queue_and_says_so(runtime, monkeypatch):
    # Panes of one local model decode together (playground/sample_batch.py); the queue is what
    # panes of different local models go through. With one bundled model, batching is turned off
    # to see the queue.
    monkeypatch.setenv("GP_BATCH_SAMPLES", "0")
    settings = GenerationSettings(temperature=0.7, max_tokens=64, seed=1)
    comparison = Comparison(runtime, ChatRequest("Describe a bicycle."),
                            [PaneRequest("gemma-3-270m", settings)] * 3).start()
    notes = set()
    for states in comparison.snapshots(0.02):
        notes.update(s.status_note for s in states if s.status == "queued")
    assert "queued (2 of 3)" in notes and "queued (3 of 3)" in notes
    results = [s.to_result() for s in comparison.snapshot()]
    assert results[2].metrics.queue_s > results[0].metrics.queue_s


def test_one_failing_pane_never_stops_the_others(runtime, tmp_path):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_text("not a model")
    results = run_comparison(runtime, ChatRequest("Say hi."), [
        PaneRequest(str(bogus), SHORT), PaneRequest("no-such-model", SHORT),
        PaneRequest("gemini:gemma-4-31b-it", SHORT), PaneRequest("gemma-3-270m", SHORT),
    ])
    assert "not a GGUF model file" in results[0].error
    assert "unknown model 'no-such-model'" in results[1].error
    assert "set GEMINI_API_KEY" in results[2].error
    assert results[3].error is None and results[3].text


def test_stop_ends_every_pane_and_keeps_text_so_far(runtime):
    """Two panes of the model decode together (one batch); Stop ends both, text kept."""
    settings = GenerationSettings(temperature=1.0, max_tokens=3000, seed=5)
    comparison = Comparison(runtime, ChatRequest("Write a long story about pelicans."),
                            [PaneRequest("gemma-3-270m", settings),
                             PaneRequest("gemma-3-270m", settings.model_copy(update={"seed": 6}))]).start()
    for states in comparison.snapshots(0.05):
        if len(states[0].text) > 40:
            comparison.stop()
            at_stop = [len(s.text) for s in comparison.snapshot()]
            break
    for _ in comparison.snapshots(0.05):
        pass
    states = comparison.snapshot()
    assert [s.status for s in states] == ["stopped", "stopped"]
    assert [s.finish_reason for s in states] == ["cancelled", "cancelled"]
    assert len(states[0].text) > 40
    # the token in flight may land, then nothing: not the rest of a 3000-token story
    assert all(len(s.text) - at < 100 for s, at in zip(states, at_stop))


def test_looping_tiny_model_is_stopped_with_the_reason(runtime):
    """The real case: Gemma 3 270M loops at temperature 0 on the pelican prompt."""
    settings = GenerationSettings(temperature=0, max_tokens=1500, seed=1)
    result = run_comparison(runtime, ChatRequest("Generate an SVG of a pelican riding a bicycle"),
                            [PaneRequest("gemma-3-270m", settings)])[0]
    assert result.finish_reason == "loop"
    assert any(n.startswith("stopped: repeating") and "×" in n for n in result.notes)
    assert result.text  # the text so far is kept
    assert result.metrics.completion_tokens < 1500


def test_idle_timeout_stops_a_silent_pane(runtime):
    runtime.limits.total_s = 0.5  # shorter than the answer takes
    settings = GenerationSettings(temperature=1.0, max_tokens=3000, seed=5)
    result = run_comparison(runtime, ChatRequest("Write a long story."), [PaneRequest("gemma-3-270m", settings)])[0]
    assert result.finish_reason == "timeout"
    assert any("0.5 s limit" in n for n in result.notes)


def test_idle_limit_stops_a_silent_api_stream_and_stop_is_prompt(runtime, monkeypatch):
    """An API model that goes silent (the fake Gemini server waits 30 s before its first chunk)
    is stopped by the idle limit; the user's Stop on another silent stream acts within a second."""
    from fake_gemini import FakeGemini, Scenario, text_chunks

    with FakeGemini(Scenario(chunks=text_chunks(["late"]), first_delay_s=30)) as fake:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        runtime.env = {"GEMINI_API_KEY": "AIza-test-key"}
        runtime.limits.idle_s = 0.5
        result = run_comparison(runtime, ChatRequest("hi"), [PaneRequest("gemini:gemma-4-31b-it", SHORT)])[0]
        assert result.finish_reason == "timeout" and "stopped: no token for 0.5 s" in result.notes
        assert result.text == "" and fake.sent_events == 0  # stopped while the server was silent

        runtime.limits.idle_s = 120
        comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest("gemini:gemma-4-31b-it", SHORT)]).start()
        wait_for(lambda: len(fake.requests) == 2)  # asked, and the server is silent for 30 s
        comparison.stop()
        states = comparison.wait()
        assert states[0].finish_reason == "cancelled"
        assert fake.sent_events == 0  # Stop acted while the server was still silent


def test_a_loop_in_the_answer_is_caught_after_long_thinking(runtime, monkeypatch):
    """Thinking and answer grow apart; a loop in the answer is caught however long the thinking."""
    from fake_gemini import FakeGemini, Scenario, text_chunks

    thoughts = [f"Step {i}: consider the pelican's wing number {i * 7}. " for i in range(120)]
    with FakeGemini(Scenario(chunks=text_chunks(["Here:\n"] + ["---\n"] * 400, thoughts=thoughts))) as fake:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        runtime.env = {"GEMINI_API_KEY": "AIza-test-key"}
        result = run_comparison(runtime, ChatRequest("hi"), [PaneRequest("gemini:gemma-4-31b-it", SHORT)])[0]
    assert len(result.thinking) > 5000
    assert result.finish_reason == "loop"
    assert any(n.startswith("stopped: repeating") for n in result.notes)


def test_local_panes_run_in_pane_order_and_a_failing_one_leaves_the_line(runtime, tmp_path, monkeypatch):
    monkeypatch.setenv("GP_BATCH_SAMPLES", "0")  # panes 1 and 4 would decode together: see the line
    bogus = tmp_path / "bogus.gguf"
    bogus.write_text("not a model")
    settings = GenerationSettings(temperature=0.7, max_tokens=8, seed=1)
    for _ in range(3):  # thread start order is racy; the line must not be
        comparison = Comparison(runtime, ChatRequest("Hi."), [
            PaneRequest("gemma-3-270m", settings), PaneRequest("gemma-4-e4b", settings),  # not on disk
            PaneRequest(str(bogus), settings), PaneRequest("gemma-3-270m", settings)]).start()
        results = comparison.wait()
        assert results[0].metrics.queue_s < results[3].metrics.queue_s
        assert "not downloaded" in results[1].error and "not a GGUF" in results[2].error
        assert results[3].error is None
        assert runtime.slots.busy() == 0
