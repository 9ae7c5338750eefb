"""API panes must run in parallel: N Gemini panes together should take about as long as the
slowest one alone.

Runs GeminiAdapter (real google-genai SDK) against the loopback fake Gemini API with latency
added per chunk (default: 4 panes × 20 chunks × 50 ms, the last pane 1.5× slower), once each
pane alone and then all panes at once, one thread per adapter stream (as the runner does).
Prints wall times and ratio = parallel wall / slowest single pane; exits 1 when the median
ratio over the repeats is above --max-ratio (default 1.1).

    /work/venv/bin/python benchmarks/bench_api_parallel.py [--panes 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_gemini import FakeGemini, Scenario, text_chunks  # noqa: E402

from playground.adapters.base import (  # noqa: E402
    ChatRequest,
    Finish,
    GenerationSettings,
    StreamContext,
    TextDelta,
)
from playground.adapters.gemini import GeminiAdapter  # noqa: E402

KEY = "bench-fake-key"


def run_pane(adapter: GeminiAdapter, out: dict, t_start: float) -> None:
    """One pane: drain the stream, note first-token and finish times (relative to t_start)."""
    ctx = StreamContext()
    chars = 0
    first = None
    finish = None
    try:
        for ev in adapter.stream(ChatRequest("Draw a pelican"), GenerationSettings(), ctx):
            if isinstance(ev, TextDelta):
                chars += len(ev.text)
                if first is None:
                    first = time.perf_counter() - t_start
            elif isinstance(ev, Finish):
                finish = ev.reason
    except Exception as exc:  # reported, and the run fails below
        out["error"] = repr(exc)
    out.update(chars=chars, ttft=first, finish=finish, done=time.perf_counter() - t_start)


def run_parallel(adapters: list[GeminiAdapter]) -> tuple[float, list[dict]]:
    results: list[dict] = [{} for _ in adapters]
    t0 = time.perf_counter()
    threads = [threading.Thread(target=run_pane, args=(a, r, t0), name=f"pane-{i}")
               for i, (a, r) in enumerate(zip(adapters, results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return time.perf_counter() - t0, results


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
        adapters = [GeminiAdapter(m, KEY, timeout_s=30, max_retries=0) for m in models]
        # Warm-up: SDK import and client creation are paid once per process, not per pane.
        for a in adapters:
            run_pane(a, {}, time.perf_counter())

        ratios = []
        failed = False
        for rep in range(args.repeats):
            singles = []
            for a in adapters:
                r: dict = {}
                t0 = time.perf_counter()
                run_pane(a, r, t0)
                singles.append(r["done"])
                failed |= "error" in r
            wall, results = run_parallel(adapters)
            failed |= any("error" in r or r.get("finish") != "stop" for r in results)
            ratio = wall / max(singles)
            ratios.append(ratio)
            print(f"run {rep + 1}: singles " + " ".join(f"{s:.3f}" for s in singles)
                  + f" s | parallel {wall:.3f} s | ratio {ratio:.3f}"
                  + " | ttft " + " ".join(f"{r['ttft']:.3f}" for r in results if r.get("ttft")))
            for r in results:
                if "error" in r:
                    print("  pane error:", r["error"])
        for a in adapters:
            a.close()

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
