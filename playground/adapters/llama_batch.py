"""k samples of one prompt decoded together, inside the engine process (issue #19).

A decode step on a CPU is bound by reading the weights, so one `llama_decode` that advances k
sequences costs little more than one that advances one. :class:`BatchGeneration` reads the
prompt once (sequence 0), copies its KV cells to sequences 1..k-1 (`llama_memory_seq_cp`), then
advances every live sequence with one `llama_decode` per step. Each sequence has its own sampler
chain (top-k, top-p, min-p, temperature, its own seed: s, s+1, … as the sequential path) and its
own text, stop strings, thought splitter and finish reason; one that ends leaves the batch
(`llama_memory_seq_rm`) and the others go on.

It uses a context of its own next to the Llama's (sized for k sequences, unified KV), so the
sequential path keeps its context as it was. Images, and a single sample, take the sequential
path (:class:`~playground.adapters.llama_local.LocalGeneration`).
"""

from __future__ import annotations

import codecs
import ctypes
import os
import re
import threading
from typing import Any, Iterator

from playground.adapters.base import (
    Cancelled, ChatRequest, Event, Finish, GenerationSettings, ModelError, Status, ThoughtDelta, Usage,
)
from playground.adapters.llama_load import padded_n_ctx

# Keep this share of the available memory free when sizing the batch's KV cache.
MEMORY_SHARE = 0.5

# The notes on how an answer was batched: blind mode hides them (they tell which panes share a
# model, and that it runs on llama.cpp).
TOGETHER_NOTE = "decoded together with"
FEWER_AT_ONCE_NOTE = "decoded {at_once} of the {k} samples at once"
BATCH_NOTE = re.compile(r"decoded (together with |\d+ of the \d+ samples at once)")


def available_memory() -> int | None:
    forced = os.environ.get("GP_ENGINE_MEMORY_BYTES")  # test-only: see llama_engine_main
    if forced:
        return int(forced)
    from playground.adapters.llama_pool import available_memory_bytes

    return available_memory_bytes()


def kv_bytes_per_token(model: Any, metadata: dict | None = None) -> int:
    """K and V in f16 for every layer: what one more context cell costs. The head size is the
    GGUF's attention.key_length/value_length where it says (Gemma: 256, not n_embd / n_head)."""
    import llama_cpp as lib

    n_embd, n_head = lib.llama_model_n_embd(model), max(1, lib.llama_model_n_head(model))
    arch = (metadata or {}).get("general.architecture", "")
    key = int((metadata or {}).get(f"{arch}.attention.key_length") or n_embd // n_head)
    value = int((metadata or {}).get(f"{arch}.attention.value_length") or key)
    return 2 * lib.llama_model_n_layer(model) * lib.llama_model_n_head_kv(model) * max(key + value, 1)


def sequences_at_once(k: int, n_prompt: int, max_tokens: int, per_token: int,
                      free: int | None, distinct_prompts: int = 1) -> int:
    """How many of the k sequences fit in memory together (at least 1): each distinct prompt's
    cells once (n_prompt is the longest), then max_tokens for every sequence."""
    if free is None:
        return k
    budget = free * MEMORY_SHARE
    while k > 1 and (n_prompt * min(k, distinct_prompts) + k * max_tokens) * per_token > budget:
        k -= 1
    return k


class _Sequence:
    """One sample's state: its sampler chain, its text so far and how it ended."""

    def __init__(self, index: int, chain: Any, prepared: dict, splitter: Any):
        self.index = index
        self.chain = chain
        self.text_stops = prepared["text_stops"]
        self.max_tokens = prepared["sampling"]["max_tokens"]
        self.pos = len(prepared["tokens"])  # where its next token goes: after its own prompt
        self.splitter = splitter
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""  # text held back: it could be the start of a stop string
        self.tokens: list[int] = []
        self.thinking = 0
        self.finish: str | None = None
        self.next_token: int | None = None

    def feed(self, piece: bytes, final: bool = False) -> tuple[list[Event], bool]:
        """The events for this piece of text, and whether a stop string ended the sequence."""
        self.pending += self.decoder.decode(piece, final=final)
        hit = [self.pending.find(stop) for stop in self.text_stops]
        hit = [at for at in hit if at >= 0]
        if hit:
            out, self.pending, stopped = self.pending[:min(hit)], "", True
        else:
            hold = max((n for stop in self.text_stops for n in range(1, len(stop))
                        if self.pending.endswith(stop[:n])), default=0)
            cut = len(self.pending) - hold if not final else len(self.pending)
            out, self.pending, stopped = self.pending[:cut], self.pending[cut:], False
        events = self.splitter.feed(out) if out else []
        if any(isinstance(e, ThoughtDelta) for e in events):
            self.thinking += 1
        return events, stopped


def make_chain(settings: GenerationSettings, seed: int) -> Any:
    """The same samplers as llama-cpp-python's create_completion, in its order."""
    import llama_cpp as lib

    params = lib.llama_sampler_chain_default_params()
    chain = lib.llama_sampler_chain_init(params)
    if settings.temperature <= 0:
        lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_greedy())
        return chain
    min_p = getattr(settings, "min_p", None) or 0.0
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_k(settings.top_k or 0))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_p(settings.top_p, 1))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_min_p(min_p, 1))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_temp(settings.temperature))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
    return chain


