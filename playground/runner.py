"""Fan one request out to N panes (each sample of a pane is one run) and watch them to the end.

Every pane runs in its own thread (playground/pane_run.py: queue → stream → reduce). API panes
start at once; local panes wait for a local slot (they share the cores and RAM). A pane's
exception is kept in that pane and never reaches the others. The comparison hands out cached
samples, stores new ones, records History, enforces the time limits and gives up on a stream
that ignores Stop. The caller reads throttled snapshots (`snapshots()`), never one update per token.
"""

from __future__ import annotations

import threading
import time
from typing import Iterator

from playground.adapters.base import ChatRequest
from playground.cache import CacheError, image_digest
from playground.pane import PaneRequest, PaneState
from playground.pane_run import PaneRun
from playground.result import PaneResult
from playground.runtime import Runtime
from playground.status import PaneStatus

__all__ = ["API_SAMPLES_AT_ONCE", "Comparison", "PaneRequest", "PaneState", "run_comparison"]

# API samples of one pane run in parallel, but not all at once: a server rate-limits bursts.
API_SAMPLES_AT_ONCE = 4


# How often snapshots() looks for first characters between its throttled ticks: cheap (a few
# attribute reads per pane) and fine enough that the first words show within ~10 ms.
EAGER_POLL_S = 0.01


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
        self.blind = False  # run blind (the page sets it): History keeps it blind until voted
        self.claimed_samples: dict[str, set[int]] = {}  # cache key -> samples shown or made in this run
        self.claims_lock = threading.Lock()
        self._guard = threading.Lock()
        self.runs = [PaneRun(self, i, p, j) for i, p in enumerate(panes) for j in range(p.samples)]
        for position, run in enumerate(self.runs):
            run.position = position
        self.batches = self._sample_batches(panes)
        self._api_gates: dict[int, threading.BoundedSemaphore] = {}

    def _sample_batches(self, panes: list[PaneRequest]) -> list:
        """The runs of one local model decoded together by its engine (playground/sample_batch.py),
        when its adapter can (a GGUF through llama.cpp): a pane's samples, and the panes of the
        same model (thinking on and off, two temperatures: every setting is per sequence). With
        an image the engine runs them one after another, so panes are not joined then; other
        models run one by one as before."""
        from playground.sample_batch import SampleBatch, batching_enabled

        if not batching_enabled():
            return []
        groups: dict[tuple, tuple[object, list[PaneRun]]] = {}  # model -> (its adapter, its runs)
        for index in range(len(panes)):
            runs = [run for run in self.runs if run.state.index == index]
            spec = runs[0].spec if runs else None
            if spec is None or not spec.is_local:
                continue
            try:
                adapter = self.runtime.adapter_for(spec)
            except Exception:  # the pane's own run reports why it cannot run
                continue
            if not hasattr(adapter, "stream_batch"):
                continue
            joined = (spec.id,) if self.request.image is None else (spec.id, index)
            groups.setdefault(joined, (adapter, []))[1].extend(runs)
        batches = []
        for adapter, runs in groups.values():
            if len(runs) < 2:
                continue
            batch = SampleBatch(self.runtime, self.request, adapter)
            for run in runs:
                run.batch = batch
            batches.append(batch)
        return batches

    def api_gate(self, pane_index: int) -> threading.BoundedSemaphore:
        """How many of one pane's API samples may stream at once."""
        with self._guard:
            return self._api_gates.setdefault(pane_index, threading.BoundedSemaphore(API_SAMPLES_AT_ONCE))

    def by_pane(self) -> list[list[PaneRun]]:
        """The runs grouped per pane, samples in order (one run per pane unless samples > 1)."""
        groups: dict[int, list[PaneRun]] = {}
        for run in self.runs:
            groups.setdefault(run.state.index, []).append(run)
        return [groups[i] for i in sorted(groups)]

    # -- the cache: one key per pane, samples claimed so no answer shows twice in one run --
    def try_cache(self, run: PaneRun) -> bool:
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

    def store(self, run: PaneRun) -> None:
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
                image_sha=image_digest(self.request.image), panes=panes, blind=self.blind)
        except (CacheError, OSError, ValueError):
            return None

    def pane_finished(self, run: PaneRun) -> None:
        try:
            if self.runtime.cache is not None and run.position not in self._finished and run.storable():
                self.store(run)
        finally:  # whatever storing did, the comparison must still end
            self._mark_finished(run)

    def _mark_finished(self, run: PaneRun) -> None:
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
        for batch in self.batches:  # the cached samples are out: the rest decode together
            batch.seal()
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
                # the answers of one local model that decode together hold one place in line
                pos, total = self.runtime.slots.position(run.batch if run.batch is not None else run)
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
        """Throttled snapshots until every pane is finished: one as soon as a pane shows its first
        characters or finishes (what a person waits for), and otherwise at most one per
        `interval_s` — never one per token. There is deliberately no snapshot at once: in the
        browser an update with the bare layout followed by one with the first words showed those
        words ~115 ms later than one update with both (benchmarks/bench_browser.py). A pane whose
        thread does not end within `give_up_s` after its stop is marked stopped so the caller never
        hangs."""
        last = time.monotonic()
        news = (0, 0)  # no pane has output or has finished yet
        while not self._done.wait(min(interval_s, EAGER_POLL_S)):
            now = time.monotonic()
            if now - last < interval_s:
                latest = self._news()
                if latest == news:
                    continue  # nothing a person waits for: keep to the interval
                news = latest
            self.enforce_limits()
            yield self.snapshot()
            last = time.monotonic()
            news = self._news()
            self._abandon_stuck(give_up_s)
        yield self.snapshot()

    def _news(self) -> tuple[int, int]:
        """(panes with some output, panes finished): a change here is worth showing at once.
        Read without the panes' locks: a stale count only delays a snapshot to the next tick."""
        started = sum(1 for run in self.runs if run.state.text or run.state.thinking)
        return started, sum(1 for run in self.runs if run.state.finished)

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
