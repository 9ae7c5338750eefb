"""Replaying a cached 4-pane comparison, server side, end to end: History lookup, the four
cached answers read from disk, SVG extraction/repair/sanitizing re-run on each answer (as
on every read), and the pane HTML, gallery and chart built — everything but the network.

    python benchmarks/bench_replay.py [--iterations 200] [--budget-ms 20]

Exits 1 if the median exceeds the budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.cache import ResponseCache
from playground.catalog import Catalog
from playground.config import AppConfig
from playground.result import Metrics
from playground.runner import Comparison, PaneRequest
from playground.runtime import Runtime
from playground.ui.session import Sessions

PELICAN = """Here is a pelican riding a bicycle:

```svg
<svg width="512" height="512" xmlns="http://www.w3.org/2000/svg">
  <rect width="512" height="512" fill="#bde0fe"/>
  <circle cx="150" cy="380" r="70" fill="none" stroke="#333" stroke-width="8"/>
  <circle cx="370" cy="380" r="70" fill="none" stroke="#333" stroke-width="8"/>
  <line x1="150" y1="380" x2="260" y2="300" x1="999" stroke="#c00" stroke-width="6"/>
  <line x1="260" y1="300" x2="370" y2="380" stroke="#c00" stroke-width="6"/>
  <ellipse cx="260" cy="220" rx="80" ry="50" fill="#fff" stroke="#333" stroke-width="3"/>
  <circle cx="320" cy="160" r="28" fill="#fff" stroke="#333" stroke-width="3"/>
  <path d="M345 160 L440 175 L345 185 Z" fill="#f4a261" stroke="#333" stroke-width="2"/>
  <circle cx="328" cy="152" r="4" fill="#000"/>
</svg>
```

The pelican's long beak points forward while its webbed feet push the pedals. """


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--budget-ms", type=float, default=20.0)
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="bench-replay-")
    config = AppConfig()
    runtime = Runtime(config, Catalog(config, scan_disk=False), cache=ResponseCache(directory))
    request = ChatRequest("Generate an SVG of a pelican riding a bicycle")
    panes = [PaneRequest("gemma-3-270m", GenerationSettings(temperature=t)) for t in (0.2, 0.5, 0.8, 1.1)]
    comparison = Comparison(runtime, request, panes)
    for index, run in enumerate(comparison.runs):  # store four realistic answers, no model needed
        run.cache_key()
        run.state.text = PELICAN * (index + 1) + "More prose. " * 200
        run.state.thinking = "Let me plan the drawing. " * 60
        run.state.finish_reason, run.state.status = "stop", "done"
        run.state.metrics = Metrics(ttft_s=0.4, tokens_per_s=50.0, completion_tokens=900, total_s=20.0)
        comparison.store(run)
    entry_id = comparison.record()

    sessions = Sessions(runtime)
    timings = []
    for i in range(args.iterations):
        started = time.perf_counter()
        outputs, _ = sessions.restore(f"session-{i % 8}", entry_id)
        timings.append((time.perf_counter() - started) * 1000)
    assert all("gp-cached" in html for html in outputs[6:10]), "restore did not show cached panes"
    median = statistics.median(timings)
    print(f"replay of a cached 4-pane comparison (4 drawings, ~{len(PELICAN) * 2 + 2400} chars per answer): "
          f"median {median:.2f} ms, p95 {sorted(timings)[int(len(timings) * 0.95)]:.2f} ms, "
          f"first {timings[0]:.2f} ms over {len(timings)} runs (budget {args.budget_ms} ms)")
    runtime.close()
    return 0 if median <= args.budget_ms else 1


if __name__ == "__main__":
    sys.exit(main())
