"""ThoughtSplitter: thinking and answer separated in a stream, whatever the chunking."""

from __future__ import annotations

import threading

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from playground.adapters.base import Cancelled, StreamContext, TextDelta, ThoughtDelta
from playground.adapters.thoughts import (
    CHANNEL,
    GEMMA_CLOSE,
    GEMMA_OPEN,
    THINK_CLOSE,
    THINK_OPEN,
    ThoughtSplitter,
    split_all,
)
from playground.adapters.pump import pull_cancellable


def run(chunks, **kw):
    """Feed chunks; return (answer, thought, deltas)."""
    s = ThoughtSplitter(**kw)
    deltas = []
    for c in chunks:
        deltas += s.feed(c)
    deltas += s.flush()
    answer = "".join(d.text for d in deltas if isinstance(d, TextDelta))
    thought = "".join(d.text for d in deltas if isinstance(d, ThoughtDelta))
    return answer, thought, deltas


GEMMA = f"{GEMMA_OPEN}\nLet me think about pelicans.{GEMMA_CLOSE}\n<svg>pelican</svg>"
THINK = f"{THINK_OPEN}\nreasoning here\n{THINK_CLOSE}\n\nThe answer is 4."


def test_plain_text_passes_through_unchanged():
    assert run(["Hello ", "world <b>bold</b> a < b"])[:2] == ("Hello world <b>bold</b> a < b", "")


def test_gemma_channel_thought_is_separated_from_answer():
    answer, thought, _ = run([GEMMA])
    assert thought == "Let me think about pelicans."
    assert answer == "<svg>pelican</svg>"


def test_think_tags_are_separated_from_answer():
    answer, thought, _ = run([THINK])
    assert thought == "reasoning here\n"
    assert answer == "The answer is 4."


@pytest.mark.parametrize("text", [GEMMA, THINK], ids=["gemma", "think"])
def test_every_split_point_gives_the_same_result(text):
    whole = run([text])[:2]
    for i in range(len(text) + 1):
        assert run([text[:i], text[i:]])[:2] == whole, f"split at {i}: {text[:i]!r}|{text[i:]!r}"


@pytest.mark.parametrize("text", [GEMMA, THINK], ids=["gemma", "think"])
def test_one_character_chunks_give_the_same_result(text):
    assert run(list(text))[:2] == run([text])[:2]


@pytest.mark.parametrize("marker", [GEMMA_OPEN, GEMMA_CLOSE, THINK_OPEN, THINK_CLOSE])
def test_every_split_point_inside_each_marker(marker):
    text = f"{GEMMA_OPEN}\nA{GEMMA_CLOSE}B" if "channel" in marker else f"{THINK_OPEN}A{THINK_CLOSE}B"
    start = text.index(marker)
    for cut in range(start, start + len(marker) + 1):
        for cut2 in range(cut, start + len(marker) + 1):
            chunks = [text[:cut], text[cut:cut2], text[cut2:]]
            answer, thought, _ = run(chunks)
            assert (answer, thought) == ("B", "A"), chunks


def test_only_a_partial_marker_suffix_is_held_back():
    s = ThoughtSplitter()
    assert s.feed("Hello <|chan") == [TextDelta("Hello ")]
    assert s.feed("nel>thought\nhmm") == [ThoughtDelta("hmm")]
    assert s.feed(" more <chan") == [ThoughtDelta(" more ")]
    assert s.feed("nel|>Done") == [TextDelta("Done")]
    assert s.flush() == []


def test_text_that_only_looks_like_a_marker_start_is_released():
    s = ThoughtSplitter()
    assert s.feed("a <") == [TextDelta("a ")]
    assert s.feed("p>") == [TextDelta("<p>")]
    assert s.feed("x <|chan") == [TextDelta("x ")]
    assert s.feed("ge") == [TextDelta("<|change")]
    assert s.flush() == []


