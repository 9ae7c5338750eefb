"""Judging: votes (rankings of the panes of a comparison) and the leaderboard fitted from them.

* :mod:`.vote_record` — the Vote record and its validation (:func:`make_vote`), plain data.
* :mod:`.votes` — the vote store (``votes.sqlite3`` in the cache folder).
* :mod:`.ranking` — Bradley–Terry strengths with bootstrap intervals, win matrix.
* :mod:`.speed` — speed vs quality: each ranked model's score beside its median tok/s and TTFT.
* :mod:`.cli` — ``gemma-playground votes …`` and ``gemma-playground leaderboard``.

Names load on first use (PEP 562): building the command-line parser imports only :mod:`.cli`,
and numpy and choix load only when a leaderboard is fitted.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "Leaderboard": "ranking",
    "ModelStanding": "ranking",
    "SpeedPoint": "speed",
    "WinMatrix": "ranking",
    "fit_leaderboard": "ranking",
    "leaderboard": "ranking",
    "speed_quality": "speed",
    "Pane": "vote_record",
    "Vote": "vote_record",
    "VoteError": "vote_record",
    "VoteStore": "votes",
    "VoteStoreError": "votes",
    "make_vote": "vote_record",
    "open_votes": "votes",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
