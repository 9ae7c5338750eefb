"""The leaderboard at scale: 10,000 models and 100,000 votes, full bootstrap, time and memory.

Simulated votes: each names 2–4 models drawn at random from --models, ranked by a
Plackett–Luce draw from random strengths (1 vote in 10 has a tie). The fit runs in a child
process, so its peak resident memory (ru_maxrss) is the fit's alone plus the interpreter and
numpy/scipy; the votes are built in that process too (their own size is printed apart).
Exits 1 when the fit takes more than --max-s seconds (wall) or --max-mb MB. On a busy machine
the wall time is mostly waiting for a core: the CPU time is printed too.

    .venv/bin/python benchmarks/bench_leaderboard.py [--models 10000] [--votes 100000] [--resamples N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, random, resource, sys, time
sys.path.insert(0, sys.argv[1])
from playground.judging.ranking import fit_leaderboard
from playground.judging.vote_record import make_vote
models, n_votes, resamples = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(7)
names = [f"model-{i:05d}" for i in range(models)]
strength = {m: rng.lognormvariate(0, 1) for m in names}
votes = []
for n in range(n_votes):
    k = rng.choice((2, 2, 3, 4))
    pool = rng.sample(names, k)
    order = []
    while pool:
        pick = rng.choices(pool, weights=[strength[m] for m in pool])[0]
        order.append(pick)
        pool.remove(pick)
    ranking = [[0, 1]] + [[j] for j in range(2, k)] if rng.random() < 0.1 else [[j] for j in range(k)]
    votes.append(make_vote(prompt=f"p{n}", panes=order, ranking=ranking, time=1_790_000_000 + n))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start, cpu = time.perf_counter(), time.process_time()
board = fit_leaderboard(votes, resamples=resamples)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
unseparated = len(board.unseparated)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu_s": cpu, "peak_mb": peak, "mb_before_fit": before, "ranked": len(board.models),
                  "resamples": board.resamples, "unseparated": unseparated}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=None, help="default: the leaderboard's own")
    parser.add_argument("--max-s", type=float, default=30.0)
    parser.add_argument("--max-mb", type=float, default=1024.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from playground.judging.defaults import DEFAULT_RESAMPLES

    resamples = args.resamples or DEFAULT_RESAMPLES
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(args.models), str(args.votes), str(resamples)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        return 1
    r = json.loads(done.stdout)
    print(f"{args.models} models, {args.votes} votes, {r['resamples']} resamples: fit + bootstrap {r['seconds']:.1f} s "
          f"wall, {r['cpu_s']:.1f} s of CPU (what an idle machine's wall time approaches; load average "
          f"{os.getloadavg()[0]:.1f}), "
          f"peak RSS {r['peak_mb']:.0f} MB ({r['mb_before_fit']:.0f} MB with the votes built, before the fit); "
          f"{r['ranked']} ranked, {r['unseparated']} unseparated pairs")
    return 0 if r["seconds"] <= args.max_s and r["peak_mb"] <= args.max_mb else 1


if __name__ == "__main__":
    sys.exit(main())
