"""What a run may cost and the shared link's hourly token budget, and the log's lines per minute,
on an injected clock at their edges: the exact sentences a refused user reads (with thousands
separators and the wait in minutes), a budget met exactly is not over it, the hour's last instant,
a settled run freeing what it did not generate, one address not spending another's, memory
bounded under address churn, and the log saying how many lines it dropped. No sleeps."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from playground.ui.limits import LogLimiter, OverBudget, TokenBudget, check_run_budget, planned_tokens


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def pane(samples, max_tokens):
    return SimpleNamespace(samples=samples, settings=SimpleNamespace(max_tokens=max_tokens))


def test_a_runs_planned_tokens_are_each_panes_samples_times_its_max_tokens():
    assert planned_tokens([pane(2, 1000), pane(3, 500)]) == 3500
    assert planned_tokens([pane(0, 700)]) == 700  # a pane always runs at least one sample
    assert planned_tokens([pane("2", "300")]) == 600
    assert planned_tokens([]) == 0


def test_the_per_run_limit_refuses_only_above_it_and_says_what_to_change():
    panes = [pane(2, 1000), pane(1, 1500)]
    assert check_run_budget(panes, 0) == 3500  # 0: no limit
    assert check_run_budget(panes, 3500) == 3500  # exactly the limit is allowed
    with pytest.raises(OverBudget) as refused:
        check_run_budget(panes, 3499)
    assert str(refused.value) == ("This run could generate 3,500 tokens (panes × samples × max tokens); the limit "
                                  "per run is 3,499. Lower the samples or max tokens, or use fewer panes.")


def test_the_hourly_budget_is_off_by_default():
    budget = TokenBudget(clock=Clock())
    assert budget.limit == 0 and budget.window_s == 3600.0
    assert budget.reserve("a", 10**9) is None
    budget.settle(None, 5)  # a run without a ticket settles to nothing
    assert TokenBudget(tokens_per_hour=-1).reserve("a", 10**9) is None


def test_the_hourly_budget_counts_per_address_and_says_how_long_to_wait():
    clock = Clock()
    budget = TokenBudget(tokens_per_hour=10_000, clock=clock)
    assert budget.reserve("a", 6000) == [1000.0, 6000.0]
    clock.now += 600
    assert budget.reserve("a", 4000) == [1600.0, 4000.0]  # exactly the limit is allowed
    assert budget.reserve("b", 10_000) == [1600.0, 10_000.0]  # another address has its own hour
    clock.now += 300
    with pytest.raises(OverBudget) as refused:
        budget.reserve("a", 1)
    assert str(refused.value) == ("This address has used 10,000 of its 10,000 tokens for this hour and this run "
                                  "could generate 1 more: lower the samples or max tokens, or try again in 45 min.")


def test_a_run_larger_than_the_whole_hour_waits_a_full_hour():
    budget = TokenBudget(tokens_per_hour=1000, clock=Clock())
    with pytest.raises(OverBudget) as refused:
        budget.reserve("a", 1001)
    assert str(refused.value) == ("This address has used 0 of its 1,000 tokens for this hour and this run could "
                                  "generate 1,001 more: lower the samples or max tokens, or try again in 60 min.")


def test_the_hours_last_instant_still_counts():
    clock = Clock()
    budget = TokenBudget(tokens_per_hour=100, window_s=3600.0, clock=clock)
    budget.reserve("a", 100)
    clock.now += 3600.0
    with pytest.raises(OverBudget, match="used 100 of its 100 .* try again in 0 min"):
        budget.reserve("a", 1)
    clock.now += 0.001
    assert budget.reserve("a", 100) == [clock.now, 100.0]


def test_a_settled_run_frees_what_it_did_not_generate():
    clock = Clock()
    budget = TokenBudget(tokens_per_hour=100, clock=clock)
    ticket = budget.reserve("a", 100)
    budget.settle(ticket, 30)
    assert ticket == [1000.0, 30.0]
    assert budget.reserve("a", 70) is not None
    with pytest.raises(OverBudget, match="used 100 of"):
        budget.reserve("a", 1)
    budget.settle(ticket, -5)  # a negative count never gives tokens back twice
    assert ticket[1] == 0.0
    assert budget.reserve("a", 30) is not None


def test_the_hourly_budget_forgets_idle_addresses():
    budget = TokenBudget(tokens_per_hour=10, clock=Clock())
    for i in range(10_000):
        with pytest.raises(OverBudget):
            budget.reserve(f"idle{i}", 11)  # refused: known, nothing spent
    budget.reserve("x", 1)
    assert len(budget._spent) == 10_001 - 5_000 and "x" in budget._spent and "idle5000" in budget._spent
    budget = TokenBudget(tokens_per_hour=10, clock=Clock())
    for i in range(9_999):
        with pytest.raises(OverBudget):
            budget.reserve(f"idle{i}", 11)
    budget.reserve("x", 1)
    assert len(budget._spent) == 10_000  # not over the bound: nothing forgotten


def test_the_log_keeps_20_lines_a_minute_then_says_how_many_it_dropped():
    clock = Clock()
    log = LogLimiter(clock=clock)
    assert (log.lines, log.window_s) == (20, 60.0)
    assert [log.admit() for _ in range(20)] == [(True, 0)] * 20
    assert [log.admit() for _ in range(3)] == [(False, 0)] * 3
    clock.now += 60.0  # the minute's last instant: the first line still counts
    assert log.admit() == (False, 0)
    clock.now += 0.001
    assert log.admit() == (True, 4)  # the four dropped lines, said once
    assert log.admit() == (True, 0)  # the first twenty all left the minute together; nothing dropped since


def test_a_smaller_log_limit_and_window():
    clock = Clock()
    log = LogLimiter(lines=2, window_s=5.0, clock=clock)
    assert [log.admit() for _ in range(3)] == [(True, 0), (True, 0), (False, 0)]
    clock.now += 5.5
    assert log.admit() == (True, 1)


def test_a_budget_of_one_token_an_hour_is_a_limit():
    budget = TokenBudget(tokens_per_hour=1, clock=Clock())
    assert budget.reserve("a", 1) == [1000.0, 1.0]
    with pytest.raises(OverBudget, match="used 1 of its 1 tokens"):
        budget.reserve("a", 1)
