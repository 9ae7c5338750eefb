"""The drawing strip under the panes, as markup (no browser): a column per pane headed with the
pane's name, every drawing flagged truncated or repaired, "no drawing" where a pane has none (with
how many could not be repaired), "…" while a pane still runs, nothing at all when no pane drew;
a drawing's notes summed up in words; blind mode's one neutral sentence about images."""

from __future__ import annotations

import re

import pytest

from playground.pane import PaneState
from playground.ui.drawing import BLIND_IMAGE_NOTE, Blind, Drawing
from playground.ui.grid import render_strip

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


def drawing(number=1, fixes=(), warnings=(), truncated=False, svg=SVG):
    return Drawing(number, svg, "raw", list(fixes), list(warnings), truncated)


def state(index, model="gemma-3-270m", label="Gemma 3 270M", status="done"):
    return PaneState(index=index, model=model, label=label, source="local", status=status)


@pytest.mark.parametrize("fixes, warnings, summary", [
    ([], [], ""),
    (["a"], [], "1 fix"),
    (["a", "b"], [], "2 fixes"),
    ([], ["w"], "1 warning"),
    ([], ["w", "v", "u"], "3 warnings"),
    (["a"], ["w", "v"], "1 fix · 2 warnings"),
    (["a", "b", "c"], ["w"], "3 fixes · 1 warning"),
])
def test_a_drawings_notes_in_words(fixes, warnings, summary):
    assert drawing(fixes=fixes, warnings=warnings).notes_summary() == summary


def test_blind_mode_says_one_neutral_sentence_about_images():
    from playground.ui.drawing import NO_IMAGE_NOTE

    notes = [NO_IMAGE_NOTE + " (this model cannot see images)", "system prompt folded"]
    assert Blind(image_missed=True).notes(notes) == ["system prompt folded", BLIND_IMAGE_NOTE]
    assert Blind().notes(notes) == ["system prompt folded"]


def test_no_drawing_in_any_pane_means_no_strip():
    states = [state(0), state(1)]
    assert render_strip(states, {0: [], 1: [drawing(svg=None)]}) == ""


def test_each_column_is_headed_with_its_pane_and_marks_its_drawings():
    states = [state(0), state(1, "gemini:gemma-4-31b-it", "Gemma 4 31B (API)"), state(2), state(3, status="running")]
    drawings = {0: [drawing(1), drawing(2, fixes=["closed <svg>"], warnings=["w"]), drawing(3, truncated=True)],
                1: [drawing(1, svg=None), drawing(2, svg=None)],
                2: []}
    markup = render_strip(states, drawings)
    assert markup.count('class="gp-strip-col"') == 4
    first, api, empty, running = markup.split('<div class="gp-strip-col"')[1:]
    names = re.findall(r'<div class="gp-strip-name"[^>]*>([^<]*)</div>', markup)
    assert len(names) == 4 and names[0] != names[1] and all(names)
    assert f'alt="{names[0]} drawing 1"' in first and f'alt="{names[0]} drawing 3"' in first
    assert '<figcaption>drawing 1 </figcaption>' in first
    assert '<figcaption>drawing 2 <span class="gp-flag">repaired</span></figcaption>' in first
    assert '<figcaption>drawing 3 <span class="gp-flag gp-flag-truncated">truncated</span></figcaption>' in first
    assert "1 fix · 1 warning" in first and first.count("<figure") == 3
    assert '<div class="gp-strip-empty">no drawing (2 could not be repaired)</div>' in api
    assert '<div class="gp-strip-empty">no drawing</div>' in empty
    assert '<div class="gp-strip-empty gp-pending">…</div>' in running
    assert markup.count("<img") == 3


def test_a_finished_pane_without_drawings_is_no_drawing_and_a_running_one_is_pending():
    states = [state(0), state(1, status="running"), state(2, status="done")]
    markup = render_strip(states, {0: [drawing()]})  # panes 2 and 3 have no drawings yet
    parts = markup.split('<div class="gp-strip-col"')[1:]
    assert "gp-pending" in parts[1] and "gp-pending" not in parts[2]
    assert '<div class="gp-strip-empty">no drawing</div>' in parts[2]
    # a running pane that already has (broken) drawings is not pending: it says what it has
    markup = render_strip([state(0), state(1, status="running")], {0: [drawing()], 1: [drawing(svg=None)]})
    assert "no drawing (1 could not be repaired)" in markup and "gp-pending" not in markup


def test_blind_columns_are_headed_with_letters():
    states = [state(0), state(1, "gemini:gemma-4-31b-it", "Gemma 4 31B (API)")]
    markup = render_strip(states, {0: [drawing()], 1: [drawing()]}, Blind.for_states(states))
    assert re.findall(r'<div class="gp-strip-name"[^>]*>([^<]*)</div>', markup) == ["Model A", "Model B"]
    assert 'alt="Model A drawing 1"' in markup and 'alt="Model B drawing 1"' in markup
