"""A loopback fake of the Gemini API, good enough for the real google-genai SDK.

It is a real HTTP/1.1 server (``ThreadingHTTPServer`` on 127.0.0.1, port 0, daemon thread)
that speaks the wire format the SDK uses:

* ``POST /{version}/models/{model}:streamGenerateContent?alt=sse`` → ``text/event-stream``,
  one ``data: {GenerateContentResponse JSON}`` event per chunk (chunked transfer encoding);
* ``POST /{version}/models/{model}:generateContent`` → the chunks merged into one JSON reply.

What each request meets is set by a :class:`Scenario` (per model, or a default one): the
chunks to send, failures before success (429 with Retry-After, 503), an error event or a cut
connection after K chunks, a bad-key 400, a "Developer instruction is not enabled" 400 when a
system instruction is present, and per-chunk latency. Every request is recorded (path,
headers, parsed JSON body) so tests can assert what the SDK really sent.

Use::

    with FakeGemini(Scenario(chunks=text_chunks(["Hel", "lo"]))) as fake:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        ...

The server stops on ``__exit__``/``stop()``, at interpreter exit, and by itself after
``max_lifetime_s`` whatever happens.
"""

from __future__ import annotations

import atexit
import copy
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FakeGemini",
    "RecordedRequest",
    "Scenario",
    "error_body",
    "text_chunks",
]


# ---- building replies -------------------------------------------------------------------


def text_chunks(
    texts: list[str] | tuple[str, ...] = ("Hello", ", world"),
    *,
    thoughts: list[str] | tuple[str, ...] = (),
    finish: str | None = "STOP",
    prompt_tokens: int | None = 7,
    candidates_tokens: int | None = None,
    thoughts_tokens: int | None = None,
    model_version: str = "fake-gemma",
) -> list[dict[str, Any]]:
    """SSE payloads: one per thought piece, then one per text piece.

    The last chunk carries ``finishReason`` and ``usageMetadata`` (as the real API does; the
    real one also repeats partial usage on earlier chunks, which the adapter must tolerate,
    so every chunk here carries the prompt count).
    """
    pieces = [(t, True) for t in thoughts] + [(t, False) for t in texts]
    if candidates_tokens is None:
        candidates_tokens = sum(len(t.split()) or 1 for t in texts)
    if thoughts_tokens is None and thoughts:
        thoughts_tokens = sum(len(t.split()) or 1 for t in thoughts)
    events = []
    for i, (text, is_thought) in enumerate(pieces):
        part: dict[str, Any] = {"text": text}
        if is_thought:
            part["thought"] = True
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        usage: dict[str, Any] = {}
        if prompt_tokens is not None:
            usage["promptTokenCount"] = prompt_tokens
        if i == len(pieces) - 1:
            if finish:
                candidate["finishReason"] = finish
            usage["candidatesTokenCount"] = candidates_tokens
            if thoughts_tokens is not None:
                usage["thoughtsTokenCount"] = thoughts_tokens
            usage["totalTokenCount"] = (
                (prompt_tokens or 0) + candidates_tokens + (thoughts_tokens or 0)
            )
        event: dict[str, Any] = {"candidates": [candidate], "modelVersion": model_version}
        if usage:
            event["usageMetadata"] = usage
        events.append(event)
    return events


def error_body(code: int, status: str, message: str, *, reason: str | None = None,
               retry_delay: str | None = None) -> dict[str, Any]:
    """A google.rpc.Status error body as the API sends it."""
    details = []
    if reason:
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": reason, "domain": "googleapis.com"})
    if retry_delay:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                        "retryDelay": retry_delay})
    err: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        err["details"] = details
    return {"error": err}


_STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}
_MESSAGES = {429: "Resource has been exhausted (e.g. check quota).",
             500: "An internal error has occurred.",
             503: "The model is overloaded. Please try again later.",
             504: "Deadline exceeded."}


