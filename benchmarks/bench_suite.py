"""Prompt suites: API answers of several prompts at once, and a cached suite's grid on re-run.

1. 10 prompts × 2 API models (real google-genai SDK, loopback fake answering every request in
   CHUNKS chunks of DELAY_S each, no cache): the suite's wall time ÷ (20 ÷ 4) × one answer's time
   (one answer = one pane through the runner, median of 3). Goal ≤ 1.1: four answers at once.
2. A finished 10 × 4 suite run again (all cached): time from start until the whole grid's HTML
   is made (SuiteRun replay + the Suite tab's grid with every cell's drawing pipeline run, fresh
   cell cache). Goal ≤ 1 s.
3. With --local: 3 prompts × the bundled local model (64 tokens, seed 1), no cache: the suite's
   wall time ÷ the sum of the same three answers run one comparison each. Goal ≤ 1.05.

    python benchmarks/bench_suite.py [--repeat 3] [--local]

Ratios are measured back to back; the machine may be busy, so say so with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_gemini import FakeGemini, Scenario, text_chunks  # noqa: E402

CHUNKS, DELAY_S = 10, 0.05
SVG = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><circle cx='5' cy='5' r='4' fill='teal'/></svg>"


def runtime(cache_dir: str | None):
    from playground.cache import ResponseCache
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime

    config = AppConfig()
    cache = ResponseCache(cache_dir) if cache_dir else None
    return Runtime(config, Catalog(config, scan_disk=False), cache=cache)


def suite(n: int):
    from playground.suites.parse import parse_suite

    return parse_suite("".join(f"Draw picture number {i} of the benchmark\n" for i in range(n)), "bench")


def one_answer(rt) -> float:
    from playground.adapters.base import ChatRequest
    from playground.pane import PaneRequest
    from playground.runner import run_comparison

    start = time.perf_counter()
    results = run_comparison(rt, ChatRequest(prompt=f"one answer {time.time()}"), [PaneRequest("gemini:one")],
                             use_cache=False)
    assert results[0].error is None, results[0].error
    return time.perf_counter() - start


def api_suite(rt, models: list[str], n: int, use_cache: bool = False) -> tuple[float, object]:
    from playground.pane import PaneRequest
    from playground.suites.run import SuiteRun

    start = time.perf_counter()
    run = SuiteRun(rt, suite(n), [PaneRequest(m) for m in models], use_cache=use_cache).start()
    run.wait()
    elapsed = time.perf_counter() - start
    progress = run.progress()
    assert progress.failed == 0 and progress.done == progress.total, progress.line()
    return elapsed, run


def local_figure(repeat: int) -> None:
    from playground.adapters.base import ChatRequest, GenerationSettings
    from playground.pane import PaneRequest
    from playground.runner import run_comparison

    rt = runtime(None)
    rt.config.n_ctx = 512
    settings = GenerationSettings(max_tokens=64, seed=1, temperature=0.7)
    prompts = [p.prompt for p in suite(3).prompts]
    run_comparison(rt, ChatRequest(prompt="warm up"), [PaneRequest("gemma-3-270m", settings)], use_cache=False)
    ratios = []
    for _ in range(repeat):
        start = time.perf_counter()
        for prompt in prompts:
            run_comparison(rt, ChatRequest(prompt=prompt), [PaneRequest("gemma-3-270m", settings)], use_cache=False)
        one_by_one = time.perf_counter() - start
        from playground.suites.run import SuiteRun

        start = time.perf_counter()
        SuiteRun(rt, suite(3), [PaneRequest("gemma-3-270m", settings)], use_cache=False).start().wait()
        together = time.perf_counter() - start
        ratios.append((together / one_by_one, together, one_by_one))
    rt.close()
    ratio, together, one_by_one = sorted(ratios)[len(ratios) // 2]
    print(f"3 prompts × local model: suite {together:.2f} s vs one by one {one_by_one:.2f} s = {ratio:.3f} "
          f"(goal ≤ 1.05; all: {', '.join(f'{r:.3f}' for r, _, _ in ratios)})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--local", action="store_true", help="also the local-model figure (tiny GGUF)")
    args = parser.parse_args()
    if args.local:
        local_figure(args.repeat)
    chunks = text_chunks([f"piece {i} " for i in range(CHUNKS - 1)] + [SVG])
    with FakeGemini(Scenario(chunks=chunks, chunk_delay_s=DELAY_S)) as fake:
        os.environ["GEMINI_API_KEY"] = "bench-key"
        os.environ["GOOGLE_GEMINI_BASE_URL"] = fake.base_url
        rt = runtime(None)
        one_answer(rt)  # warm the SDK
        ratios = []
        for _ in range(args.repeat):
            single = statistics.median(one_answer(rt) for _ in range(3))
            wall, _ = api_suite(rt, ["gemini:a", "gemini:b"], 10)
            ratios.append((wall / (20 / 4 * single), wall, single))
        rt.close()
        ratio, wall, single = sorted(ratios)[len(ratios) // 2]
        print(f"10 prompts × 2 API models: {wall:.3f} s; one answer {single:.3f} s; "
              f"wall ÷ (20 ÷ 4 × one answer) = {ratio:.3f} (goal ≤ 1.1; all: "
              f"{', '.join(f'{r:.3f}' for r, _, _ in ratios)})")

        with tempfile.TemporaryDirectory() as folder:
            rt = runtime(folder)
            api_suite(rt, ["gemini:a", "gemini:b", "gemini:c", "gemini:d"], 10, use_cache=True)
            from playground.ui.suite_grid import CellCache, grid_html

            grid_html(None, CellCache())  # import and CSS once, as a running app has
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                _, run = api_suite(rt, ["gemini:a", "gemini:b", "gemini:c", "gemini:d"], 10, use_cache=True)
                page = grid_html(run, CellCache())
                times.append(time.perf_counter() - start)
                assert run.progress().cached == 40 and page.count("data:image/svg+xml;base64,") == 40
            rt.close()
        print(f"re-run of a finished 10 × 4 suite (all cached) to the whole grid: median "
              f"{statistics.median(times):.3f} s (goal ≤ 1 s; all: {', '.join(f'{t:.3f}' for t in times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
