"""Local GGUF models through llama-cpp-python, run in an engine process (:mod:`.llama_engine`).

Two halves. :class:`LlamaLocalAdapter` is what the app hands a pane: it borrows the model's
engine process from the :class:`~playground.adapters.llama_pool.LlamaPool` and relays its events.
:class:`LocalGeneration` runs inside the engine process, next to the `Llama`: it builds the
prompt (the GGUF's chat template, or the family's own format), reads it into the model and turns
the chunks into events. Stop can interrupt llama.cpp while it reads the prompt
(:class:`PromptAbort`); after the answer, tokens the model wrote that never show in the text
become notes.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from playground.adapters.base import (
    Cancelled, ChatRequest, Event, Finish, GenerationSettings, Loaded, Loading, ModelError, RequestSent,
    Status, StreamContext, TextDelta, ThoughtDelta, Usage, image_summary,
)
from playground.adapters.chat_format import (
    GEMMA4_STOP, build_prompt, prompt_source, render_metadata_template, uses_gemma_turns,
)
from playground.adapters.llama_load import LoadedModel
from playground.adapters.llama_pool import LlamaPool


def split_stops(llm: Any, stops: list[str]) -> tuple[list[str], list[str]]:
    """(text stops, token stops): a stop that is one control token of this vocabulary
    (<turn|>, <end_of_turn>, <eos> in a Gemma GGUF) never shows in the streamed text, and
    llama.cpp ends generation on it by itself (end-of-generation tokens); as a text stop it
    would only ever match an answer that writes those characters out, and cut it there."""
    text_stops, token_stops = [], []
    for stop in stops:
        ids = llm.tokenize(stop.encode("utf-8"), add_bos=False, special=True)
        if len(ids) == 1 and not llm.detokenize(ids) and llm.detokenize(ids, special=True) == stop.encode():
            token_stops.append(stop)
        else:
            text_stops.append(stop)
    return text_stops, token_stops


class PromptAbort:
    """Lets Stop interrupt llama.cpp while it reads the prompt, which on a CPU can take a minute
    for a long prompt on a big model and yields no chunk to check the cancel flag between.

    llama.cpp calls the abort callback between graph nodes; a Python callback costs a GIL
    round trip each time, so it is armed only until the first token arrives (decoding is
    interrupted between tokens instead, for free)."""

    def __init__(self, llm: Any, cancel: threading.Event):
        import llama_cpp

        self._lib = llama_cpp
        self._ctx = llm._ctx.ctx
        self._callback = llama_cpp.ggml_abort_callback(lambda _data: cancel.is_set())
        llama_cpp.llama_set_abort_callback(self._ctx, self._callback, None)
        self.armed = True

    def disarm(self) -> None:
        if self.armed:
            self._lib.llama_set_abort_callback(self._ctx, self._lib.ggml_abort_callback(), None)
            self.armed = False


class LlamaLocalAdapter:
    """One local model as the app sees it: its answers come from its engine process."""

    def __init__(self, pool: LlamaPool, path: Path, family: str = "auto",
                 mmproj: Path | None = None, vision: bool = False, repack: bool | None = None):
        self.pool = pool
        self.path = Path(path)
        self.family = family
        self.mmproj = mmproj
        self.vision = vision
        self.repack = repack

    def stream(self, request: ChatRequest, settings: GenerationSettings,
               ctx: StreamContext) -> Iterator[Event]:
        if request.image is not None and self.mmproj is None:
            if self.vision:
                raise ModelError("this model can see images, but its projector (mmproj) file is "
                                 "not on disk: download it, or run without the image.")
            yield Status("this model cannot see images: it answered from the text alone")
            request = ChatRequest(prompt=request.prompt, system=request.system)
        yield Loading()
        # Always keyed with the projector (when the model has one): a vision model asked with and
        # then without an image is loaded once, not twice. The handler loads its projector
        # lazily, on the first image.
        with self.pool.use(self.path, self.mmproj, self.repack) as (engine, load_s):
            yield Loaded(load_s)
            ctx.check()
            for event in engine.stream(request, settings, self.family, self.mmproj, ctx):
                if isinstance(event, RequestSent):  # how the engine loaded the weights
                    event = RequestSent(event.details | {"repack": engine.repack_note})
                yield event


    def stream_batch(self, request: ChatRequest, settings_list: list[GenerationSettings],
                     ctxs: list[StreamContext]) -> Iterator[tuple[int, Event]]:
        """(sample index, event) pairs: k samples of one pane decoded together by the engine
        (:mod:`.llama_batch`); images and a single sample run one after another there."""
        if request.image is not None and self.mmproj is None:
            for i in range(len(ctxs)):
                yield from ((i, e) for e in self.stream(request, settings_list[i], ctxs[i]))
            return
        for i in range(len(ctxs)):
            yield i, Loading()
        with self.pool.use(self.path, self.mmproj, self.repack) as (engine, load_s):
            for i in range(len(ctxs)):
                yield i, Loaded(load_s)
            for i, event in engine.stream_batch(request, settings_list, self.family, self.mmproj, ctxs):
                if isinstance(event, RequestSent):  # how the engine loaded the weights
                    event = RequestSent(event.details | {"repack": engine.repack_note})
                yield i, event


class LocalGeneration:
    """One answer from a loaded model, inside the engine process."""

    def __init__(self, model: LoadedModel, family: str = "auto", mmproj: Path | None = None):
        self.model = model
        self.path = Path(model.llm.model_path)
        self.family = family
        self.mmproj = mmproj

    def stream(self, request: ChatRequest, settings: GenerationSettings,
               ctx: StreamContext) -> Iterator[Event]:
        if request.image is not None:
            yield from self._stream_vision(self.model, request, settings, ctx)
        else:
            yield from self._stream_text(self.model.llm, request, settings, ctx)

    def _sampling(self, settings: GenerationSettings) -> dict[str, Any]:
        # min_p: a setting once GenerationSettings has it; 0.0 (off) until then
        min_p = getattr(settings, "min_p", None)
        return dict(max_tokens=settings.max_tokens, temperature=settings.temperature,
                    top_p=settings.top_p, top_k=settings.top_k,
                    min_p=0.0 if min_p is None else min_p, repeat_penalty=1.0,
                    seed=settings.seed if settings.seed is not None else -1)

    def _describe(self, prompt: str, n_tokens: int, stops: list[str], sampling: dict[str, Any],
                  template: str, settings: GenerationSettings, **extra: Any) -> RequestSent:
        """What the model was given, for the "what the model saw" fold."""
        return RequestSent({"runtime": "llama.cpp (local)", "model_file": self.path.name,
                            "template": template, "thinking": settings.thinking, "prompt": prompt,
                            "prompt_tokens": n_tokens, "stop": list(stops),
                            "sampling": dict(sampling)} | extra)

    def prepare_text(self, llm: Any, request: ChatRequest, settings: GenerationSettings) -> dict[str, Any]:
        """The prompt's tokens, stops and sampling, shared by the sequential and batched paths."""
        return self.with_sampling(llm, self.prepare_prompt(llm, request, settings.thinking), settings)

    def prepare_prompt(self, llm: Any, request: ChatRequest, thinking: bool) -> dict[str, Any]:
        """The prompt's tokens and stops: all the settings it depends on is thinking (a batch
        prepares it once per distinct prompt, not once per answer)."""
        template = llm.metadata.get("tokenizer.chat_template")
        # spelled with special=True: a control token's own text ("<bos>", "<s>"), not ""
        bos = llm.detokenize([llm.token_bos()], special=True).decode("utf-8", "ignore") or "<bos>"
        eos = llm.detokenize([llm.token_eos()], special=True).decode("utf-8", "ignore") or "<eos>"
        prompt, stops, has_bos = build_prompt(self.family, request, thinking, template,
                                              bos_token=bos, eos_token=eos)
        if has_bos:
            prompt = prompt[len(bos):]
        tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        n_ctx = llm.n_ctx()
        if len(tokens) >= n_ctx:
            raise ModelError(f"the prompt is {len(tokens)} tokens but this model's context is "
                             f"{n_ctx} (n_ctx): shorten the prompt or raise n_ctx in the config.")
        text_stops, token_stops = split_stops(llm, stops)
        return {"tokens": tokens, "template": template, "text_stops": text_stops,
                "token_stops": token_stops,
                # exactly what the tokenizer made of it, special tokens spelled out (BOS included)
                "seen": llm.detokenize(tokens, special=True).decode("utf-8", "replace"),
                "think_tags": not uses_gemma_turns(stops)}

    def with_sampling(self, llm: Any, prompt: dict[str, Any], settings: GenerationSettings) -> dict[str, Any]:
        """A prepared prompt with one answer's sampling (max tokens cut to the context left)."""
        max_tokens = min(settings.max_tokens, llm.n_ctx() - len(prompt["tokens"]))
        return prompt | {"sampling": self._sampling(settings) | {"max_tokens": max_tokens}}

    def describe_text(self, prepared: dict[str, Any], settings: GenerationSettings,
                      **sampling: Any) -> RequestSent:
        seed = sampling.get("sampling_seed", prepared["sampling"]["seed"])
        return self._describe(prepared["seen"], len(prepared["tokens"]), prepared["text_stops"],
                              prepared["sampling"] | {"seed": seed},
                              prompt_source(self.family, prepared["template"]), settings,
                              stop_tokens=prepared["token_stops"])

    def _stream_text(self, llm: Any, request: ChatRequest, settings: GenerationSettings,
                     ctx: StreamContext) -> Iterator[Event]:
        prepared = self.prepare_text(llm, request, settings)
        tokens, sampling = prepared["tokens"], prepared["sampling"]
        yield Usage(prompt_tokens=len(tokens))
        yield self.describe_text(prepared, settings)
        # The seed must be set on the Llama itself for create_completion to honour it each run.
        if settings.seed is not None:
            llm.set_seed(settings.seed)
        chunks = llm.create_completion(tokens, stream=True, stop=prepared["text_stops"], **sampling)
        yield from self._relay(llm, chunks, ctx, lambda c: c["choices"][0].get("text") or "",
                               n_prompt=len(tokens), think_tags=prepared["think_tags"])

    def _stream_vision(self, model: LoadedModel, request: ChatRequest,
                       settings: GenerationSettings, ctx: StreamContext) -> Iterator[Event]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        # Only data: URIs: llama-cpp-python fetches any other URL (file:// included) itself.
        messages.append({"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": request.image.data_uri()}},
            {"type": "text", "text": request.prompt},
        ]})
        sampling = self._sampling(settings)
        # The handler reads the whole prompt, image included, inside this call (before the
        # first chunk): Stop must be able to interrupt it, and its n_ctx check raises here.
        abort = PromptAbort(model.llm, ctx.cancel)
        try:
            try:
                chunks = model.vision_handler(llama=model.llm, messages=messages, stream=True,
                                              enable_thinking=settings.thinking, **sampling)
            except (ValueError, RuntimeError) as exc:
                if ctx.cancel.is_set():  # the abort callback stopped llama_decode: Stop was pressed
                    raise Cancelled() from None
                if "n_ctx" in str(exc):
                    raise ModelError(f"the prompt with its image does not fit this model's context "
                                     f"({exc}): shorten the prompt or raise n_ctx in the config.") from None
                raise ModelError(f"llama.cpp could not read the image with this model's projector "
                                 f"({exc}).") from None
            # Streamed chunks carry no usage; the handler leaves the prompt (text + image tokens)
            # in the context, so its length is the prompt's token count.
            n_prompt = model.llm.n_tokens
            yield Usage(prompt_tokens=n_prompt)
            yield self._describe_vision(model, request, settings, sampling, n_prompt)
            yield from self._relay(model.llm, chunks, ctx,
                                   lambda c: c["choices"][0].get("delta", {}).get("content") or "",
                                   n_prompt=n_prompt, abort=abort,
                                   think_tags=False)  # Gemma4ChatHandler: a Gemma
        finally:
            abort.disarm()  # never leave the callback armed: it would outlive this request

    def _describe_vision(self, model: LoadedModel, request: ChatRequest,
                         settings: GenerationSettings, sampling: dict[str, Any],
                         n_prompt: int) -> RequestSent:
        """The handler renders the GGUF's template itself and puts the image where its media
        marker is; the same rendering here shows the prompt with that marker in place."""
        llm = model.llm
        marker = "<__media__>"
        try:
            import llama_cpp.mtmd_cpp as mtmd

            marker = mtmd.mtmd_default_marker().decode("utf-8")
        except Exception:  # older bindings: the marker has always been <__media__>
            pass
        template = llm.metadata.get("tokenizer.chat_template") or ""
        try:
            bos = llm.detokenize([llm.token_bos()], special=True).decode("utf-8", "ignore")
            prompt = bos + render_metadata_template(template, request, settings.thinking, "", "",
                                                    image_marker=marker)
        except Exception as exc:  # the description must never fail the answer
            prompt = f"(could not render the template here: {exc})"
        image = image_summary(request.image) | {"marker": marker,
                                                "projector_file": self.mmproj.name if self.mmproj else None}
        return self._describe(prompt, n_prompt, [], sampling, "the GGUF's own chat template",
                              settings, stop_tokens=split_stops(llm, GEMMA4_STOP)[1], image=image)

    def _relay(self, llm: Any, chunks: Iterator[dict], ctx: StreamContext, text_of,
               n_prompt: int, abort: PromptAbort | None = None,
               think_tags: bool = True) -> Iterator[Event]:
        from playground.adapters.thoughts import ThoughtSplitter

        splitter = ThoughtSplitter(think_tags=think_tags)
        generated = thinking = 0
        finish = "stop"

        def written() -> int:
            """Tokens written so far, from the Llama's own count: a chunk is not always one
            token (llama-cpp-python holds back the pieces of a character split over several
            byte tokens, and text that could start a stop string, then sends them together).
            When a chunk arrives, its last token is sampled but not yet evaluated: +1."""
            n_tokens = getattr(llm, "n_tokens", None)
            return n_tokens - n_prompt + 1 if isinstance(n_tokens, int) else 0

        abort = abort or PromptAbort(llm, ctx.cancel)
        try:
            for chunk in chunks:
                abort.disarm()  # the prompt is read: from here, cancel is checked per token
                if ctx.cancel.is_set():
                    raise Cancelled()
                choice = chunk["choices"][0]
                reason = choice.get("finish_reason")
                step = 0
                if reason:  # the closing chunk carries no new token
                    finish = reason
                elif "delta" in choice and "content" not in choice["delta"]:
                    continue  # a chat stream's opening chunk ({"role": "assistant"}): no token
                else:
                    step = max(generated + 1, written()) - generated
                    generated += step
                events = splitter.feed(text_of(chunk))
                if any(isinstance(e, ThoughtDelta) for e in events):
                    thinking += step
                yield from events
        except RuntimeError as exc:
            if ctx.cancel.is_set():  # llama_decode returned "aborted": the user pressed Stop
                raise Cancelled() from None
            raise ModelError(f"llama.cpp failed while generating: {exc}") from None
        finally:
            abort.disarm()
            # Closing the generator stops decoding now instead of at max_tokens.
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        yield from splitter.flush()
        for note in hidden_token_notes(llm, n_prompt):
            yield Status(note)
        yield Usage(completion_tokens=generated, thinking_tokens=thinking)
        yield Finish(finish)