@dataclass
class Scenario:
    """What the fake answers. Counters are per server and model, so one scenario object can
    be shared; ``fail_first`` counts requests that got past the key and system checks."""

    chunks: list[dict[str, Any]] = field(default_factory=text_chunks)
    fail_first: int = 0
    fail_status: int = 429
    retry_after: str | None = "1"
    retry_delay: str | None = None  # google.rpc.RetryInfo in the error body, e.g. "2s"
    break_after: int | None = None  # after K chunks send an error event and end the stream
    break_status: int = 503
    drop_after: int | None = None  # after K chunks cut the connection mid-body
    reject_system: bool = False  # 400 "Developer instruction is not enabled"
    reject_thinking: bool = False  # 400 "Thinking is not enabled" when thinkingConfig is sent
    valid_keys: frozenset[str] | None = None  # None: any key is accepted
    known_models: frozenset[str] | None = None  # None: any model exists
    first_delay_s: float = 0.0  # silence before the first chunk (a thinking model)
    chunk_delay_s: float = 0.0  # latency before every chunk
    first_chunk_at_once: bool = False  # no chunk latency before the first chunk (first_delay_s still applies)
    echo_key_in_status: bool = False  # a careless server: its error status word carries the key


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lowercased names
    body: Any  # parsed JSON (None when absent)
    version: str | None
    model: str | None
    rpc: str | None  # streamGenerateContent, generateContent
    received_at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "FakeGemini"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing a keep-alive connection (or cancelling) is not a server error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    # -- plumbing --

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _send_json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_error(self, code: int, message: str | None = None, *, reason: str | None = None,
                    headers: dict[str, str] | None = None, retry_delay: str | None = None,
                    status: str | None = None) -> None:
        status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        body = error_body(code, status, message or _MESSAGES.get(code, status),
                          reason=reason, retry_delay=retry_delay)
        self._send_json(code, body, headers)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        if data:  # the empty chunk ends the body; it is not an event
            self.server.owner._sent_event()

    # -- endpoints --

    def do_GET(self) -> None:
        self._send_error(404, "Not found.")

    def do_POST(self) -> None:
        owner = self.server.owner
        url = urlsplit(self.path)
        body = self._read_json()
        version = model = rpc = None
        segs = url.path.strip("/").split("/")
        if len(segs) >= 3 and segs[1] == "models" and ":" in segs[2]:
            version = segs[0]
            model, rpc = segs[2].split(":", 1)
        record = RecordedRequest(
            method="POST", path=url.path, query=parse_qs(url.query),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body,
            version=version, model=model, rpc=rpc, received_at=time.monotonic())
        owner._record(record)
        try:
            self._answer(owner, record)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # the client went away (cancel); nothing to do

    def _answer(self, owner: "FakeGemini", req: RecordedRequest) -> None:
        if req.model is None or req.rpc not in ("streamGenerateContent", "generateContent"):
            self._send_error(404, f"Unknown path {req.path}.")
            return
        sc = owner.scenario_for(req.model)
        key = req.headers.get("x-goog-api-key")
        if sc.valid_keys is not None and key not in sc.valid_keys:
            self._send_error(400, "API key not valid. Please pass a valid API key.",
                             reason="API_KEY_INVALID")
            return
        if sc.known_models is not None and req.model not in sc.known_models:
            self._send_error(404, f"models/{req.model} is not found for API version "
                                  f"{req.version}, or is not supported for generateContent.")
            return
        body = req.body if isinstance(req.body, dict) else {}
        if sc.reject_system and (body.get("systemInstruction") or body.get("system_instruction")):
            self._send_error(400, "Developer instruction is not enabled for "
                                  f"models/{req.model}")
            return
        gen = body.get("generationConfig") or {}
        if sc.reject_thinking and (gen.get("thinkingConfig") or gen.get("thinking_config")):
            self._send_error(400, f"Thinking is not enabled for models/{req.model}")
            return
        attempt = owner._count_attempt(req.model)
        if attempt <= sc.fail_first:
            headers = {"Retry-After": sc.retry_after} if sc.retry_after else {}
            status = None
            if sc.echo_key_in_status:
                status = f"{_STATUS_NAMES.get(sc.fail_status, 'UNKNOWN')}_{req.headers.get('x-goog-api-key', '')}"
            self._send_error(sc.fail_status, headers=headers, retry_delay=sc.retry_delay, status=status)
            return
        chunks = copy.deepcopy(sc.chunks)
        if req.rpc == "generateContent":
            self._sleep(sc.first_delay_s + sc.chunk_delay_s * len(chunks))
            self._send_json(200, _merge(chunks))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self._sleep(sc.first_delay_s)
        for i, event in enumerate(chunks):
            if sc.break_after is not None and i == sc.break_after:
                code = sc.break_status
                err = error_body(code, _STATUS_NAMES.get(code, "UNKNOWN"),
                                 _MESSAGES.get(code, "error"))
                self._chunk(b"data: " + json.dumps(err).encode() + b"\r\n\r\n")
                break
            if sc.drop_after is not None and i == sc.drop_after:
                self.close_connection = True
                return  # no terminating chunk: the client sees a truncated body
            if not self._sleep(0.0 if (i == 0 and sc.first_chunk_at_once) else sc.chunk_delay_s):
                return  # server stopping
            self._chunk(b"data: " + json.dumps(event).encode() + b"\r\n\r\n")
        self._chunk(b"")  # end of chunked body

    def _sleep(self, seconds: float) -> bool:
        if seconds > 0:
            return not self.server.owner._stopping.wait(seconds)
        return not self.server.owner._stopping.is_set()


