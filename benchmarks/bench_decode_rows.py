"""What one llama_decode of k sequences costs next to one of 1 (issue #19's ceiling).

k samples decoded together need k rows of logits per step, one per sequence: each row is a
product with the whole output matrix (vocabulary × width). With Gemma's 262,144-token vocabulary
that matrix is most of a small model (gemma-3-270m: 168 M of its 268 M parameters), so its cost
grows with k while the rest of the step is shared. The figure that bounds what batching can gain:
    ceiling(k) = k × t(1 sequence) ÷ t(k sequences, k logits rows)
The issue's own figure (4 tokens in 1.25 × the time of 1) was one decode with ONE logits row
(llama-cpp-python's `eval`); that row count is printed too, for comparison.

In-process llama.cpp (no app, no engine process), the prompt read once and copied to k sequences
as the engine does, median over --steps decodes:

    python benchmarks/bench_decode_rows.py [--gguf PATH | --tiny-gemma4] [--threads 2] [--steps 40]
        [--cpu --threads 1] [--no-repack]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK = time.perf_counter  # --cpu: time.thread_time (with --threads 1 llama.cpp computes in this thread)


def bundled_gguf() -> Path:
    sys.path[:0] = [str(ROOT)]
    from playground.model_files import bundled_model_path

    return bundled_model_path()


class Decoder:
    """One context holding k sequences of the same prompt, advanced one token each per step."""

    def __init__(self, llm, k: int, all_rows: bool, threads: int):
        import llama_cpp as lib

        self.lib, self.k, self.all_rows = lib, k, all_rows
        params = lib.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = 1024, 256, 256
        params.n_seq_max, params.kv_unified = k, True
        params.n_threads = params.n_threads_batch = threads
        self.ctx = lib.llama_init_from_model(llm.model, params)
        self.batch = lib.llama_batch_init(256, 0, 1)
        self.prompt = llm.tokenize(b"Write a short poem about a pelican riding a bicycle.")
        for j, token in enumerate(self.prompt):
            self._put(j, token, j, 0, j == len(self.prompt) - 1)
        self.batch.n_tokens = len(self.prompt)
        lib.llama_decode(self.ctx, self.batch)
        memory = lib.llama_get_memory(self.ctx)
        for seq in range(1, k):
            lib.llama_memory_seq_cp(memory, 0, seq, -1, -1)
        self.step, self.times = 0, []

    def _put(self, j, token, pos, seq, logits):
        b = self.batch
        b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = token, pos, 1, logits
        b.seq_id[j][0] = seq

    def advance(self) -> None:
        for seq in range(self.k):
            self._put(seq, self.prompt[self.step % len(self.prompt)], len(self.prompt) + self.step,
                      seq, self.all_rows or seq == 0)
        self.batch.n_tokens = self.k
        started = CLOCK()
        self.lib.llama_decode(self.ctx, self.batch)
        self.times.append(CLOCK() - started)
        self.step += 1

    def median(self) -> float:
        return statistics.median(self.times[2:])

    def close(self) -> None:
        self.lib.llama_batch_free(self.batch)
        self.lib.llama_free(self.ctx)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--gguf")
    which.add_argument("--tiny-gemma4", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--no-repack", action="store_true", help="load as the engine does on AMX CPUs")
    ap.add_argument("--cpu", action="store_true",
                    help="CPU time of this thread instead of wall time (use with --threads 1): "
                         "what a decode costs, whatever else the machine is doing")
    args = ap.parse_args(argv)
    if args.cpu:
        global CLOCK
        CLOCK = time.thread_time
    if args.gguf:
        path = Path(args.gguf)
    elif args.tiny_gemma4:
        sys.path[:0] = [str(ROOT / "tests")]
        from fixtures import tiny_gemma4

        path = tiny_gemma4.build().model
    else:
        path = bundled_gguf()
    from llama_cpp import Llama

    if args.no_repack:  # as the engine loads on AMX CPUs
        sys.path[:0] = [str(ROOT)]
        from playground.adapters.llama_load import load_without_repack

        load_without_repack()
    llm = Llama(str(path), n_ctx=256, n_threads=args.threads, verbose=False)
    # every configuration takes one step in turn, so all of them see the same load
    decoders = {(1, True): Decoder(llm, 1, True, args.threads)}
    for k in (2, 4, 8):
        decoders[(k, True)] = Decoder(llm, k, True, args.threads)
        decoders[(k, False)] = Decoder(llm, k, False, args.threads)
    for _ in range(args.steps):
        for decoder in decoders.values():
            decoder.advance()
    one = decoders[(1, True)].median()
    print(f"{path.name}: 1 sequence {one * 1000:.1f} ms per decode (median of {args.steps}, "
          f"{args.threads} threads)")
    for k in (2, 4, 8):
        rows_all, rows_one = decoders[(k, True)].median(), decoders[(k, False)].median()
        print(f"{k} sequences: {rows_all * 1000:.1f} ms with {k} logits rows ({rows_all / one:.2f} × one), "
              f"{rows_one * 1000:.1f} ms with 1 row ({rows_one / one:.2f} ×); "
              f"ceiling for {k} samples together: {k * one / rows_all:.2f} ×")
    for decoder in decoders.values():
        decoder.close()
    llm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
