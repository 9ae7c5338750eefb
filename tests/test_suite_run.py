"""Running a suite (scripted models, fast tier): API answers of several prompts at once (at least 4,
never more than asked), local answers one at a time in prompt order, every answer cached like a
comparison (a re-run replays, History has one entry per prompt), Stop, progress counts."""

from __future__ import annotations

import threading

from scripted import ScriptedAdapter, Sleep, answer, local_model, scripted_runtime

from playground.cache import ResponseCache
from playground.pane import PaneRequest
from playground.suites.parse import parse_suite
from playground.suites.run import SuiteRun

TEN = parse_suite("".join(f"prompt number {i}\n" for i in range(10)), "ten")


def max_overlap(calls) -> int:
    """How many streams were open at the same moment, at most (from their start/end times)."""
    edges = sorted([(start, 1) for start, _ in calls] + [(end, -1) for _, end in calls], key=lambda e: (e[0], e[1]))
    open_now = most = 0
    for _, step in edges:
        open_now += step
        most = max(most, open_now)
    return most


def test_api_answers_of_different_prompts_stream_four_at_once(tmp_path):
    # Every answer waits until four streams are open together: one prompt after another (two at
    # a time) would break the barrier and fail the panes.
    barrier = threading.Barrier(4)

    def script(settings):
        barrier.wait(timeout=20)
        return answer("an answer")

    scripts = {"scripted:a": ScriptedAdapter(script), "scripted:b": ScriptedAdapter(script)}
    runtime = scripted_runtime(scripts)
    try:
        run = SuiteRun(runtime, TEN.limited(8), [PaneRequest("scripted:a"), PaneRequest("scripted:b")]).start()
        assert run.wait(60)
        progress = run.progress()
        assert (progress.done, progress.total, progress.failed) == (16, 16, 0), progress
        assert all(g[0].text == "an answer" for _, groups, _ in run.results() for g in groups)
        calls = scripts["scripted:a"].calls + scripts["scripted:b"].calls
        assert len(calls) == 16 and 4 <= max_overlap(calls) <= 4 + 2 - 1  # never a burst of all 16
    finally:
        runtime.close()


def test_local_answers_run_one_at_a_time_in_prompt_order(tmp_path):
    seen = []

    def script(settings):
        return [Sleep(0.01), *answer("local")]

    class Recording(ScriptedAdapter):
        def stream(self, request, settings, ctx):
            seen.append(request.prompt)
            yield from super().stream(request, settings, ctx)

    a = local_model(tmp_path, "a")
    adapter = Recording(script, is_local=True)
    runtime = scripted_runtime({a: adapter})
    try:
        run = SuiteRun(runtime, TEN.limited(5), [PaneRequest(a)]).start()
        assert run.wait(60)
        assert seen == [f"prompt number {i}" for i in range(5)]
        assert max_overlap(adapter.calls) == 1
    finally:
        runtime.close()


def test_a_rerun_replays_every_answer_from_the_cache_and_history_has_each_prompt(tmp_path):
    scripts = {"scripted:a": ScriptedAdapter(answer("fresh")), "scripted:b": ScriptedAdapter(answer("also"))}
    cache = ResponseCache(tmp_path / "cache")
    runtime = scripted_runtime(scripts, cache=cache)
    panes = [PaneRequest("scripted:a"), PaneRequest("scripted:b")]
    try:
        first = SuiteRun(runtime, TEN.limited(4), panes).start()
        assert first.wait(60) and first.progress().cached == 0
        assert len(scripts["scripted:a"].calls) == 4
        again = SuiteRun(runtime, TEN.limited(4), panes).start()
        assert again.wait(60)
        progress = again.progress()
        assert (progress.done, progress.cached) == (8, 8)
        assert len(scripts["scripted:a"].calls) == 4 and len(scripts["scripted:b"].calls) == 4  # nothing new
        assert [g[0].text for g in again.items[0].groups] == ["fresh", "also"]
        prompts = {entry["prompt"] for entry in cache.history(limit=50)}
        assert {f"prompt number {i}" for i in range(4)} <= prompts
    finally:
        runtime.close()
        cache.close()


def test_stop_ends_running_answers_and_starts_no_more_prompts(tmp_path):
    started = threading.Event()

    def script(settings):
        started.set()
        return [Sleep(30), *answer("never")]

    runtime = scripted_runtime({"scripted:a": ScriptedAdapter(script)})
    try:
        run = SuiteRun(runtime, TEN, [PaneRequest("scripted:a")]).start()
        assert started.wait(20)
        run.stop()
        assert run.wait(20)
        progress = run.progress()
        assert progress.stopped and progress.done < progress.total == 10
        never = [item for item in run.items if item.comparison is None]
        assert len(never) >= 6 and all(item.groups is None for item in never)
        ran = [item for item in run.items if item.groups]
        assert ran and all(g[0].finish_reason == "cancelled" for item in ran for g in item.groups)
        assert "stopped" in progress.line()
    finally:
        runtime.close()


def test_one_failing_model_does_not_stop_the_suite_and_is_counted(tmp_path):
    from scripted import Raise

    from playground.adapters.base import ModelError

    scripts = {"scripted:ok": ScriptedAdapter(answer("fine")),
               "scripted:bad": ScriptedAdapter([Raise(ModelError("the server said no"))])}
    runtime = scripted_runtime(scripts)
    try:
        run = SuiteRun(runtime, TEN.limited(3), [PaneRequest("scripted:ok"), PaneRequest("scripted:bad")]).start()
        assert run.wait(60)
        progress = run.progress()
        assert (progress.done, progress.failed) == (6, 3)
        assert "3 failed" in progress.line()
        assert all(item.groups[0][0].text == "fine" and "said no" in item.groups[1][0].error for item in run.items)
    finally:
        runtime.close()
