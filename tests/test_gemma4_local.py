"""The real Gemma 4 path: a tiny gemma4-architecture GGUF on Gemma 4's real vocabulary and
official chat template (random weights, made by tests/fixtures/tiny_gemma4.py) through the real
llama-cpp-python and our local adapter: the file, the prompt the model is given, generation.

The model's replies are scripted inside its engine process (tests/support/gemma4.py says how).
Everything else is the production path: our prompt from the file's own chat template, llama.cpp's
sampling loop, its end-of-generation check, its detokenizer and the streamed chunks, our thought
splitter. Images: test_gemma4_vision.py; the file's metadata and the CLI: test_gemma4_file.py.
"""

from __future__ import annotations

import pytest

from playground.adapters.base import ChatRequest, Finish, Loading, RequestSent, Status, TextDelta, ThoughtDelta
from playground.adapters.chat_format import build_prompt, gemma4_prompt
from playground.adapters.llama_local import LlamaLocalAdapter
from playground.adapters.llama_pool import LlamaPool
from support.gemma4 import GREEDY, engine_script, loaded_llm, pool, run, scripted, tiny_gemma4, vocab  # noqa: F401

pytestmark = pytest.mark.slow


# ---- the file ------------------------------------------------------------------------------

def test_tiny_gemma4_loads_as_gemma4_on_the_real_vocabulary(pool, tiny_gemma4):
    llm = loaded_llm(pool, tiny_gemma4.model)  # the engine loaded it
    assert llm.n_vocab() == 262_144  # Gemma 4's own vocabulary, every token
    # the two 262,144-row embedding tables are the file (the layers are toys): it stays cacheable
    assert tiny_gemma4.model.stat().st_size < 100_000_000
    meta = llm.metadata
    assert meta["general.architecture"] == "gemma4"
    assert meta["tokenizer.ggml.model"] == "gemma4"
    assert meta["gemma4.attention.shared_kv_layers"] == "2"
    assert (meta["general.basename"], meta["general.size_label"]) == ("gemma-4", "E2B")
    assert float(meta["general.sampling.temp"]) == 1.0 and meta["general.sampling.top_k"] == "64"


