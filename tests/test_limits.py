"""The run limit and the login throttle on an injected clock, at their edges: the window's last
instant, the wait they announce, one client not spending another's share, memory bounded under
address churn. No sleeps: the clock is a list the test moves."""

from __future__ import annotations

import pytest

from playground.ui.limits import LoginThrottle, RateLimited, RateLimiter


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_run_limit_off_by_default():
    limiter = RateLimiter(clock=Clock())
    for _ in range(500):
        limiter.check("a")
    assert limiter.limit == 0 and limiter.window_s == 60.0


def test_run_limit_counts_per_client_and_says_how_long_to_wait():
    clock = Clock()
    limiter = RateLimiter(runs_per_minute=2, clock=clock)
    limiter.check("a")
    clock.now += 10
    limiter.check("a")
    limiter.check("b")  # another client has its own share
    clock.now += 5
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert str(refused.value) == "Too many runs from this address (2 per minute): try again in 45 s."


def test_a_refused_run_is_not_counted():
    clock = Clock()
    limiter = RateLimiter(runs_per_minute=1, clock=clock)
    limiter.check("a")
    for _ in range(5):
        with pytest.raises(RateLimited):
            limiter.check("a")
    clock.now += 60.5
    limiter.check("a")  # the refusals did not extend the window


def test_run_window_edge():
    clock = Clock()
    limiter = RateLimiter(runs_per_minute=1, window_s=60.0, clock=clock)
    limiter.check("a")
    clock.now += 60.0  # exactly one window later: the first run still counts
    with pytest.raises(RateLimited, match="try again in 0 s"):
        limiter.check("a")
    clock.now += 0.001
    limiter.check("a")


def test_run_limit_drops_emptied_clients():
    limiter = RateLimiter(runs_per_minute=1, clock=Clock())
    for i in range(10_000):
        limiter._starts[f"idle{i}"]  # known clients with no run in the window
    limiter.check("x")
    assert len(limiter._starts) == 10_001 - 5_000 and "x" in limiter._starts
    limiter = RateLimiter(runs_per_minute=1, clock=Clock())
    for i in range(9_999):
        limiter._starts[f"idle{i}"]
    limiter.check("x")
    assert len(limiter._starts) == 10_000  # not over the bound: nothing forgotten


def test_login_throttle_defaults():
    throttle = LoginThrottle(clock=Clock())
    assert (throttle.max_failures, throttle.window_s) == (5, 60.0)


def test_login_throttle_wait_is_the_time_until_the_oldest_failure_leaves_the_window():
    clock = Clock()
    throttle = LoginThrottle(max_failures=2, window_s=60.0, clock=clock)
    assert throttle.begin("a") == (0.0, 1000.0)
    clock.now = 1010.0
    assert throttle.begin("a") == (0.0, 1010.0)
    clock.now = 1030.0
    assert throttle.wait_s("a") == 30.0
    assert throttle.begin("a") == (30.0, None)
    clock.now = 1059.5  # half a second left: announced as at least one second
    assert throttle.wait_s("a") == 1.0 and throttle.begin("a") == (1.0, None)
    clock.now = 1060.0  # exactly one window after the first failure: it still counts
    assert throttle.wait_s("a") == 1.0
    clock.now = 1060.5
    assert throttle.wait_s("a") == 0.0
    assert throttle.begin("a") == (0.0, 1060.5)


def test_a_success_forgives_only_its_own_attempt():
    clock = Clock()
    throttle = LoginThrottle(max_failures=2, clock=clock)
    _, first = throttle.begin("a")
    clock.now += 1
    _, second = throttle.begin("a")
    throttle.succeeded("a", second)
    assert list(throttle._failures["a"]) == [first]
    throttle.succeeded("a", second)  # twice: nothing more to forgive
    throttle.succeeded("nobody", first)  # an address never seen: no error, nothing added
    assert list(throttle._failures["a"]) == [first] and "nobody" not in throttle._failures
    assert throttle.wait_s("a") == 0.0


def test_login_throttle_bounds_its_memory():
    throttle = LoginThrottle(clock=Clock())
    for i in range(10_000):
        throttle._failures[f"idle{i}"]
    throttle.begin("x")
    assert len(throttle._failures) == 10_001 - 5_000 and list(throttle._failures["x"]) == [1000.0]
    throttle = LoginThrottle(clock=Clock())
    for i in range(9_999):
        throttle._failures[f"idle{i}"]
    throttle.begin("x")
    assert len(throttle._failures) == 10_000  # not over the bound: nothing forgotten
