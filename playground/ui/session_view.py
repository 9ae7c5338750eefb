"""What one browser session sees (SessionView) and the outputs that draw it on the page.

Every pane handler returns the same output list (`SessionView.outputs`), so the Gradio layer binds
them all the same way. No gradio components are created here, only updates; the handlers that
change a view are in session.py.

k samples: a pane that asks for k > 1 samples fills one slot with k runs (`Comparison.by_pane()`);
the view keeps all k states of the slot (`SessionView.samples`), the pane shows them as tabs with
their summary, and the gallery output shows the drawing grid instead of the strip. `states[slot]`
stays the slot's first sample (what the vote, the chart and the PNG card use).

Blind mode: a blind comparison's panes are shown as "Model A, B, C…" until the vote (`hidden`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from playground.adapters.base import ChatRequest
from playground.runner import Comparison, PaneRequest, PaneState
from playground.ui.chart import render_chart
from playground.ui.form import MAX_PANES
from playground.ui.grid import render_gallery
from playground.ui.names import pane_names
from playground.ui.render import Blind, Drawing, Sample, drawings_for, pane_letter, render_pane

JUDGE_OUTPUTS = MAX_PANES + 5  # the ranking widget: box, a rank per pane, note, submit, reveal, tags
RANK_WORDS = ("1st (best)", "2nd", "3rd", "4th", "5th", "6th")


@dataclass
class SessionView:
    """One browser session's comparison on screen, and the outputs that draw it."""

    request: ChatRequest | None = None
    panes: list[PaneRequest] = field(default_factory=list)
    states: list[PaneState] = field(default_factory=list)  # per slot: its first (or only) sample
    drawings: dict[int, list[Drawing]] = field(default_factory=dict)  # per slot: its first sample's
    # per slot with k > 1 samples: every sample's state, and each one's drawings once finished
    samples: dict[int, list[PaneState]] = field(default_factory=dict)
    sample_drawings: dict[int, dict[int, list[Drawing]]] = field(default_factory=dict)
    shown: dict[int, Any] = field(default_factory=dict)  # slot -> state versions on screen
    running: list[Comparison] = field(default_factory=list)
    slot_runs: dict[int, Any] = field(default_factory=dict)  # slot -> the (first) pane run filling it
    slot_groups: dict[int, list[Any]] = field(default_factory=dict)  # slot -> all its sample runs
    chart_finished: int = 0  # panes finished when the chart was last drawn
    image_missing: bool = False  # restored from History: the image itself is not kept
    # judging
    blind: bool = False  # run blind: panes in a random order, names hidden until revealed
    revealed: bool = True  # names shown (not blind, or voted, or revealed without a vote)
    blind_vote: bool = False  # the vote was cast before the names were seen
    comparison_id: str | None = None  # the History entry of the comparison on screen
    vote_id: str | None = None  # its vote, once cast
    ranks: dict[int, int] = field(default_factory=dict)  # slot -> rank shown in the widget after a vote
    all_bad: bool = False  # the vote on screen called every answer bad (no ranks to show)
    vote_tags: list[str] = field(default_factory=list)
    judge_epoch: int = 0  # bumped when the widget's values must be (re)set: new comparison, vote
    judge_sent: tuple = ()  # (layout, note) the widget last showed, so unchanged snapshots send nothing
    judge_epoch_sent: int = -1

    @property
    def hidden(self) -> bool:
        """Names are hidden: a blind comparison not yet voted on (or revealed)."""
        return self.blind and not self.revealed

    def blind_view(self) -> Blind | None:
        return Blind.for_states(self.states) if self.hidden else None

    def group(self, slot: int) -> list[PaneState]:
        """A slot's samples (one state unless the pane asked for k > 1)."""
        return self.samples.get(slot) or [self.states[slot]]

    def slot_finished(self, slot: int) -> bool:
        return all(s.finished for s in self.group(slot))

    def sample_views(self, slot: int) -> list[Sample]:
        """A slot's samples with their drawings, computed once per finished sample."""
        found = self.sample_drawings.setdefault(slot, {})
        views = []
        for j, state in enumerate(self.group(slot)):
            if state.finished and j not in found:
                found[j] = drawings_for(state.text, state.finish_reason)
            views.append(Sample(state, found.get(j)))
        if views and views[0].drawings is not None:
            self.drawings[slot] = views[0].drawings
        return views

    def all_samples(self) -> dict[int, list[Sample]]:
        return {slot: self.sample_views(slot) for slot in range(len(self.states))}

    def summary_line(self, slot: int) -> str | None:
        """SampleSummary.line() of a slot's samples once all have finished."""
        views = self.sample_views(slot)
        if len(views) < 2 or not all(v.state.finished for v in views):
            return None
        from playground.samples import summarize

        return summarize([v.state.text for v in views], [v.state.finish_reason for v in views],
                         [any(d.svg for d in v.drawings or []) for v in views],
                         [bool(v.drawings) for v in views]).line()

    def forget_drawings(self, slot: int) -> None:
        self.drawings.pop(slot, None)
        self.sample_drawings.pop(slot, None)

    def pane_name(self, slot: int) -> str:
        """What the page may call a pane: its letter while blind, else its model (with the
        letter too once a blind comparison is revealed)."""
        if self.hidden:
            return pane_letter(slot)
        name = self.names().get(slot)
        # twins told apart only by their pane number need it once: "Pane 2 · 270M local"
        label = "?" if name is None else (name.short if name.detail == f"pane {slot + 1}" else name)
        return f"{pane_letter(slot)} · {label}" if self.blind else f"Pane {slot + 1} · {label}"

    def names(self) -> dict[int, str]:
        """Every pane's name in this comparison (ui/names.py: "270M local · t 0.2")."""
        return pane_names(self.states)

    def new_comparison(self, blind: bool) -> None:
        self.blind, self.revealed, self.blind_vote = blind, not blind, False
        self.comparison_id, self.vote_id, self.ranks, self.vote_tags = None, None, {}, []
        self.all_bad = False
        self.judge_epoch += 1

    # ------------------------------------------------------------------ outputs
    def outputs(self, full: bool, status: str) -> list[Any]:
        """[column × 6, html × 6, gallery, chart, ranking widget × JUDGE_OUTPUTS, status]. `full`
        re-sends every pane (after a layout change, or the reveal); otherwise only panes whose
        state version changed are sent."""
        columns, htmls = [], []
        drawings_changed = False
        blind = self.blind_view()
        letters = self.blind and not self.hidden  # revealed blind panes keep their letter
        names = self.names()
        for slot in range(MAX_PANES):
            if slot >= len(self.states):
                columns.append(gr.update(visible=False) if full else gr.skip())
                htmls.append("" if full else gr.skip())
                continue
            group = self.group(slot)
            columns.append(gr.update(visible=True) if full else gr.skip())
            versions = tuple(s.version for s in group)
            if not full and self.shown.get(slot) == versions:
                htmls.append(gr.skip())
                continue
            self.shown[slot] = versions
            before = len(self.sample_drawings.get(slot, {}))
            samples = self.sample_views(slot)
            drawings_changed |= len(self.sample_drawings.get(slot, {})) != before
            letter = pane_letter(slot) if letters else None
            if len(samples) > 1:
                htmls.append(render_pane(samples[0].state, samples[0].drawings, blind, letter,
                                         samples=samples, summary=self.summary_line(slot), name=names.get(slot)))
            else:
                htmls.append(render_pane(samples[0].state, samples[0].drawings, blind, letter, name=names.get(slot)))
        gallery = (render_gallery(self.states, self.drawings, blind, self.all_samples())
                   if (full or drawings_changed) else gr.skip())
        finished_now = sum(1 for s in self.states if s.finished)
        chart = gr.skip()
        if full or finished_now != self.chart_finished:  # the chart changes only as panes finish
            chart, self.chart_finished = render_chart(self.states, blind=self.hidden, names=names), finished_now
        return columns + htmls + [gallery, chart] + self.judge_outputs(full) + [status]

    def judge_outputs(self, full: bool) -> list[Any]:
        """The ranking widget under the panes (see judge.py for its layout): shown once the
        comparison has finished panes; rank values are set only when its epoch changed (a new
        comparison, a vote), so a rank the person is picking survives the snapshots."""
        n = len(self.states)
        finished = sum(1 for slot in range(n) if self.slot_finished(slot))
        visible = finished > 0 and (n >= 2 or self.hidden)  # one blind pane: all bad or reveal
        names = [self.pane_name(i) for i in range(n)]
        if self.vote_id and self.all_bad:
            # not a tie for best: every answer was judged bad, and the rank selectors stay empty
            note = (f"✗ **All bad — saved**{' (blind)' if self.blind_vote else ''}: "
                    f"{' · '.join(names)}. Rank them instead and press *Update ranking*, "
                    "or delete the vote in History.")
        elif self.vote_id:
            order = sorted(range(n), key=lambda i: self.ranks.get(i, n))
            listing = " · ".join(f"**{self.ranks.get(i, '?')}.** {names[i]}" for i in order)
            note = f"✓ Ranking saved{' (blind)' if self.blind_vote else ''}: {listing}. " \
                   "Change the ranks and press *Update ranking*, or delete the vote in History."
        elif self.hidden:
            note = ("**Blind:** rank the answers, 1 = best (the same number for a tie), then *Submit ranking*. "
                    "Names, settings and speed appear when you submit.")
        else:
            note = "Rank the answers: 1 = best, the same number for a tie; then *Submit ranking*."
        if visible and finished < n:
            note += f" ({n - finished} pane(s) still running: rank when all have finished.)"
        layout = (visible, n, tuple(names), self.hidden, bool(self.vote_id))
        set_values = self.judge_epoch != self.judge_epoch_sent
        sent_layout, sent_note = self.judge_sent or (None, None)
        if not full and not set_values and layout == sent_layout:
            # Only the note may have changed ("1 pane still running"): leave the ranks alone,
            # so a rank being picked while the last pane finishes is not disturbed.
            self.judge_sent = (layout, note)
            return [gr.skip()] * (MAX_PANES + 1) + [note if note != sent_note else gr.skip()] + \
                [gr.skip()] * (JUDGE_OUTPUTS - MAX_PANES - 2)
        self.judge_sent, self.judge_epoch_sent = (layout, note), self.judge_epoch
        radios = []
        for slot in range(MAX_PANES):
            if slot >= n:
                radios.append(gr.update(visible=False, value=None) if set_values else gr.update(visible=False))
                continue
            change: dict[str, Any] = {"visible": True, "label": names[slot],
                                      "choices": [(RANK_WORDS[r], r + 1) for r in range(n)]}
            if set_values:
                change["value"] = None if self.all_bad else self.ranks.get(slot)
            radios.append(gr.update(**change))
        # Tags carry over to the next comparison (they describe the kind of prompt), except
        # that a restored vote shows its own.
        tags = ", ".join(self.vote_tags) if (set_values and self.vote_id) else gr.skip()
        return [gr.update(visible=visible), *radios, note,
                gr.update(value="Update ranking" if self.vote_id else "Submit ranking"),
                # its label again: a button created hidden comes up empty in Gradio 6
                gr.update(visible=self.hidden, value="Reveal without voting"), tags]