def test_channel_markers_show_in_text_and_turn_markers_do_not(pool, tiny_gemma4):
    """The official conversion makes <|channel>/<channel|> USER_DEFINED and the turn markers
    CONTROL: detokenized without special tokens, only the channel markers remain."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    ids = llm.tokenize(b"<|turn>model\n<|channel>thought\nhmm<channel|>Hi<turn|>", add_bos=False, special=True)
    single = {t: llm.tokenize(t.encode(), add_bos=False, special=True)
              for t in ("<|turn>", "<turn|>", "<|channel>", "<channel|>", "<|think|>")}
    assert all(len(v) == 1 for v in single.values()), single
    assert llm.detokenize(ids).decode() == "model\n<|channel>thought\nhmm<channel|>Hi"
    # plain text is tokenized by the gemma4 BPE tokenizer and comes back unchanged
    for text in ("Draw a pelican riding a bicycle, then say “done” — 2×3 = 6.",
                 "<svg viewBox=\"0 0 10 10\">\n  <rect/>\n</svg>\n\n\n",
                 "日本語のテキスト 😀 (byte fallback)"):
        assert llm.detokenize(llm.tokenize(text.encode(), add_bos=False)).decode() == text


# ---- the prompt ----------------------------------------------------------------------------

def test_metadata_template_renders_thinking_on_and_off(pool, tiny_gemma4):
    """The official template (the one the vocabulary carries, 26B-A4B's) puts the system text
    right after <|think|>; with thinking off the model turn opens with an empty thought."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    template = llm.metadata["tokenizer.chat_template"]
    on, stops, has_bos = build_prompt("gemma4", ChatRequest("hi", system="be brief"), True, template)
    assert on == "<bos><|turn>system\n<|think|>be brief<turn|>\n<|turn>user\nhi<turn|>\n<|turn>model\n"
    assert has_bos and stops == ["<turn|>", "<eos>"]
    off, _, _ = build_prompt("gemma4", ChatRequest("hi"), False, template)
    assert off == "<bos><|turn>user\nhi<turn|>\n<|turn>model\n<|channel>thought\n<channel|>"
    on_no_system, _, _ = build_prompt("gemma4", ChatRequest("hi"), True, template)
    assert on_no_system == "<bos><|turn>system\n<|think|><turn|>\n<|turn>user\nhi<turn|>\n<|turn>model\n"


def test_the_built_in_prompt_matches_the_official_turn_format(pool, tiny_gemma4):
    """For a Gemma 4 GGUF without a template the playground writes the prompt itself, as
    llama.cpp's google-gemma-4-31B-it.jinja does: the same turns as the official template in the
    file, but a newline after <|think|> (31B's template has one, 26B-A4B's has none)."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    template = llm.metadata["tokenizer.chat_template"]
    for request, thinking in ((ChatRequest("hi", system="be brief"), True), (ChatRequest("hi"), True),
                              (ChatRequest("hi", system="be brief"), False), (ChatRequest("hi"), False)):
        official = build_prompt("gemma4", request, thinking, template)[0]
        assert "<bos>" + gemma4_prompt(request, thinking) == official.replace("<|think|>", "<|think|>\n")


@pytest.mark.parametrize("thinking", [True, False])
def test_the_model_is_given_the_rendered_prompt_once_with_one_bos(pool, tiny_gemma4, thinking):
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, "ok<turn|>") as seen:
        _, answer, _, usage = run(adapter, ChatRequest("hi", system="be brief"),
                                  GREEDY.model_copy(update={"thinking": thinking}))
    (prompt,) = seen["prompts"]
    assert prompt.count(llm.token_bos()) == 1 and prompt[0] == llm.token_bos() == 2
    expected = build_prompt("gemma4", ChatRequest("hi", system="be brief"), thinking,
                            llm.metadata["tokenizer.chat_template"])[0]
    assert llm.detokenize(prompt, special=True).decode() == expected
    # the real ids: <bos>, system and user turns (<|turn> 105 … <turn|> 106), <|think|> 98 only
    # when thinking, and with thinking off the model turn opens with an empty thought (100 … 101)
    text = lambda words: llm.tokenize(words.encode(), add_bos=False)  # noqa: E731
    assert prompt == ([2, 105] + text("system\n") + ([98] if thinking else []) + text("be brief") + [106]
                      + text("\n") + [105] + text("user\nhi") + [106] + text("\n") + [105] + text("model\n")
                      + ([] if thinking else [100] + text("thought\n") + [101]))
    assert usage["prompt_tokens"] == len(prompt)
    assert answer == "ok"


def test_the_request_shows_the_prompt_the_model_saw(pool, tiny_gemma4):
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    settings = GREEDY.model_copy(update={"thinking": True, "temperature": 0.5, "top_k": 40})
    with scripted(llm, "ok<turn|>"):
        events, _, _, usage = run(adapter, ChatRequest("hi", system="be brief"), settings)
    (sent,) = [e.details for e in events if isinstance(e, RequestSent)]
    assert sent["prompt"] == "<bos><|turn>system\n<|think|>be brief<turn|>\n<|turn>user\nhi<turn|>\n<|turn>model\n"
    assert sent["prompt_tokens"] == usage["prompt_tokens"]
    assert sent["template"] == "the GGUF's own chat template" and sent["thinking"] is True
    assert sent["stop_tokens"] == ["<turn|>", "<eos>"]
    assert sent["sampling"] | {"temperature": 0.5, "top_k": 40, "max_tokens": 32} == sent["sampling"]
    assert sent["model_file"] == tiny_gemma4.model.name


# ---- generation ----------------------------------------------------------------------------

def test_generation_stops_at_turn_end(pool, tiny_gemma4):
    """<turn|> is Gemma 4's end of generation: nothing after it is generated or shown."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, "The answer<turn|>LEAKED text after the turn") as seen:
        events, answer, thinking, usage = run(adapter, ChatRequest("hi"))
    assert answer == "The answer" and thinking == ""
    assert events[-1] == Finish("stop")
    reply_tokens = len(llm.tokenize(b"The answer", add_bos=False))
    assert usage["completion_tokens"] == reply_tokens  # <turn|> itself is not counted


def test_every_token_is_counted_when_a_character_spans_several(pool, tiny_gemma4):
    """A character the vocabulary lacks (🦩: Gemma 4 has 😀 as one piece, not the flamingo) is
    written as byte tokens, which llama-cpp-python sends together once the character is whole:
    one chunk, several tokens."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    flamingo = llm.tokenize("🦩".encode(), add_bos=False)
    assert [llm.detokenize([t]) for t in flamingo] == [b"\xf0", b"\x9f", b"\xa6", b"\xa9"]  # its UTF-8 bytes
    with scripted(llm, "<|channel>thought\n🦩🦩<channel|>日本語 🦩 ok<turn|>") as seen:
        _, answer, thinking, usage = run(adapter, ChatRequest("hi"), GREEDY.model_copy(update={"thinking": True}))
    assert (answer, thinking) == ("日本語 🦩 ok", "🦩🦩")
    assert usage["completion_tokens"] == len(seen["ids"]) - 1  # all but <turn|>
    assert 2 * len(flamingo) <= usage["thinking_tokens"] < usage["completion_tokens"]


def test_thoughts_in_the_stream_are_split_from_the_answer(pool, tiny_gemma4):
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    reply = "<|channel>thought\nThe user says hi. I should greet back.<channel|>Hello! How can I help?<turn|>"
    with scripted(llm, reply):
        events, answer, thinking, usage = run(adapter, ChatRequest("hi"),
                                              GREEDY.model_copy(update={"thinking": True}))
    assert thinking == "The user says hi. I should greet back."
    assert answer == "Hello! How can I help?"
    # streamed token by token: several deltas of each kind, thinking first
    kinds = [type(e) for e in events if isinstance(e, (TextDelta, ThoughtDelta))]
    assert kinds.count(ThoughtDelta) > 3 and kinds.count(TextDelta) > 3
    assert kinds.index(TextDelta) > kinds.index(ThoughtDelta)
    assert 0 < usage["thinking_tokens"] < usage["completion_tokens"]
    assert events[-1] == Finish("stop")


@pytest.mark.parametrize("reply", [
    "Hello!<|channel>thought\n<channel|><turn|>",  # an extra empty thought block at the end
    "Hello!<channel|><turn|>",  # a lone closing marker at the end
])
def test_trailing_empty_thought_markers_are_dropped(pool, tiny_gemma4, reply):
    """llama.cpp's own Gemma 4 parser notes both endings; neither may show in the answer."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, reply):
        _, answer, thinking, _ = run(adapter, ChatRequest("hi"))
    assert (answer, thinking) == ("Hello!", "")


def test_an_answer_that_mentions_think_tags_keeps_every_word(pool, tiny_gemma4):
    """Gemma never thinks in <think> tags: for a Gemma model they are the answer's own words."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, "<think>Use these tags</think> like this.<turn|>"):
        _, answer, thinking, _ = run(adapter, ChatRequest("hi"))
    assert (answer, thinking) == ("<think>Use these tags</think> like this.", "")


def test_an_answer_that_spells_out_the_end_of_turn_marker_is_not_cut(pool, tiny_gemma4):
    """The real end of a turn is the <turn|> token; the same characters written as plain text
    (an answer about chat templates) are words, not a stop."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    words = "A Gemma 4 turn ends with <turn|> and the text with <eos>, written out."
    ids = llm.tokenize(words.encode(), add_bos=False, special=False)  # plain pieces, no specials
    assert llm.tokenize(b"<turn|>", add_bos=False, special=True)[0] not in ids
    with scripted(llm, ids + llm.tokenize(b"<turn|>", add_bos=False, special=True)) as seen:
        events, answer, _, _ = run(adapter, ChatRequest("How does a Gemma 4 turn end?"))
    assert answer == words and events[-1] == Finish("stop")
    (sent,) = [e.details for e in events if isinstance(e, RequestSent)]
    assert sent["stop"] == [] and sent["stop_tokens"] == ["<turn|>", "<eos>"]


def test_placeholder_tokens_the_text_does_not_show_are_reported(pool, tiny_gemma4):
    """<pad> is a control token: llama-cpp-python's stream leaves it out, so the runs users
    report from other runtimes would be invisible here without a note. Gemma 4's <unusedN> are
    ordinary pieces (unlike Gemma 3's): they show in the answer, so they need no note."""
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    pad, unused49 = llm.tokenize(b"<pad>", add_bos=False, special=True), 62
    assert pad == [0] and llm.detokenize([unused49]) == b"<unused49>"
    hi = llm.tokenize(b"Hi", add_bos=False)
    with scripted(llm, [unused49] * 2 + pad * 5 + hi + [106]):  # 106: <turn|>
        events, answer, _, usage = run(adapter, ChatRequest("hi"))
    assert answer == "<unused49><unused49>Hi"
    notes = [e.message for e in events if isinstance(e, Status)]
    assert len(notes) == 1 and "wrote 5 placeholder tokens that are not shown (<pad> ×5)" in notes[0]
    assert usage["completion_tokens"] == 2 + 5 + len(hi)


def test_a_new_turn_opened_by_the_model_is_reported(pool, tiny_gemma4):
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, "Sure.<|turn>user\nThanks!<turn|>"):
        events, answer, _, _ = run(adapter, ChatRequest("hi"))
    assert answer == "Sure.user\nThanks!"  # the marker itself is a control token: not shown
    notes = [e.message for e in events if isinstance(e, Status)]
    assert len(notes) == 1 and "opened a new turn (<|turn>" in notes[0]


