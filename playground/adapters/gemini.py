"""Gemma (and Gemini) models behind the Gemini API, through the official google-genai SDK.

Facts this adapter leans on (google-genai 3.x):

* ``HttpOptions.timeout`` is in milliseconds; it bounds each network wait (connect, and the
  silence between two chunks), not the whole answer.
* The SDK retries nothing unless asked; retries here are ours, so each one is visible as a
  :class:`Status` and never repeats text already shown.
* ``GOOGLE_GEMINI_BASE_URL`` is honoured by the SDK when the client is built; we never pass a
  base_url, so a user (or a test's loopback fake) can point the adapter elsewhere.
* Thought parts carry ``part.thought == True``; they become :class:`ThoughtDelta` only.
* An error in the middle of a stream arrives as an ``{"error": …}`` event and is raised by
  the SDK after the chunks already delivered.

google.genai is imported inside methods: importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Callable, Iterator

from playground.adapters.base import (
    Cancelled,
    ChatRequest,
    Event,
    Finish,
    RequestSent,
    image_summary,
    GenerationSettings,
    ModelError,
    Retrying,
    Status,
    StreamContext,
    TextDelta,
    ThoughtDelta,
    Usage,
)
from playground.adapters.gemini_errors import (
    describe_failure, enum_word, model_error, rejects_system, rejects_thinking, retry_delay, short_code,
)
from playground.adapters.pump import pull_cancellable
from playground.keys import NO_GEMINI_KEY, redact

FOLD_NOTE = "system prompt folded into the user turn: this model rejects system instructions"
NO_THINKING_NOTE = "sent without a thinking setting: this model rejects one"

_FINISH_WORDS = {"MAX_TOKENS": "length", "STOP": "stop"}


class GeminiAdapter:
    """One model on the Gemini API (``gemma-4-31b-it``, ``gemma-4-26b-a4b-it``, …).

    ``max_retries`` bounds retries of 429/5xx answers that arrive before any text; the wait
    doubles from ``backoff_s`` unless the server says how long (Retry-After header or
    google.rpc.RetryInfo). ``sleep`` is injectable for tests; with the default, a wait is
    cut short by a cancel.
    """


    def __init__(
        self,
        model: str,
        api_key: str,
        *,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ModelError(NO_GEMINI_KEY)
        if timeout_s <= 0 or max_retries < 0 or backoff_s < 0:
            raise ValueError("timeout_s must be > 0; max_retries and backoff_s must be >= 0")
        self.model = model.removeprefix("models/")
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self._api_key = api_key.strip()
        self._sleep = sleep
        self._client: Any = None
        self._client_lock = threading.Lock()
        # Learned once per instance: this model answers 400 to a system instruction, or to
        # any thinking_config (Gemma 3 on the API, for one).
        self.fold_system = False
        self.no_thinking_config = False

    def __repr__(self) -> str:  # never the key
        return f"GeminiAdapter(model={self.model!r}, timeout_s={self.timeout_s:g})"

    # ---- client ----------------------------------------------------------------------

    def _get_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                from google import genai
                from google.genai import types

                # vertexai=False: a GOOGLE_GENAI_USE_VERTEXAI in the environment must not
                # send a Gemini API key to Vertex. No base_url: GOOGLE_GEMINI_BASE_URL wins.
                self._client = genai.Client(
                    api_key=self._api_key,
                    vertexai=False,
                    http_options=types.HttpOptions(timeout=int(self.timeout_s * 1000)),
                )
            return self._client

    def close(self) -> None:
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    # ---- request building --------------------------------------------------------------

    def build_request(
        self,
        request: ChatRequest,
        settings: GenerationSettings,
        *,
        fold_system: bool,
        send_thinking: bool = True,
    ) -> tuple[list[Any], Any]:
        """(contents, config) for ``generate_content_stream``: exposed for tests and logs."""
        from google.genai import types

        system = (request.system or "").strip() or None
        prompt = request.prompt
        if system and fold_system:
            prompt = f"{system}\n\n{prompt}"
        parts = []
        if request.image is not None:
            # Image first, then the question: the order Gemini's docs recommend.
            parts.append(types.Part.from_bytes(data=request.image.data, mime_type=request.image.mime))
        parts.append(types.Part.from_text(text=prompt))
        contents = [types.Content(role="user", parts=parts)]

        if not send_thinking:
            thinking = None
        elif settings.thinking:
            thinking = types.ThinkingConfig(
                include_thoughts=True, thinking_level=types.ThinkingLevel.HIGH
            )
        else:
            # MINIMAL is the documented "off" for Gemma 4 on the API (LOW/MEDIUM gave 400s).
            thinking = types.ThinkingConfig(thinking_level=types.ThinkingLevel.MINIMAL)
        config = types.GenerateContentConfig(
            system_instruction=None if (fold_system or not system) else system,
            temperature=settings.temperature,
            top_p=settings.top_p,
            top_k=settings.top_k or None,  # 0 = off: leave it to the server
            max_output_tokens=settings.max_tokens,
            seed=settings.seed,
            thinking_config=thinking,
        )
        return contents, config

    def describe_request(self, request: ChatRequest, contents: list[Any], config: Any) -> dict[str, Any]:
        """The request body as sent (the key travels in a header, never here); image bytes are
        replaced by their type and size."""
        parts: list[dict[str, Any]] = []
        for part in contents[0].parts:
            if getattr(part, "inline_data", None) is not None:
                parts.append({"inline_data": image_summary(request.image)})
            else:
                parts.append({"text": part.text})
        return {
            "api": "gemini",
            "model": self.model,
            "contents": [{"role": "user", "parts": parts}],
            "config": config.model_dump(mode="json", exclude_none=True),
        }

    # ---- streaming ---------------------------------------------------------------------

    def stream(
        self, request: ChatRequest, settings: GenerationSettings, ctx: StreamContext
    ) -> Iterator[Event]:
        ctx.check()
        client = self._get_client()
        has_system = bool((request.system or "").strip())
        fold = self.fold_system and has_system
        if fold:
            yield Status(FOLD_NOTE)
        send_thinking = not (self.no_thinking_config and not settings.thinking)
        if not send_thinking:
            yield Status(NO_THINKING_NOTE)
        retries = 0
        while True:
            contents, config = self.build_request(
                request, settings, fold_system=fold, send_thinking=send_thinking
            )
            yield RequestSent(self.describe_request(request, contents, config))
            progress = _Progress()
            try:
                chunks = pull_cancellable(
                    lambda: client.models.generate_content_stream(
                        model=self.model, contents=contents, config=config
                    ),
                    ctx,
                    name=f"gemini:{self.model}",
                )
                with contextlib.closing(chunks):
                    for chunk in chunks:
                        yield from self._events(chunk, progress)
            except Cancelled:
                raise
            except ModelError:
                raise
            except Exception as exc:
                if progress.chars:
                    # Text is on screen: retrying would repeat it. The runner keeps it.
                    raise ModelError(
                        f"Gemini stream broke after {progress.describe()}: "
                        f"{describe_failure(exc, timeout_s=self.timeout_s, api_key=self._api_key)}"
                    ) from None
                if has_system and not fold and rejects_system(exc):
                    self.fold_system = fold = True
                    yield Status(FOLD_NOTE)
                    continue
                if send_thinking and rejects_thinking(exc):
                    if settings.thinking:
                        raise ModelError(
                            f"{self.model} on the Gemini API does not take a thinking setting "
                            f"({short_code(exc)}: {self._redact(str(getattr(exc, 'message', '')))}): "
                            "turn thinking off for this pane."
                        ) from None
                    self.no_thinking_config = True
                    send_thinking = False
                    yield Status(NO_THINKING_NOTE)
                    continue
                delay = retry_delay(exc, retries, max_retries=self.max_retries, backoff_s=self.backoff_s)
                if delay is None:
                    raise model_error(exc, model=self.model, retries=retries, timeout_s=self.timeout_s,
                                      api_key=self._api_key) from None
                retries += 1
                yield Retrying(delay, retries, self.max_retries, short_code(exc))
                self._wait(delay, ctx)
                continue
            if progress.usage is not None:
                yield progress.usage
            yield Finish(progress.finish or "unknown")
            return

    def _events(self, chunk: Any, progress: "_Progress") -> Iterator[Event]:
        feedback = getattr(chunk, "prompt_feedback", None)
        block = getattr(feedback, "block_reason", None) if feedback else None
        if block and not chunk.candidates:
            reason = enum_word(block)
            raise ModelError(
                f"The Gemini API blocked the prompt ({reason}): rephrase it or try another image."
            )
        usage = getattr(chunk, "usage_metadata", None)
        if usage is not None:
            progress.take_usage(usage)
        for candidate in (chunk.candidates or [])[:1]:
            content = candidate.content
            for part in (content.parts or []) if content else []:
                text = part.text
                if not text:
                    continue
                if part.thought:
                    progress.thought_chars += len(text)
                    yield ThoughtDelta(text)
                else:
                    progress.text_chars += len(text)
                    yield TextDelta(text)
            if candidate.finish_reason is not None:
                word = enum_word(candidate.finish_reason)
                if word != "FINISH_REASON_UNSPECIFIED":
                    progress.finish = _FINISH_WORDS.get(word, word.lower())

    def _wait(self, delay: float, ctx: StreamContext) -> None:
        if self._sleep is time.sleep:
            ctx.cancel.wait(delay)  # a cancel ends the wait at once
        else:
            self._sleep(delay)
        ctx.check()

    def _redact(self, text: str) -> str:
        return redact(text, [self._api_key])


class _Progress:
    """What one attempt has produced so far."""

    def __init__(self) -> None:
        self.text_chars = 0
        self.thought_chars = 0
        self.finish: str | None = None
        self.usage: Usage | None = None

    @property
    def chars(self) -> int:
        return self.text_chars + self.thought_chars

    def describe(self) -> str:
        s = f"{self.text_chars} character{'' if self.text_chars == 1 else 's'}"
        if self.thought_chars:
            s += f" (and {self.thought_chars} of thinking)"
        return s

    def take_usage(self, meta: Any) -> None:
        # Usage repeats (cumulatively) on many chunks; the last one is complete.
        prompt = meta.prompt_token_count
        cand = meta.candidates_token_count
        thoughts = meta.thoughts_token_count
        if prompt is None and cand is None and thoughts is None:
            return
        completion = None if cand is None and thoughts is None else (cand or 0) + (thoughts or 0)
        # completion_tokens = answer + thinking (what was generated); thinking_tokens = thinking.
        self.usage = Usage(prompt_tokens=prompt, completion_tokens=completion, thinking_tokens=thoughts)