def test_a_partial_think_tag_mid_answer_is_released_at_once():
    s = ThoughtSplitter()
    assert s.feed("Use <thi") == [TextDelta("Use <thi")]
    assert s.flush() == []


def test_gemma_empty_prefilled_thought_block_yields_nothing():
    answer, thought, deltas = run([f"{GEMMA_OPEN}\n{GEMMA_CLOSE}", "Just the answer."])
    assert (answer, thought) == ("Just the answer.", "")
    assert all(d.text for d in deltas)


def test_empty_block_without_newline_yields_nothing():
    assert run([f"{GEMMA_OPEN}{GEMMA_CLOSE}Answer"])[:2] == ("Answer", "")


def test_stray_closing_marker_is_dropped_not_shown():
    assert run([f"{THINK_CLOSE}\nAnswer"])[:2] == ("Answer", "")


def test_start_in_thought_counts_text_before_the_closer_as_thought():
    answer, thought, _ = run(["pondering", f"...{THINK_CLOSE}", "answer"], start_in_thought=True)
    assert (answer, thought) == ("answer", "pondering...")


def test_unclosed_thought_stays_thought_at_flush():
    answer, thought, _ = run([f"{THINK_OPEN}thinking until the tokens ran out <"])
    assert (answer, thought) == ("", "thinking until the tokens ran out <")


def test_deltas_from_one_feed_are_merged_and_never_empty():
    s = ThoughtSplitter()
    out = s.feed("a" * 5 + GEMMA_OPEN + "\nt" + GEMMA_CLOSE + "b")
    assert out == [TextDelta("aaaaa"), ThoughtDelta("t"), TextDelta("b")]


def test_answer_whitespace_inside_text_is_kept():
    assert run([f"{THINK_OPEN}x{THINK_CLOSE}", "  ", "\n", "def f():\n    return 1\n"])[0] == (
        "def f():\n    return 1\n"
    )


def test_split_all_helper():
    assert split_all(GEMMA) == ("<svg>pelican</svg>", "Let me think about pelicans.")


# ---- an answer that mentions a marker keeps every word -----------------------------------


def test_think_tag_mentioned_mid_answer_stays_in_the_answer():
    text = "Use `<think>` tags like this. The model writes <think>plan</think> first."
    assert run([text])[:2] == (text, "")


def test_closing_think_tag_mentioned_mid_answer_stays_in_the_answer():
    text = "Close the block with </think> and go on."
    assert run([text])[:2] == (text, "")


def test_think_tag_after_leading_whitespace_opens_a_thought():
    assert run(["\n  <think>plan</think>\n\nAnswer"])[:2] == ("Answer", "plan")


def test_think_tag_split_across_deltas_opens_a_thought():
    assert run(["<thi", "nk>plan</th", "ink>Answer"])[:2] == ("Answer", "plan")


def test_think_tags_are_plain_text_for_a_model_that_does_not_use_them():
    text = "<think>is a tag</think> in some models."
    assert run([text], think_tags=False)[:2] == (text, "")


def test_gemma_thought_still_separates_when_think_tags_are_off():
    assert run([GEMMA], think_tags=False)[:2] == ("<svg>pelican</svg>",
                                                  "Let me think about pelicans.")


def test_gemma_thought_is_not_closed_by_a_think_closer():
    text = f"{GEMMA_OPEN}\nmaybe </think> here{GEMMA_CLOSE}Answer"
    assert run([text])[:2] == ("Answer", "maybe </think> here")


def test_think_thought_is_not_closed_by_a_gemma_closer():
    assert run([f"{THINK_OPEN}a{GEMMA_CLOSE}b{THINK_CLOSE}c"])[:2] == ("c", "a<channel|>b")


def test_think_tag_mentioned_inside_a_thought_stays_in_the_thought():
    assert run([f"{GEMMA_OPEN}\nshould I use <think>?{GEMMA_CLOSE}No."])[:2] == (
        "No.", "should I use <think>?")


