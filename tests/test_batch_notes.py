"""The notes an answer decoded together ends with (the engine's side, no model needed): its own
hidden-token notes, then how it was made — and in blind mode, none of the latter."""

from __future__ import annotations

from playground.adapters.base import Finish, Status, Usage
from playground.adapters.llama_batch import BATCH_NOTE, BatchGeneration, _Sequence
from playground.adapters.thoughts import ThoughtSplitter
from playground.ui.drawing import Blind

TOGETHER = ("decoded together with 1 other answer of this model: 2 sequences in one llama.cpp context, "
            "the prompt read once")


def closed(together, hidden):
    generation = BatchGeneration(generation=None)
    generation.decode_calls = 7
    seq = _Sequence(0, chain=None, prepared={"text_stops": [], "sampling": {"max_tokens": 4}, "tokens": [2, 5]},
                    splitter=ThoughtSplitter(think_tags=False))
    seq.tokens, seq.finish = [9, 9, 9], "stop"
    return [e for _, e in generation._close(None, seq, together, lambda llm, tokens: hidden)]


def test_hidden_token_notes_and_the_batch_note_are_both_kept():
    events = closed(TOGETHER, ["3 <pad> tokens the text does not show"])
    assert [e.message for e in events if isinstance(e, Status)] == [
        "3 <pad> tokens the text does not show", f"{TOGETHER}, 7 llama_decode calls"]
    assert isinstance(events[-1], Finish) and events[-1].reason == "stop"
    assert [e.completion_tokens for e in events if isinstance(e, Usage)] == [3]


def test_a_group_of_one_says_nothing_about_being_decoded_together():
    events = closed(None, [])
    assert [e for e in events if isinstance(e, Status)] == []


def test_blind_mode_hides_the_batch_notes_and_keeps_the_others():
    notes = ["3 <pad> tokens the text does not show", f"{TOGETHER}, 7 llama_decode calls",
             "decoded 2 of the 3 samples at once: the memory for all of them together is not available"]
    assert all(BATCH_NOTE.match(n) for n in notes[1:])
    assert Blind().notes(notes) == ["3 <pad> tokens the text does not show"]
