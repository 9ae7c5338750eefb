"""k samples of one local pane decoded together (issue #19): aggregate tokens/s against one sample.

Through the app's own path (Comparison → engine process → llama.cpp), the bundled model, 128 new
tokens per sample, temperature 1, no cache. Each round runs --samples 1, 4, 8 back to back (and,
with --sequential, 4 samples one after another as before: GP_BATCH_SAMPLES=0), so the ratios
compare runs made under the same load; the medians over the rounds are printed.
Aggregate tokens/s = all samples' completion tokens ÷ the comparison's wall time.
Goals: 4 samples ≥ 2.5 ×, 8 samples ≥ 3.5 × one sample's tokens/s.

    python benchmarks/bench_batch.py [--rounds 3] [--max-tokens 128] [--sequential]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from playground.adapters.base import ChatRequest, GenerationSettings  # noqa: E402
from playground.catalog import Catalog  # noqa: E402
from playground.config import AppConfig  # noqa: E402
from playground.runner import Comparison, PaneRequest  # noqa: E402
from playground.runtime import Runtime  # noqa: E402

PROMPT = ChatRequest("Write a short poem about a pelican.")


def run(runtime: Runtime, k: int, settings: GenerationSettings, batched: bool) -> tuple[float, int]:
    os.environ["GP_BATCH_SAMPLES"] = "1" if batched else "0"
    started = time.perf_counter()
    results = Comparison(runtime, PROMPT, [PaneRequest("gemma-3-270m", settings, samples=k)],
                         use_cache=False).start().wait()
    wall = time.perf_counter() - started
    assert all(r.error is None for r in results), [r.error for r in results]
    return wall, sum(r.metrics.completion_tokens or 0 for r in results)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--sequential", action="store_true", help="also 4 samples one after another")
    args = ap.parse_args(argv)
    config = AppConfig(n_ctx=2048)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    settings = GenerationSettings(temperature=1.0, max_tokens=args.max_tokens, seed=11)
    run(runtime, 2, settings.model_copy(update={"max_tokens": 8}), True)  # load the model once
    configs = [(1, True), (4, True), (8, True)] + ([(4, False)] if args.sequential else [])
    ratios: dict[tuple[int, bool], list[float]] = {c: [] for c in configs}
    rates: dict[tuple[int, bool], list[float]] = {c: [] for c in configs}
    for round_ in range(args.rounds):
        line = []
        for k, batched in configs:
            wall, tokens = run(runtime, k, settings, batched)
            rates[(k, batched)].append(tokens / wall)
            line.append(f"{k}{'' if batched else ' one by one'}: {tokens} tok in {wall:.1f} s = {tokens / wall:.2f} tok/s")
        one = rates[(1, True)][-1]
        for config_ in configs:
            ratios[config_].append(rates[config_][-1] / one)
        print(f"round {round_ + 1}: " + " | ".join(line), flush=True)
    runtime.close()
    for (k, batched) in configs:
        print(f"samples {k}{'' if batched else ' (one by one, as before)'}: median "
              f"{statistics.median(rates[(k, batched)]):.2f} tok/s, "
              f"{statistics.median(ratios[(k, batched)]):.2f} × one sample (median of {args.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
