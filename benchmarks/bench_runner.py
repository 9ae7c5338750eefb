"""Decode speed through the whole runner vs llama-cpp-python called directly.

Same GGUF (the bundled Gemma 3 270M), prompt, seed, sampling and token count, interleaved
rounds in one process so machine noise hits both sides alike. Decode tokens/s = tokens after
the first ÷ (last token time − first token time), the runner's own definition.

    python benchmarks/bench_runner.py [--tokens 256] [--rounds 5]

Exits 1 when the median ratio (runner ÷ direct) is below --goal (default 0.97).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.adapters.chat_format import gemma3_prompt
from playground.catalog import Catalog, bundled_model_path
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--goal", type=float, default=0.97)
    args = parser.parse_args()

    from llama_cpp import Llama

    path = bundled_model_path()
    config = AppConfig(n_ctx=1024)
    runtime = Runtime(config, Catalog(config, scan_disk=False),
                      limits=Limits(loop=LoopSettings(enabled=False)))
    settings = GenerationSettings(temperature=0.8, top_p=0.95, top_k=64, max_tokens=args.tokens, seed=42)
    llm = Llama(model_path=str(path), n_ctx=1024, n_threads=runtime.pool.n_threads, verbose=False)
    tokens = llm.tokenize(gemma3_prompt(ChatRequest(PROMPT)).encode(), add_bos=True, special=True)

    # warm both sides once (first-call allocation is not decode speed)
    run_comparison(runtime, ChatRequest(PROMPT), [PaneRequest("gemma-3-270m", settings)], use_cache=False)
    direct_decode_rate(llm, tokens, settings)

    direct_rates, runner_rates = [], []
    for round_number in range(args.rounds):
        d_rate, d_count = direct_decode_rate(llm, tokens, settings)
        result = run_comparison(runtime, ChatRequest(PROMPT), [PaneRequest("gemma-3-270m", settings)],
                                use_cache=False)[0]
        r_rate, r_count = result.metrics.tokens_per_s, result.metrics.completion_tokens
        print(f"round {round_number + 1}: direct {d_rate:7.2f} tok/s ({d_count} tokens) | "
              f"runner {r_rate:7.2f} tok/s ({r_count} tokens)")
        direct_rates.append(d_rate)
        runner_rates.append(r_rate)
    ratios = [r / d for r, d in zip(runner_rates, direct_rates)]
    ratio = statistics.median(ratios)
    print(f"median direct {statistics.median(direct_rates):.2f} tok/s, runner "
          f"{statistics.median(runner_rates):.2f} tok/s, ratio {ratio:.3f} (goal >= {args.goal})")
    runtime.close()
    llm.close()
    return 0 if ratio >= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
