"""k samples of one local pane decoded together (issue #19): aggregate tokens/s against one sample.

Through the app's own path (Comparison → engine process → llama.cpp), the bundled model, 128 new
tokens per sample, temperature 1, no cache. Each round runs --samples 1, 4, 8 back to back (and,
with --sequential, 4 samples one after another as before: GP_BATCH_SAMPLES=0), so the ratios
compare runs made under the same load; the medians over the rounds are printed.
Aggregate tokens/s = all samples' completion tokens ÷ the comparison's wall time.
Goals: 4 samples ≥ 2.5 ×, 8 samples ≥ 3.5 × one sample's tokens/s.

    python benchmarks/bench_batch.py [--rounds 3] [--max-tokens 128] [--sequential]
        [--gguf PATH | --tiny-gemma4] [--prompt TEXT] [--panes]

--tiny-gemma4 runs the tiny random-weight Gemma 4 test model (tests/fixtures/tiny_gemma4.py: the
real 262,144-token vocabulary at a toy width). --panes adds 4 panes of the same model with one
sample each (issue #19 item 2: they join one batch) next to one pane of 4 samples.
The ceiling of these ratios on a given model is measured by benchmarks/bench_decode_rows.py.
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

PROMPT = "Write a short poem about a pelican."


def run(runtime: Runtime, model: str, prompt: ChatRequest, k: int, settings: GenerationSettings,
        batched: bool, panes: bool = False) -> tuple[float, int]:
    """One comparison: k samples of one pane (or, with panes, k panes of one sample each)."""
    os.environ["GP_BATCH_SAMPLES"] = "1" if batched else "0"
    requests = ([PaneRequest(model, settings.model_copy(update={"seed": settings.seed + i}))
                 for i in range(k)] if panes else [PaneRequest(model, settings, samples=k)])
    started = time.perf_counter()
    results = Comparison(runtime, prompt, requests, use_cache=False).start().wait()
    wall = time.perf_counter() - started
    assert all(r.error is None for r in results), [r.error for r in results]
    return wall, sum(r.metrics.completion_tokens or 0 for r in results)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--sequential", action="store_true", help="also 4 samples one after another")
    ap.add_argument("--panes", action="store_true", help="also 4 panes of the model, 1 sample each")
    ap.add_argument("--prompt", default=PROMPT)
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--gguf", help="a GGUF file instead of the bundled model")
    which.add_argument("--tiny-gemma4", action="store_true", help="the tiny Gemma 4 test model")
    args = ap.parse_args(argv)
    model = "gemma-3-270m"
    if args.gguf:
        model = str(Path(args.gguf).resolve())
    elif args.tiny_gemma4:
        sys.path[:0] = [str(ROOT / "tests")]
        from fixtures import tiny_gemma4

        model = str(tiny_gemma4.build().model)
    config = AppConfig(n_ctx=2048)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    settings = GenerationSettings(temperature=1.0, max_tokens=args.max_tokens, seed=11)
    prompt = ChatRequest(args.prompt)
    run(runtime, model, prompt, 2, settings.model_copy(update={"max_tokens": 8}), True)  # load once
    configs = [(1, True, False), (4, True, False), (8, True, False)]
    configs += [(4, False, False)] if args.sequential else []
    configs += [(4, True, True)] if args.panes else []
    names = {(4, False, False): "4 one by one, as before", (4, True, True): "4 panes together"}
    ratios: dict[tuple, list[float]] = {c: [] for c in configs}
    rates: dict[tuple, list[float]] = {c: [] for c in configs}
    for round_ in range(args.rounds):
        line = []
        for config_ in configs:
            k, batched, panes = config_
            wall, tokens = run(runtime, model, prompt, k, settings, batched, panes)
            rates[config_].append(tokens / wall)
            line.append(f"{names.get(config_, k)}: {tokens} tok in {wall:.1f} s = {tokens / wall:.2f} tok/s")
        one = rates[(1, True, False)][-1]
        for config_ in configs:
            ratios[config_].append(rates[config_][-1] / one)
        print(f"round {round_ + 1}: " + " | ".join(line), flush=True)
    runtime.close()
    for config_ in configs:
        print(f"{names.get(config_, f'samples {config_[0]}')}: median "
              f"{statistics.median(rates[config_]):.2f} tok/s, "
              f"{statistics.median(ratios[config_]):.2f} × one sample (median of {args.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
