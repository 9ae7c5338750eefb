"""The local engine process vs llama-cpp-python in-process: decode speed, first token, load.

Same GGUF (the bundled Gemma 3 270M), prompt, seed, sampling, token count and threads. Each
side runs in its own fresh process, the two alternating round after round (one process holding
both would measure OpenMP thread teams fighting, see bench_runner.py):

* direct: `import llama_cpp; Llama(...)` in this process (what the app did before the engine);
* engine: the app's LlamaPool + LlamaLocalAdapter, which start an engine process and relay its
  events over a socket.

Figures: load (cold: from nothing to a loaded model — the direct side pays the llama_cpp import
there, as the app's first load did; the engine side pays starting Python and that import in its
process), first token (prompt read + first token, warm model), decode tokens/s = tokens after the
first ÷ (last − first token time), CPU time per decoded token (the engine side counts the app
process and the engine process: what the extra process costs, steadier than wall time when other
work shares the cores), and the next model's load (another file, the first evicted:
the engine side takes the spare engine the pool started ahead). Last: a cached replay, which must
start no engine.

    python benchmarks/bench_engine.py [--tokens 256] [--rounds 5]

Exits 1 when the median decode ratio (engine ÷ direct) is below --goal (default 0.97).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = "Write a long, detailed story about a pelican who learns to ride a bicycle."
N_CTX = 1024


def settings(tokens: int):
    from playground.adapters.base import GenerationSettings

    return GenerationSettings(temperature=0.8, top_p=0.95, top_k=64, max_tokens=tokens, seed=42)


def direct(tokens_wanted: int, threads: int) -> dict:
    from playground.adapters.base import ChatRequest
    from playground.adapters.chat_format import gemma3_prompt
    from playground.adapters.llama_load import padded_n_ctx
    from playground.model_files import bundled_model_path

    path = bundled_model_path()
    started = time.perf_counter()
    import llama_cpp

    llm = llama_cpp.Llama(model_path=str(path), n_ctx=padded_n_ctx(N_CTX), n_threads=threads,
                          verbose=False)
    load_s = time.perf_counter() - started
    s = settings(tokens_wanted)
    prompt = gemma3_prompt(ChatRequest(PROMPT))
    runs = []
    for _ in range(2):  # a warm-up, then the measured run
        tokens = llm.tokenize(prompt.encode(), add_bos=True, special=True)
        llm.set_seed(s.seed)
        asked = time.perf_counter()
        first = last = None
        count = 0
        cpu = []
        for chunk in llm.create_completion(tokens, stream=True, max_tokens=s.max_tokens,
                                           temperature=s.temperature, top_p=s.top_p, top_k=s.top_k,
                                           min_p=0.0, repeat_penalty=1.0, seed=s.seed,
                                           stop=["<end_of_turn>", "<eos>"]):
            if chunk["choices"][0].get("finish_reason"):
                break
            now = time.perf_counter()
            first = first or now
            last = now
            cpu.append(time.process_time())
            count += 1
        runs.append({"ttft_s": first - asked, "decode_tps": (count - 1) / (last - first), "tokens": count,
                     "cpu_ms_per_token": (cpu[-1] - cpu[0]) * 1000 / (count - 1)})
    llm.close()
    with tempfile.TemporaryDirectory() as folder:  # another model: the same file under another name
        other = Path(folder) / "other.gguf"
        other.symlink_to(path)
        started = time.perf_counter()
        llama_cpp.Llama(model_path=str(other), n_ctx=padded_n_ctx(N_CTX), n_threads=threads,
                        verbose=False).close()
        reload_s = time.perf_counter() - started
    return {"load_s": load_s, "reload_s": reload_s, **runs[-1]}


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine(tokens_wanted: int, threads: int) -> dict:
    from playground.adapters.base import ChatRequest, Loaded, StreamContext, TextDelta
    from playground.adapters.llama_local import LlamaLocalAdapter
    from playground.adapters.llama_pool import LlamaPool
    from playground.model_files import bundled_model_path

    pool = LlamaPool(max_loaded=1, n_ctx=N_CTX, n_threads=threads)
    reload_s = 0.0
    adapter = LlamaLocalAdapter(pool, bundled_model_path(), family="gemma3")
    runs = []
    try:
        for _ in range(2):
            first = last = asked = None
            count = load_s = 0
            cpu = []
            for event in adapter.stream(ChatRequest(PROMPT), settings(tokens_wanted), StreamContext()):
                now = time.perf_counter()
                if isinstance(event, Loaded):
                    load_s, asked = event.load_s, now
                    (engine,) = pool.engines()
                elif isinstance(event, TextDelta):
                    first = first or now
                    last = now
                    # both processes: the app relaying and the engine computing
                    cpu.append(time.process_time() + process_cpu_s(engine.proc.pid))
                    count += 1
            runs.append({"load_s": load_s, "ttft_s": first - asked,
                         "decode_tps": (count - 1) / (last - first), "tokens": count,
                         "cpu_ms_per_token": (cpu[-1] - cpu[0]) * 1000 / (count - 1)})
        with tempfile.TemporaryDirectory() as folder:  # another model: evicts the first one
            other = Path(folder) / "other.gguf"
            other.symlink_to(bundled_model_path())
            with pool.use(other) as (_, reload_s):
                pass
    finally:
        pool.close()
    return {**runs[-1], "load_s": runs[0]["load_s"], "reload_s": reload_s}


def replay_starts_no_engine() -> dict:
    """Run once into a cache, then replay in a fresh runtime: the replay must start no engine."""
    from playground.adapters.base import ChatRequest
    from playground.cache import ResponseCache
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runner import PaneRequest, run_comparison
    from playground.runtime import Runtime

    with tempfile.TemporaryDirectory() as folder:
        config = AppConfig(n_ctx=N_CTX)
        panes = [PaneRequest("gemma-3-270m", settings(16))]
        for attempt in ("fill", "replay"):
            runtime = Runtime(config, Catalog(config, scan_disk=False), cache=ResponseCache(Path(folder)))
            try:
                started = time.perf_counter()
                (result,) = run_comparison(runtime, ChatRequest(PROMPT), panes)
                took = time.perf_counter() - started
                engines = len(runtime.sources["llama"].pool.engines())
            finally:
                runtime.close()
        return {"cached": result.cached, "engines_started": engines, "replay_s": took}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--goal", type=float, default=0.97)
    parser.add_argument("--side", choices=["direct", "engine"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side = direct if args.side == "direct" else engine
        print(json.dumps(side(args.tokens, args.threads)))
        return 0
    results: dict[str, list[dict]] = {"direct": [], "engine": []}
    for round_number in range(args.rounds):
        order = ("direct", "engine") if round_number % 2 == 0 else ("engine", "direct")
        for side in order:
            out = subprocess.run([sys.executable, __file__, "--side", side, "--tokens", str(args.tokens),
                                  "--threads", str(args.threads)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            results[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(side, results[side][-1], flush=True)
    med = {side: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
           for side, runs in results.items()}
    decode = med["engine"]["decode_tps"] / med["direct"]["decode_tps"]
    ttft = med["engine"]["ttft_s"] / med["direct"]["ttft_s"]
    load = med["engine"]["load_s"] / med["direct"]["load_s"]
    reload = med["engine"]["reload_s"] / med["direct"]["reload_s"]
    cpu = med["direct"]["cpu_ms_per_token"] / med["engine"]["cpu_ms_per_token"]
    replay = replay_starts_no_engine()
    print(f"\nmedians of {args.rounds} alternating rounds, {args.threads} threads, {args.tokens} tokens:")
    for side in ("direct", "engine"):
        m = med[side]
        print(f"  {side:<6}  decode {m['decode_tps']:.1f} tok/s  first token {m['ttft_s'] * 1000:.0f} ms"
              f"  load {m['load_s'] * 1000:.0f} ms  next model {m['reload_s'] * 1000:.0f} ms"
              f"  ({m['tokens']:.0f} tokens, {m['cpu_ms_per_token']:.1f} CPU ms per token)")
    print(f"engine ÷ direct: decode {decode:.3f} (goal ≥ {args.goal}), first token {ttft:.3f} "
          f"(goal ≤ 1.1), load {load:.3f} (goal ≤ 1.1), next model's load {reload:.3f}")
    print(f"CPU per decoded token, direct ÷ engine (both processes counted; steadier than wall "
          f"time on a busy machine): {cpu:.3f}")
    print(f"cached replay: cached={replay['cached']}, engines started={replay['engines_started']}, "
          f"{replay['replay_s'] * 1000:.0f} ms")
    return 0 if decode >= args.goal and replay["engines_started"] == 0 and replay["cached"] else 1


if __name__ == "__main__":
    sys.exit(main())
