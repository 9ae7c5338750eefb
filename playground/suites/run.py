"""Run a suite: every prompt × model through the runner, one comparison per prompt.

Each prompt is an ordinary comparison (runner.Comparison): its answers are cached under the
same keys as `compare` and the page (so an interrupted suite resumes, a re-run replays, and a
prompt opened in the Compare tab replays), and it is recorded in History (so Restore brings it
back). What the suite adds is the schedule across prompts:

* API answers of several prompts stream at once: the next prompt starts while fewer than
  `api_at_once` (4) are in flight, so at least 4 and at most 4 + one prompt's answers − 1 stream
  together (a server rate-limits bursts; one prompt after another would leave it idle);
* local answers go through the runtime's local queue as always (one model decodes at a time);
  the suite keeps only a few prompts' local answers waiting in that queue, so "queued (3 of 5)"
  stays meaningful and Stop has little to unwind;
* a prompt's comparison is created only when it starts, so its queue and total times are its
  own, not the time it waited behind earlier prompts.

Progress (answers done / total, cached, an ETA from the fresh answers' pace) is read with
`progress()` from any thread; Stop ends every running answer and starts no more.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from playground.adapters.base import ChatRequest
from playground.catalog import UnknownModel
from playground.pane import PaneRequest, PaneState
from playground.request import RequestError, build_request
from playground.result import PaneResult
from playground.runner import API_SAMPLES_AT_ONCE, Comparison
from playground.runtime import Runtime
from playground.suites.parse import Suite, SuitePrompt

# API answers in flight across prompts (at least this many when the suite has that many).
API_AT_ONCE = API_SAMPLES_AT_ONCE
# Local answers lined up in the local queue ahead of time (never fewer than one prompt's).
LOCAL_AHEAD = 8
TICK_S = 0.01  # how soon a free API slot is seen (a finished answer sends no signal)
LIMITS_EVERY_S = 0.25  # a pane's time limits are checked this often (seconds-long limits)


@dataclass
class Progress:
    total: int
    done: int = 0
    cached: int = 0
    failed: int = 0
    running: int = 0
    elapsed_s: float = 0.0
    eta_s: float | None = None  # None until a fresh answer finished (or nothing left to make)
    stopped: bool = False
    finished: bool = False
    note: str | None = None  # why it stopped early (a budget), said once

    def line(self) -> str:
        """`12/40 answers · 8 cached · 1 failed · ETA 1 min 10 s`"""
        parts = [f"{self.done}/{self.total} answers"]
        if self.cached:
            parts.append(f"{self.cached} cached")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.stopped:
            parts.append("stopped" + (f": {self.note}" if self.note else ""))
        elif self.finished:
            parts.append(f"done in {_duration(self.elapsed_s)}")
        elif self.eta_s is not None:
            parts.append(f"ETA {_duration(self.eta_s)}")
        return " · ".join(parts)

    def to_json(self) -> dict:
        return {"total": self.total, "done": self.done, "cached": self.cached, "failed": self.failed,
                "running": self.running, "elapsed_s": round(self.elapsed_s, 3),
                "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
                "stopped": self.stopped, "finished": self.finished}


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class SuiteHalted(Exception):
    """Raised by `before_prompt` to stop the suite before that prompt; the message says why."""


@dataclass
class SuiteItem:
    """One prompt of a running suite: its request and, once started, its comparison."""

    prompt: SuitePrompt
    request: ChatRequest | None
    error: str | None = None  # the prompt could not become a request (said once, in every pane)
    comparison: Comparison | None = None
    groups: list[list[PaneResult]] | None = None  # each pane's samples, once finished
    states: list[list[PaneState]] | None = None  # the same as pane states (cache key, sample number)

    @property
    def finished(self) -> bool:
        return self.groups is not None or self.error is not None


@dataclass
class SuiteRun:
    """A suite running in the background. `start()`, read `progress()` / `items`, `stop()`,
    `wait()`. Thread-safe to read from any thread."""

    runtime: Runtime
    suite: Suite
    panes: list[PaneRequest]
    use_cache: bool = True
    system: str | None = None  # the run's system prompt; a prompt's own "system" wins
    blind: bool = False
    api_at_once: int = API_AT_ONCE
    on_prompt_done: Callable[[SuiteItem], None] | None = None
    # Called before a prompt starts (a shared link charges it like a comparison); raising
    # SuiteHalted stops the suite there with its sentence.
    before_prompt: Callable[[SuiteItem], None] | None = None
    items: list[SuiteItem] = field(init=False)

    def __post_init__(self) -> None:
        self.items = []
        max_chars = self.runtime.config.max_prompt_chars
        for prompt in self.suite.prompts:
            try:
                request = build_request(prompt.prompt, prompt.system or self.system, prompt.image,
                                        max_prompt_chars=max_chars)
                self.items.append(SuiteItem(prompt, request))
            except RequestError as exc:
                self.items.append(SuiteItem(prompt, None, error=f"line {prompt.line}: {exc}"))
        self._is_local = [self._local(p.model) for p in self.panes]
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._started_at: float | None = None
        self._finished_at: float | None = None
        self._thread: threading.Thread | None = None
        self.note: str | None = None

    def _local(self, model: str) -> bool:
        try:
            return self.runtime.catalog.resolve(model).is_local
        except (UnknownModel, ValueError):
            return False  # fails at once in its pane: it holds nothing

    @property
    def answers_per_prompt(self) -> int:
        return sum(p.samples for p in self.panes)

    @property
    def total(self) -> int:
        return len(self.items) * self.answers_per_prompt

    # -- running ---------------------------------------------------------------------------
    def start(self) -> "SuiteRun":
        self._started_at = time.monotonic()
        self._thread = threading.Thread(target=self._schedule, name="suite", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for item in self.items:
            if item.comparison is not None:
                item.comparison.stop()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _need(self) -> tuple[int, int]:
        """(API answers, local answers) one prompt asks for."""
        api = sum(p.samples for p, local in zip(self.panes, self._is_local) if not local)
        return api, self.answers_per_prompt - api

    def _in_flight(self) -> tuple[int, int]:
        api = local = 0
        for item in self.items:
            comparison = item.comparison
            if comparison is None or item.groups is not None:
                continue
            for run in comparison.runs:
                if not run.state.finished:  # a stale read only delays the next start by a tick
                    if run.spec is not None and run.spec.is_local:
                        local += 1
                    else:
                        api += 1
        return api, local

    def _may_start(self) -> bool:
        need_api, need_local = self._need()
        api, local = self._in_flight()
        # A prompt starts while fewer than api_at_once API answers stream: waiting for room for
        # all of its answers would make every prompt wait for the slowest answer of the last.
        api_ok = need_api == 0 or api < self.api_at_once
        local_ok = need_local == 0 or local == 0 or local + need_local <= max(LOCAL_AHEAD, 2 * need_local)
        return api_ok and local_ok

    def _schedule(self) -> None:
        """One thread starts the prompts and watches them: a finished prompt is collected, the
        running ones' time limits are enforced (what a comparison's snapshots() would do) — one
        loop for the whole suite rather than a polling thread per prompt, which under load took
        the time the answers' own threads needed."""
        try:
            pending = [item for item in self.items if item.error is None]
            for item in self.items:
                if item.error is not None and self.on_prompt_done:
                    self.on_prompt_done(item)
            last_limits = 0.0
            while not self._stop.is_set():
                running = self._collect()
                if time.monotonic() - last_limits >= LIMITS_EVERY_S:
                    for item in running:
                        item.comparison.enforce_limits()
                    last_limits = time.monotonic()
                if pending and self._may_start():
                    item = pending.pop(0)
                    if self.before_prompt is not None:
                        try:
                            self.before_prompt(item)
                        except SuiteHalted as exc:
                            self.note = str(exc)
                            self._stop.set()
                            break
                    self._start_item(item)
                    continue
                if not pending and not running:
                    break
                with self._wake:
                    self._wake.wait(TICK_S)
            # Stopped: what never started stays unstarted; the running prompts end through their
            # comparison's own watch (it gives up on a stream that ignores Stop).
            for item in self._collect():
                for _ in item.comparison.snapshots(interval_s=0.1):
                    pass
                self._watched(item)
        finally:
            self._finished_at = time.monotonic()
            self._done.set()

    def _collect(self) -> list[SuiteItem]:
        """Collect the prompts that finished; the ones still running."""
        running = []
        for item in self.items:
            if item.comparison is None or item.groups is not None:
                continue
            if item.comparison.done:
                self._watched(item)
            else:
                running.append(item)
        return running

    def _start_item(self, item: SuiteItem) -> None:
        comparison = Comparison(self.runtime, item.request, list(self.panes), use_cache=self.use_cache)
        comparison.blind = self.blind
        item.comparison = comparison
        comparison.start()  # cached answers are shown here, at once
        if self._stop.is_set():
            comparison.stop()

    def _watched(self, item: SuiteItem) -> None:
        with self._wake:
            if item.groups is not None:
                return
            item.states = [[run.snapshot() for run in runs] for runs in item.comparison.by_pane()]
            item.groups = [[state.to_result() for state in states] for states in item.states]
            self._wake.notify_all()
        if self.on_prompt_done:
            self.on_prompt_done(item)

    # -- reading -----------------------------------------------------------------------------
    def progress(self) -> Progress:
        progress = Progress(total=self.total, stopped=self._stop.is_set(), finished=self._done.is_set(),
                            note=self.note)
        fresh = 0
        for item in self.items:
            if item.error is not None:
                progress.done += self.answers_per_prompt
                progress.failed += self.answers_per_prompt
                continue
            if item.comparison is None:
                continue
            for run in item.comparison.runs:
                state = run.state  # read without the lock: counts, not content
                if not state.finished:
                    progress.running += 1
                    continue
                progress.done += 1
                if state.cached:
                    progress.cached += 1
                elif state.error is not None or state.finish_reason in ("error", "timeout", "cancelled"):
                    progress.failed += 1
                else:
                    fresh += 1
        now = self._finished_at or time.monotonic()
        progress.elapsed_s = now - (self._started_at or now)
        left = progress.total - progress.done
        if left == 0:
            progress.eta_s = 0.0
        elif fresh and progress.elapsed_s > 0:
            progress.eta_s = left * progress.elapsed_s / fresh
        return progress

    def results(self) -> list[tuple[SuitePrompt, list[list[PaneResult]] | None, str | None]]:
        """Per prompt: its prompt, each pane's samples (None if it never ran), its error."""
        return [(item.prompt, item.groups, item.error) for item in self.items]
