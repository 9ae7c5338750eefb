"""Cache replay benchmark: how long restoring a cached 4-pane comparison takes server side.

Fills a temporary cache with one 4-pane comparison (3-8 KB answers with thinking, a few
samples per pane) among other cached comparisons, reopens it as the app would, then times
``get_comparison`` + ``samples`` for every pane. Exits 1 if the median exceeds the budget.

    python benchmarks/bench_cache.py [--iterations 500] [--budget-ms 20] [--with-writer]

--with-writer times the same restore while another process keeps writing comparisons into
the same cache (reads under LRU eviction briefly take the write lock).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.adapters.base import ChatRequest, GenerationSettings  # noqa: E402
from playground.cache import ResponseCache, api_identity, derive_key  # noqa: E402
from playground.result import Metrics, PaneResult  # noqa: E402

MODELS = ["gemma-4-e2b", "gemma-4-e4b", "gemini:gemma-4-26b-a4b-it", "gemini:gemma-4-31b-it"]
PROMPT = "Generate an SVG of a pelican riding a bicycle"


def svg_answer(rng: random.Random, size: int) -> str:
    """A plausible answer: a sentence, then an SVG with many path elements, ~`size` bytes."""
    parts = ["Here is a pelican riding a bicycle:\n\n```svg\n", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">\n']
    while sum(map(len, parts)) < size - 40:
        pts = " ".join(f"L{rng.randint(0, 512)} {rng.randint(0, 512)}" for _ in range(6))
        color = "".join(rng.choice("0123456789abcdef") for _ in range(6))
        parts.append(f'  <path d="M{rng.randint(0, 512)} {rng.randint(0, 512)} {pts} Z" fill="#{color}"/>\n')
    parts.append("</svg>\n```\n")
    return "".join(parts)


def thinking(rng: random.Random, size: int) -> str:
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))) for _ in range(size // 6)]
    return " ".join(words)[:size]


def pane_result(rng: random.Random, model: str) -> PaneResult:
    return PaneResult(
        model=model,
        source="gemini" if model.startswith("gemini:") else "local",
        settings=GenerationSettings(seed=rng.randint(0, 1000), thinking=True).model_dump(),
        text=svg_answer(rng, rng.randint(3000, 8000)),
        thinking=thinking(rng, rng.randint(500, 2000)),
        finish_reason="stop",
        metrics=Metrics(queue_s=0.0, load_s=1.2, ttft_s=0.4, tokens_per_s=31.5, prompt_tokens=24,
                        completion_tokens=1800, thinking_tokens=400, total_s=60.0),
        created_at=time.time(),
    )


def fill(cache: ResponseCache, rng: random.Random, prompt: str, samples_per_pane: int) -> str:
    panes = []
    for model in MODELS:
        key = derive_key(
            adapter="gemini" if model.startswith("gemini:") else "llama_local",
            model_id=model,
            identity=api_identity(None, model),
            settings=GenerationSettings(thinking=True),
            request=ChatRequest(prompt=prompt),
        )
        number = None
        for _ in range(samples_per_pane):
            number = cache.add_sample(key, pane_result(rng, model))
        panes.append({"model": model, "key": key, "sample": number})
    return cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=panes)


def _background_writer(directory: str, stop) -> None:
    rng = random.Random(99)
    with ResponseCache(directory) as cache:
        i = 0
        while not stop.is_set():
            fill(cache, rng, f"background prompt {i}", 1)
            i += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--budget-ms", type=float, default=20.0)
    parser.add_argument("--samples-per-pane", type=int, default=3)
    parser.add_argument("--other-comparisons", type=int, default=200, help="background entries")
    parser.add_argument("--with-writer", action="store_true", help="another process writes meanwhile")
    args = parser.parse_args()

    rng = random.Random(1234)
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        with ResponseCache(tmp) as cache:
            for i in range(args.other_comparisons):
                fill(cache, rng, f"other prompt {i}", 1)
            target = fill(cache, rng, PROMPT, args.samples_per_pane)
            stats = cache.stats()

        writer = stop = None
        if args.with_writer:
            ctx = multiprocessing.get_context("spawn")
            stop = ctx.Event()
            writer = ctx.Process(target=_background_writer, args=(tmp, stop))
            writer.start()
            time.sleep(1.0)  # let it get going

        with ResponseCache(tmp) as cache:  # reopened, as a new server process would
            def restore() -> int:
                entry = cache.get_comparison(target)
                total = 0
                for pane in entry["panes"]:
                    results = cache.samples(pane["key"])
                    total += len(results[-1].text)
                return total

            t0 = time.perf_counter()
            chars = restore()
            first_ms = (time.perf_counter() - t0) * 1000
            times = []
            for _ in range(args.iterations):
                t0 = time.perf_counter()
                restore()
                times.append((time.perf_counter() - t0) * 1000)

        if writer is not None:
            stop.set()
            writer.join(30)

    times.sort()
    median = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"cache: {stats['entries']} keys, {stats['samples']} samples, {stats['comparisons']} comparisons,"
        f" {stats['size_bytes'] / 1e6:.1f} MB"
    )
    print(
        f"restore 4-pane comparison ({args.samples_per_pane} samples/pane, {chars} answer chars):"
        f" first {first_ms:.2f} ms, median {median:.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms"
        f" over {args.iterations} iterations{' with a concurrent writer' if args.with_writer else ''}"
        f" (budget {args.budget_ms:g} ms)"
    )
    if median > args.budget_ms:
        print(f"FAIL: median {median:.2f} ms exceeds {args.budget_ms:g} ms", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