def test_an_ordinary_answer_gets_no_note(pool, tiny_gemma4):
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, "<|channel>thought\nok<channel|>Fine.<turn|>"):
        events, _, _, _ = run(adapter, ChatRequest("hi"), GREEDY.model_copy(update={"thinking": True}))
    assert [e for e in events if isinstance(e, (Status, Loading))] == [Loading()]


def test_max_tokens_inside_the_thought_keeps_it_as_thinking(pool, tiny_gemma4):
    llm = loaded_llm(pool, tiny_gemma4.model)
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
    with scripted(llm, "<|channel>thought\none two three four five six seven eight nine ten<channel|>x<turn|>"):
        events, answer, thinking, _ = run(adapter, ChatRequest("hi"),
                                          GREEDY.model_copy(update={"thinking": True, "max_tokens": 6}))
    assert answer == "" and thinking.startswith("one")
    assert events[-1] == Finish("length")


def test_n_gpu_layers_is_passed_to_llama_cpp(tiny_gemma4):
    """On a CPU-only build llama.cpp accepts the setting and runs on the CPU. (-1, "offload
    everything", which llama-cpp-python turns into INT32_MAX: test_gemma4_file.py's compare test,
    through the CLI; each engine start reads Gemma 4's whole vocabulary, ~1.5 s.)"""
    pool = LlamaPool(max_loaded=1, n_ctx=256, n_threads=1, n_gpu_layers=3)
    try:
        with pool.use(tiny_gemma4.model) as (engine, _):
            assert engine.info["n_gpu_layers"] == 3
        adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
        with scripted(vocab(tiny_gemma4.model), "ok<turn|>"):
            _, answer, _, _ = run(adapter, ChatRequest("hi"))
        assert answer == "ok"
    finally:
        pool.close()


def test_a_context_size_llama_cpp_rounds_up_is_usable_to_the_end(tiny_gemma4):
    """llama.cpp pads n_ctx to a multiple of 256 and llama-cpp-python reports the padded size
    while sizing its buffers with the requested one: a prompt in between used to pass the
    length check and then fail with "could not broadcast input array"."""
    pool = LlamaPool(max_loaded=1, n_ctx=300, n_threads=1)
    try:
        adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4")
        llm = loaded_llm(pool, tiny_gemma4.model)
        with pool.use(tiny_gemma4.model) as (engine, _):
            n_ctx = engine.info["n_ctx"]
        prompt = "pelican " * 175
        assert 300 < len(llm.tokenize(prompt.encode(), add_bos=False)) < n_ctx - 20
        with scripted(llm, "ok<turn|>"):
            _, answer, _, usage = run(adapter, ChatRequest(prompt))
        assert answer == "ok" and usage["prompt_tokens"] > 300
    finally:
        pool.close()
