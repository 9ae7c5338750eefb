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
import threading
from typing import Any, Iterator

from playground.adapters.base import (
    Cancelled, ChatRequest, Event, Finish, GenerationSettings, ModelError, Status, ThoughtDelta, Usage,
)
from playground.adapters.llama_load import padded_n_ctx

# Keep this share of the available memory free when sizing the batch's KV cache.
MEMORY_SHARE = 0.5


def available_memory() -> int | None:
    forced = os.environ.get("GP_ENGINE_MEMORY_BYTES")  # test-only: see llama_engine_main
    if forced:
        return int(forced)
    from playground.adapters.llama_pool import available_memory_bytes

    return available_memory_bytes()


def kv_bytes_per_token(model: Any) -> int:
    """K and V in f16 for every layer: what one more context cell costs."""
    import llama_cpp as lib

    n_embd, n_head = lib.llama_model_n_embd(model), max(1, lib.llama_model_n_head(model))
    n_embd_kv = n_embd * lib.llama_model_n_head_kv(model) // n_head
    return 2 * 2 * lib.llama_model_n_layer(model) * max(n_embd_kv, 1)


def sequences_at_once(k: int, n_prompt: int, max_tokens: int, per_token: int,
                      free: int | None) -> int:
    """How many of the k sequences fit in memory together (at least 1)."""
    if free is None:
        return k
    budget = free * MEMORY_SHARE
    while k > 1 and (n_prompt + k * max_tokens) * per_token > budget:
        k -= 1
    return k


class _Sequence:
    """One sample's state: its sampler chain, its text so far and how it ended."""

    def __init__(self, index: int, chain: Any, text_stops: list[str], splitter: Any):
        self.index = index
        self.chain = chain
        self.text_stops = text_stops
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
        prepared = self.generation.prepare_text(llm, request, settings_list[0])
        n_prompt = len(prepared["tokens"])
        max_tokens = prepared["sampling"]["max_tokens"]
        at_once = sequences_at_once(k, n_prompt, max_tokens, kv_bytes_per_token(llm.model),
                                    available_memory())
        for start in range(0, k, at_once):
            group = list(range(start, min(k, start + at_once)))
            if at_once < k:
                for i in group:
                    yield i, Status(f"decoded {at_once} of the {k} samples at once: the memory "
                                    "for all of them together is not available")
            yield from self._run_group(llm, prepared, settings_list, group, cancel, seq_cancelled)

    def _run_group(self, llm: Any, prepared: dict, settings_list: list[GenerationSettings],
                   group: list[int], cancel: threading.Event,
                   seq_cancelled: set[int]) -> Iterator[tuple[int, Event]]:
        import llama_cpp as lib

        from playground.adapters.llama_local import hidden_token_notes_of
        from playground.adapters.thoughts import ThoughtSplitter

        tokens, max_tokens = prepared["tokens"], prepared["sampling"]["max_tokens"]
        n_prompt, k = len(tokens), len(group)
        for i in group:
            settings = settings_list[i]
            seed = settings.seed if settings.seed is not None else -1
            yield i, Usage(prompt_tokens=n_prompt)
            yield i, self.generation.describe_text(prepared, settings_list[i],
                                                   sampling_seed=seed)
        params = lib.llama_context_default_params()
        params.n_ctx = padded_n_ctx(n_prompt + k * max_tokens)
        params.n_batch = params.n_ubatch = max(min(n_prompt, 512), k)
        params.n_seq_max = k
        params.kv_unified = True
        params.n_threads = params.n_threads_batch = llm.context_params.n_threads
        from llama_cpp._utils import suppress_stdout_stderr

        with suppress_stdout_stderr(disable=False):  # llama.cpp's context log, as Llama(verbose=False)
            ctx = lib.llama_init_from_model(llm.model, params)
        if not ctx:
            raise ModelError(f"llama.cpp could not make a context for {k} samples at once "
                             "(not enough memory): ask for fewer samples.")
        vocab = lib.llama_model_get_vocab(llm.model)
        batch = lib.llama_batch_init(params.n_batch, 0, 1)
        seqs: dict[int, _Sequence] = {}
        callback = lib.ggml_abort_callback(lambda _data: cancel.is_set())
        lib.llama_set_abort_callback(ctx, callback, None)
        try:
            # the prompt, once, in sequence 0
            for at in range(0, n_prompt, params.n_batch):
                chunk = tokens[at:at + params.n_batch]
                for j, token in enumerate(chunk):
                    self._put(batch, j, token, at + j, 0, at + j == n_prompt - 1)
                batch.n_tokens = len(chunk)
                self._decode(lib, ctx, batch, cancel)
            logits_at = batch.n_tokens - 1
            mem = lib.llama_get_memory(ctx)
            for seq in range(1, k):
                lib.llama_memory_seq_cp(mem, 0, seq, -1, -1)
            for seq, i in enumerate(group):
                seed = settings_list[i].seed
                chain = make_chain(settings_list[i], seed if seed is not None else int.from_bytes(os.urandom(4), "little"))
                seqs[seq] = _Sequence(i, chain, prepared["text_stops"],
                                      ThoughtSplitter(think_tags=prepared["think_tags"]))
            live = {seq: logits_at for seq in seqs}  # sequence -> index of its logits in the batch
            piece = ctypes.create_string_buffer(256)
            step = 0
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
                        elif len(s.tokens) >= max_tokens:
                            s.finish = "length"
                        else:
                            s.next_token = token
                    if s.finish is not None:
                        ended.append(seq)
                for seq in ended:
                    del live[seq]
                    lib.llama_memory_seq_rm(mem, seq, -1, -1)
                    if seqs[seq].finish != "cancelled":
                        yield from self._close(llm, seqs[seq], k, hidden_token_notes_of)
                if not live:
                    break
                for j, seq in enumerate(live):
                    self._put(batch, j, seqs[seq].next_token, n_prompt + step, seq, True)
                    live[seq] = j
                batch.n_tokens = len(live)
                self._decode(lib, ctx, batch, cancel)
                step += 1
            if all(s.finish == "cancelled" for s in seqs.values()):
                raise Cancelled()
        finally:
            lib.llama_set_abort_callback(ctx, lib.ggml_abort_callback(), None)
            for s in seqs.values():
                lib.llama_sampler_free(s.chain)
            lib.llama_batch_free(batch)
            lib.llama_free(ctx)

    def _close(self, llm: Any, s: _Sequence, k: int, notes_of: Any) -> Iterator[tuple[int, Event]]:
        events, _ = s.feed(b"", final=True)
        for event in list(events) + list(s.splitter.flush()):
            yield s.index, event
        for note in notes_of(llm, s.tokens):
            yield s.index, Status(note)
        # how it was made: the engine's own count of llama_decode calls, for this batch so far
        yield s.index, Status(f"decoded together with the pane's other samples: {k} sequences "
                              f"in one llama.cpp context, {self.decode_calls} llama_decode calls")
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
