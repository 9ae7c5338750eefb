"""Per-client rate limit for runs: a sliding window of run start times per client address.
Off by default on localhost; `--share` turns it on (a public link is reachable by anyone)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimited(Exception):
    """Too many runs from one client; the message says how long to wait."""


class RateLimiter:
    def __init__(self, runs_per_minute: int = 0, window_s: float = 60.0, clock=time.monotonic):
        self.limit = runs_per_minute
        self.window_s = window_s
        self.clock = clock
        self._starts: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Record a run for `client`, or raise RateLimited if it already used its share."""
        if self.limit <= 0:
            return
        now = self.clock()
        with self._lock:
            starts = self._starts[client]
            while starts and now - starts[0] > self.window_s:
                starts.popleft()
            if len(starts) >= self.limit:
                wait = self.window_s - (now - starts[0])
                raise RateLimited(f"Too many runs from this address ({self.limit} per minute): "
                                  f"try again in {wait:.0f} s.")
            starts.append(now)
            if len(self._starts) > 10_000:  # forget idle clients so memory stays bounded
                for key in [k for k, v in self._starts.items() if not v][:5_000]:
                    del self._starts[key]
