"""What one browser session sees, and the handlers that change it: run, stop, re-roll a pane,
browse a pane's cached samples, restore a comparison from History.

Every pane handler returns the same output list (see `Sessions.outputs`), so the Gradio layer binds
them all the same way. No gradio components are created here, only updates.
"""

from __future__ import annotations

import copy
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterator

import gradio as gr

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.runner import Comparison, PaneRequest, PaneState
from playground.runtime import Runtime
from playground.ui.chart import render_chart
from playground.ui.render import Drawing, drawings_for, render_gallery, render_pane

MAX_PANES = 6
SNAPSHOT_INTERVAL_S = 0.1  # the UI updates at most 10×/s per run, never once per token
MAX_SESSIONS = 256


@dataclass
class SessionView:
    request: ChatRequest | None = None
    panes: list[PaneRequest] = field(default_factory=list)
    states: list[PaneState] = field(default_factory=list)
    drawings: dict[int, list[Drawing]] = field(default_factory=dict)
    shown: dict[int, int] = field(default_factory=dict)  # slot -> state version on screen
    running: list[Comparison] = field(default_factory=list)
    slot_runs: dict[int, Any] = field(default_factory=dict)  # slot -> the pane run filling it
    chart_finished: int = 0  # panes finished when the chart was last drawn
    image_missing: bool = False  # restored from History: the image itself is not kept


