"""The ranking widget under the panes: rank the panes best → worst (ties allowed) or call them
all bad, in one click; the vote is stored with the comparison (playground.judging's VoteStore,
in the cache folder) and a blind comparison is revealed in place.

Layout and wiring here; what the widget shows comes with every pane update
(`SessionView.judge_outputs`), so a run, re-roll, restore or vote keeps it in step. The vote itself
is built from the server-side view (models, settings, samples, metrics): the page only sends
ranks, never model names.
"""

# No `from __future__ import annotations` here: Gradio finds gr.Request parameters by their
# evaluated annotation.

from typing import Any, Callable

import gradio as gr

from playground.result import KEPT_WITH_VOTES

from playground.ui.session import Sessions
from playground.ui.session_view import MAX_PANES, SessionView


def split_tags(text: str | None) -> list[str]:
    """"svg, code" → ["svg", "code"] (commas or semicolons; blanks dropped)."""
    return [t.strip() for t in (text or "").replace(";", ",").split(",") if t.strip()]


def ranking_groups(ranks: list[Any], names: list[str]) -> list[list[int]]:
    """Tie groups of pane indices, best first, from one rank per pane (1 = best; equal = tie).
    Raises gr.Error naming the panes without a rank."""
    missing = [names[i] for i, r in enumerate(ranks) if r in (None, "")]
    if missing:
        raise gr.Error(f"Give every pane a rank (1 = best, the same number for a tie): "
                       f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} none.")
    values = [int(r) for r in ranks]
    return [[i for i, r in enumerate(values) if r == v] for v in sorted(set(values))]


def pane_record(view: SessionView, slot: int) -> dict[str, Any]:
    """What the vote keeps of one pane: model, settings, the cached sample judged, its speed."""
    state = view.states[slot]
    stored = bool(state.cache_key) and (state.cached or state.status == "done")
    metrics = {name: value for name in KEPT_WITH_VOTES  # the metrics table's rows kept with votes
               if (value := getattr(state.metrics, name, None)) is not None}
    return {"model": state.model, "settings": dict(state.settings or {}), "metrics": metrics,
            "sample": state.sample if stored else None, "key": state.cache_key if stored else None}


def cast_vote(sessions: Sessions, session: str, ranks: list[Any], tags: str | None,
              all_bad: bool = False) -> list[Any]:
    """Store (or change) the vote on the comparison on screen, reveal it, return pane outputs."""
    from playground.judging import VoteError, VoteStoreError

    view = sessions.view(session)
    n = len(view.states)
    if view.request is None or n == 0 or (n < 2 and not all_bad):
        raise gr.Error("Nothing to rank: run a comparison with two panes or more.")
    if any(not s.finished for s in view.states):
        raise gr.Error("Some panes are still running: let them finish (or stop them), then rank.")
    names = [view.pane_name(i) for i in range(n)]
    groups = [list(range(n))] if all_bad else ranking_groups(list(ranks)[:n], names)
    panes = [pane_record(view, i) for i in range(n)]
    try:
        store = sessions.vote_store()
        if view.vote_id and store.get(view.vote_id) is not None:
            vote = store.change(view.vote_id, ranking=groups, all_bad=all_bad, tags=split_tags(tags), panes=panes)
        else:
            vote = store.add(prompt=view.request.prompt, panes=panes, ranking=groups, all_bad=all_bad,
                             blind=view.hidden, tags=split_tags(tags), comparison_id=view.comparison_id)
            view.blind_vote = view.hidden
    except (VoteError, VoteStoreError) as exc:
        raise gr.Error(f"The vote was not saved: {exc}") from None
    view.vote_id, view.revealed, view.vote_tags = vote.id, True, list(vote.tags)
    view.ranks = {i: rank + 1 for rank, group in enumerate(vote.ranking) for i in group}
    view.all_bad = bool(vote.all_bad)
    view.judge_epoch += 1
    what = "all bad — saved" if all_bad else "ranking saved"
    return sessions.outputs(view, True, f"{what}{' · names revealed' if view.blind else ''}")


def reveal(sessions: Sessions, session: str) -> list[Any]:
    """Show the names of a blind comparison without voting (a later vote is then not blind)."""
    view = sessions.view(session)
    if not view.hidden:
        raise gr.Error("Nothing is hidden: this comparison is not blind, or already revealed.")
    view.revealed = True
    return sessions.outputs(view, True, "names revealed without a vote")


class JudgeWidgets:
    """The components of the ranking widget; `outputs` is their order in every pane update."""

    def __init__(self, max_panes: int = MAX_PANES):
        with gr.Column(visible=False, elem_id="gp-judge") as self.box:
            self.note = gr.Markdown("", elem_id="gp-judge-note")
            with gr.Row(elem_id="gp-judge-ranks"):
                self.ranks = [gr.Radio([], label=f"Pane {i + 1}", visible=False, min_width=120,
                                       elem_id=f"gp-rank-{i}", elem_classes=["gp-rank"])
                              for i in range(max_panes)]
            with gr.Row(elem_id="gp-judge-actions", equal_height=False):
                self.tags = gr.Textbox(label="Tags", placeholder="svg, code (comma-separated)", max_lines=1,
                                       elem_id="gp-judge-tags", scale=3, min_width=160)
                self.submit = gr.Button("Submit ranking", variant="primary", elem_id="gp-judge-submit",
                                        scale=1, min_width=120)
                self.all_bad = gr.Button("All bad", elem_id="gp-judge-all-bad", scale=1, min_width=90)
                self.reveal = gr.Button("Reveal without voting", elem_id="gp-judge-reveal", visible=False,
                                        size="sm", scale=1, min_width=120)

    @property
    def outputs(self) -> list[Any]:
        """In the order of SessionView.judge_outputs."""
        return [self.box, *self.ranks, self.note, self.submit, self.reveal, self.tags]

    def wire(self, app: Any, session_id: Callable, pane_outputs: list[Any]) -> None:
        """Bind submit / all bad / reveal; they answer with the full pane outputs (the reveal)."""
        sessions = app.sessions

        def on_vote(request: gr.Request, *values: Any):
            *ranks, tags = values
            return cast_vote(sessions, session_id(request), ranks, tags)

        def on_all_bad(request: gr.Request, tags: str):
            return cast_vote(sessions, session_id(request), [], tags, all_bad=True)

        def on_reveal(request: gr.Request):
            return reveal(sessions, session_id(request))

        self.submit.click(on_vote, [*self.ranks, self.tags], pane_outputs, api_name="vote", show_progress="hidden")
        self.all_bad.click(on_all_bad, [self.tags], pane_outputs, api_name="vote_all_bad", show_progress="hidden")
        self.reveal.click(on_reveal, None, pane_outputs, api_name="reveal", show_progress="hidden")


def build_judging(max_panes: int = MAX_PANES) -> JudgeWidgets:
    """Create the ranking widget where it is called (under the panes); wire it with `.wire()`
    once the pane outputs list exists."""
    return JudgeWidgets(max_panes)
