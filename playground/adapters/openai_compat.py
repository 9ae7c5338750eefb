"""Any OpenAI-compatible chat server (llama.cpp server, llama-cpp-python's server, LM Studio,
vLLM, Ollama's /v1, …) through the official ``openai`` client.

* The stream asks for usage (``stream_options.include_usage``); servers that reject that (or
  the other optional extras: ``top_k``, the thinking switch) get the request once more
  without them, and the adapter remembers.
* Thinking arrives either as ``delta.reasoning_content`` / ``delta.reasoning`` (servers that
  parse it) or inline as ``<think>…</think>`` / ``<|channel>thought…<channel|>`` in the
  content (servers that do not): both end up as :class:`ThoughtDelta`.
* The client never falls back on OPENAI_API_KEY: a key meant for OpenAI must not be sent to
  whatever server the user typed in. The SDK's own retries are off; errors surface at once.

``openai`` is imported inside functions: importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator
from urllib.parse import urlsplit, urlunsplit

from playground.adapters.base import (
    Cancelled,
    ChatRequest,
    Event,
    Finish,
    RequestSent,
    image_summary,
    GenerationSettings,
    ModelError,
    Status,
    StreamContext,
    ThoughtDelta,
    TextDelta,
    Usage,
)
from playground.adapters.pump import pull_cancellable
from playground.adapters.thoughts import ThoughtSplitter
from playground.keys import redact

NO_KEY = "not-needed"  # local servers ignore it; the SDK insists on some key
EXTRAS_NOTE = (
    "this server rejected optional request fields (usage in stream, top_k, min_p, thinking switch); "
    "sent without them"
)


def normalize_base_url(base_url: str) -> str:
    """``http://host:port`` → ``http://host:port/v1``; any explicit path is kept as given."""
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ModelError(
            f"Not a server URL: {base_url!r}. Use something like http://127.0.0.1:8080/v1."
        )
    if parts.path in ("", "/"):
        parts = parts._replace(path="/v1")
    return urlunsplit(parts)


def _client(base_url: str, api_key: str | None, timeout_s: float) -> Any:
    import openai

    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key or NO_KEY,
        timeout=timeout_s,
        max_retries=0,
    )


def list_models(base_url: str, api_key: str | None = None, timeout_s: float = 5.0) -> list[str]:
    """Model ids the server offers (GET {base_url}/models), for the model picker."""
    url = normalize_base_url(base_url)
    client = _client(url, api_key, timeout_s)
    try:
        return [m.id for m in client.models.list().data]
    except Exception as exc:
        raise _to_model_error(exc, url, None, api_key, timeout_s) from None
    finally:
        client.close()