def test_split_all_takes_the_think_tags_flag():
    assert split_all("<think>x</think>y", think_tags=False) == ("<think>x</think>y", "")


# ---- Gemma 4's stray channel markers -----------------------------------------------------


def test_bare_channel_marker_is_consumed_not_shown():
    assert run([f"{CHANNEL}Hello there"])[:2] == ("Hello there", "")


def test_bare_channel_marker_mid_answer_is_consumed():
    assert run([f"Hello {CHANNEL}there"])[:2] == ("Hello there", "")


def test_bare_channel_marker_is_held_until_it_cannot_be_a_thought():
    s = ThoughtSplitter()
    assert s.feed(f"Hi {CHANNEL}tho") == [TextDelta("Hi ")]
    assert s.feed("se") == [TextDelta("those")]


def test_bare_channel_marker_at_the_very_end_is_consumed():
    assert run(["Answer", CHANNEL])[:2] == ("Answer", "")


def test_trailing_empty_thought_block_is_dropped():
    assert run(["The answer.", f"{GEMMA_OPEN}\n{GEMMA_CLOSE}"])[:2] == ("The answer.", "")


def test_lone_trailing_channel_closer_is_dropped():
    assert run(["The answer.", GEMMA_CLOSE])[:2] == ("The answer.", "")


# ---- streaming: nothing held longer than needed, any split gives the same result ----------


def test_leading_whitespace_waits_for_the_first_word_then_streams():
    s = ThoughtSplitter()
    assert s.feed("\n  ") == []
    assert s.feed("Hi") == [TextDelta("\n  Hi")]


def test_whitespace_only_answer_is_released_at_flush():
    s = ThoughtSplitter()
    assert s.feed("\n") == []
    assert s.flush() == [TextDelta("\n")]


def test_plain_answer_streams_with_nothing_held():
    s = ThoughtSplitter()
    assert s.feed("Hello, world") == [TextDelta("Hello, world")]


def test_nothing_is_held_after_flush():
    s = ThoughtSplitter()
    s.feed(f"{GEMMA_OPEN}\nthinking <chan")
    assert s.flush() == [ThoughtDelta("<chan")]
    assert s.flush() == []


PIECES = [GEMMA_OPEN, GEMMA_CLOSE, CHANNEL, THINK_OPEN, THINK_CLOSE, "<|chan", "<th", "</thi",
          "nel>", "thought", "\n", "  ", "<", ">", "|", "a", "Answer", "<svg/>", "`"]


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=12),
       cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8),
       think_tags=st.booleans(), start_in_thought=st.booleans())
def test_any_split_into_deltas_gives_the_same_result_as_feeding_it_whole(
        pieces, cuts, think_tags, start_in_thought):
    text = "".join(pieces)
    bounds = sorted({min(c, len(text)) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0] + bounds, bounds + [len(text)])]
    kw = {"think_tags": think_tags, "start_in_thought": start_in_thought}
    answer, thought, deltas = run(chunks, **kw)
    assert (answer, thought) == run([text], **kw)[:2]
    assert all(d.text for d in deltas)


# ---- pull_cancellable -------------------------------------------------------------------


def test_pull_cancellable_yields_items_and_reraises_errors():
    def gen():
        yield 1
        yield 2
        raise ValueError("boom")

    got = []
    with pytest.raises(ValueError, match="boom"):
        for x in pull_cancellable(gen, StreamContext()):
            got.append(x)
    assert got == [1, 2]


def test_pull_cancellable_notices_cancel_while_the_source_blocks():
    release, source_returned = threading.Event(), threading.Event()

    def blocked():
        release.wait(60)  # released only after the test: a read that never ends by itself
        source_returned.set()
        yield "late"

    ctx = StreamContext()
    threading.Timer(0.2, ctx.cancel.set).start()
    with pytest.raises(Cancelled):
        list(pull_cancellable(blocked, ctx, poll_s=0.05))
    assert not source_returned.is_set()  # Stop was noticed while the source still blocked
    release.set()
