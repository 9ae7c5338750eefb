"""API panes must run in parallel: N Gemini panes together should take about as long as the
slowest one alone.

Runs the real runner (Comparison → GeminiAdapter → the real google-genai SDK) against the
loopback fake Gemini API with latency added per chunk (default: 4 panes × 20 chunks × 50 ms,
the last pane 1.5× slower), once each pane alone and then all panes in one comparison.
Prints wall times and ratio = parallel wall / slowest single pane; exits 1 when the median
ratio over the repeats is above --max-ratio (default 1.1).

    /work/venv/bin/python benchmarks/bench_api_parallel.py [--panes 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_gemini import FakeGemini, Scenario, text_chunks  # noqa: E402

from playground.adapters.base import ChatRequest, GenerationSettings  # noqa: E402
from playground.catalog import Catalog  # noqa: E402
from playground.config import AppConfig  # noqa: E402
from playground.runner import PaneRequest, run_comparison  # noqa: E402
from playground.runtime import Runtime  # noqa: E402

KEY = "bench-fake-key"


def run_panes(runtime: Runtime, models: list[str]) -> tuple[float, list]:
    """One comparison of these Gemini panes through the runner; (wall seconds, results)."""
    panes = [PaneRequest(f"gemini:{m}", GenerationSettings()) for m in models]
    started = time.perf_counter()
    results = run_comparison(runtime, ChatRequest("Draw a pelican"), panes, use_cache=False)
    return time.perf_counter() - started, results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--panes", type=int, default=4)
    ap.add_argument("--chunks", type=int, default=20)
    ap.add_argument("--delay-ms", type=float, default=50.0)
    ap.add_argument("--slow-factor", type=float, default=1.5, help="latency factor of the last pane")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-ratio", type=float, default=1.1)
    args = ap.parse_args(argv)

    models = [f"fake-pane-{i}" for i in range(args.panes)]
    with FakeGemini(max_lifetime_s=600) as fake:
        os.environ["GOOGLE_GEMINI_BASE_URL"] = fake.base_url
        os.environ.pop("GOOGLE_GENAI_USE_VERTEXAI", None)
        for i, m in enumerate(models):
            factor = args.slow_factor if i == len(models) - 1 else 1.0
            fake.set(Scenario(chunks=text_chunks([f"tok{j} " for j in range(args.chunks)]),
                              chunk_delay_s=args.delay_ms / 1000 * factor), model=m)
        config = AppConfig()
        runtime = Runtime(config, Catalog(config, scan_disk=False), env={"GEMINI_API_KEY": KEY})
        # Warm-up: SDK import and client creation are paid once per process, not per pane.
        run_panes(runtime, models)

        ratios = []
        failed = False
        for rep in range(args.repeats):
            singles = []
            for m in models:
                wall_one, (result,) = run_panes(runtime, [m])
                singles.append(wall_one)
                failed |= result.error is not None
            wall, results = run_panes(runtime, models)
            failed |= any(r.error is not None or r.finish_reason != "stop" for r in results)
            ratio = wall / max(singles)
            ratios.append(ratio)
            print(f"run {rep + 1}: singles " + " ".join(f"{s:.3f}" for s in singles)
                  + f" s | parallel {wall:.3f} s | ratio {ratio:.3f}"
                  + " | ttft " + " ".join(f"{r.metrics.ttft_s:.3f}" for r in results if r.metrics.ttft_s))
            for r in results:
                if r.error:
                    print("  pane error:", r.error)
        runtime.close()

    median = statistics.median(ratios)
    print(f"{args.panes} Gemini panes ({args.chunks} chunks x {args.delay_ms:g} ms, last pane "
          f"x{args.slow_factor:g}): parallel / slowest single = {median:.3f} (median of "
          f"{args.repeats}); limit {args.max_ratio:g}")
    if failed:
        print("FAIL: a pane errored or did not finish with 'stop'")
        return 1
    if median > args.max_ratio:
        print("FAIL: panes are not running in parallel")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