class OpenAICompatAdapter:
    """One model on an OpenAI-compatible server. ``timeout_s`` bounds each network wait
    (connect, and the silence between chunks)."""


    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 120.0,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        self.model = model
        self.base_url = normalize_base_url(base_url)
        self.timeout_s = float(timeout_s)
        self._api_key = api_key or None
        self._client: Any = None
        self._lock = threading.Lock()
        # Learned once per instance: the server 400s on stream_options / top_k / min_p / thinking.
        self.plain_requests = False

    def __repr__(self) -> str:  # never the key
        return f"OpenAICompatAdapter(model={self.model!r}, base_url={self.base_url!r})"

    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _client(self.base_url, self._api_key, self.timeout_s)
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def build_request(
        self, request: ChatRequest, settings: GenerationSettings, *, plain: bool
    ) -> dict[str, Any]:
        """Keyword arguments for ``chat.completions.create``: exposed for tests and logs."""
        messages: list[dict[str, Any]] = []
        system = (request.system or "").strip()
        if system:
            messages.append({"role": "system", "content": system})
        if request.image is not None:
            content: Any = [
                {"type": "image_url", "image_url": {"url": request.image.data_uri()}},
                {"type": "text", "text": request.prompt},
            ]
        else:
            content = request.prompt
        messages.append({"role": "user", "content": content})
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "max_tokens": settings.max_tokens,
        }
        if settings.seed is not None:
            kwargs["seed"] = settings.seed
        if not plain:
            kwargs["stream_options"] = {"include_usage": True}
            extra: dict[str, Any] = {}
            if settings.top_k:
                extra["top_k"] = settings.top_k
            if settings.min_p is not None:  # llama.cpp server, vLLM, SGLang, LM Studio take it
                extra["min_p"] = settings.min_p
            if settings.thinking:
                # llama.cpp server, vLLM and SGLang pass these to the chat template
                # (Gemma 4's and Qwen's templates read enable_thinking).
                extra["chat_template_kwargs"] = {"enable_thinking": True}
            if extra:
                kwargs["extra_body"] = extra
        return kwargs

    def describe_request(self, request: ChatRequest, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The body sent to /chat/completions (the key travels in a header, never here), with an
        image's data URI replaced by its type and size."""
        body = {k: v for k, v in kwargs.items() if k != "extra_body"} | dict(kwargs.get("extra_body") or {})
        messages = []
        for message in body["messages"]:
            content = message["content"]
            if isinstance(content, list):
                content = [{"type": "image_url", "image_url": image_summary(request.image)}
                           if item.get("type") == "image_url" else item for item in content]
            messages.append({**message, "content": content})
        return {"api": "openai", "base_url": self.base_url, **body, "messages": messages}

    def stream(
        self, request: ChatRequest, settings: GenerationSettings, ctx: StreamContext
    ) -> Iterator[Event]:
        ctx.check()
        client = self._get_client()
        plain = self.plain_requests
        while True:
            kwargs = self.build_request(request, settings, plain=plain)
            yield RequestSent(self.describe_request(request, kwargs))
            splitter = ThoughtSplitter()
            text_chars = thought_chars = 0
            finish: str | None = None
            usage: Usage | None = None
            try:
                chunks = pull_cancellable(
                    lambda: client.chat.completions.create(**kwargs),
                    ctx,
                    name=f"openai:{self.model}",
                )
                with contextlib.closing(chunks):
                    for chunk in chunks:
                        if getattr(chunk, "usage", None) is not None:
                            usage = _usage(chunk.usage)
                        for choice in (chunk.choices or [])[:1]:
                            delta = choice.delta
                            if delta is not None:
                                reasoning = _reasoning(delta)
                                if reasoning:
                                    thought_chars += len(reasoning)
                                    yield ThoughtDelta(reasoning)
                                if delta.content:
                                    for ev in splitter.feed(delta.content):
                                        if isinstance(ev, TextDelta):
                                            text_chars += len(ev.text)
                                        else:
                                            thought_chars += len(ev.text)
                                        yield ev
                            if choice.finish_reason:
                                finish = str(choice.finish_reason).lower()
                for ev in splitter.flush():
                    yield ev
            except Cancelled:
                raise
            except Exception as exc:
                if text_chars or thought_chars:
                    what = f"{text_chars} characters"
                    if thought_chars:
                        what += f" (and {thought_chars} of thinking)"
                    raise ModelError(
                        f"Stream from {self.base_url} broke after {what}: "
                        f"{_describe(exc, self._api_key)}"
                    ) from None
                if not plain and _is_rejection(exc):
                    plain = self.plain_requests = True
                    if settings.thinking or settings.top_k or settings.min_p is not None:
                        yield Status(EXTRAS_NOTE)
                    continue
                raise _to_model_error(
                    exc, self.base_url, self.model, self._api_key, self.timeout_s
                ) from None
            if usage is not None:
                yield usage
            yield Finish(finish or "unknown")
            return


# ---- helpers --------------------------------------------------------------------------


def _reasoning(delta: Any) -> str | None:
    for name in ("reasoning_content", "reasoning"):
        value = getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def _usage(u: Any) -> Usage:
    details = getattr(u, "completion_tokens_details", None)
    thinking = getattr(details, "reasoning_tokens", None) if details is not None else None
    return Usage(
        prompt_tokens=getattr(u, "prompt_tokens", None),
        completion_tokens=getattr(u, "completion_tokens", None),
        thinking_tokens=thinking,
    )


def _is_rejection(exc: BaseException) -> bool:
    """A 400/422 before any output: maybe our optional fields; worth one plain retry."""
    return getattr(exc, "status_code", None) in (400, 422)


def _server_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            for key in ("message", "detail"):
                if err.get(key):
                    return str(err[key])
        elif isinstance(err, str):
            return err
        if body.get("detail"):
            return str(body["detail"])
    if isinstance(body, str) and body:
        return body
    return str(getattr(exc, "message", "") or exc)


def _describe(exc: BaseException, api_key: str | None) -> str:
    code = getattr(exc, "status_code", None)
    if code is not None:
        text = f"{code}: {_server_message(exc)}"
    else:
        text = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
    return redact(text, [api_key])[:500]


def _to_model_error(
    exc: BaseException, url: str, model: str | None, api_key: str | None, timeout_s: float
) -> ModelError:
    import openai

    msg = redact(_server_message(exc), [api_key])[:500]
    code = getattr(exc, "status_code", None)
    if isinstance(exc, openai.APITimeoutError):
        return ModelError(f"{url} did not answer within {timeout_s:g} s: is the server overloaded?")
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(f"Cannot reach {url}: is the server running?")
    if code == 401:
        return ModelError(f"{url} rejected the API key (401): check the key set for this server.")
    if code == 403:
        return ModelError(f"{url} refused access (403): {msg}")
    if code == 404:
        if model is None:
            return ModelError(f"{url} has no /models endpoint (404): is this the server's /v1 URL?")
        hint = _available_hint(url, api_key)
        return ModelError(
            f"Unknown model '{model}' at {url} (404), or not an OpenAI-compatible /v1 URL{hint}"
        )
    if code == 429:
        return ModelError(f"{url} is rate-limiting requests (429): wait and retry. {msg}".strip())
    if code in (400, 422):
        return ModelError(f"{url} rejected the request ({code}): {msg}")
    if code is not None:
        return ModelError(f"{url} failed ({code}): {msg}")
    return ModelError(f"Request to {url} failed: {_describe(exc, api_key)}")


def _available_hint(url: str, api_key: str | None) -> str:
    try:
        ids = list_models(url, api_key, timeout_s=2.0)
    except ModelError:
        return "."
    if not ids:
        return "."
    shown = ", ".join(ids[:8]) + (", …" if len(ids) > 8 else "")
    return f": the server offers {shown}."