def _merge(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    for ch in chunks:
        for cand in ch.get("candidates", [])[:1]:
            for part in cand.get("content", {}).get("parts", []):
                if parts and part.get("thought") == parts[-1].get("thought") and "text" in part:
                    parts[-1]["text"] += part["text"]
                else:
                    parts.append(dict(part))
            if "finishReason" in cand:
                candidate["finishReason"] = cand["finishReason"]
        for key in ("usageMetadata", "modelVersion", "promptFeedback"):
            if key in ch:
                out[key] = ch[key]
    out["candidates"] = [candidate]
    return out


class FakeGemini:
    """The fake server. ``base_url`` is what GOOGLE_GEMINI_BASE_URL should be set to."""

    def __init__(self, scenario: Scenario | None = None, *, max_lifetime_s: float = 600.0):
        self.scenario = scenario or Scenario()
        self.scenarios: dict[str, Scenario] = {}
        self.requests: list[RecordedRequest] = []
        self.sent_events = 0  # SSE data events written to any client (chunks and error events)
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-gemini:{self.port}", daemon=True)
        self._thread.start()
        self._watchdog = threading.Timer(max_lifetime_s, self.stop)
        self._watchdog.daemon = True
        self._watchdog.start()
        atexit.register(self.stop)

    # -- configuration --

    def set(self, scenario: Scenario, model: str | None = None) -> None:
        """Use `scenario` for `model` (or as the default) and reset its failure counter."""
        with self._lock:
            if model is None:
                self.scenario = scenario
                self._attempts.clear()
            else:
                self.scenarios[model] = scenario
                self._attempts.pop(model, None)

    def scenario_for(self, model: str) -> Scenario:
        with self._lock:
            return self.scenarios.get(model, self.scenario)

    def _count_attempt(self, model: str) -> int:
        with self._lock:
            self._attempts[model] = self._attempts.get(model, 0) + 1
            return self._attempts[model]

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def _sent_event(self) -> None:
        with self._lock:
            self.sent_events += 1

    # -- inspection --

    @property
    def last(self) -> RecordedRequest:
        with self._lock:
            return self.requests[-1]

    def requests_for(self, model: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.model == model]

    # -- lifecycle --

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._watchdog.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeGemini":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
