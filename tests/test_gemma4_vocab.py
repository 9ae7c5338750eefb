"""The real Gemma 4 tokenizer, through llama.cpp, with no matmul (`Llama(vocab_only=True)`): the
vocabulary llama.cpp ships for Gemma 4 reproduces llama.cpp's own tokenizer cases, the tiny test
model carries exactly that tokenizer and the official chat template, and what the playground
relies on holds on the real ids: which tokens are chat markers, which end a turn, which show in
the text, how a streamed thought is split, and what the model is given.

The vocabulary comes from llama-cpp-python's sdist (tests/fixtures/gemma4_vocab.py fetches and
caches it). Without it (offline, never fetched) these tests skip, unless GP_REQUIRE_GEMMA4_VOCAB=1.
"""

from __future__ import annotations

import pytest

from fixtures import tiny_gemma4
from playground.adapters.base import ChatRequest, TextDelta, ThoughtDelta
from support.gemma4 import gemma4_vocab_or_skip, tiny_gemma4_or_skip

pytestmark = pytest.mark.slow  # the first run on a machine fetches the sdist and builds the model

# The ids of Gemma 4's chat and media tokens in the real vocabulary, and how llama.cpp types them
# (3 = CONTROL: never shown in text; 4 = USER_DEFINED: shown, so the thought markers reach us).
CHAT_TOKENS = {
    "<|turn>": (105, 3), "<turn|>": (106, 3), "<|think|>": (98, 3),
    "<|channel>": (100, 4), "<channel|>": (101, 4),
    "<|tool_call>": (48, 4), "<tool_call|>": (49, 4), '<|"|>': (52, 4),
    "<|image>": (255999, 3), "<image|>": (258882, 3), "<|image|>": (258880, 3),
    "<|audio>": (256000, 3), "<|video|>": (258884, 3),
}
BOS, EOS = 2, 1


@pytest.fixture(scope="module")
def vocab_path():
    return gemma4_vocab_or_skip()


@pytest.fixture(scope="module")
def vocab(vocab_path):
    from llama_cpp import Llama

    llm = Llama(model_path=str(vocab_path), vocab_only=True, verbose=False)
    yield llm
    llm.close()  # now, not at interpreter exit (where llama-cpp-python's __del__ fails)


@pytest.fixture(scope="module")
def tokenizer(vocab_path):
    return tiny_gemma4.real_tokenizer(vocab_path)


def tokenizer_text(vocab, token: int) -> str:
    return vocab.detokenize([token], special=True).decode()


def ids(vocab, text: str, special: bool = True) -> list[int]:
    return vocab.tokenize(text.encode(), add_bos=False, special=special)


def test_llama_cpp_tokenizer_cases_reproduce(vocab, vocab_path):
    """llama.cpp's test-tokenizer-0 cases for this vocabulary: every one, exactly."""
    inputs = vocab_path.with_name(vocab_path.name + ".inp").read_text(encoding="utf-8")
    outputs = vocab_path.with_name(vocab_path.name + ".out").read_text(encoding="utf-8")
    cases = inputs.split("\n__ggml_vocab_test__\n")
    expected = outputs.split("\n")
    if cases and cases[-1] == "":
        cases.pop()
    assert len(cases) == 46 and len(expected) >= 46
    for text, want in zip(cases, expected):
        assert ids(vocab, text, special=False) == [int(t) for t in want.split()], repr(text)


def test_the_vocabulary_is_gemma_4s(tokenizer):
    tokens = tokenizer["tokenizer.ggml.tokens"]
    assert (len(tokens), len(tokenizer["tokenizer.ggml.merges"])) == (262_144, 514_906)
    assert tokenizer["tokenizer.ggml.model"] == "gemma4"
    assert (tokenizer["tokenizer.ggml.bos_token_id"], tokenizer["tokenizer.ggml.eos_token_id"]) == (BOS, EOS)
    types = tokenizer["tokenizer.ggml.token_type"]
    for text, (token, kind) in CHAT_TOKENS.items():
        assert (tokens[token], types[token]) == (text, kind), text


