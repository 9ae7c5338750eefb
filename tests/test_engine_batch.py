"""A local pane's k samples are decoded together: k sequences of one llama.cpp context (#19).

Real engine processes and the real tiny GGUF. The engine says how it made each sample in a note
("… N sequences in one llama.cpp context, M llama_decode calls"): the tests read it.
"""

from __future__ import annotations

import re
import threading

import pytest

from conftest import wait_for
from playground.adapters.base import (
    ChatRequest, Finish, GenerationSettings, StreamContext, TextDelta, Usage,
)
from playground.adapters.llama_local import LlamaLocalAdapter
from playground.adapters.llama_pool import LlamaPool
from playground.cache import ResponseCache
from playground.runner import Comparison, PaneRequest, run_comparison
from playground.samples import sample_settings

pytestmark = pytest.mark.slow
PROMPT = ChatRequest("Write a short poem about the sea.")
WARM = GenerationSettings(temperature=1.0, max_tokens=24, seed=11)
TOGETHER = re.compile(r"decoded together with \d+ other answers? of this model: (\d+) sequences in "
                      r"one llama\.cpp context, (?:the prompt read once|(\d+) prompts read once each), "
                      r"(\d+) llama_decode calls")


def batch_note(result) -> tuple[int, int]:
    """(sequences, decode calls) from the engine's note on one sample."""
    found = [TOGETHER.search(note) for note in result.notes]
    found = [m for m in found if m]
    assert found, f"no batch note in {result.notes}"
    return int(found[-1][1]), int(found[-1][3])


def prompts_read(result) -> int:
    """How many distinct prompts the batch that made this sample read."""
    found = [m for m in (TOGETHER.search(note) for note in result.notes) if m]
    assert found, f"no batch note in {result.notes}"
    return int(found[-1][2] or 1)


def test_four_samples_share_the_decode_calls_and_differ(runtime):
    results = run_comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", WARM, samples=4)])
    assert len(results) == 4 and all(r.error is None for r in results)
    tokens = [r.metrics.completion_tokens for r in results]
    assert all(t and t > 0 for t in tokens)
    sequences, calls = batch_note(results[-1])
    assert sequences == 4
    # one call for the prompt, then one per step for every live sequence: far fewer than the
    # one-call-per-token of four answers made one after another
    assert calls < sum(tokens)
    assert calls <= max(tokens) + 1
    assert len({r.text for r in results}) > 1, "four samples at temperature 1 came out the same"
    for r in results:  # each sample keeps its own metrics and finish reason
        assert r.finish_reason in ("stop", "length")
        assert r.metrics.ttft_s is not None and r.metrics.prompt_tokens
    assert [r.settings["seed"] for r in results] == [11, 12, 13, 14]


def test_same_seed_and_k_give_the_same_samples_twice(runtime):
    panes = [PaneRequest("gemma-3-270m", WARM, samples=3)]
    first = [r.text for r in run_comparison(runtime, PROMPT, panes, use_cache=False)]
    again = [r.text for r in run_comparison(runtime, PROMPT, panes, use_cache=False)]
    assert first == again and all(first)


def test_a_sample_that_ends_early_leaves_the_others_going(tiny_gguf):
    """One sequence writes its end-of-turn token early ("stop"), the rest run to max tokens."""
    pool = LlamaPool(max_loaded=1, n_ctx=1024)
    adapter = LlamaLocalAdapter(pool, tiny_gguf)
    base = GenerationSettings(temperature=1.0, max_tokens=48, seed=7)
    ctxs = [StreamContext() for _ in range(4)]
    tokens, finish = {}, {}
    try:
        for i, event in adapter.stream_batch(PROMPT, [sample_settings(base, i) for i in range(4)], ctxs):
            if isinstance(event, Usage) and event.completion_tokens is not None:
                tokens[i] = event.completion_tokens
            elif isinstance(event, Finish):
                finish[i] = event.reason
    finally:
        pool.close()
    assert sorted(finish) == [0, 1, 2, 3]
    early = [i for i in finish if finish[i] == "stop"]
    late = [i for i in finish if finish[i] == "length"]
    assert early and late, finish
    assert all(tokens[i] < 48 for i in early) and all(tokens[i] == 48 for i in late)


def test_one_sample_stopped_alone_drops_out_and_the_others_finish(tiny_gguf):
    """A sample's own stop (its loop stop, its time limit) ends only that sequence."""
    pool = LlamaPool(max_loaded=1, n_ctx=1024)
    adapter = LlamaLocalAdapter(pool, tiny_gguf)
    base = GenerationSettings(temperature=1.0, max_tokens=40, seed=3)
    ctxs = [StreamContext() for _ in range(3)]
    deltas = {0: 0, 1: 0, 2: 0}
    finish = {}
    try:
        for i, event in adapter.stream_batch(PROMPT, [sample_settings(base, i) for i in range(3)], ctxs):
            if isinstance(event, TextDelta):
                deltas[i] += 1
                if i == 1 and deltas[1] == 3:
                    ctxs[1].cancel.set()
            elif isinstance(event, Finish):
                finish[i] = event.reason
    finally:
        pool.close()
    assert 1 not in finish and deltas[1] <= 5  # dropped within a step or two
    assert finish.get(0) and finish.get(2) and deltas[0] > 5 and deltas[2] > 5