_PLACEHOLDER = re.compile(r"<unused\d+>|<pad>")
_TURN_OPENERS = ("<|turn>", "<start_of_turn>")


def hidden_token_notes(llm: Any, n_prompt: int) -> list[str]:
    """Sentences about special tokens the model wrote that never show in the text.

    llama-cpp-python detokenizes the stream without special (control) tokens, so a Gemma that
    writes runs of <unused49> or <pad>, or opens a new turn with <|turn>, shows only an empty
    or odd answer; other runtimes show the markers, and users report them by name. The tokens
    the model wrote are still in the Llama's context: look at them once, after the stream."""
    try:
        written = [int(t) for t in llm.input_ids[n_prompt:llm.n_tokens]]
    except Exception:  # a Llama without the usual buffers (a stand-in): nothing to say
        return []
    return hidden_token_notes_of(llm, written)


def hidden_token_notes_of(llm: Any, written: list[int]) -> list[str]:
    """The same sentences for a list of written tokens (a batched sample keeps its own)."""
    hidden: Counter[str] = Counter()
    pieces: dict[int, str] = {}
    for token in written:
        if token not in pieces:
            shown = llm.detokenize([token])
            pieces[token] = "" if shown else llm.detokenize([token], special=True).decode("utf-8", "replace")
        if pieces[token]:
            hidden[pieces[token]] += 1
    notes = []
    placeholders = {piece: n for piece, n in hidden.items() if _PLACEHOLDER.fullmatch(piece)}
    if sum(placeholders.values()) >= 3:
        listed = ", ".join(f"{piece} ×{n}" for piece, n in sorted(placeholders.items(), key=lambda kv: -kv[1]))
        notes.append(f"The model wrote {sum(placeholders.values())} placeholder tokens that are not "
                     f"shown ({listed}): this usually means a wrong chat template or a broken "
                     "quantization.")
    openers = [piece for piece in _TURN_OPENERS if hidden.get(piece)]
    if openers:
        notes.append(f"The model opened a new turn ({', '.join(openers)}, not shown) instead of "
                     "ending its own, so the text after it (starting with a role name) is not its "
                     "answer: the chat template or the end-of-turn token is wrong.")
    return notes