def test_the_tiny_model_carries_the_real_tokenizer_and_official_template(tokenizer):
    built = tiny_gemma4_or_skip()
    header = tiny_gemma4.read_gguf_kv(built.model)
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type",
                "tokenizer.ggml.scores", "tokenizer.chat_template", "tokenizer.ggml.bos_token_id",
                "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_space_prefix"):
        assert header[key][1] == tokenizer[key], key
    assert len(tokenizer["tokenizer.chat_template"]) > 10_000  # the official template, not a short one of ours
    assert header["general.architecture"][1] == "gemma4"


def test_chat_markers_are_single_tokens(vocab):
    for text, (token, kind) in CHAT_TOKENS.items():
        assert ids(vocab, text) == [token], text
        # Parsed from plain text (special=False, as a person's words are): CONTROL tokens stay
        # ordinary characters; USER_DEFINED ones (the thought and tool markers) are always the
        # token, so a prompt that spells out <|channel> reaches the model as the marker.
        assert (token in ids(vocab, text, special=False)) == (kind == 4), text


def test_turn_end_and_eos_end_generation_and_nothing_else_does(vocab):
    import llama_cpp

    handle = llama_cpp.llama_model_get_vocab(vocab._model.model)
    ends = {token for token in range(262_144) if llama_cpp.llama_vocab_is_eog(handle, token)}
    # <eos>, <turn|> and <|tool_response> (a tool call waits for its answer); not <channel|>
    assert ends == {EOS, 106, 50}
    assert tokenizer_text(vocab, 50) == "<|tool_response>"


def test_thought_markers_show_in_the_text_and_turn_markers_do_not(vocab):
    assert vocab.detokenize([100]) == b"<|channel>" and vocab.detokenize([101]) == b"<channel|>"
    assert vocab.detokenize([105]) == b"" and vocab.detokenize([106]) == b"" and vocab.detokenize([98]) == b""
    assert vocab.detokenize([105], special=True) == b"<|turn>"


def test_a_thought_streamed_one_real_token_at_a_time_is_split_from_the_answer(vocab):
    from playground.adapters.thoughts import ThoughtSplitter

    reply = "<|channel>thought\nThe user greets me; answer briefly.<channel|>Hello! How can I help?<turn|>"
    tokens = ids(vocab, reply)
    assert tokens.count(100) == 1 and tokens.count(101) == 1 and tokens[-1] == 106
    splitter, out, seen = ThoughtSplitter(think_tags=False), [], []
    for token in tokens:  # as a stream shows it: each token's text, specials hidden
        piece = vocab.detokenize([token], prev_tokens=seen).decode("utf-8", "replace")
        seen.append(token)
        out += splitter.feed(piece)
    out += splitter.flush()
    thought = "".join(d.text for d in out if isinstance(d, ThoughtDelta))
    answer = "".join(d.text for d in out if isinstance(d, TextDelta))
    assert (thought, answer) == ("The user greets me; answer briefly.", "Hello! How can I help?")


@pytest.mark.parametrize("thinking", [True, False])
@pytest.mark.parametrize("system", [None, "Be brief."])
def test_what_the_model_is_given_on_the_official_template(vocab, tokenizer, thinking, system):
    from playground.adapters.chat_format import GEMMA4_STOP, build_prompt

    request = ChatRequest("Draw a pelican", system=system)
    text, stops, has_bos = build_prompt("gemma4", request, thinking, tokenizer["tokenizer.chat_template"])
    assert has_bos and stops == GEMMA4_STOP
    seen = ids(vocab, text)
    assert seen.count(BOS) == 1 and seen[0] == BOS  # one BOS: the template's (none added on top)
    system_turn = [105] + ids(vocab, "system\n") + ([98] if thinking else []) + \
        (ids(vocab, system) if system else []) + [106] + ids(vocab, "\n")
    user_turn = [105] + ids(vocab, "user\nDraw a pelican") + [106] + ids(vocab, "\n")
    model_turn = [105] + ids(vocab, "model\n") + ([] if thinking else [100] + ids(vocab, "thought\n") + [101])
    assert seen == [BOS] + (system_turn if (thinking or system) else []) + user_turn + model_turn
