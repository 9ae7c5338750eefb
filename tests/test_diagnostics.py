"""diagnose(): one sentence per symptom of a broken template, stop string or quantization."""

from __future__ import annotations

import threading

import pytest

from playground.diagnostics import diagnose

PELICAN_ANSWER = ('Here is a pelican:\n```svg\n<svg xmlns="http://www.w3.org/2000/svg" '
                  'viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>\n```\nEnjoy!')
TEMPLATE_ANSWER = ("Gemma's chat format looks like this:\n```\n"
                   "<start_of_turn>user\nHi<end_of_turn>\n"
                   "<start_of_turn>model\nHello!<end_of_turn>\n"
                   "```\nGemma 4 uses `<|turn>` and `<turn|>` instead.")


@pytest.mark.parametrize("text", [
    "The capital of France is Paris.",
    PELICAN_ANSWER,
    TEMPLATE_ANSWER,
    "Each turn ends with `<end_of_turn>`.",
    "Gemma ends each turn with <end_of_turn>, then the next one starts.",
    "Padding uses `<pad><pad><pad>` up to the batch length.",
    "Gemma reserves tokens such as <unused0> and <unused1> for later use.",
    "def f(a, b):\n    return a < b and b > 0\n",
], ids=["prose", "svg", "template-in-code", "inline-code", "mid-sentence", "pad-in-code",
        "two-unused", "python"])
def test_ordinary_answers_get_no_notes(text):
    assert diagnose(text, "", "stop") == []
    assert diagnose(text, "some thinking", "stop", thinking_requested=True) == []


def test_run_of_unused_tokens_points_to_template_or_quantization():
    [note] = diagnose("Sure! " + "<unused49>" * 40, "", "length")
    assert "<unused49> ×40" in note
    assert "wrong chat template or a broken quantization" in note


def test_run_of_pad_tokens_points_to_template_or_quantization():
    [note] = diagnose("<pad> <pad>\n<pad> <pad>", "", "stop")
    assert "<pad> ×4" in note and "broken quantization" in note


def test_two_placeholder_tokens_in_a_row_are_not_a_run():
    assert diagnose("a <unused49><unused49> b", "", "stop") == []


def test_placeholder_run_inside_an_unclosed_fence_is_found():
    [note] = diagnose("```svg\n<svg>" + "<unused49>" * 5, "", "length")
    assert "<unused49> ×5" in note


def test_placeholder_run_in_the_thinking_says_it_is_in_the_thinking():
    [note] = diagnose("Fine answer.", "<unused12>" * 3, "stop")
    assert note.startswith("The thinking contains runs of placeholder tokens")


def test_leaked_gemma4_turn_markers_mean_the_runtime_did_not_stop():
    [note] = diagnose("Paris.<turn|>\n<|turn>user\nAnd Spain?", "", "length")
    assert "<turn|>" in note and "<|turn>" in note
    assert "did not stop at the end-of-turn token" in note
    assert "chat template or stop strings are wrong" in note


def test_leaked_gemma3_turn_markers_mean_the_runtime_did_not_stop():
    [note] = diagnose("Paris.<end_of_turn>\n<start_of_turn>user\nMore?", "", "stop")
    assert "<end_of_turn>" in note and "<start_of_turn>" in note


def test_turn_marker_at_the_very_end_is_a_leak():
    [note] = diagnose("Paris.<end_of_turn>\n", "", "stop")
    assert "the turn marker <end_of_turn>:" in note


def test_turn_markers_quoted_in_a_closed_code_fence_are_not_a_leak():
    assert diagnose("```\n<end_of_turn>\n<start_of_turn>user\n```", "", "stop") == []


def test_turn_markers_after_an_unclosed_fence_are_a_leak():
    assert diagnose("```svg\n<svg/><end_of_turn>\n<start_of_turn>user\n", "", "length") != []


def test_empty_answer_with_thinking_means_it_stayed_in_the_thought_channel():
    [note] = diagnose("", "The answer is 4.", "stop", thinking_requested=True)
    assert "the whole answer stayed in the thought channel" in note
    assert "thinking was off" not in note


def test_empty_answer_with_thinking_while_thinking_was_off_says_so():
    [note] = diagnose("  \n", "The answer is 4.", "stop", thinking_requested=False)
    assert "stayed in the thought channel although thinking was off" in note


def test_token_limit_inside_the_thinking_means_no_answer_was_written():
    [note] = diagnose("", "Let me consider every pelican", "length")
    assert "token limit was reached while the model was still thinking" in note
    assert "raise max tokens" in note


def test_token_limit_inside_the_thinking_with_thinking_off_does_not_suggest_turning_it_off():
    [note] = diagnose("", "hmm", "length", thinking_requested=False)
    assert "turn thinking off" not in note and "although thinking was off" in note


def test_empty_output_is_explained():
    [note] = diagnose("", "", "stop")
    assert note.startswith("The model returned no text at all")


def test_empty_output_at_the_token_limit_points_to_hidden_tokens():
    [note] = diagnose("", "", "length")
    assert "token limit was reached" in note and "does not show" in note


@pytest.mark.parametrize("reason", ["cancelled", "error", "timeout", "loop", "safety"])
def test_output_cut_short_by_us_or_the_api_gets_no_emptiness_note(reason):
    assert diagnose("", "", reason) == []
    assert diagnose("", "thinking", reason) == []


def test_placeholder_run_is_reported_even_when_the_pane_was_stopped_for_looping():
    assert len(diagnose("<unused49>" * 100, "", "loop")) == 1


def test_answer_and_empty_notes_come_together_in_order():
    notes = diagnose("", "<pad><pad><pad>", "length")
    assert notes[0].startswith("The thinking contains runs of placeholder tokens")
    assert "still thinking" in notes[1]


def test_a_megabyte_of_text_with_open_fences_and_placeholder_runs_is_diagnosed():
    """Linear, not backtracking: it takes milliseconds here. The join below only guards against
    a hang (a catastrophic regex would run for hours), it measures nothing."""
    big = ("word " * 200 + "\n```a\n") * 1000 + "<unused1>" * 10_000
    found = []
    worker = threading.Thread(target=lambda: found.append(diagnose(big, big, "length")), daemon=True)
    worker.start()
    worker.join(120)
    assert found, "diagnose did not finish on a megabyte of text"
    (notes,) = found
    # the run sits after 1,000 open fences: a fence left open to the end is still searched
    assert [note.split(" contains")[0] for note in notes] == ["The answer", "The thinking"]
    assert all("placeholder tokens (<unused1> ×10000)" in note for note in notes)
