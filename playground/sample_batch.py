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

from playground.adapters.base import Cancelled

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
        self._started = False
        self._lock = threading.Lock()

    def join(self, run: Any) -> None:
        """Called before the run's thread starts; reserves the pane's place in the local line."""
        with self._lock:
            if not self.members:
                self.runtime.slots.reserve(self)
            self.members.append(run)
            self.queues[id(run)] = queue.SimpleQueue()

    def seal(self) -> None:
        self.sealed.set()

    def all_cancelled(self) -> bool:
        return all(run.ctx.cancel.is_set() for run in self.members)

    def wait_turn(self, run: Any) -> bool:
        """Block until the batch holds its slot (False: this sample was stopped meanwhile)."""
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._drive, name="sample-batch", daemon=True).start()
        while not (self.running.wait(0.1) or self.over.is_set()):
            if run.ctx.cancel.is_set():
                return False
        return not run.ctx.cancel.is_set() and self.running.is_set()

    def leave(self, run: Any) -> None:
        """The run's thread ends. When none of them ever started the driver (they all failed
        before their turn), the batch's place in the local line is given back."""
        with self._lock:
            self._left = getattr(self, "_left", 0) + 1
            if not self._started and self._left >= len(self.members):
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
                    self.queues[id(self.members[index])].put(event)
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


class _AllStopped:
    """The cancel the slot line waits on: the batch gives up its place only when every sample
    was stopped (one sample's loop stop must not drop the others)."""

    def __init__(self, batch: SampleBatch):
        self.batch = batch

    def is_set(self) -> bool:
        return self.batch.all_cancelled()
