"""Issue #21, what an upstream sends back: hole 13 (no cap on answer size) and hole 14 (the key
echoed in the answer), on the scripted adapter (fast tier)."""

from __future__ import annotations

import pytest

from playground.adapters.base import ChatRequest, Finish, GenerationSettings, TextDelta, ThoughtDelta
from playground.cache import ResponseCache
from playground.pane_run import MAX_ANSWER_CHARS
from playground.runner import Comparison, PaneRequest
from scripted import ScriptedAdapter, answer, scripted_runtime

KEY = "sk-live-0123456789abcdefSECRET"
SETTINGS = GenerationSettings(max_tokens=64)


def run(runtime, model="scripted:m"):
    comparison = Comparison(runtime, ChatRequest("hi"), [PaneRequest(model, SETTINGS)])
    seen = [states[0] for states in comparison.start().snapshots(interval_s=0.0, give_up_s=0.5)]
    return comparison, seen


@pytest.fixture
def runtime_with_key(tmp_path):
    made = []

    def build(script):
        cache = ResponseCache(tmp_path / "cache")
        runtime = scripted_runtime({"scripted:m": ScriptedAdapter(script)}, cache=cache)
        runtime.secrets = lambda: [KEY]  # the key this runtime sends upstream
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


def test_a_key_echoed_in_the_answer_and_thinking_is_never_shown_stored_or_exported(runtime_with_key):
    text = f"Sure! Your key is {KEY}, and the Google one AIzaSyA1234567890abcdefghijklmno too. Done."
    script = [ThoughtDelta("they sent " + KEY[:9]), ThoughtDelta(KEY[9:] + " to me")]
    script += answer(text, chunk=3)  # the key arrives split across many chunks
    runtime = runtime_with_key(script)
    comparison, seen = run(runtime)
    for state in seen:  # not even a part of it on the way
        assert KEY[:10] not in state.text and KEY[-10:] not in state.text and "AIzaSyA1234" not in state.text
        assert KEY[:10] not in state.thinking and KEY[-10:] not in state.thinking
    final = comparison.snapshot()[0]
    assert final.text == "Sure! Your key is [redacted], and the Google one [redacted] too. Done."
    assert final.thinking == "they sent [redacted] to me"
    stored = runtime.cache.samples(final.cache_key)[0]
    assert KEY not in stored.text and KEY not in stored.thinking and "[redacted]" in stored.text


def test_an_endless_answer_is_cut_at_the_cap_as_length_with_a_note(runtime_with_key):
    import random
    import string

    rng = random.Random(1)  # not a repetition: the loop detector must not be what stops it
    megas = ["".join(rng.choices(string.ascii_letters + " ", k=1_000_000)) for _ in range(5)]
    runtime = runtime_with_key([TextDelta(m) for m in megas] + [ThoughtDelta("late"), Finish("stop")])
    comparison, _ = run(runtime)
    final = comparison.snapshot()[0]
    assert len(final.text) == MAX_ANSWER_CHARS and final.thinking == ""
    assert final.finish_reason == "length" and final.status == "done"
    assert any("was cut there" in note for note in final.notes)


def test_an_answer_under_the_cap_is_untouched(runtime_with_key):
    runtime = runtime_with_key(answer("a plain answer with no secret in it, ending in A", chunk=5))
    comparison, _ = run(runtime)
    final = comparison.snapshot()[0]
    assert final.text == "a plain answer with no secret in it, ending in A" and final.finish_reason == "stop"
