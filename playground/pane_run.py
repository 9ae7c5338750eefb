"""One pane's run: wait for a local slot or an API gate, stream the adapter's events, reduce
them into the pane's state (text, thinking, metrics, notes, status).

A run belongs to a comparison (playground/runner.py) but does not import it: the little it
needs from it — the request, the cache, the API gate, the "finished" report — is `PaneHost`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
import time
from typing import Protocol

from playground.adapters.base import (
    Cancelled, ChatRequest, Finish, Loaded, Loading, ModelError, RequestSent, Retrying, Status, StreamContext,
    TextDelta, ThoughtDelta, Usage,
)
from playground.cache import derive_key
from playground.catalog import UnknownModel
from playground.diagnostics import diagnose
from playground.keys import StreamRedactor, redactor
from playground.loop import LoopDetector
from playground.model_spec import ModelSpec
from playground.pane import PaneRequest, PaneState
from playground.result import PaneResult
from playground.runtime import Runtime
from playground.samples import sample_settings
from playground.status import PaneStatus

# A hostile or broken upstream can stream without end (a 51 MB answer filled 2 GB of server
# memory and 632 MB of page updates): answer and thinking together stop here, as "length".
MAX_ANSWER_CHARS = 2_000_000


class PaneHost(Protocol):
    """What a pane run needs from its comparison (runner.Comparison is the one)."""

    runtime: Runtime
    request: ChatRequest

    def try_cache(self, run: PaneRun) -> bool:
        """Fill the run from a stored sample instead of running it; True when it did."""

    def api_gate(self, pane_index: int) -> threading.BoundedSemaphore:
        """How many of one pane's API samples may stream at once."""

    def pane_finished(self, run: PaneRun) -> None:
        """The run is over (answered, failed, stopped or abandoned): store it, count it."""


class PaneRun:
    """One pane's thread: queue → stream → reduce. Owns its state under `lock`."""

    def __init__(self, comparison: PaneHost, index: int, pane: PaneRequest, sample_index: int = 0):
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
        self.batch = None  # a SampleBatch when this local pane's samples are decoded together
        self.redact = redactor(self.runtime.secrets())
        # answer and thinking pass the same redaction as errors, chunk by chunk (a key split
        # across two chunks is never shown in part)
        self.streamed = {name: StreamRedactor(self.runtime.secrets()) for name in ("text", "thinking")}
        self.streamed_chars = 0
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
        with self.lock:  # no deep copy of the whole state just to ask this
            return not self.state.cached and not self.abandoned and self.state.to_result().complete

    # -- the thread --
    def start(self) -> None:
        if self.state.finished:
            return
        if self.comparison.try_cache(self):
            return
        if self.batch is not None:
            self.batch.join(self)  # the batch holds one place in the local line for its samples
        elif self.spec is not None and self.spec.is_local:
            # Line up here, in pane order: pane 1 runs first, not whichever thread is quickest.
            self.runtime.slots.reserve(self)
        self.thread = threading.Thread(target=self._run, name=f"pane-{self.state.index}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        holds_slot = False
        holds_gate = None
        try:
            adapter = self.runtime.adapter_for(self.spec)
            if self.batch is not None:  # the batch's driver takes the slot for all its samples
                self._update(status=PaneStatus.QUEUED)
                if not self.batch.wait_turn(self):
                    raise Cancelled()
            elif self.spec.is_local:
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
            events = (self.batch.events(self) if self.batch is not None
                      else adapter.stream(self.comparison.request, self.settings, self.ctx))
            with contextlib.closing(events) as events:
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
            elif self.batch is None:
                self.runtime.slots.discard(self)  # failed before its turn: leave the line
            else:
                self.batch.leave(self)
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
                        name = "text" if isinstance(event, TextDelta) else "thinking"
                        room = MAX_ANSWER_CHARS - self.streamed_chars
                        chunk = event.text[:room]
                        self.streamed_chars += len(chunk)
                        setattr(self.state, name, self.streamed[name].add(chunk))
                        grown, detector = getattr(self.state, name), self.detectors[name]
                        self.state.version += 1
                        if len(event.text) > room:
                            self.state.finish_reason = "length"
                            self.state.notes.append(f"the answer reached {MAX_ANSWER_CHARS // 1_000_000} MB of text "
                                                    "and was cut there")
                            break  # the caller closes the stream; `finally` settles the text
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
                        if self.batch is not None and m.queue_s is not None:
                            # a batched answer waited through the load for its own turn: the
                            # load is counted once, as load_s, not again as queue time
                            m.queue_s = max(0.0, round(m.queue_s - event.load_s, 4))
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
                if not self.abandoned:  # the tail held back in case it began a key: now whole
                    self.state.text, self.state.thinking = (self.streamed["text"].text(),
                                                            self.streamed["thinking"].text())
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
