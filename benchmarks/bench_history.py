"""History benchmark: recording, prompt search and the first page with 100,000 comparisons.

Fills a temporary cache with N comparisons (4 panes each, prompts drawn from a mix of
templates so "pelican" matches ~0.5 % of them), reopens it as a new server process
would, then times:

* recording one more 4-pane comparison (``record_comparison``: the diskcache record + the
  index row), median over ``--records`` calls;
* a prompt search (``history("pelican", limit=200)``, what the History tab asks), median;
* History's first page (``history(limit=100)``), median;

and, for information, a common word, a word that matches nothing, a 2-character query (the
LIKE path) and the same searches with FTS5 switched off (the fallback for SQLite builds
without it). Exits 1 if a goal is missed: recording ≤ 5 ms, search ≤ 50 ms, first page ≤ 50 ms.

    python benchmarks/bench_history.py [--comparisons 100000] [--fill bulk|record]

``--fill bulk`` (default) writes exactly the rows record_comparison writes (an ``h:<id>``
record in diskcache and an index row) but in large transactions, so set-up takes a minute
instead of several; ``--fill record`` calls record_comparison N times.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.cache import ResponseCache  # noqa: E402
from playground.cache import comparison_key  # noqa: E402

MODELS = ["gemma-4-e2b", "gemma-4-e4b", "gemini:gemma-4-26b-a4b-it", "gemini:gemma-4-31b-it", "gemma-3-270m"]
ANIMALS = ["pelican", "otter", "fox", "heron", "walrus", "capybara", "lynx", "badger", "crane", "ibis",
           "gecko", "bison", "yak", "moose", "koala", "lemur", "narwhal", "tapir", "okapi", "marmot",
           "puffin", "toucan", "meerkat", "wombat", "quokka", "axolotl", "pangolin", "ocelot", "kiwi", "emu",
           "manatee", "hedgehog", "armadillo", "platypus", "chinchilla", "ferret", "mongoose", "jackal",
           "hyena", "gazelle", "ibex", "alpaca", "llama", "camel", "donkey", "zebu", "orca", "beluga",
           "dugong", "seal", "tern", "gannet", "kestrel", "osprey", "condor", "magpie", "raven", "finch",
           "wren", "robin", "sparrow", "swift", "swallow", "martin", "plover", "curlew", "dunlin", "avocet",
           "stork", "egret", "bittern", "spoonbill", "flamingo", "cormorant", "albatross", "petrel", "skua",
           "gull", "auk", "guillemot", "razorbill", "loon", "grebe", "coot", "moorhen", "rail", "crake",
           "bustard", "quail", "partridge", "pheasant", "grouse", "ptarmigan", "turkey", "peacock", "hoopoe",
           "kingfisher", "bee-eater", "roller"]
VEHICLES = ["bicycle", "unicycle", "skateboard", "tandem", "scooter", "tricycle", "kayak", "sled"]
TOPICS = ["autumn", "the sea", "a quiet morning", "compilers", "coffee", "rain", "mountains", "trains"]


def make_prompt(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return f"Generate an SVG of a {rng.choice(ANIMALS)} riding a {rng.choice(VEHICLES)}"
    if kind < 0.75:
        return f"Write a haiku about {rng.choice(TOPICS)} ({rng.randint(1, 10**6)})"
    words = " ".join(secrets.token_hex(rng.randint(2, 5)) for _ in range(rng.randint(5, 60)))
    return f"Explain this log excerpt: {words}"


def make_panes(rng: random.Random) -> list[dict[str, Any]]:
    return [{"model": m, "label": m, "source": "gemini" if m.startswith("gemini:") else "local",
             "settings": {"temperature": 0.7, "top_p": 0.95, "top_k": 64, "max_tokens": 1024,
                          "seed": rng.randint(0, 1000), "thinking": rng.random() < 0.5},
             "key": secrets.token_hex(32), "sample": 1, "error": None, "finish_reason": "stop"}
            for m in rng.sample(MODELS, 4)]


def bulk_fill(cache: ResponseCache, rng: random.Random, n: int, batch: int = 5000) -> None:
    """The rows record_comparison writes, in big transactions (see the module docstring)."""
    base = time.time() - n
    for start in range(0, n, batch):
        rows = []
        with cache._cache.transact():
            for i in range(start, min(n, start + batch)):
                now = base + i
                entry_id = f"{int(now * 1000):012x}-{secrets.token_hex(4)}"
                prompt, panes = make_prompt(rng), make_panes(rng)
                models = [p["model"] for p in panes]
                cache._cache.set("h:" + entry_id, {"v": 1, "id": entry_id, "time": now, "prompt": prompt,
                                                   "system": None, "image_sha": None, "models": models,
                                                   "panes": panes})
                rows.append({"id": entry_id, "time": now, "prompt": prompt, "system": None, "image_sha": None,
                             "models": models, "key": comparison_key(prompt=prompt, system=None, image_sha=None,
                                                                     panes=panes)})
        cache._history.add_many(rows)
        print(f"  filled {min(n, start + batch):,}", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median ms, p95 ms, last result) over `repeat` calls after one warm-up call."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comparisons", type=int, default=100_000)
    parser.add_argument("--fill", choices=["bulk", "record"], default="bulk")
    parser.add_argument("--records", type=int, default=200, help="record_comparison calls timed")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per query")
    args = parser.parse_args()

    rng = random.Random(2026)
    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        t0 = time.perf_counter()
        with ResponseCache(tmp) as cache:
            if args.fill == "bulk":
                bulk_fill(cache, rng, args.comparisons)
            else:
                for _ in range(args.comparisons):
                    cache.record_comparison(prompt=make_prompt(rng), system=None, image_sha=None,
                                            panes=make_panes(rng))
        print(f"set-up: {args.comparisons:,} comparisons ({args.fill}) in {time.perf_counter() - t0:.0f} s")

        with ResponseCache(tmp) as cache:  # reopened, as a new server process would
            print(f"FTS5 trigram search: {'on' if cache._history.fts else 'off (LIKE)'}")
            record_times = []
            for _ in range(args.records):
                prompt, panes = make_prompt(rng), make_panes(rng)
                t0 = time.perf_counter()
                cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=panes)
                record_times.append((time.perf_counter() - t0) * 1000)
            record_times.sort()
            rec_median = statistics.median(record_times)
            rec_p95 = record_times[int(0.95 * (len(record_times) - 1))]
            page_median, page_p95, page = timed(lambda: cache.history(limit=100), args.repeat)
            search_median, search_p95, found = timed(lambda: cache.history("pelican", limit=200), args.repeat)
            total = cache.stats()["comparisons"]
            extra = {q: timed(lambda q=q: cache.history(q, limit=200), args.repeat)
                     for q in ("haiku", "zebra-unicorn", "ca")}

        with ResponseCache(tmp, history_fts=False) as plain:
            like = {q: timed(lambda q=q: plain.history(q, limit=200), max(5, args.repeat // 3))
                    for q in ("pelican", "zebra-unicorn")}

    print(f"history: {total:,} comparisons")
    print(f"record one 4-pane comparison: median {rec_median:.2f} ms, p95 {rec_p95:.2f} ms"
          f" over {args.records} calls (goal ≤ 5 ms)")
    print(f"prompt search 'pelican' (limit 200, {len(found)} shown): median {search_median:.2f} ms,"
          f" p95 {search_p95:.2f} ms (goal ≤ 50 ms)")
    print(f"first page (100 newest, {len(page)} shown): median {page_median:.2f} ms, p95 {page_p95:.2f} ms"
          f" (goal ≤ 50 ms)")
    for q, (med, p95, rows) in extra.items():
        print(f"  search {q!r}: median {med:.2f} ms, p95 {p95:.2f} ms ({len(rows)} shown)")
    for q, (med, p95, rows) in like.items():
        print(f"  without FTS5 (LIKE), search {q!r}: median {med:.2f} ms, p95 {p95:.2f} ms ({len(rows)} shown)")
    for name, value, goal in (("recording", rec_median, 5), ("search", search_median, 50),
                              ("first page", page_median, 50)):
        if value > goal:
            failures.append(f"{name} median {value:.2f} ms exceeds {goal} ms")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
