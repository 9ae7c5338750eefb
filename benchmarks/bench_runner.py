"""Decode speed through the whole runner vs llama-cpp-python called directly.

Same GGUF (the bundled Gemma 3 270M), prompt, seed, sampling and token count. Decode tokens/s =
tokens after the first ÷ (last token time − first token time), the runner's own definition.

Each side runs in its own fresh process, alternating, one benchmark run driving them all: two
sides in one process would measure an artefact instead of the runner. llama.cpp's CPU backend
uses OpenMP, whose thread team belongs to the calling thread; the direct side decodes on the
main thread and the runner on pane threads, and a second team in the same process slows both
by ~10% (measured here: main-thread-only 88 tok/s, pane-threads-only 88–89, mixed 77).

    python benchmarks/bench_runner.py [--tokens 256] [--rounds 6]

Exits 1 when the median ratio (runner ÷ direct) is below --goal (default 0.97).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.adapters.chat_format import gemma3_prompt
from playground.catalog import Catalog
from playground.model_files import bundled_model_path
from playground.config import AppConfig
from playground.loop import LoopSettings
from playground.runner import PaneRequest, run_comparison
from playground.runtime import Limits, Runtime

PROMPT = "Write a long, detailed story about a pelican who learns to ride a bicycle."


def direct_decode_rate(llm, tokens: list[int], settings: GenerationSettings) -> tuple[float, int]:
    llm.set_seed(settings.seed)
    first = last = None
    count = 0
    for chunk in llm.create_completion(tokens, stream=True, max_tokens=settings.max_tokens,
                                       temperature=settings.temperature, top_p=settings.top_p,
                                       top_k=settings.top_k, min_p=0.0, repeat_penalty=1.0,
                                       seed=settings.seed, stop=["<end_of_turn>", "<eos>"]):
        if chunk["choices"][0].get("finish_reason"):
            break
        now = time.monotonic()
        first = first or now
        last = now
        count += 1
    return (count - 1) / (last - first), count


def measure(side: str, tokens_wanted: int) -> dict:
    """One side in this process: load, warm up once, then one measured run."""
    config = AppConfig(n_ctx=1024)
    runtime = Runtime(config, Catalog(config, scan_disk=False),
                      limits=Limits(loop=LoopSettings(enabled=False)))
    settings = GenerationSettings(temperature=0.8, top_p=0.95, top_k=64, max_tokens=tokens_wanted, seed=42)
    if side == "direct":
        from llama_cpp import Llama

        llm = Llama(model_path=str(bundled_model_path()), n_ctx=1024, n_threads=runtime.sources["llama"].pool.n_threads,
                    verbose=False)
        tokens = llm.tokenize(gemma3_prompt(ChatRequest(PROMPT)).encode(), add_bos=True, special=True)
        direct_decode_rate(llm, tokens, settings)  # warm-up: first-call allocation is not decode speed
        rate, count = direct_decode_rate(llm, tokens, settings)
    else:
        pane = [PaneRequest("gemma-3-270m", settings)]
        run_comparison(runtime, ChatRequest(PROMPT), pane, use_cache=False)  # warm-up
        result = run_comparison(runtime, ChatRequest(PROMPT), pane, use_cache=False)[0]
        rate, count = result.metrics.tokens_per_s, result.metrics.completion_tokens
    runtime.close()
    return {"rate": rate, "count": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--goal", type=float, default=0.97)
    parser.add_argument("--side", choices=["direct", "runner"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(measure(args.side, args.tokens)))
        return 0

    def side(name: str) -> dict:
        out = subprocess.run([sys.executable, __file__, "--side", name, "--tokens", str(args.tokens)],
                             capture_output=True, text=True, check=True, timeout=600)
        return json.loads(out.stdout.strip().splitlines()[-1])

    ratios, direct_rates, runner_rates = [], [], []
    for round_number in range(args.rounds):
        # alternate which side goes first, so drift in machine load is shared fairly
        order = ("direct", "runner") if round_number % 2 == 0 else ("runner", "direct")
        results = {name: side(name) for name in order}
        d, r = results["direct"], results["runner"]
        print(f"round {round_number + 1}: direct {d['rate']:7.2f} tok/s ({d['count']} tokens) | "
              f"runner {r['rate']:7.2f} tok/s ({r['count']} tokens)", flush=True)
        direct_rates.append(d["rate"])
        runner_rates.append(r["rate"])
        ratios.append(r["rate"] / d["rate"])
    ratio = statistics.median(ratios)
    print(f"median direct {statistics.median(direct_rates):.2f} tok/s, runner "
          f"{statistics.median(runner_rates):.2f} tok/s, median ratio {ratio:.3f} (goal >= {args.goal})")
    return 0 if ratio >= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
