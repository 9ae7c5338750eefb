"""Simulated judges for the judging tests: Plackett–Luce rankings from known strengths."""

from __future__ import annotations

import random

from playground.judging.vote_record import Vote, make_vote


def pl_ranking(rng: random.Random, strengths: dict[str, float], k: int) -> list[str]:
    """k models drawn at random, ordered best first by a Plackett–Luce draw."""
    pool = rng.sample(sorted(strengths), k)
    order = []
    while pool:
        pick = rng.choices(pool, weights=[strengths[m] for m in pool])[0]
        order.append(pick)
        pool.remove(pick)
    return order


def simulate(n: int, strengths: dict[str, float], seed: int = 1, sizes=(2, 3, 4), **fields) -> list[Vote]:
    """n votes of 2–4-way strict rankings (no ties) with the given strengths."""
    rng = random.Random(seed)
    votes = []
    for i in range(n):
        k = rng.choice([s for s in sizes if s <= len(strengths)])
        order = pl_ranking(rng, strengths, k)
        votes.append(make_vote(prompt=f"prompt {i}", panes=order, ranking=[[j] for j in range(k)],
                               time=1_790_000_000 + i, **fields))
    return votes


def jsonl(votes: list[Vote]) -> str:
    """The votes as import lines (model names, best first)."""
    import json

    return "".join(json.dumps({"prompt": v.prompt, "ranking": v.model_ranking(), "tags": list(v.tags),
                               "blind": v.blind, "all_bad": v.all_bad}) + "\n" for v in votes)
