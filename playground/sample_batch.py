"""A local pane's samples decoded together: one engine call feeds every sample's own stream.

Each sample of a pane is still a :class:`~playground.pane_run.PaneRun` with its own thread, tab,
reducer, loop detector, metrics and cache entry. The samples not found in the cache join the
pane's :class:`SampleBatch`; the first one to run starts a driver thread that takes one local slot
for all of them, asks the adapter for the k answers at once (`stream_batch`) and hands each
sample its events through a queue. A sample that stops early (its loop stop, its time limit)
leaves the batch and the others go on; Stop on the pane stops them all.

Off with GP_BATCH_SAMPLES=0 (each sample then runs on its own, one after another).
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Any, Iterator

from playground.adapters.base import Cancelled, Finish, Loaded, Loading

_END = object()


def batching_enabled() -> bool:
    return os.environ.get("GP_BATCH_SAMPLES", "1") != "0"


class SampleBatch:
    """The missing samples of one local pane, decoded by one engine call."""

    def __init__(self, runtime: Any, request: Any, adapter: Any):
        self.runtime = runtime
        self.request = request
        self.adapter = adapter
        self.members: list[Any] = []
        self.queues: dict[int, queue.SimpleQueue] = {}
        self.sealed = threading.Event()  # every member known (the cached ones left out)
        self.running = threading.Event()  # the driver holds the slot
        self.over = threading.Event()  # the driver ended (slot released)
        self._begun: dict[int, threading.Event] = {}  # a member's own decoding began
        self._finished: set[int] = set()  # members whose Finish was handed over
        self._left: set[int] = set()
        self._started = False
        self._lock = threading.Lock()

    def join(self, run: Any) -> None:
        """Called before the run's thread starts; reserves the pane's place in the local line."""
        with self._lock:
            if not self.members:
                self.runtime.slots.reserve(self)
            self.members.append(run)
            self.queues[id(run)] = queue.SimpleQueue()
            self._begun[id(run)] = threading.Event()

    def seal(self) -> None:
        with self._lock:
            self.sealed.set()
            self._give_back_if_all_left()

    def all_cancelled(self) -> bool:
        return all(run.ctx.cancel.is_set() for run in self.members)

    def wait_turn(self, run: Any) -> bool:
        """Block until this answer's own decoding begins (False: it was stopped meanwhile).
        Until then it is queued, not running: with less memory than all of them need, the
        engine decodes them in groups, and a later group must not run out its time limits
        waiting for the first."""
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._drive, name="sample-batch", daemon=True).start()
        begun = self._begun[id(run)]
        while not (begun.wait(0.1) or self.over.is_set()):
            if run.ctx.cancel.is_set():
                return False
        return not run.ctx.cancel.is_set() and self.running.is_set()

    def leave(self, run: Any) -> None:
        """The run's thread ends. One that ends without its Finish (it failed, or stopped
        reading) is dropped from the engine's batch; when none of them ever started the driver
        (they all failed before their turn), the batch's place in the local line is given back."""
        with self._lock:
            self._left.add(id(run))
            if id(run) not in self._finished:
                run.ctx.cancel.set()  # its sequence leaves the batch (a stopped run's already has)
            self._give_back_if_all_left()

    def _give_back_if_all_left(self) -> None:
        # only once every member is known: a member that fails at once must not end the batch
        # for one that has not joined yet
        if self.sealed.is_set() and not self._started and len(self._left) >= len(self.members):
            self._started = True  # no driver from here on
            self.runtime.slots.discard(self)

    def events(self, run: Any) -> Iterator[Any]:
        """This sample's events as the driver hands them over; ends (or raises) with the batch."""
        q = self.queues[id(run)]
        while True:
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                if run.ctx.cancel.is_set():
                    raise Cancelled() from None
                continue
            if item is _END:
                if run.ctx.cancel.is_set() and id(run) not in self._finished:
                    raise Cancelled()  # stopped on its own: the batch went on without it
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _drive(self) -> None:
        self.sealed.wait()
        holds = False
        end: Any = _END
        try:
            stopped = _AllStopped(self)
            if not self.runtime.slots.acquire(self, stopped):
                raise Cancelled()
            holds = True
            self.running.set()
            settings = [run.settings for run in self.members]
            ctxs = [run.ctx for run in self.members]
            stream = self.adapter.stream_batch(self.request, settings, ctxs)
            try:
                for index, event in stream:
                    self._hand_over(self.members[index], event)
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # each sample's thread raises it in its own pane
            end = exc
        finally:
            if holds:
                self.runtime.slots.release()
            else:
                self.runtime.slots.discard(self)
            for q in self.queues.values():
                q.put(end)
            self.over.set()

    def _hand_over(self, run: Any, event: Any) -> None:
        """One event to its answer's thread; its first own event (after loading) begins it, its
        Finish ends its stream there (it is done: limits and Stop no longer apply to it)."""
        q = self.queues[id(run)]
        if not isinstance(event, (Loading, Loaded)):
            self._begun[id(run)].set()
        q.put(event)
        if isinstance(event, Finish):
            with self._lock:
                self._finished.add(id(run))
            q.put(_END)


class _AllStopped:
    """The cancel the slot line waits on: the batch gives up its place only when every sample
    was stopped (one sample's loop stop must not drop the others)."""

    def __init__(self, batch: SampleBatch):
        self.batch = batch

    def is_set(self) -> bool:
        return self.batch.all_cancelled()