class BatchGeneration:
    """k answers to one text prompt from one loaded model, decoded together."""

    def __init__(self, generation: Any):
        self.generation = generation  # the LocalGeneration: its prompt building and notes
        self.decode_calls = 0

    def stream(self, request: ChatRequest, settings_list: list[GenerationSettings],
               cancel: threading.Event, seq_cancelled: set[int]) -> Iterator[tuple[int, Event]]:
        """(sample index, event) pairs. Raises Cancelled when every sequence was stopped."""
        from playground.adapters.base import StreamContext

        llm = self.generation.model.llm
        k = len(settings_list)
        if request.image is not None or k == 1:  # the sequential path, one sample after another
            for i, settings in enumerate(settings_list):
                if i in seq_cancelled:
                    continue
                if cancel.is_set():
                    raise Cancelled()
                try:
                    for event in self.generation.stream(request, settings, StreamContext(cancel=cancel)):
                        yield i, event
                        if i in seq_cancelled:
                            break
                except Cancelled:
                    if cancel.is_set():
                        raise
            return
        # Each sequence's own prompt: panes of one model may differ in thinking (another
        # template) as well as in sampling. Equal prompts are read once and shared.
        by_thinking: dict[bool, dict] = {}
        for settings in settings_list:
            if settings.thinking not in by_thinking:
                by_thinking[settings.thinking] = self.generation.prepare_prompt(llm, request, settings.thinking)
        prepared = [self.generation.with_sampling(llm, by_thinking[s.thinking], s) for s in settings_list]
        n_prompt = max(len(p["tokens"]) for p in prepared)
        max_tokens = max(p["sampling"]["max_tokens"] for p in prepared)
        distinct = len({tuple(p["tokens"]) for p in by_thinking.values()})
        at_once = sequences_at_once(k, n_prompt, max_tokens, kv_bytes_per_token(llm.model, llm.metadata),
                                    available_memory(), distinct)
        for start in range(0, k, at_once):
            group = [i for i in range(start, min(k, start + at_once)) if i not in seq_cancelled]
            if not group:  # every answer of this group was stopped before it began
                continue
            if cancel.is_set():
                raise Cancelled()
            if at_once < k:
                for i in group:
                    yield i, Status(FEWER_AT_ONCE_NOTE.format(at_once=at_once, k=k) + ": the memory "
                                    "for all of them together is not available")
            yield from self._run_group(llm, prepared, settings_list, group, cancel, seq_cancelled)
        if len(seq_cancelled & set(range(k))) == k:
            raise Cancelled()  # every answer was stopped on its own: the run was stopped

    def _run_group(self, llm: Any, prepared: list[dict], settings_list: list[GenerationSettings],
                   group: list[int], cancel: threading.Event,
                   seq_cancelled: set[int]) -> Iterator[tuple[int, Event]]:
        import llama_cpp as lib

        from playground.adapters.llama_local import hidden_token_notes_of
        from playground.adapters.thoughts import ThoughtSplitter

        k = len(group)
        prompts: dict[tuple[int, ...], list[int]] = {}  # a distinct prompt -> its sequences
        for seq, i in enumerate(group):
            prompts.setdefault(tuple(prepared[i]["tokens"]), []).append(seq)
        for i in group:
            settings = settings_list[i]
            seed = settings.seed if settings.seed is not None else -1
            yield i, Usage(prompt_tokens=len(prepared[i]["tokens"]))
            yield i, self.generation.describe_text(prepared[i], settings, sampling_seed=seed)
        n_cells = sum(map(len, prompts)) + sum(prepared[i]["sampling"]["max_tokens"] for i in group)
        params = lib.llama_context_default_params()
        params.n_ctx = padded_n_ctx(n_cells)
        params.n_batch = params.n_ubatch = max(min(sum(map(len, prompts)), 512), k)
        params.n_seq_max = k
        params.kv_unified = True
        params.n_threads = params.n_threads_batch = llm.context_params.n_threads
        from llama_cpp._utils import suppress_stdout_stderr

        with suppress_stdout_stderr(disable=False):  # llama.cpp's context log, as Llama(verbose=False)
            ctx = lib.llama_init_from_model(llm.model, params)
        if not ctx:
            raise ModelError(f"llama.cpp could not make a context for {k} answers at once "
                             "(not enough memory): ask for fewer samples, or fewer panes of this model.")
        vocab = lib.llama_model_get_vocab(llm.model)
        batch = lib.llama_batch_init(params.n_batch, 0, 1)
        seqs: dict[int, _Sequence] = {}
        callback = lib.ggml_abort_callback(lambda _data: cancel.is_set())
        lib.llama_set_abort_callback(ctx, callback, None)
        try:
            live = self._read_prompts(lib, ctx, batch, params.n_batch, prompts, cancel)
            for seq, i in enumerate(group):
                seed = settings_list[i].seed
                chain = make_chain(settings_list[i], seed if seed is not None else int.from_bytes(os.urandom(4), "little"))
                seqs[seq] = _Sequence(i, chain, prepared[i],
                                      ThoughtSplitter(think_tags=prepared[i]["think_tags"]))
            mem = lib.llama_get_memory(ctx)
            note = self._together_note(k, len(prompts))
            piece = ctypes.create_string_buffer(256)
            while live:
                if cancel.is_set():
                    raise Cancelled()
                ended = []
                for seq, idx in live.items():
                    s = seqs[seq]
                    if s.index in seq_cancelled:
                        s.finish = "cancelled"
                        ended.append(seq)
                        continue
                    token = lib.llama_sampler_sample(s.chain, ctx, idx)
                    if lib.llama_vocab_is_eog(vocab, token):
                        s.finish = "stop"
                    else:
                        s.tokens.append(token)
                        n = lib.llama_token_to_piece(vocab, token, piece, len(piece), 0, False)
                        events, stopped = s.feed(piece.raw[:max(n, 0)])
                        for event in events:
                            yield s.index, event
                        if stopped:
                            s.finish = "stop"
                        elif len(s.tokens) >= s.max_tokens:
                            s.finish = "length"
                        else:
                            s.next_token = token
                    if s.finish is not None:
                        ended.append(seq)
                for seq in ended:
                    del live[seq]
                    lib.llama_memory_seq_rm(mem, seq, -1, -1)
                    if seqs[seq].finish != "cancelled":
                        yield from self._close(llm, seqs[seq], note, hidden_token_notes_of)
                if not live:
                    break
                for j, seq in enumerate(live):
                    s = seqs[seq]
                    self._put(batch, j, s.next_token, s.pos, seq, True)
                    s.pos += 1
                    live[seq] = j
                batch.n_tokens = len(live)
                self._decode(lib, ctx, batch, cancel)
        finally:
            lib.llama_set_abort_callback(ctx, lib.ggml_abort_callback(), None)
            for s in seqs.values():
                lib.llama_sampler_free(s.chain)
            lib.llama_batch_free(batch)
            lib.llama_free(ctx)

    def _read_prompts(self, lib: Any, ctx: Any, batch: Any, n_batch: int,
                      prompts: dict[tuple[int, ...], list[int]],
                      cancel: threading.Event) -> dict[int, int]:
        """Each distinct prompt once, in the first of its sequences, then its KV cells copied to
        the others. Every prompt's last token goes into the final llama_decode so that all first
        tokens are sampled from one set of logits: returns {sequence: its logits' index}."""
        cells = [(token, pos, seqs[0], False) for prompt, seqs in prompts.items()
                 for pos, token in enumerate(prompt[:-1])]
        cells += [(prompt[-1], len(prompt) - 1, seqs[0], True) for prompt, seqs in prompts.items()]
        # chunks counted from the end: the last one is full, so it holds every prompt's last token
        first = len(cells) % n_batch or n_batch
        bounds = [0] + list(range(first, len(cells) + 1, n_batch))
        for lo, hi in zip(bounds, bounds[1:]):
            for j, cell in enumerate(cells[lo:hi]):
                self._put(batch, j, *cell)
            batch.n_tokens = hi - lo
            self._decode(lib, ctx, batch, cancel)
        logits_at = {seqs[0]: batch.n_tokens - len(prompts) + n for n, seqs in enumerate(prompts.values())}
        mem = lib.llama_get_memory(ctx)
        live: dict[int, int] = {}
        for seqs in prompts.values():
            for seq in seqs[1:]:
                lib.llama_memory_seq_cp(mem, seqs[0], seq, -1, -1)
            for seq in seqs:
                live[seq] = logits_at[seqs[0]]
        return dict(sorted(live.items()))

    def _together_note(self, k: int, n_prompts: int) -> str | None:
        if k == 1:  # a group of one (the memory fallback): nothing was decoded together
            return None
        read = "the prompt read once" if n_prompts == 1 else f"{n_prompts} prompts read once each"
        return (f"{TOGETHER_NOTE} {k - 1} other answer{'s' if k > 2 else ''} of this model: "
                f"{k} sequences in one llama.cpp context, {read}")

    def _close(self, llm: Any, s: _Sequence, together: str | None,
               notes_of: Any) -> Iterator[tuple[int, Event]]:
        events, _ = s.feed(b"", final=True)
        for event in list(events) + list(s.splitter.flush()):
            yield s.index, event
        for hidden in notes_of(llm, s.tokens):
            yield s.index, Status(hidden)
        if together is not None:  # how it was made: the engine's count of llama_decode calls so far
            yield s.index, Status(f"{together}, {self.decode_calls} llama_decode calls")
        yield s.index, Usage(completion_tokens=len(s.tokens), thinking_tokens=s.thinking)
        yield s.index, Finish(s.finish)

    @staticmethod
    def _put(batch: Any, j: int, token: int, pos: int, seq: int, logits: bool) -> None:
        batch.token[j] = token
        batch.pos[j] = pos
        batch.n_seq_id[j] = 1
        batch.seq_id[j][0] = seq
        batch.logits[j] = logits

    def _decode(self, lib: Any, ctx: Any, batch: Any, cancel: threading.Event) -> None:
        result = lib.llama_decode(ctx, batch)
        self.decode_calls += 1
        if result != 0:
            if cancel.is_set():
                raise Cancelled()
            raise ModelError(f"llama.cpp failed while decoding the samples together (code {result}).")
