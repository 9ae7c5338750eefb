"""Fan one request out to N panes and reduce each pane's event stream into its state.

Every pane runs in its own thread. API panes start at once; local panes wait for a local slot
(they share the cores and RAM). A pane's exception is kept in that pane and never reaches the
others. The caller reads throttled snapshots (`snapshots()`), never one update per token.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
import time
from typing import Iterator

from playground.adapters.base import (
    Cancelled, ChatRequest, Finish, GenerationSettings, Loaded, Loading, ModelError, RequestSent, Retrying,
    Status, StreamContext, TextDelta, ThoughtDelta, Usage,
)
from playground.cache import CacheError, derive_key, image_digest
from playground.catalog import UnknownModel
from playground.model_spec import ModelSpec
from playground.diagnostics import diagnose
from playground.keys import redactor
from playground.loop import LoopDetector
from playground.pane import PaneRequest, PaneState
from playground.result import PaneResult
from playground.runtime import Runtime
from playground.samples import sample_settings
from playground.status import PaneStatus

__all__ = ["API_SAMPLES_AT_ONCE", "Comparison", "PaneRequest", "PaneState", "run_comparison"]

# API samples of one pane run in parallel, but not all at once: a server rate-limits bursts.
API_SAMPLES_AT_ONCE = 4


class _PaneRun:
    """One pane's thread: queue → stream → reduce. Owns its state under `lock`."""

    def __init__(self, comparison: "Comparison", index: int, pane: PaneRequest, sample_index: int = 0):
        self.comparison = comparison
        self.runtime = comparison.runtime
        self.pane = pane
        self.settings = sample_settings(pane.settings, sample_index)  # seed + index when seeded
        self.position = 0  # place in comparison.runs, set by the comparison
        self.ctx = StreamContext()
        self.lock = threading.Lock()
        self.spec: ModelSpec | None = None
        self.stop_reason = "cancelled"
        self.last_event = time.monotonic()
        self.started = time.monotonic()  # pane start: total_s and queue_s count from here
        self.running_since: float | None = None  # slot acquired: the time limits count from here
        self.stop_seen: float | None = None  # when the watchdog first saw this pane stopping
        self.abandoned = False  # given up on after a stop: its thread may no longer write
        self.thread: threading.Thread | None = None
        self.redact = redactor(self.runtime.secrets())
        self.state = PaneState(index=index, model=pane.model, label=pane.model,
                               settings=self.settings.model_dump(), sample_index=sample_index)
        # one detector each: the answer and the thinking grow apart
        self.detectors = {"text": LoopDetector(self.runtime.limits.loop),
                          "thinking": LoopDetector(self.runtime.limits.loop)}
        try:
            self.spec = self.runtime.catalog.resolve(pane.model)
            self.state.label = self.spec.label
            self.state.source = self.spec.source
            self.state.facts = self.spec.facts()
        except UnknownModel as exc:
            self._fail(str(exc))

    # -- state changes (always under the lock; `version` tells the UI what changed) --
    def _update(self, **changes) -> None:
        with self.lock:
            for key, value in changes.items():
                setattr(self.state, key, value)
            self.state.version += 1

    def _fail(self, message: str) -> None:
        if self.abandoned:
            return  # the watchdog already closed this pane; a late error changes nothing
        self._update(status=PaneStatus.ERROR, error=self.redact(message), finish_reason="error", status_note="")

    def _redacted(self, events):
        """The adapter's events with every status word redacted: the one door through which a
        server's words (retry notes, warnings) reach the pane's status line, its notes, the
        cache and the CLI. Errors take the other door, `_fail`."""
        for event in events:
            if isinstance(event, Status):
                event = Status(self.redact(event.message))
            elif isinstance(event, Retrying):
                event = dataclasses.replace(event, reason=self.redact(event.reason))
            yield event

    def snapshot(self) -> PaneState:
        with self.lock:
            return copy.deepcopy(self.state)

    def stop(self, reason: str = "cancelled") -> None:
        self.stop_reason = reason
        self.ctx.cancel.set()

    # -- the cache: this pane's key, a stored answer shown here, this pane's answer stored --
    def cache_key(self) -> str | None:
        """Work out the key of this pane's answers and keep it in the state (None when there
        is nothing to run either: the pane reports why)."""
        spec, key = self.spec, None
        found = None if spec is None else self.runtime.cache_identity(spec, self.comparison.request.image is not None)
        if found is not None:
            kind, identity = found
            key = derive_key(adapter=kind, model_id=spec.id, identity=identity, settings=self.settings,
                             request=self.comparison.request)
        self._update(cache_key=key)
        return key

    def show_cached(self, result: PaneResult, number: int, count: int) -> None:
        with self.lock:
            self.state.show_cached(result, number, count)

    def note(self, message: str) -> None:
        with self.lock:
            self.state.notes.append(message)
            self.state.version += 1

    def stored_as(self, number: int, count: int) -> None:
        """The cache kept this pane's answer as sample `number` of `count`."""
        with self.lock:
            self.state.sample, self.state.samples = number, count
            self.state.version += 1

    def storable(self) -> bool:
        """A fresh, complete answer this pane made itself (not a replay, not given up on)."""
        return not self.state.cached and not self.abandoned and self.snapshot().to_result().complete

    # -- the thread --
    def start(self) -> None:
        if self.state.finished:
            return
        if self.comparison.try_cache(self):
            return
        if self.spec is not None and self.spec.is_local:
            # Line up here, in pane order: pane 1 runs first, not whichever thread is quickest.
            self.runtime.slots.reserve(self)
        self.thread = threading.Thread(target=self._run, name=f"pane-{self.state.index}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        holds_slot = False
        holds_gate = None
        try:
            adapter = self.runtime.adapter_for(self.spec)
            if self.spec.is_local:
                self._update(status=PaneStatus.QUEUED)
                if not self.runtime.slots.acquire(self, self.ctx.cancel):
                    raise Cancelled()
                holds_slot = True
            else:
                gate = self.comparison.api_gate(self.state.index)
                while not gate.acquire(timeout=0.1):
                    if self.ctx.cancel.is_set():
                        raise Cancelled()
                holds_gate = gate
            self.running_since = time.monotonic()
            with self.lock:
                self.state.metrics.queue_s = self.running_since - self.started
                self.state.status, self.state.status_note = PaneStatus.RUNNING, ""
                self.state.version += 1
            # closing() ends the adapter's stream at once (frees a local model's lock and slot,
            # closes an HTTP stream) when we stop reading early: loop, timeout, Stop.
            with contextlib.closing(adapter.stream(self.comparison.request, self.settings, self.ctx)) as events:
                self._consume(self._redacted(events))
        except Cancelled:
            self._finish_stopped()
        except ModelError as exc:
            self._fail(str(exc))
        except Exception as exc:  # a bug or an SDK surprise: keep it in this pane only
            self._fail(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            if holds_gate is not None:
                holds_gate.release()
            if holds_slot:
                self.runtime.slots.release()
            else:
                self.runtime.slots.discard(self)  # failed before its turn: leave the line
            with self.lock:
                if not self.abandoned:  # an abandoned pane was already finished by the watchdog
                    self.state.metrics.total_s = round(time.monotonic() - self.started, 4)
                    self._add_diagnostics()
                    self.state.version += 1
            self.comparison.pane_finished(self)

    def _add_diagnostics(self) -> None:
        """Notes that say what an odd output likely means (a wrong template, stop strings, an
        answer left in the thought channel). Stored with the answer, so a replay shows them."""
        state = self.state
        if state.error is not None or state.finish_reason in (None, "cancelled", "timeout"):
            return
        for note in diagnose(state.text, state.thinking, state.finish_reason,
                             thinking_requested=self.settings.thinking):
            if note not in state.notes:
                state.notes.append(note)

    def abandon(self) -> None:
        """Give up on a pane whose thread did not end after its stop (stuck in a read): show it
        stopped now; from here its thread may not write to it any more."""
        with self.lock:
            self.abandoned = True
            self.state.status = PaneStatus.STOPPED
            self.state.finish_reason = self.stop_reason
            self.state.notes.append("the model did not stop in time; its late output is dropped")
            self.state.version += 1

    def _finish_stopped(self) -> None:
        with self.lock:
            if self.abandoned:
                return
            # cancelled by the user, loop or timeout: the text so far is kept either way
            self.state.status = PaneStatus.STOPPED
            self.state.finish_reason = self.stop_reason
            self.state.status_note = ""
            self.state.version += 1

    def _consume(self, events) -> None:
        """Reduce the stream into the state. Every write to the state, metrics included, is
        under the lock `snapshot()` takes, so a snapshot never sees half an update."""
        m = self.state.metrics
        request_started = time.monotonic()
        local = self.spec is not None and self.spec.is_local
        first = last = None
        counted = 0
        usage: dict[str, int] = {}
        try:
            for event in events:
                now = time.monotonic()
                self.last_event = now
                if isinstance(event, (TextDelta, ThoughtDelta)):
                    with self.lock:
                        if self.abandoned:
                            raise Cancelled()  # late output of a pane already given up on
                        if first is None:
                            first = now
                            m.ttft_s = round(now - request_started, 4)
                        last = now
                        counted += 1
                        if local and counted % 16 == 0:  # live rate (a local chunk is one token)
                            m.tokens_per_s = round((counted - 1) / (now - first), 2) if now > first else None
                        if isinstance(event, TextDelta):
                            self.state.text += event.text
                            grown, detector = self.state.text, self.detectors["text"]
                        else:
                            self.state.thinking += event.text
                            grown, detector = self.state.thinking, self.detectors["thinking"]
                        self.state.version += 1
                    loop = detector.check(grown)
                    if loop is not None:
                        with self.lock:
                            self.state.notes.append(loop.describe())
                        self.stop("loop")
                        raise Cancelled()
                elif isinstance(event, Loaded):
                    request_started = now  # TTFT excludes loading: measured apart
                    with self.lock:
                        m.load_s = round(event.load_s, 4)
                        self.state.status, self.state.status_note = PaneStatus.RUNNING, ""
                        self.state.version += 1
                elif isinstance(event, Loading):
                    self._update(status=PaneStatus.LOADING, status_note=event.message)
                elif isinstance(event, Retrying):  # shown while it waits, not kept as a note
                    self._update(status_note=event.message)
                elif isinstance(event, Status):
                    with self.lock:
                        self.state.status_note = event.message
                        self.state.notes.append(event.message)
                        self.state.version += 1
                elif isinstance(event, RequestSent):
                    self._update(request=event.details)
                elif isinstance(event, Usage):
                    usage.update({k: v for k, v in vars(event).items() if v is not None})
                elif isinstance(event, Finish):
                    self._update(finish_reason=event.reason)
        finally:
            with self.lock:
                m.prompt_tokens = usage.get("prompt_tokens", m.prompt_tokens)
                m.completion_tokens = usage.get("completion_tokens", counted or None)
                m.thinking_tokens = usage.get("thinking_tokens", m.thinking_tokens)
                tokens = m.completion_tokens or counted
                if first is not None and last is not None and last > first and tokens > 1:
                    m.tokens_per_s = round((tokens - 1) / (last - first), 2)
        with self.lock:
            if self.abandoned:
                return
            self.state.status = PaneStatus.DONE
            # a stream that ended without saying why is not called complete (nor cached)
            self.state.finish_reason = self.state.finish_reason or "unknown"
            self.state.created_at = time.time()
            self.state.status_note = ""
            self.state.version += 1


class Comparison:
    """One run of one request across panes. Start it, read snapshots, stop it."""

    def __init__(self, runtime: Runtime, request: ChatRequest, panes: list[PaneRequest],
                 use_cache: bool = True, record_history: bool = True):
        self.runtime = runtime
        self.record_history = record_history  # a one-pane re-roll is not a new comparison
        self.request = request
        self.use_cache = use_cache and runtime.cache is not None
        self._done = threading.Event()
        self._finished: set[int] = set()
        self.history_id: str | None = None
        self.claimed_samples: dict[str, set[int]] = {}  # cache key -> samples shown or made in this run
        self.claims_lock = threading.Lock()
        self._guard = threading.Lock()
        self.runs = [_PaneRun(self, i, p, j) for i, p in enumerate(panes) for j in range(p.samples)]
        for position, run in enumerate(self.runs):
            run.position = position
        self._api_gates: dict[int, threading.BoundedSemaphore] = {}

    def api_gate(self, pane_index: int) -> threading.BoundedSemaphore:
        """How many of one pane's API samples may stream at once."""
        with self._guard:
            return self._api_gates.setdefault(pane_index, threading.BoundedSemaphore(API_SAMPLES_AT_ONCE))

    def by_pane(self) -> list[list["_PaneRun"]]:
        """The runs grouped per pane, samples in order (one run per pane unless samples > 1)."""
        groups: dict[int, list[_PaneRun]] = {}
        for run in self.runs:
            groups.setdefault(run.state.index, []).append(run)
        return [groups[i] for i in sorted(groups)]

    # -- the cache: one key per pane, samples claimed so no answer shows twice in one run --
    def try_cache(self, run: _PaneRun) -> bool:
        """Fill `run` from the newest stored sample nobody in this comparison has shown or
        made. The key is kept even when not reading, so a bypassed run (or a re-roll) stores
        a new sample next to the old ones. A cache failure becomes a note; the pane runs."""
        cache = self.runtime.cache
        if cache is None:
            return False
        try:
            key = run.cache_key()
            if key is None or not self.use_cache:
                return False
            # Two panes (or two samples of one pane) with the same model and settings share a
            # key: each gets its own sample (newest first); one with none left runs fresh. Under
            # the claims lock, a sample another run of this comparison is storing right now is
            # claimed by it, never offered here.
            with self.claims_lock:
                samples = cache.numbered_samples(key)
                claimed = self.claimed_samples.setdefault(key, set())
                free = [(n, r) for n, r in samples if n not in claimed]
                if not free:
                    return False
                number, result = free[-1]
                claimed.add(number)
        except (CacheError, OSError) as exc:
            run.note(f"cache unavailable for this pane: {exc}")
            return False
        run.show_cached(result, number, len(samples))
        self.pane_finished(run)
        return True

    def store(self, run: _PaneRun) -> None:
        """Keep a finished pane's answer as a new sample (claimed: never replayed in this run)."""
        cache, key = self.runtime.cache, run.state.cache_key
        if key is None:
            return
        try:
            with self.claims_lock:
                number = cache.add_sample(key, run.snapshot().to_result())
                if number is not None:
                    self.claimed_samples.setdefault(key, set()).add(number)
            if number is not None:
                run.stored_as(number, len(cache.numbered_samples(key)))
        except (CacheError, OSError) as exc:
            run.note(f"not cached: {exc}")

    def record(self) -> str | None:
        """Add the finished comparison to History (panes point at their cache key + sample)."""
        panes = []
        for runs in self.by_pane():
            states = [run.snapshot() for run in runs]
            kept = [{"key": s.cache_key, "sample": _stored_sample(s), "settings": s.settings} for s in states]
            state = states[0]  # the pane's fields describe its first sample, as in compare --json
            panes.append({"model": state.model, "label": state.label, "source": state.source,
                          "settings": runs[0].pane.settings.model_dump(), "key": state.cache_key,
                          "sample": kept[0]["sample"], "samples": kept,
                          "error": state.error, "finish_reason": state.finish_reason})
        try:
            return self.runtime.cache.record_comparison(
                prompt=self.request.prompt, system=self.request.system,
                image_sha=image_digest(self.request.image), panes=panes)
        except (CacheError, OSError, ValueError):
            return None

    def pane_finished(self, run: _PaneRun) -> None:
        try:
            if self.runtime.cache is not None and run.position not in self._finished and run.storable():
                self.store(run)
        finally:  # whatever storing did, the comparison must still end
            self._mark_finished(run)

    def _mark_finished(self, run: _PaneRun) -> None:
        with self._guard:
            first_report = run.position not in self._finished
            self._finished.add(run.position)  # a set: an abandoned pane may report twice
            all_done = first_report and len(self._finished) >= len(self.runs)
        if all_done:
            if self.runtime.cache is not None and self.record_history:
                self.history_id = self.record()
            self._done.set()

    def start(self) -> "Comparison":
        for run in self.runs:
            if run.state.finished:
                self.pane_finished(run)
            else:
                run.start()
        if not self.runs:
            self._done.set()
        return self

    def stop(self) -> None:
        for run in self.runs:
            run.stop("cancelled")

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def snapshot(self) -> list[PaneState]:
        """Every run's state now (a copy); reading never changes a pane."""
        states = [run.snapshot() for run in self.runs]
        for run, state in zip(self.runs, states):
            if state.status == PaneStatus.QUEUED and state.error is None:
                pos, total = self.runtime.slots.position(run)
                if pos:
                    state.status_note = f"queued ({pos} of {total})"
        return states

    def enforce_limits(self) -> None:
        """Stop every pane past its total or idle limit, even a stream stuck inside a read.
        `snapshots()` calls it on every tick; a caller polling `snapshot()` itself calls it."""
        limits = self.runtime.limits
        now = time.monotonic()
        for run in self.runs:
            if run.state.finished or run.ctx.cancel.is_set():
                continue
            if run.running_since is None:
                continue  # still queued for a local slot: waiting is not the model's fault
            if now - run.running_since > limits.total_s:
                note = f"stopped: no answer within the {limits.total_s:g} s limit"
            elif run.state.status == PaneStatus.RUNNING and now - max(run.last_event, run.running_since) > limits.idle_s:
                note = f"stopped: no token for {limits.idle_s:g} s"
            else:
                continue
            with run.lock:
                run.state.notes.append(note)
            run.stop("timeout")

    def snapshots(self, interval_s: float = 0.08, give_up_s: float = 5.0) -> Iterator[list[PaneState]]:
        """Throttled snapshots until every pane is finished. A pane whose thread does not end
        within `give_up_s` after its stop is marked stopped so the caller never hangs."""
        while not self._done.wait(interval_s):
            self.enforce_limits()
            yield self.snapshot()
            self._abandon_stuck(give_up_s)
        yield self.snapshot()

    def _abandon_stuck(self, give_up_s: float) -> None:
        for run in self.runs:
            if run.ctx.cancel.is_set() and not run.state.finished:
                run.stop_seen = run.stop_seen or time.monotonic()
                if time.monotonic() - run.stop_seen > give_up_s:
                    run.abandon()
                    self.pane_finished(run)

    def wait(self) -> list[PaneResult]:
        """Run to the end; every run's result (pane order, samples in order within a pane)."""
        for _ in self.snapshots():
            pass
        return [run.snapshot().to_result() for run in self.runs]

    def wait_by_pane(self) -> list[list[PaneResult]]:
        """Run to the end; each pane's samples, in pane order."""
        for _ in self.snapshots():
            pass
        return [[run.snapshot().to_result() for run in runs] for runs in self.by_pane()]


def _stored_sample(state: PaneState) -> int | None:
    """The cache's sample number of a pane's answer, when the answer is in the cache."""
    if state.cache_key is None:
        return None
    return state.sample if state.cached or state.to_result().complete else None


def run_comparison(runtime: Runtime, request: ChatRequest, panes: list[PaneRequest],
                   use_cache: bool = True) -> list[PaneResult]:
    """Blocking helper: run every pane to the end and return the results in pane order
    (with samples > 1, a pane's samples follow each other)."""
    return Comparison(runtime, request, panes, use_cache).start().wait()
