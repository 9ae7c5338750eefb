"""Page-level pieces of the Compare tab that are not layout: the per-pane action icons and their
tooltips (rendered into the page config for static/layout.js), the named list of every pane
handler's outputs, the run status made true from the panes' states, and the image example's
choice of models that can see."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import gradio as gr

from playground.status import PaneStatus
from playground.ui.form import MAX_PANES

ACTION_ICONS = {"reroll": "↻", "stop": "■", "duplicate": "+", "prev": "‹", "next": "›", "expand": "⤢"}
ACTION_TOOLTIPS = {"reroll": "Re-roll: run this pane again (a new sample)", "stop": "Stop this pane",
                   "duplicate": "Duplicate: copy this pane's model and settings into the next empty pane",
                   "prev": "Previous sample", "next": "Next sample",
                   "expand": "Expand this pane to the full width (again: back)"}


def session_outputs(*, columns: list, htmls: list, gallery: Any, chart: Any, judge: list, status: Any) -> list:
    """Every pane handler's outputs, named here once, in the order Sessions.outputs returns."""
    assert len(columns) == len(htmls) == MAX_PANES
    return [*columns, *htmls, gallery, chart, *judge, status]


def run_status(label: str, states: list) -> str:
    """The run's status line from its panes' states: "stopped" when Stop ended it."""
    stopped = sum(1 for s in states if s.status == PaneStatus.STOPPED and s.finish_reason == "cancelled")
    finished = sum(1 for s in states if s.finished)
    if stopped:
        return f"{label}: stopped ({finished - stopped} of {len(states)} finished)"
    return f"{label}: all finished"


def with_true_status(stream: Iterable[list[Any]], states: Callable[[], list]) -> Iterator[list[Any]]:
    """Pass a run's updates through, making its last status word true (Stop → "stopped")."""
    for update in stream:
        text = update[-1]
        if isinstance(text, str) and text.endswith(": all finished"):
            update = list(update)
            update[-1] = run_status(text.rsplit(":", 1)[0], states())
        yield update


def image_example_models(picture: Any, picked: list[str], vision: list[str], no_model: str) -> list[Any]:
    """After the image example: the chosen panes that can see stay; others become models that
    can (or the note says none can)."""
    if not picture:
        return [gr.skip()] * len(picked) + [gr.skip()]
    chosen = [m for m in picked if m]
    if not vision:
        return [gr.skip()] * len(picked) + ["⚠️ None of the models here can see images: the answers will "
                                            "say so. Add a vision model (e.g. a Gemma 4 with its projector)."]
    seeing = [m for m in chosen if m in vision]
    wanted = max(len(chosen), 1)
    fill = seeing + [m for m in vision if m not in seeing]
    models = (fill * wanted)[:wanted] if fill else []
    return [models[i] if i < len(models) else no_model for i in range(len(picked))] + [
        "" if seeing == chosen else "The image example picked models that can see images."]
