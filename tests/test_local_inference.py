"""Real inference on the bundled tiny GGUF, in the engine process: streaming, seeds,\ncancellation, model faults. (Stop during a long prompt: tests/test_engine_process.py.)"""

import pytest

from playground.adapters.base import (
    Cancelled, ChatRequest, Finish, GenerationSettings, Loaded, ModelError, StreamContext,
    TextDelta, Usage,
)
from playground.adapters.chat_format import build_prompt, gemma4_prompt
from playground.adapters.llama_local import LlamaLocalAdapter
from playground.adapters.llama_pool import LlamaPool

pytestmark = pytest.mark.slow
GREEDY = GenerationSettings(temperature=0, max_tokens=24, seed=7)


@pytest.fixture(scope="module")
def pool():
    pool = LlamaPool(max_loaded=1, n_ctx=512)
    yield pool
    pool.close()


def collect(adapter, request, settings, ctx=None):
    return list(adapter.stream(request, settings, ctx or StreamContext()))


def test_tiny_model_streams_tokens_and_reports_usage(pool, tiny_gguf):
    adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
    events = collect(adapter, ChatRequest("Name three birds."), GREEDY)
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 5  # streamed, not one blob
    assert any(isinstance(e, Loaded) for e in events)
    usage = {k: v for e in events if isinstance(e, Usage) for k, v in vars(e).items() if v is not None}
    assert usage["prompt_tokens"] > 5 and 1 <= usage["completion_tokens"] <= 24
    assert isinstance(events[-1], Finish) and events[-1].reason in ("stop", "length")


def test_same_seed_same_answer_and_the_model_stays_loaded(pool, tiny_gguf):
    adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
    settings = GenerationSettings(temperature=0.9, max_tokens=16, seed=123)
    first = collect(adapter, ChatRequest("Tell me a story."), settings)
    second = collect(adapter, ChatRequest("Tell me a story."), settings)
    text = lambda evs: "".join(e.text for e in evs if isinstance(e, TextDelta))
    assert text(first) == text(second)
    loads = [e.load_s for e in second if isinstance(e, Loaded)]
    assert loads == [0.0]  # warm: no second load


def test_cancel_stops_decoding_at_once_and_the_engine_honours_it(pool, tiny_gguf):
    """No token after Stop, and the engine ended the answer itself: one that had not within
    the kill deadline (under a second) would have been killed, and it is the same process."""
    adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
    ctx = StreamContext()
    settings = GenerationSettings(temperature=1.0, max_tokens=2000, seed=1)
    stream = adapter.stream(ChatRequest("Write a very long essay about the sea."), settings, ctx)
    got = 0
    with pytest.raises(Cancelled):
        for event in stream:
            if isinstance(event, TextDelta):
                got += 1
                if got == 5:
                    ctx.cancel.set()
                    (engine,) = pool.engines()
    assert got == 5
    assert pool.engines() == [engine] and engine.alive()


def test_a_text_file_renamed_gguf_gives_a_sentence(pool, tmp_path):
    fake = tmp_path / "notes.gguf"
    fake.write_text("these are my notes, not a model")
    adapter = LlamaLocalAdapter(pool, fake)
    with pytest.raises(ModelError, match="is not a GGUF model file"):
        collect(adapter, ChatRequest("hi"), GREEDY)


def test_missing_model_file_gives_a_sentence(pool, tmp_path):
    adapter = LlamaLocalAdapter(pool, tmp_path / "gone.gguf")
    with pytest.raises(ModelError, match="model file not found"):
        collect(adapter, ChatRequest("hi"), GREEDY)


def test_truncated_gguf_gives_a_sentence_not_a_crash(pool, tiny_gguf, tmp_path):
    broken = tmp_path / "broken.gguf"
    with tiny_gguf.open("rb") as src:
        broken.write_bytes(src.read(1 << 20))  # a real header, cut after 1 MB
    adapter = LlamaLocalAdapter(pool, broken)
    with pytest.raises(ModelError, match="could not load"):
        collect(adapter, ChatRequest("hi"), GREEDY)


def test_prompt_longer_than_context_says_tokens_vs_limit(pool, tiny_gguf):
    adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
    with pytest.raises(ModelError, match=r"the prompt is \d+ tokens but this model's context is 512"):
        collect(adapter, ChatRequest("pelican " * 800), GREEDY)


def test_pool_evicts_least_recently_used(tiny_gguf, tmp_path):
    copy = tmp_path / "copy.gguf"
    copy.write_bytes(tiny_gguf.read_bytes())
    pool = LlamaPool(max_loaded=1, n_ctx=256)
    try:
        with pool.use(tiny_gguf):
            pass
        with pool.use(copy):
            pass
        assert pool.loaded() == [str(copy)]
    finally:
        pool.close()


def test_gemma4_prompt_switches_thinking_on_and_off():
    on = gemma4_prompt(ChatRequest("hi", system="be brief"), thinking=True)
    off = gemma4_prompt(ChatRequest("hi"), thinking=False)
    assert on.startswith("<|turn>system\n<|think|>\nbe brief<turn|>\n")
    assert on.endswith("<|turn>model\n")
    assert off.endswith("<|turn>model\n<|channel>thought\n<channel|>")
    text, stops, _ = build_prompt("gemma3", ChatRequest("hi", system="sys"), False, None)
    assert text == "<start_of_turn>user\nsys\n\nhi<end_of_turn>\n<start_of_turn>model\n"
    assert "<end_of_turn>" in stops