class Sessions:
    """Per-browser-session views, least recently used dropped past MAX_SESSIONS."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._views: OrderedDict[str, SessionView] = OrderedDict()
        self._lock = threading.Lock()

    def view(self, session: str) -> SessionView:
        with self._lock:
            view = self._views.pop(session, None) or SessionView()
            self._views[session] = view
            while len(self._views) > MAX_SESSIONS:
                _, old = self._views.popitem(last=False)
                for comparison in old.running:
                    comparison.stop()
            return view

    # ------------------------------------------------------------------ outputs
    def outputs(self, view: SessionView, full: bool, status: str) -> list[Any]:
        """[column × 6, html × 6, gallery, chart, status]. `full` re-sends every pane (after a
        layout change); otherwise only panes whose state version changed are sent."""
        columns, htmls = [], []
        drawings_changed = False
        for slot in range(MAX_PANES):
            if slot >= len(view.states):
                columns.append(gr.update(visible=False) if full else gr.skip())
                htmls.append("" if full else gr.skip())
                continue
            state = view.states[slot]
            columns.append(gr.update(visible=True) if full else gr.skip())
            if not full and view.shown.get(slot) == state.version:
                htmls.append(gr.skip())
                continue
            view.shown[slot] = state.version
            if state.finished and slot not in view.drawings:
                view.drawings[slot] = drawings_for(state.text, state.finish_reason)
                drawings_changed = True
            htmls.append(render_pane(state, view.drawings.get(slot)))
        gallery = render_gallery(view.states, view.drawings) if (full or drawings_changed) else gr.skip()
        finished_now = sum(1 for s in view.states if s.finished)
        chart = gr.skip()
        if full or finished_now != view.chart_finished:  # the chart changes only as panes finish
            chart, view.chart_finished = render_chart(view.states), finished_now
        return columns + htmls + [gallery, chart, status]

    def _stream(self, view: SessionView, comparison: Comparison, slots: list[int],
                label: str) -> Iterator[list[Any]]:
        """Run `comparison`, copying its panes into `slots` of the view, yielding outputs."""
        view.running.append(comparison)
        for slot, run in zip(slots, comparison.runs):
            view.slot_runs[slot] = run
        full = True
        try:
            comparison.start()
            for states in comparison.snapshots(SNAPSHOT_INTERVAL_S):
                for slot, run, state in zip(slots, comparison.runs, states):
                    state.index = slot
                    # A slot belongs to the last run put in it: a newer run, re-roll or restore
                    # has taken it over, and this older stream must not write it back.
                    if view.slot_runs.get(slot) is run and slot < len(view.states):
                        view.states[slot] = state
                        if not state.finished:
                            view.drawings.pop(slot, None)
                finished = sum(1 for s in states if s.finished)
                status = (f"{label}: {finished} of {len(states)} finished" if not comparison.done
                          else f"{label}: all finished")
                yield self.outputs(view, full, status)
                full = False
        finally:
            comparison.stop()  # the browser went away or the run ended: free the cores
            if comparison in view.running:
                view.running.remove(comparison)

    # ------------------------------------------------------------------ handlers
    def run(self, session: str, request: ChatRequest, panes: list[PaneRequest],
            bypass_cache: bool) -> Iterator[list[Any]]:
        view = self.view(session)
        for comparison in list(view.running):
            comparison.stop()
        comparison = Comparison(self.runtime, request, panes, use_cache=not bypass_cache)
        view.request, view.panes, view.image_missing = request, list(panes), False
        view.states = [run.snapshot() for run in comparison.runs]
        view.drawings, view.shown, view.slot_runs = {}, {}, {}
        yield from self._stream(view, comparison, list(range(len(panes))), "run")

    def stop(self, session: str) -> str:
        view = self.view(session)
        if not view.running:
            return "nothing is running"
        for comparison in list(view.running):
            comparison.stop()
        return "stopping…"

    def stop_pane(self, session: str, slot: int) -> str:
        """Stop one pane; the others go on."""
        view = self.view(session)
        run = view.slot_runs.get(slot)
        if run is None or run.state.finished or not any(run in c.runs for c in view.running):
            return f"pane {slot + 1} is not running"
        run.stop("cancelled")
        return f"stopping pane {slot + 1}…"

    def reroll(self, session: str, slot: int) -> Iterator[list[Any]]:
        """Run one pane again (cache not read) and store the answer as a new sample."""
        view = self.view(session)
        if view.request is None or slot >= len(view.panes):
            raise gr.Error("Nothing to re-roll yet: run a comparison first.")
        if view.image_missing:
            raise gr.Error("This comparison was restored without its image: run it again with the image.")
        previous = view.slot_runs.get(slot)
        if previous is not None:
            previous.stop("cancelled")  # one stream per pane: the re-roll replaces it
        comparison = Comparison(self.runtime, view.request, [view.panes[slot]], use_cache=False,
                                record_history=False)
        yield from self._stream(view, comparison, [slot], f"re-roll pane {slot + 1}")

    def show_sample(self, session: str, slot: int, step: int) -> list[Any]:
        """Show the previous (step −1) or next (+1) cached sample of one pane."""
        view = self.view(session)
        if slot >= len(view.states) or self.runtime.cache is None:
            raise gr.Error("No cached samples for this pane.")
        state = view.states[slot]
        samples = self.runtime.cache.numbered_samples(state.cache_key) if state.cache_key else []
        if not samples:
            raise gr.Error("No cached samples for this pane yet: let it finish first.")
        numbers = [n for n, _ in samples]
        position = numbers.index(state.sample) if state.sample in numbers else len(numbers) - 1
        position = max(0, min(len(numbers) - 1, position + step))
        number, result = samples[position]
        shown = copy.deepcopy(state)  # a new object: the old one may still be on its way out
        shown.show_cached(result, number, len(samples))
        view.states[slot] = shown
        view.drawings.pop(slot, None)
        return self.outputs(view, False, f"pane {slot + 1}: sample {position + 1} of {len(samples)}")

    def export(self, session: str, kind: str, directory: str) -> str:
        """Write the session's comparison as one HTML file or one PNG card; return its path."""
        from pathlib import Path

        from playground.export import export_html, export_png_card

        view = self.view(session)
        if view.request is None or not view.states:
            raise gr.Error("Nothing to export yet: run a comparison first.")
        drawings = {s.index: view.drawings.get(s.index) or drawings_for(s.text, s.finish_reason)
                    for s in view.states}
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=directory))  # one per export: no collisions
        path = folder / f"gemma-comparison-{stamp}.{kind}"
        if kind == "html":
            path.write_text(export_html(view.request, view.states, drawings), encoding="utf-8")
        else:
            path.write_bytes(export_png_card(view.request, view.states, drawings))
        return str(path)

    def restore(self, session: str, entry_id: str) -> tuple[list[Any], str]:
        """Bring back every pane of a History entry at once, from the cache."""
        cache = self.runtime.cache
        entry = cache.get_comparison(entry_id) if (cache is not None and entry_id) else None
        if entry is None:
            raise gr.Error("That comparison is no longer in the cache (deleted or evicted).")
        view = self.view(session)
        for comparison in list(view.running):
            comparison.stop()
        view.request = ChatRequest(prompt=entry["prompt"], system=entry.get("system"))
        view.image_missing = bool(entry.get("image_sha"))
        view.panes, view.states, view.drawings, view.shown, view.slot_runs = [], [], {}, {}, {}
        for slot, pane in enumerate(entry["panes"][:MAX_PANES]):
            settings = GenerationSettings(**(pane.get("settings") or {}))
            view.panes.append(PaneRequest(pane["model"], settings))
            state = PaneState(index=slot, model=pane["model"], label=pane.get("label") or pane["model"],
                              source=pane.get("source") or "", settings=settings.model_dump(),
                              cache_key=pane.get("key"))
            self._fill_from_cache(state, pane)
            if entry.get("image_sha"):
                state.notes.append("asked with an image (image not kept in History)")
            view.states.append(state)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["time"]))
        return self.outputs(view, True, f"restored the comparison of {when}"), entry["prompt"]

    def _fill_from_cache(self, state: PaneState, pane: dict) -> None:
        samples = self.runtime.cache.numbered_samples(pane["key"]) if pane.get("key") else []
        chosen = [(n, r) for n, r in samples if n == pane.get("sample")] or samples[-1:]
        if not chosen:
            state.status, state.finish_reason = "error", pane.get("finish_reason") or "error"
            state.error = pane.get("error") or "this answer was not cached (it failed or was stopped)"
            return
        number, result = chosen[0]
        state.show_cached(result, number, len(samples))
