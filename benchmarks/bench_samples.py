"""k samples per model: what they cost, and that memory stays bounded.

1. Local (the bundled tiny GGUF, real llama-cpp-python): one pane with K seeded samples in one
   comparison, against the same K seeds run one comparison each. Ratio = K-sample wall time ÷
   sum of the K single runs; goal ≤ 1.05 (samples add nothing measurable to K single runs).
2. API (real google-genai SDK → loopback fake Gemini with latency per chunk, one sample model
   slower): K samples of one pane in one comparison against each sample alone. Ratio = wall ÷
   slowest single sample; goal ≤ 1.1 (they run in parallel within the pane).
3. Memory: 6 panes × 8 samples through the fake API (48 answers of ~20 KB each): the process's
   peak RSS growth, reported.

    python benchmarks/bench_samples.py [--k 3] [--repeats 3] [--skip-local]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_gemini import FakeGemini, Scenario, text_chunks  # noqa: E402
from test_load import rss_mb  # noqa: E402  (one reader of /proc/self/status)

from playground.adapters.base import ChatRequest, GenerationSettings  # noqa: E402
from playground.catalog import Catalog  # noqa: E402
from playground.config import AppConfig  # noqa: E402
from playground.runner import Comparison, PaneRequest  # noqa: E402
from playground.runtime import Runtime  # noqa: E402

KEY = "bench-fake-key"


def timed(runtime: Runtime, panes: list[PaneRequest], prompt: str) -> tuple[float, list[list]]:
    started = time.perf_counter()
    groups = Comparison(runtime, ChatRequest(prompt), panes, use_cache=False).start().wait_by_pane()
    return time.perf_counter() - started, groups


def bench_local(k: int, repeats: int, max_tokens: int) -> float:
    config = AppConfig(n_ctx=1024)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    settings = GenerationSettings(temperature=1.0, max_tokens=max_tokens, seed=11)
    pane = PaneRequest("gemma-3-270m", settings, samples=k)
    prompt = "Write a short poem about a pelican."
    timed(runtime, [PaneRequest("gemma-3-270m", settings)], prompt)  # load the model once
    ratios = []
    for rep in range(repeats):
        singles = []
        for i in range(k):
            one = PaneRequest("gemma-3-270m", settings.model_copy(update={"seed": settings.seed + i}))
            wall, groups = timed(runtime, [one], prompt)
            singles.append(wall)
        wall, groups = timed(runtime, [pane], prompt)
        ratio = wall / sum(singles)
        ratios.append(ratio)
        tokens = [r.metrics.completion_tokens for r in groups[0]]
        print(f"local run {rep + 1}: singles {' '.join(f'{s:.3f}' for s in singles)} s (sum {sum(singles):.3f})"
              f" | {k} samples {wall:.3f} s | ratio {ratio:.3f} | tokens {tokens}")
    runtime.close()
    median = statistics.median(ratios)
    print(f"local: {k} samples ÷ {k} single runs = {median:.3f} (median of {repeats}); goal ≤ 1.05")
    return median


def bench_api(k: int, repeats: int, fake: FakeGemini) -> float:
    fake.set(Scenario(chunks=text_chunks([f"tok{j} " for j in range(20)]), chunk_delay_s=0.05), model="samples")
    config = AppConfig()
    runtime = Runtime(config, Catalog(config, scan_disk=False), env={"GEMINI_API_KEY": KEY})
    pane = PaneRequest("gemini:samples", GenerationSettings(seed=1), samples=k)
    timed(runtime, [PaneRequest("gemini:samples", GenerationSettings())], "warm up")
    ratios = []
    for rep in range(repeats):
        singles = [timed(runtime, [PaneRequest("gemini:samples", GenerationSettings(seed=1 + i))], "hi")[0]
                   for i in range(k)]
        wall, groups = timed(runtime, [pane], "hi")
        assert all(r.finish_reason == "stop" for r in groups[0]), [r.error for r in groups[0]]
        ratio = wall / max(singles)
        ratios.append(ratio)
        print(f"api run {rep + 1}: singles {' '.join(f'{s:.3f}' for s in singles)} s | {k} samples "
              f"{wall:.3f} s | ratio {ratio:.3f}")
    runtime.close()
    median = statistics.median(ratios)
    print(f"api: {k} samples ÷ slowest single = {median:.3f} (median of {repeats}); goal ≤ 1.1")
    return median


def bench_memory(fake: FakeGemini) -> float:
    import random

    words = ["pelican", "bicycle", "wheel", "beak", "feather", "pedal", "harbour", "gull", "chain", "wing"]
    rng = random.Random(7)  # varied text: a repeating answer would be stopped by the loop detector
    long_answer = [" ".join(rng.choice(words) for _ in range(40)) + f" ({i})\n" for i in range(60)]  # ~20 KB
    fake.set(Scenario(chunks=text_chunks(long_answer)), model="memory")
    config = AppConfig()
    runtime = Runtime(config, Catalog(config, scan_disk=False), env={"GEMINI_API_KEY": KEY})
    timed(runtime, [PaneRequest("gemini:memory", GenerationSettings(max_tokens=8192))], "warm up")
    before = rss_mb()
    panes = [PaneRequest("gemini:memory", GenerationSettings(max_tokens=8192, seed=100 * i), samples=8)
             for i in range(6)]
    peak = before
    comparison = Comparison(runtime, ChatRequest("hi"), panes, use_cache=False).start()
    for _ in comparison.snapshots(0.05):
        peak = max(peak, rss_mb())
    chars = sum(len(run.snapshot().text) for run in comparison.runs)
    runtime.close()
    print(f"memory: 6 panes x 8 samples ({len(comparison.runs)} answers, {chars / 1e6:.2f} MB of text): "
          f"RSS {before:.0f} MB -> peak {peak:.0f} MB (+{peak - before:.0f} MB); "
          f"max RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return peak - before


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--skip-local", action="store_true")
    ap.add_argument("--only-memory", action="store_true")
    args = ap.parse_args(argv)
    ok = True
    if args.only_memory:
        with FakeGemini(max_lifetime_s=900) as fake:
            os.environ["GOOGLE_GEMINI_BASE_URL"] = fake.base_url
            bench_memory(fake)
        return 0
    if not args.skip_local:
        ok &= bench_local(args.k, args.repeats, args.max_tokens) <= 1.05
    with FakeGemini(max_lifetime_s=900) as fake:
        os.environ["GOOGLE_GEMINI_BASE_URL"] = fake.base_url
        os.environ.pop("GOOGLE_GENAI_USE_VERTEXAI", None)
        ok &= bench_api(args.k, args.repeats, fake) <= 1.1
        bench_memory(fake)
    print("OK" if ok else "FAIL: a goal was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
