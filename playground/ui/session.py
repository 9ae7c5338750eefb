"""The handlers that change what one browser session sees: run, stop, re-roll a pane, browse a
pane's cached samples, export, restore a comparison from History. The view itself and the
outputs that draw it are session_view.py's.

Blind mode: a blind comparison's panes are put in a random order before it runs (so the pane
pickers and the link, which list the models in the order they were picked, say nothing about
which pane is which). The order lives here, in the server-side view, never in the page.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import tempfile
import threading
import time
from collections import OrderedDict
from typing import Any, Iterator

import gradio as gr

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.runner import Comparison, PaneRequest, PaneState
from playground.runtime import Runtime
from playground.samples import MAX_SAMPLES
from playground.ui.limits import OverBudget, TokenBudget, check_run_budget
from playground.ui.render import drawings_for
from playground.ui.session_view import MAX_PANES, SessionView

SNAPSHOT_INTERVAL_S = 0.1  # the UI updates at most 10×/s per run, never once per token
MAX_SESSIONS = 256
# Calls without a session hash (direct REST calls) each get a session of their own, kept apart
# and few, so a flood of them can neither share a blind comparison nor push page sessions out.
DIRECT_PREFIX = "direct-"
MAX_DIRECT_SESSIONS = 32
_shuffle = random.SystemRandom().shuffle


def direct_session() -> str:
    """A new session id for a call that brought none."""
    import secrets

    return DIRECT_PREFIX + secrets.token_hex(12)


def _warm_renderer() -> None:
    from playground.svg import warm_up

    try:
        warm_up()
    except Exception:  # noqa: BLE001 - a cold renderer only makes the first drawing slower
        pass


class Sessions:
    """Per-browser-session views, least recently used dropped past MAX_SESSIONS."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._views: OrderedDict[str, SessionView] = OrderedDict()
        self._direct: OrderedDict[str, SessionView] = OrderedDict()  # see DIRECT_PREFIX
        # What a run may cost (limits.py): tokens per run for every page run, tokens per address
        # per hour on a shared link (serve sets it); the address of each session, from check_rate.
        self.run_budget = getattr(runtime.config, "max_run_tokens", 0)
        self.hourly = TokenBudget(0)
        self._clients: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._votes = None
        self.votes_dir: str | None = getattr(runtime.config, "cache_dir", None)  # serve: --cache-dir
        # Start the drawing renderer now, in the background: a pane's PNG download is rendered
        # by it (one renderer for pane, export and CLI), and its first start takes seconds.
        threading.Thread(target=_warm_renderer, name="svg-warm-up", daemon=True).start()

    def vote_store(self):
        """The vote store in the cache folder; with the cache off, in the folder the cache would
        have used (`votes_dir`: --cache-dir or the config's cache_dir), else the default one."""
        from playground.judging import VoteStore

        with self._lock:
            if self._votes is None:
                cache = self.runtime.cache
                self._votes = VoteStore(cache.directory if cache is not None else self.votes_dir)
            return self._votes

    def view(self, session: str) -> SessionView:
        views, bound = ((self._direct, MAX_DIRECT_SESSIONS) if session.startswith(DIRECT_PREFIX)
                        else (self._views, MAX_SESSIONS))
        with self._lock:
            view = views.pop(session, None) or SessionView()
            views[session] = view
            while len(views) > bound:
                _, old = views.popitem(last=False)
                for comparison in old.running:
                    comparison.stop()
            return view

    def client_seen(self, session: str, address: str) -> None:
        """Remember which address runs in `session` (its hourly token budget)."""
        with self._lock:
            self._clients.pop(session, None)
            self._clients[session] = address
            while len(self._clients) > MAX_SESSIONS + MAX_DIRECT_SESSIONS:
                self._clients.popitem(last=False)

    def _reserve(self, session: str, panes: list[PaneRequest]) -> Any:
        """Check the run's cost before anything starts; a ticket for the hourly budget."""
        try:
            planned = check_run_budget(panes, self.run_budget)
            with self._lock:
                client = self._clients.get(session)
            return self.hourly.reserve(client, planned) if client is not None else None
        except OverBudget as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def _settle(self, ticket: Any, comparison: Comparison) -> None:
        generated = sum((s.metrics.completion_tokens or 0) + (s.metrics.thinking_tokens or 0)
                        for s in comparison.snapshot() if not s.cached)
        self.hourly.settle(ticket, generated)

    def outputs(self, view: SessionView, full: bool, status: str) -> list[Any]:
        """A view's pane outputs (SessionView.outputs): the vote and History handlers answer with them."""
        return view.outputs(full, status)

    def _stream(self, view: SessionView, comparison: Comparison, slots: list[int],
                label: str) -> Iterator[list[Any]]:
        """Run `comparison`, copying its panes into `slots` of the view, yielding outputs."""
        view.running.append(comparison)
        groups = comparison.by_pane()  # a pane's k sample runs, in order
        for slot, runs in zip(slots, groups):
            view.slot_runs[slot], view.slot_groups[slot] = runs[0], list(runs)
            view.forget_drawings(slot)
        full = True
        try:
            comparison.start()
            for states in comparison.snapshots(SNAPSHOT_INTERVAL_S):
                for slot, runs in zip(slots, groups):
                    # A slot belongs to the last run put in it: a newer run, re-roll or restore
                    # has taken it over, and this older stream must not write it back.
                    if view.slot_runs.get(slot) is not runs[0] or slot >= len(view.states):
                        continue
                    group = [states[run.position] for run in runs]
                    for j, state in enumerate(group):
                        state.index = slot
                        if not state.finished:
                            view.sample_drawings.get(slot, {}).pop(j, None)
                    view.states[slot] = group[0]
                    if not group[0].finished:
                        view.drawings.pop(slot, None)
                    if len(group) > 1:
                        view.samples[slot] = group
                    else:
                        view.samples.pop(slot, None)
                finished = sum(1 for s in states if s.finished)
                if comparison.done and comparison.history_id and view.slot_runs.get(slots[0]) in comparison.runs:
                    view.comparison_id = comparison.history_id  # what a vote on these panes refers to
                stopped = any(s.status == "stopped" and s.finish_reason == "cancelled" for s in states)
                if not comparison.done:
                    status = f"{label}: {finished} of {len(states)} finished"
                elif stopped:
                    status = f"{label}: stopped ({sum(1 for s in states if s.status != 'stopped')} of {len(states)} finished)"
                else:
                    status = f"{label}: all finished"
                yield view.outputs(full, status)
                full = False
        finally:
            comparison.stop()  # the browser went away or the run ended: free the cores
            if comparison in view.running:
                view.running.remove(comparison)

    # ------------------------------------------------------------------ handlers
    def run(self, session: str, request: ChatRequest, panes: list[PaneRequest],
            bypass_cache: bool, blind: bool = False) -> Iterator[list[Any]]:
        panes = list(panes)
        if blind and len({p.samples for p in panes}) > 1:
            # a pane's sample count would say which model it is: every pane runs the most asked
            most = max(p.samples for p in panes)
            panes = [dataclasses.replace(p, samples=most) for p in panes]
        ticket = self._reserve(session, panes)
        view = self.view(session)
        for comparison in list(view.running):
            comparison.stop()
        panes = list(panes)
        if blind:
            _shuffle(panes)  # pane k of the page is not picker k: only this view knows the order
        view.new_comparison(blind)
        comparison = Comparison(self.runtime, request, panes, use_cache=not bypass_cache)
        comparison.blind = blind
        view.request, view.panes, view.image_missing = request, list(panes), False
        view.states = [runs[0].snapshot() for runs in comparison.by_pane()]
        view.drawings, view.shown, view.slot_runs = {}, {}, {}
        view.samples, view.sample_drawings, view.slot_groups = {}, {}, {}
        try:
            yield from self._stream(view, comparison, list(range(len(panes))), "run")
        finally:
            self._settle(ticket, comparison)

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
        runs = view.slot_groups.get(slot) or ([view.slot_runs[slot]] if slot in view.slot_runs else [])
        live = [r for r in runs if not r.state.finished and any(r in c.runs for c in view.running)]
        if not live:
            return f"pane {slot + 1} is not running"
        for run in live:
            run.stop("cancelled")
        return f"stopping pane {slot + 1}…"

    def reroll(self, session: str, slot: int) -> Iterator[list[Any]]:
        """Run one pane again (cache not read) and store the answer as a new sample."""
        view = self.view(session)
        if view.request is None or slot >= len(view.panes):
            raise gr.Error("Nothing to re-roll yet: run a comparison first.")
        if view.image_missing:
            raise gr.Error("This comparison was restored without its image: run it again with the image.")
        ticket = self._reserve(session, [view.panes[slot]])
        for previous in view.slot_groups.get(slot) or [view.slot_runs.get(slot)]:
            if previous is not None:
                previous.stop("cancelled")  # one stream per pane: the re-roll replaces it
        comparison = Comparison(self.runtime, view.request, [view.panes[slot]], use_cache=False,
                                record_history=False)
        try:
            yield from self._stream(view, comparison, [slot], f"re-roll pane {slot + 1}")
        finally:
            self._settle(ticket, comparison)

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
        view.samples.pop(slot, None)  # browsing the cache shows one sample at a time
        view.forget_drawings(slot)
        if view.hidden:  # how many samples a model has is a hint too
            return view.outputs(False, f"pane {slot + 1}: another sample")
        return view.outputs(False, f"pane {slot + 1}: sample {position + 1} of {len(samples)}")

    def export(self, session: str, kind: str, directory: str) -> str:
        """Write the session's comparison as one HTML file ("html"), one PNG card ("png"; with
        k > 1 samples in a pane the drawing grid comes under the card, in the same PNG) or the
        drawing grid alone ("grid"); return its path. Files go to `directory` (the export folder)."""
        from pathlib import Path

        from playground.ui.export import export_grid_png, export_html, export_png_card, stack_pngs

        view = self.view(session)
        if view.request is None or not view.states:
            raise gr.Error("Nothing to export yet: run a comparison first.")
        samples = view.all_samples()
        drawings = {s.index: view.drawings.get(s.index) or drawings_for(s.text, s.finish_reason)
                    for s in view.states}
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=directory))  # one per export: no collisions
        blind = view.blind_view()  # a blind comparison exported before the vote names no model
        if kind == "html":
            path = folder / f"gemma-comparison-{stamp}.html"
            path.write_text(export_html(view.request, view.states, drawings, blind, samples), encoding="utf-8")
        elif kind == "grid":
            path = folder / f"gemma-drawing-grid-{stamp}.png"
            path.write_bytes(export_grid_png(view.request, view.states, samples, blind=blind))
        else:  # the card; with k samples in a pane, the drawing grid under it, in one PNG
            path = folder / f"gemma-comparison-{stamp}.png"
            card = export_png_card(view.request, view.states, drawings, blind=blind, samples=samples)
            if any(len(group) > 1 for group in samples.values()):
                card = stack_pngs([card, export_grid_png(view.request, view.states, samples, blind=blind)])
            path.write_bytes(card)
        return str(path)

    def restore(self, session: str, entry_id: str, blind: bool = False,
                vote: Any = None) -> tuple[list[Any], str]:
        """Bring back every pane of a History entry at once, from the cache. With `vote` (the
        entry's stored vote, a playground.judging Vote) the judged samples come back with their
        ranks, names shown; else with `blind` the panes come back in a new random order, names
        hidden until the vote."""
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
        view.samples, view.sample_drawings, view.slot_groups = {}, {}, {}
        panes = list(entry["panes"][:MAX_PANES])
        if vote is not None and len(vote.panes) == len(panes):
            judged = [dict(p) for p in panes]
            for pane, voted in zip(judged, vote.panes):  # show the samples that were judged
                if voted.key and voted.key == pane.get("key") and voted.sample:
                    pane["sample"] = voted.sample
            panes = judged
        else:
            vote = None
        # Blind until voted, whoever restores it: a comparison run blind comes back blind even
        # with the restoring session's Blind off (its names would tell the pending vote's panes).
        blind = (blind or bool(entry.get("blind"))) and vote is None
        if blind:
            _shuffle(panes)
        view.new_comparison(blind)
        view.comparison_id = entry_id
        if vote is not None:
            view.blind, view.revealed, view.blind_vote, view.vote_id = vote.blind, True, vote.blind, vote.id
            view.ranks = {i: rank + 1 for rank, group in enumerate(vote.ranking) for i in group}
            view.all_bad = bool(vote.all_bad)
            view.vote_tags = list(vote.tags)
        for slot, pane in enumerate(panes):
            settings = GenerationSettings(**(pane.get("settings") or {}))
            kept = [k for k in pane.get("samples") or [] if isinstance(k, dict)][:MAX_SAMPLES]
            view.panes.append(PaneRequest(pane["model"], settings, samples=max(1, len(kept))))
            group = []
            # the pane's first sample (or the one a vote judged), then the rest of its k samples
            for j, sample in enumerate([pane] + kept[1:]):
                state = PaneState(index=slot, model=pane["model"], label=pane.get("label") or pane["model"],
                                  source=pane.get("source") or "", sample_index=j,
                                  settings=sample.get("settings") or settings.model_dump(),
                                  cache_key=sample.get("key"))
                self._fill_from_cache(state, sample, newest_if_unknown=j == 0)
                if entry.get("image_sha"):
                    state.notes.append("asked with an image (image not kept in History)")
                group.append(state)
            view.states.append(group[0])
            if len(group) > 1:
                view.samples[slot] = group
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["time"]))
        return view.outputs(True, f"restored the comparison of {when}"), entry["prompt"]

    def _fill_from_cache(self, state: PaneState, pane: dict, newest_if_unknown: bool = True) -> None:
        samples = self.runtime.cache.numbered_samples(pane["key"]) if pane.get("key") else []
        chosen = [(n, r) for n, r in samples if n == pane.get("sample")]
        if not chosen and newest_if_unknown:
            chosen = samples[-1:]
        if not chosen:
            state.status, state.finish_reason = "error", pane.get("finish_reason") or "error"
            state.error = pane.get("error") or "this answer was not cached (it failed or was stopped)"
            return
        number, result = chosen[0]
        state.show_cached(result, number, len(samples))
