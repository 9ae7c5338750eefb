"""The runner with the cache: hits replay instantly, identical panes never show one answer twice,
a loop-stopped answer is kept (it is a finding) while errors and cancelled runs are not."""

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.cache import ResponseCache
from playground.runner import PaneRequest, run_comparison

pytestmark = pytest.mark.slow
SETTINGS = GenerationSettings(temperature=1.0, max_tokens=12)  # no seed: every run samples anew


@pytest.fixture
def cached_runtime(runtime, tmp_path):
    runtime.cache = ResponseCache(tmp_path / "cache")
    return runtime


def test_identical_panes_replay_distinct_samples_and_a_third_runs_fresh(cached_runtime):
    request = ChatRequest("Name a colour.")
    first = run_comparison(cached_runtime, request, [PaneRequest("gemma-3-270m", SETTINGS)] * 2)
    assert [r.cached for r in first] == [False, False]
    again = run_comparison(cached_runtime, request, [PaneRequest("gemma-3-270m", SETTINGS)] * 3)
    assert [r.cached for r in again] == [True, True, False]
    assert {again[0].text, again[1].text} == {first[0].text, first[1].text}
    assert again[0].metrics.total_s == pytest.approx(max(r.metrics.total_s for r in first if r.text == again[0].text))


def test_bypass_adds_a_sample_and_errors_are_not_stored(cached_runtime, tmp_path):
    request = ChatRequest("Name a fruit.")
    run_comparison(cached_runtime, request, [PaneRequest("gemma-3-270m", SETTINGS)])
    run_comparison(cached_runtime, request, [PaneRequest("gemma-3-270m", SETTINGS)], use_cache=False)
    bogus = tmp_path / "bogus.gguf"
    bogus.write_text("nope")
    run_comparison(cached_runtime, request, [PaneRequest(str(bogus), SETTINGS)])
    stats = cached_runtime.cache.stats()
    assert stats["samples"] == 2 and stats["entries"] == 1
    history = cached_runtime.cache.history("fruit")
    assert len(history) == 3  # every comparison is in History, failed panes included


def test_a_looping_answer_is_kept_and_replays_instantly_with_finish_reason_loop(cached_runtime):
    settings = GenerationSettings(temperature=0, max_tokens=1500, seed=1)
    request = ChatRequest("Generate an SVG of a pelican riding a bicycle")
    result = run_comparison(cached_runtime, request, [PaneRequest("gemma-3-270m", settings)])[0]
    assert result.finish_reason == "loop"
    assert cached_runtime.cache.stats()["samples"] == 1
    replay = run_comparison(cached_runtime, request, [PaneRequest("gemma-3-270m", settings)])[0]
    assert replay.cached and replay.finish_reason == "loop" and replay.text == result.text
    assert any("repeating" in note for note in replay.notes)