def test_stop_ends_every_sample_of_the_pane(runtime):
    long = GenerationSettings(temperature=1.0, max_tokens=400, seed=5)
    comparison = Comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", long, samples=3)],
                            use_cache=False).start()
    wait_for(lambda: all(s.text for s in comparison.snapshot()), timeout_s=120)
    comparison.stop()
    done = threading.Event()
    threading.Thread(target=lambda: (comparison.wait(), done.set()), daemon=True).start()
    assert done.wait(30)
    states = comparison.snapshot()
    assert [s.finish_reason for s in states] == ["cancelled"] * 3
    assert all(s.text and (s.metrics.completion_tokens or 0) < 400 for s in states)
    assert "the model did not stop in time" not in " ".join(n for s in states for n in s.notes)


def test_cached_samples_are_not_decoded_again(runtime, tmp_path):
    runtime.cache = ResponseCache(tmp_path / "cache")
    first = run_comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", WARM, samples=2)])
    assert batch_note(first[0])[0] == 2
    four = run_comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", WARM, samples=4)])
    cached = [r for r in four if r.cached]
    fresh = [r for r in four if not r.cached]
    assert len(cached) == 2 and len(fresh) == 2
    assert {r.text for r in cached} == {r.text for r in first}
    assert all(batch_note(r)[0] == 2 for r in fresh)  # only the two missing ones were decoded


def test_too_little_memory_runs_fewer_samples_at_once_and_says_so(runtime, monkeypatch):
    # KV room for two of the three (gemma-3-270m: 18,432 bytes a cell; half the memory is used)
    monkeypatch.setenv("GP_ENGINE_MEMORY_BYTES", "2800000")
    results = run_comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", WARM, samples=3)],
                             use_cache=False)
    assert all(r.error is None and r.text for r in results)
    for r in results:
        assert any(n.startswith("decoded 2 of the 3 samples at once: the memory") for n in r.notes), r.notes
    assert [batch_note(r)[0] for r in results[:2]] == [2, 2]
    assert not any(TOGETHER.search(n) for n in results[2].notes)  # a group of one: not "together"


def test_two_panes_of_one_model_are_decoded_together(runtime):
    """Issue #19 item 2: pane 2 (another temperature and token limit) joins pane 1's samples in
    one batch; each sequence keeps its own sampling and its own limit."""
    short = GenerationSettings(temperature=0.7, max_tokens=6, seed=5)
    results = run_comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", WARM, samples=2),
                                               PaneRequest("gemma-3-270m", short)], use_cache=False)
    assert len(results) == 3 and all(r.error is None and r.text for r in results)
    assert [batch_note(r)[0] for r in results] == [3, 3, 3]
    assert [prompts_read(r) for r in results] == [1, 1, 1]  # one prompt, read once for all three
    pane2 = results[2]
    assert pane2.request["sampling"]["temperature"] == 0.7
    assert pane2.request["sampling"]["max_tokens"] == 6
    assert pane2.metrics.completion_tokens <= 6
    assert pane2.finish_reason in ("stop", "length")
    if pane2.finish_reason == "length":
        assert pane2.metrics.completion_tokens == 6
    assert [r.request["sampling"]["temperature"] for r in results[:2]] == [1.0, 1.0]
    # pane 2 ended at its own limit while pane 1's samples went on
    assert max(r.metrics.completion_tokens for r in results[:2]) > 6


def test_a_stopped_pane_leaves_the_other_panes_batch_going(runtime):
    long = GenerationSettings(temperature=1.0, max_tokens=60, seed=9)
    comparison = Comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", long),
                                              PaneRequest("gemma-3-270m", long.model_copy(update={"seed": 10}))],
                            use_cache=False).start()
    assert comparison.batches and len(comparison.batches[0].members) == 2
    wait_for(lambda: comparison.snapshot()[0].text, timeout_s=120)
    comparison.runs[0].stop("cancelled")  # Stop on pane 1 only
    results = comparison.wait()
    assert results[0].finish_reason == "cancelled"
    assert results[1].finish_reason in ("stop", "length") and results[1].error is None
    assert results[1].text and results[1].metrics.completion_tokens


def test_thinking_on_and_off_panes_share_the_engine_each_with_its_own_prompt():
    """Panes of one Gemma 4 model with thinking on and off: two prompts (the official template
    adds <|think|> for one), each read once, decoded in one batch."""
    from playground.adapters.base import RequestSent, Status
    from support.gemma4 import tiny_gemma4_or_skip

    model = tiny_gemma4_or_skip()
    pool = LlamaPool(max_loaded=1, n_ctx=512, n_threads=1)
    adapter = LlamaLocalAdapter(pool, model.model, family="gemma4")
    on = GenerationSettings(temperature=1.0, max_tokens=6, seed=1, thinking=True)
    off = on.model_copy(update={"thinking": False, "seed": 2})
    sent, notes, finish = {}, {}, {}
    try:
        for i, event in adapter.stream_batch(PROMPT, [on, off, off.model_copy(update={"seed": 3})],
                                             [StreamContext() for _ in range(3)]):
            if isinstance(event, RequestSent):
                sent[i] = event.details
            elif isinstance(event, Status):
                notes.setdefault(i, []).append(event.message)
            elif isinstance(event, Finish):
                finish[i] = event.reason
    finally:
        pool.close()
    assert sorted(finish) == [0, 1, 2]
    assert "<|think|>" in sent[0]["prompt"] and "<|think|>" not in sent[1]["prompt"]
    assert sent[1]["prompt"] == sent[2]["prompt"]
    assert sent[0]["prompt_tokens"] > sent[1]["prompt_tokens"]
    assert [sent[i]["thinking"] for i in range(3)] == [True, False, False]
    for i in range(3):
        assert any("3 sequences in one llama.cpp context, 2 prompts read once each" in n
                   for n in notes[i]), notes[i]
