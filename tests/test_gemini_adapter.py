"""GeminiAdapter: the real google-genai SDK against the loopback fake Gemini API."""

from __future__ import annotations

import base64
import threading

import pytest

from playground.adapters.base import (
    Cancelled,
    ChatRequest,
    Finish,
    GenerationSettings,
    ImageInput,
    ModelError,
    Retrying,
    Status,
    StreamContext,
    TextDelta,
    ThoughtDelta,
    Usage,
)
from conftest import wait_for
from playground.adapters.gemini import FOLD_NOTE, GeminiAdapter
from support import streams

try:
    from tests.fake_gemini import FakeGemini, Scenario, text_chunks
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from fake_gemini import FakeGemini, Scenario, text_chunks

KEY = "AIzaFAKEkey-0123456789abcdefghijklmnop"
MODEL = "gemma-4-31b-it"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


@pytest.fixture
def fake(monkeypatch):
    with FakeGemini() as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
        for var in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_API_VERSION"):
            monkeypatch.delenv(var, raising=False)
        yield server


class Sleeps(list):
    """An injected sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def adapter(**kw) -> GeminiAdapter:
    kw.setdefault("sleep", Sleeps())
    kw.setdefault("timeout_s", 10.0)
    return GeminiAdapter(kw.pop("model", MODEL), kw.pop("api_key", KEY), **kw)


def collect(ad, request=None, settings=None, ctx=None):
    return streams.collect(ad, request, settings, ctx, prompt="Draw a pelican")


texts = streams.joined


def test_sse_stream_arrives_as_several_text_deltas_then_usage_and_finish(fake):
    fake.set(Scenario(chunks=text_chunks(["<svg", " width='10'", "/>"], prompt_tokens=11,
                                         candidates_tokens=5)))
    events, err = collect(adapter())
    assert err is None
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert [d.text for d in deltas] == ["<svg", " width='10'", "/>"]
    assert events[-2:] == [Usage(prompt_tokens=11, completion_tokens=5, thinking_tokens=None),
                           Finish("stop")]


def test_sdk_honours_gemini_base_url_env_and_default_api_version(fake):
    collect(adapter())
    req = fake.last
    assert req.path == f"/v1/models/{MODEL}:streamGenerateContent"
    assert req.query == {"alt": ["sse"]}
    assert req.headers["x-goog-api-key"] == KEY


def test_thought_parts_become_thought_deltas_never_text(fake):
    fake.set(Scenario(chunks=text_chunks(["Answer."], thoughts=["Step 1. ", "Step 2."],
                                         candidates_tokens=2, thoughts_tokens=9)))
    events, err = collect(adapter(), settings=GenerationSettings(thinking=True))
    assert err is None
    assert texts(events, ThoughtDelta) == "Step 1. Step 2."
    assert texts(events) == "Answer."
    # completion_tokens = answer + thinking; thinking_tokens = thinking alone.
    assert Usage(prompt_tokens=7, completion_tokens=11, thinking_tokens=9) in events


def test_request_body_carries_image_settings_and_thinking_config(fake):
    settings = GenerationSettings(temperature=0.3, top_p=0.8, top_k=40, max_tokens=321, seed=42,
                                  thinking=True)
    req = ChatRequest("What bird is this?", system="Be brief.", image=ImageInput(PNG, "image/png"))
    events, err = collect(adapter(), req, settings)
    assert err is None
    body = fake.last.body
    parts = body["contents"][0]["parts"]
    inline = parts[0]["inlineData"]
    assert inline["mime_type" if "mime_type" in inline else "mimeType"] == "image/png"
    assert base64.b64decode(inline["data"]) == PNG
    assert parts[1] == {"text": "What bird is this?"}
    assert body["contents"][0]["role"] == "user"
    assert body["systemInstruction"]["parts"][0]["text"] == "Be brief."
    gen = body["generationConfig"]
    assert gen["temperature"] == 0.3 and gen["topP"] == 0.8 and gen["topK"] == 40
    assert gen["maxOutputTokens"] == 321 and gen["seed"] == 42
    thinking = gen["thinkingConfig"]
    assert thinking.get("include_thoughts", thinking.get("includeThoughts")) is True
    assert thinking.get("thinking_level", thinking.get("thinkingLevel")) == "HIGH"


def test_thinking_off_sends_minimal_level_without_thoughts(fake):
    collect(adapter(), settings=GenerationSettings(thinking=False, top_k=0))
    gen = fake.last.body["generationConfig"]
    thinking = gen["thinkingConfig"]
    assert thinking.get("thinking_level", thinking.get("thinkingLevel")) == "MINIMAL"
    assert not thinking.get("include_thoughts", thinking.get("includeThoughts"))
    assert "topK" not in gen  # 0 = off: not sent
    assert "systemInstruction" not in fake.last.body


def test_429_then_success_retries_with_visible_status_honouring_retry_after(fake):
    fake.set(Scenario(fail_first=2, fail_status=429, retry_after="2"))
    sleeps = Sleeps()
    events, err = collect(adapter(sleep=sleeps, max_retries=3))
    assert err is None
    statuses = [e.message for e in events if isinstance(e, Retrying)]
    assert statuses == ["retrying in 2 s (1 of 3): 429 RESOURCE_EXHAUSTED",
                        "retrying in 2 s (2 of 3): 429 RESOURCE_EXHAUSTED"]
    assert sleeps == [2.0, 2.0]
    assert texts(events) == "Hello, world"
    assert events[-1] == Finish("stop")
    assert len(fake.requests) == 3


def test_503_without_retry_after_backs_off_exponentially(fake):
    fake.set(Scenario(fail_first=3, fail_status=503, retry_after=None))
    sleeps = Sleeps()
    events, err = collect(adapter(sleep=sleeps, backoff_s=0.5, max_retries=3))
    assert err is None
    assert sleeps == [0.5, 1.0, 2.0]
    assert [e.message for e in events if isinstance(e, Retrying)][0] == (
        "retrying in 0.5 s (1 of 3): 503 UNAVAILABLE")


def test_retry_info_in_error_body_is_honoured(fake):
    fake.set(Scenario(fail_first=1, retry_after=None, retry_delay="3s"))
    sleeps = Sleeps()
    _, err = collect(adapter(sleep=sleeps))
    assert err is None and sleeps == [3.0]


def test_retries_are_bounded_then_a_clear_error(fake):
    fake.set(Scenario(fail_first=99, fail_status=503, retry_after=None))
    sleeps = Sleeps()
    events, err = collect(adapter(sleep=sleeps, max_retries=2))
    assert isinstance(err, ModelError)
    assert "503 UNAVAILABLE" in str(err) and "after 2 retries" in str(err)
    assert len(sleeps) == 2 and len(fake.requests) == 3


def test_retry_after_longer_than_a_minute_fails_instead_of_freezing(fake):
    fake.set(Scenario(fail_first=1, retry_after="3600"))
    sleeps = Sleeps()
    _, err = collect(adapter(sleep=sleeps))
    assert isinstance(err, ModelError) and "3600" in str(err) and "quota" in str(err)
    assert sleeps == []


def test_503_mid_stream_keeps_text_and_raises_without_retry(fake):
    fake.set(Scenario(chunks=text_chunks(["one ", "two ", "three"]), break_after=2))
    sleeps = Sleeps()
    events, err = collect(adapter(sleep=sleeps))
    assert texts(events) == "one two "
    assert isinstance(err, ModelError)
    assert str(err).startswith("Gemini stream broke after 8 characters: 503 UNAVAILABLE")
    assert sleeps == [] and len(fake.requests) == 1
    assert not any(isinstance(e, Finish) for e in events)


def test_connection_cut_mid_stream_keeps_text_and_raises(fake):
    fake.set(Scenario(chunks=text_chunks(["kept", " lost"]), drop_after=1))
    events, err = collect(adapter())
    assert texts(events) == "kept"
    assert isinstance(err, ModelError) and "broke after 4 characters" in str(err)


def test_bad_key_gives_a_clear_message_without_the_key_and_no_retry(fake):
    fake.set(Scenario(valid_keys=frozenset({"the-right-key"})))
    sleeps = Sleeps()
    ad = adapter(sleep=sleeps)
    events, err = collect(ad)
    assert isinstance(err, ModelError)
    msg = str(err)
    assert "rejected the API key" in msg and "GEMINI_API_KEY" in msg
    assert KEY not in msg and KEY not in repr(err) and KEY not in repr(ad)
    assert sleeps == [] and len(fake.requests) == 1


def test_unknown_model_is_named_in_the_error(fake):
    fake.set(Scenario(known_models=frozenset({MODEL})))
    _, err = collect(adapter(model="gemma-9-nope"))
    assert isinstance(err, ModelError)
    assert "Unknown model id 'gemma-9-nope'" in str(err) and "404" in str(err)


def test_system_instruction_rejection_folds_prompt_once_and_remembers(fake):
    fake.set(Scenario(reject_system=True))
    ad = adapter()
    req = ChatRequest("Draw a pelican", system="You are an SVG artist.")
    events, err = collect(ad, req)
    assert err is None
    assert Status(FOLD_NOTE) in events
    assert texts(events) == "Hello, world"
    assert len(fake.requests) == 2
    folded = fake.requests[1].body
    assert "systemInstruction" not in folded
    assert folded["contents"][0]["parts"][-1]["text"] == "You are an SVG artist.\n\nDraw a pelican"
    # Second call: no rejected attempt any more, and the note is shown again.
    events, err = collect(ad, req)
    assert err is None and Status(FOLD_NOTE) in events
    assert len(fake.requests) == 3
    assert "systemInstruction" not in fake.requests[2].body


def test_other_400_is_not_mistaken_for_system_rejection(fake):
    fake.set(Scenario(fail_first=1, fail_status=400, retry_after=None))
    _, err = collect(adapter(), ChatRequest("x", system="sys"))
    assert isinstance(err, ModelError) and "rejected the request" in str(err)
    assert len(fake.requests) == 1


def test_max_tokens_finish_maps_to_length(fake):
    fake.set(Scenario(chunks=text_chunks(["cut"], finish="MAX_TOKENS")))
    events, err = collect(adapter())
    assert err is None, err
    assert events[-1] == Finish("length")


def test_safety_finish_is_lowercased(fake):
    fake.set(Scenario(chunks=text_chunks(["no"], finish="SAFETY")))
    events, err = collect(adapter())
    assert err is None, err
    assert events[-1] == Finish("safety")


def test_cancel_between_chunks_stops_at_the_next_chunk(fake):
    fake.set(Scenario(chunks=text_chunks([f"w{i} " for i in range(100)]), chunk_delay_s=0.1))
    ctx = StreamContext()
    got = []
    with pytest.raises(Cancelled):
        for ev in adapter().stream(ChatRequest("x"), GenerationSettings(), ctx):
            got.append(ev)
            if len(got) == 3:
                ctx.cancel.set()
    assert len(got) <= 4  # at most the chunk already on its way; the other 96 never come


def cancel_once_asked(fake, ctx):
    """Cancel `ctx` as soon as the fake has received a request (a thread: the test is blocked)."""
    threading.Thread(target=lambda: (wait_for(lambda: fake.requests), ctx.cancel.set()), daemon=True).start()


def test_cancel_while_the_server_is_silent_stops_before_it_speaks(fake):
    fake.set(Scenario(first_delay_s=120))
    ctx = StreamContext()
    cancel_once_asked(fake, ctx)
    with pytest.raises(Cancelled):
        list(adapter().stream(ChatRequest("x"), GenerationSettings(), ctx))
    assert fake.sent_events == 0  # the server was still silent: the cancel did not wait for it


class WatchedFlag(threading.Event):
    """A cancel flag that remembers how long each wait on it was allowed to take."""

    def __init__(self):
        super().__init__()
        self.waits = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        return super().wait(timeout)


def test_cancel_during_retry_backoff_with_real_sleep(fake):
    fake.set(Scenario(fail_first=5, retry_after="30"))
    ad = GeminiAdapter(MODEL, KEY, timeout_s=10)  # default sleep: waits on the cancel flag
    ctx = StreamContext(cancel=WatchedFlag())
    with pytest.raises(Cancelled):
        for event in ad.stream(ChatRequest("x"), GenerationSettings(), ctx):
            if isinstance(event, Retrying):  # the back-off starts next: Stop now
                ctx.cancel.set()
    # the 30 s back-off was a wait on the cancel flag (so the cancel ended it), and no retry followed
    assert 30.0 in ctx.cancel.waits and len(fake.requests) == 1


def test_silent_server_times_out_with_a_clear_message(fake):
    fake.set(Scenario(first_delay_s=120))
    _, err = collect(adapter(timeout_s=0.5))
    assert isinstance(err, ModelError) and "0.5 s" in str(err)
    assert fake.sent_events == 0  # it gave up while the server was silent


def test_unreachable_server_says_so(monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", f"http://127.0.0.1:{port}")
    _, err = collect(adapter())
    assert isinstance(err, ModelError) and "Cannot reach the Gemini API" in str(err)
    assert KEY not in str(err)


def test_missing_key_is_refused_at_construction():
    with pytest.raises(ModelError, match="GEMINI_API_KEY"):
        GeminiAdapter(MODEL, "")


def test_importing_the_adapter_does_not_import_the_sdk():
    import subprocess
    import sys

    code = ("import sys, playground.adapters.gemini, playground.adapters.openai_compat;"
            "print('google.genai' in sys.modules, 'openai' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_model_rejecting_thinking_config_is_sent_without_it_when_thinking_is_off(fake):
    from playground.adapters.gemini import NO_THINKING_NOTE

    fake.set(Scenario(reject_thinking=True))
    ad = adapter()
    events, err = collect(ad, settings=GenerationSettings(thinking=False))
    assert err is None and texts(events) == "Hello, world"
    assert Status(NO_THINKING_NOTE) in events
    assert "thinkingConfig" not in fake.last.body["generationConfig"]
    collect(ad, settings=GenerationSettings(thinking=False))  # remembered: one request
    assert len(fake.requests) == 3


def test_model_rejecting_thinking_when_thinking_is_on_says_turn_it_off(fake):
    fake.set(Scenario(reject_thinking=True))
    _, err = collect(adapter(), settings=GenerationSettings(thinking=True))
    assert isinstance(err, ModelError) and "turn thinking off" in str(err)
    assert len(fake.requests) == 1
