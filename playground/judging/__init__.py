"""Judging: votes (rankings of the panes of a comparison) and the leaderboard fitted from them.

* :mod:`.votes` — the vote store (``votes.sqlite3`` in the cache folder) and the Vote record.
* :mod:`.ranking` — Bradley–Terry strengths with bootstrap intervals, win matrix, speed vs quality.
* :mod:`.cli` — ``gemma-playground votes …`` and ``gemma-playground leaderboard``.

Importing this package is cheap: numpy and choix load only when a leaderboard is fitted.
"""

from .ranking import Leaderboard, ModelStanding, SpeedPoint, WinMatrix, fit_leaderboard, leaderboard, speed_quality
from .votes import Pane, Vote, VoteError, VoteStore, VoteStoreError, make_vote, open_votes

__all__ = [
    "Leaderboard",
    "ModelStanding",
    "Pane",
    "SpeedPoint",
    "Vote",
    "VoteError",
    "VoteStore",
    "VoteStoreError",
    "WinMatrix",
    "fit_leaderboard",
    "leaderboard",
    "make_vote",
    "open_votes",
    "speed_quality",
]
