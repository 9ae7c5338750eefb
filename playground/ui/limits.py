"""Per-client limits: runs per minute (a sliding window of run start times per client address),
failed logins per address, what one run may cost (panes × samples × max tokens, config
`max_run_tokens`), tokens generated per address per hour (config `shared_tokens_per_hour`) and log
lines per minute. The run and hourly limits are off by default on localhost; `--share` turns them
on (a public link is reachable by anyone). The command line is never limited.

Who the client is: the direct peer, except behind the share tunnel, whose client runs on this
machine and connects from loopback. Only then is `X-Forwarded-For` read, and only its last entry
(the one the tunnel appended); every earlier entry was written by the client and is not trusted.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable


def is_loopback(host: str | None) -> bool:
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def trusted_address(peer: str | None, forwarded: Iterable[str] = ()) -> str:
    """The address to count a request against. `peer` is the direct TCP peer; `forwarded` the
    values of every X-Forwarded-For header, in order."""
    peer = peer or "unknown"
    if not is_loopback(peer):
        return peer
    entries = [entry.strip() for value in forwarded for entry in value.split(",")]
    last = entries[-1] if entries else ""
    return last[:100] if last else peer


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


class LoginThrottle:
    """Failed logins per address: after `max_failures` within `window_s`, further attempts from
    that address are refused until the oldest failure leaves the window.

    An attempt counts as a failure from the moment it starts (`begin`) and is forgiven if it
    succeeds, so attempts sent all at once cannot all be checked before the first one fails."""

    def __init__(self, max_failures: int = 5, window_s: float = 60.0, clock=time.monotonic):
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures[address]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def wait_s(self, address: str) -> float:
        """0 if `address` may try to log in now, else the seconds until it may."""
        now = self.clock()
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.max_failures:
                return 0.0
            return max(1.0, self.window_s - (now - failures[0]))

    def begin(self, address: str) -> tuple[float, float | None]:
        """Start an attempt: (0, stamp) if allowed (the attempt now counts as failed until
        `succeeded(address, stamp)`), else (seconds to wait, None)."""
        now = self.clock()
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) >= self.max_failures:
                return max(1.0, self.window_s - (now - failures[0])), None
            failures.append(now)
            self._bound()
            return 0.0, now

    def succeeded(self, address: str, stamp: float) -> None:
        with self._lock:
            failures = self._failures.get(address)
            if failures is not None and stamp in failures:
                failures.remove(stamp)

    def _bound(self) -> None:
        if len(self._failures) > 10_000:  # bounded memory under address churn
            for key in [k for k, v in self._failures.items() if not v][:5_000]:
                del self._failures[key]


# ---- what a run may cost ------------------------------------------------------------------


class OverBudget(Exception):
    """A run would cost more tokens than allowed; the message says what to change."""


def planned_tokens(panes) -> int:
    """The most tokens a run can generate: each pane's samples × its max tokens."""
    return sum(max(1, int(p.samples)) * int(p.settings.max_tokens) for p in panes)


def check_run_budget(panes, budget: int) -> int:
    """The run's planned tokens, or OverBudget if they pass `budget` (0: no limit)."""
    planned = planned_tokens(panes)
    if budget and planned > budget:
        raise OverBudget(
            f"This run could generate {planned:,} tokens (panes × samples × max tokens); the limit per run "
            f"is {budget:,}. Lower the samples or max tokens, or use fewer panes.")
    return planned


class TokenBudget:
    """Generated tokens per address in a sliding hour. A run reserves its most (planned) tokens
    before it starts — so runs started together cannot overshoot — and settles to what it really
    generated when it ends."""

    def __init__(self, tokens_per_hour: int = 0, window_s: float = 3600.0, clock=time.monotonic):
        self.limit = tokens_per_hour
        self.window_s = window_s
        self.clock = clock
        self._spent: dict[str, deque[list[float]]] = defaultdict(deque)  # [time, tokens] entries
        self._lock = threading.Lock()

    def reserve(self, client: str, planned: int) -> list[float] | None:
        """A ticket for `planned` tokens, or OverBudget; None when there is no limit."""
        if self.limit <= 0:
            return None
        now = self.clock()
        with self._lock:
            spent = self._spent[client]
            while spent and now - spent[0][0] > self.window_s:
                spent.popleft()
            used = sum(tokens for _, tokens in spent)
            if used + planned > self.limit:
                wait = self.window_s - (now - spent[0][0]) if spent else self.window_s
                raise OverBudget(
                    f"This address has used {used:,.0f} of its {self.limit:,} tokens for this hour and this run "
                    f"could generate {planned:,} more: lower the samples or max tokens, or try again in "
                    f"{wait / 60:.0f} min.")
            ticket = [now, float(planned)]
            spent.append(ticket)
            if len(self._spent) > 10_000:  # bounded memory under address churn
                for key in [k for k, v in self._spent.items() if not v][:5_000]:
                    del self._spent[key]
            return ticket

    def settle(self, ticket: list[float] | None, generated: int) -> None:
        """The run is over: it cost `generated` tokens, not its reservation."""
        if ticket is not None:
            with self._lock:
                ticket[1] = float(max(0, generated))


class LogLimiter:
    """At most `lines` log lines per `window_s`: a client repeating a bad request cannot flood
    the log. Lines over the limit are counted and said in one line when logging resumes."""

    def __init__(self, lines: int = 20, window_s: float = 60.0, clock=time.monotonic):
        self.lines = lines
        self.window_s = window_s
        self.clock = clock
        self._times: deque[float] = deque()
        self._dropped = 0
        self._lock = threading.Lock()

    def admit(self) -> tuple[bool, int]:
        """(log this line?, lines dropped since the last one logged)."""
        now = self.clock()
        with self._lock:
            while self._times and now - self._times[0] > self.window_s:
                self._times.popleft()
            if len(self._times) >= self.lines:
                self._dropped += 1
                return False, 0
            self._times.append(now)
            dropped, self._dropped = self._dropped, 0
            return True, dropped
