"""The drawing grid under the panes (k > 1 samples), as markup (no browser): a head per model
on row 1, one cell per sample on the rows below, every cell on its model's track, marked
rendered / repaired / truncated / no drawing / running / absent in words; "+n more" when a sample
drew more than one; the finish reason when it was not a plain stop; the title's counts; and the
track template static/panes.js lines up with the panes (a zero spacer, columns, 8 px gaps)."""

from __future__ import annotations

import re

from playground.pane import PaneState, PaneStatus
from playground.ui.drawing import Blind, Drawing
from playground.ui.grid import _tracks, cell_mark, render_gallery, render_grid, render_strip
from playground.ui.render import Sample

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>Gemma</text></svg>'


def drawing(number=1, fixes=(), warnings=(), truncated=False, svg=SVG):
    return Drawing(number, svg, "raw", list(fixes), list(warnings), truncated)


def state(index, model="gemma-3-270m", label="Gemma 3 270M", status=PaneStatus.DONE, finish=None, source="local"):
    return PaneState(index=index, model=model, label=label, source=source, status=status, finish_reason=finish)


def cells(markup):
    """data-pane, data-sample, grid-column, grid-row, mark and the mark line's words of every cell."""
    return [(int(p), int(s), int(c), int(r), m, words) for m, p, s, c, r, words in re.findall(
        r'<div class="gp-grid-cell [^"]*" data-mark="([^"]+)" data-pane="(\d+)" data-sample="(\d+)" '
        r'style="grid-column: (\d+); grid-row: (\d+)">.*?<div class="gp-grid-mark">([^<]*)</div>', markup)]


def test_the_track_template_is_a_zero_spacer_then_columns_with_8px_gaps():
    assert _tracks(1) == "0px minmax(0, 1fr)"
    assert _tracks(3) == "0px minmax(0, 1fr) 8px minmax(0, 1fr) 8px minmax(0, 1fr)"


def test_a_cell_mark_is_running_until_the_sample_finishes_then_its_first_usable_drawing():
    assert cell_mark(state(0, status=PaneStatus.RUNNING), [drawing()]) == "running"
    assert cell_mark(state(0), None) == "running"
    assert cell_mark(state(0), []) == "none"
    assert cell_mark(state(0), [drawing(svg=None)]) == "none"
    assert cell_mark(state(0), [drawing(svg=None), drawing(2, fixes=["x"])]) == "repaired"
    assert cell_mark(state(0), [drawing(truncated=True), drawing(2)]) == "truncated"
    assert cell_mark(state(0), [drawing()]) == "rendered"


def test_every_sample_is_a_cell_on_its_models_track_and_row():
    states = [state(0), state(1, "gemini:gemma-4-31b-it", "Gemma 4 31B (API)", source="gemini"),
              state(2, status=PaneStatus.RUNNING)]
    samples = {
        0: [Sample(state(0, finish="stop"), [drawing(), drawing(2), drawing(3)]),
            Sample(state(0, finish="length"), [drawing(truncated=True)]),
            Sample(state(0), [drawing(svg=None)])],
        1: [Sample(state(1, finish="stop"), [drawing(fixes=["closed <svg>"], warnings=["w1", "w2"])]),
            Sample(state(1, status=PaneStatus.RUNNING))],
        # pane 2 has no samples yet: every row of its column is absent
    }
    markup = render_grid(states, samples)
    assert markup.startswith('<div class="gp-grid"><h3>Drawing grid · 3 samples × 3 models</h3>'
                             '<div class="gp-align gp-grid-table" data-panes="3" data-rows="3" '
                             'style="grid-template-columns: 0px minmax(0, 1fr) 8px minmax(0, 1fr) 8px minmax(0, 1fr)">')
    assert markup.endswith("</div></div></div>")
    heads = re.findall(r'<div class="gp-grid-head" data-pane="(\d+)" style="grid-column: (\d+); grid-row: 1"'
                       r' title="([^"]*)">([^<]*)</div>', markup)
    # the same model twice is told apart by its pane number (ui/names.py)
    assert heads == [("0", "2", "Gemma 3 270M · local · gemma-3-270m", "270M local · pane 1"),
                     ("1", "4", "Gemma 4 31B (API) · gemini · gemini:gemma-4-31b-it", heads[1][3]),
                     ("2", "6", "Gemma 3 270M · local · gemma-3-270m", "270M local · pane 3")]
    assert heads[1][3] not in ("", heads[0][3])
    assert cells(markup) == [
        (0, 1, 2, 2, "rendered", "1 · rendered · +2 more"),
        (0, 2, 2, 3, "truncated", "2 · truncated · length"),
        (0, 3, 2, 4, "none", "3 · no drawing"),
        (1, 1, 4, 2, "repaired", "1 · repaired"),
        (1, 2, 4, 3, "running", "2 · running…"),
        (1, 3, 4, 4, "absent", "—"),
        (2, 1, 6, 2, "absent", "—"),
        (2, 2, 6, 3, "absent", "—"),
        (2, 3, 6, 4, "absent", "—"),
    ]
    one = markup.split('data-sample="')
    # the boxes: the first usable drawing, "no drawing", "…" while running, empty when absent
    assert '<div class="gp-grid-box"><img src="data:image/svg+xml;base64,' in one[1]
    assert 'alt="270M local · pane 1 sample 1">' in one[1] and 'alt="270M local · pane 1 sample 2">' in one[2]
    assert '<div class="gp-grid-box">no drawing</div>' in one[3]
    assert '<div class="gp-grid-box">…</div>' in one[5]
    assert '<div class="gp-grid-box"></div><div class="gp-grid-mark">—</div>' in one[6]
    assert 'class="gp-grid-cell gp-cell-absent" data-mark="absent"' in markup
    assert 'class="gp-grid-cell gp-mark-truncated" data-mark="truncated"' in one[1] + one[2]
    # a drawing's notes open on demand under its cell, and only there
    assert markup.count("<details") == 1
    assert ('<details class="gp-drawing-notes"><summary>1 fix · 2 warnings</summary><ul class="gp-fixes">'
            '<li class="gp-fix">closed &lt;svg&gt;</li><li class="gp-warn">w1</li><li class="gp-warn">w2</li>'
            '</ul></details></div>') in one[4]


def test_the_title_counts_one_sample_and_one_model_in_the_singular():
    markup = render_grid([state(0)], {0: [Sample(state(0), [drawing()])]})
    assert "<h3>Drawing grid · 1 sample × 1 model</h3>" in markup
    assert 'data-panes="1" data-rows="1" style="grid-template-columns: 0px minmax(0, 1fr)"' in markup
    empty = render_grid([state(0)], {})  # no sample yet: a head, no rows
    assert "<h3>Drawing grid · 0 samples × 1 model</h3>" in empty and 'data-rows="0"' in empty
    assert "gp-grid-cell" not in empty


def test_blind_grid_heads_are_letters_without_tooltips_and_drawings_masked():
    states = [state(0), state(1, "gemini:gemma-4-31b-it", "Gemma 4 31B (API)")]
    samples = {0: [Sample(state(0), [drawing(fixes=["Gemma closed it"])]), Sample(state(0), [drawing()])],
               1: [Sample(state(1), [drawing()])]}
    markup = render_grid(states, samples, Blind.for_states(states))
    assert re.findall(r'<div class="gp-grid-head"[^>]*>([^<]*)</div>', markup) == ["Model A", "Model B"]
    assert "title=" not in markup and "Gemma" not in markup
    assert 'alt="Model A sample 2"' in markup
    assert "«name hidden» closed it" in markup
    # the same drawings shown openly keep their text
    assert "<li class=\"gp-fix\">Gemma closed it</li>" in render_grid(states, samples)


def test_the_gallery_is_the_grid_only_when_a_pane_has_more_than_one_sample():
    states = [state(0), state(1)]
    drawings = {0: [drawing()], 1: [drawing()]}
    one_each = {0: [Sample(state(0), [drawing()])], 1: [Sample(state(1), [drawing()])]}
    assert render_gallery(states, drawings, None, one_each) == render_strip(states, drawings)
    assert render_gallery(states, drawings) == render_strip(states, drawings)
    two = {0: [Sample(state(0), [drawing()])], 1: [Sample(state(1), [drawing()]), Sample(state(1), [drawing()])]}
    blind = Blind.for_states(states)
    assert render_gallery(states, drawings, blind, two) == render_grid(states, two, blind)
    assert render_gallery(states, drawings, blind) == render_strip(states, drawings, blind)


def test_the_strip_places_each_column_on_its_track_with_the_models_full_name_as_tooltip():
    states = [state(0), state(1, "gemini:gemma-4-31b-it", "Gemma 4 31B (API)", source="gemini"), state(2)]
    markup = render_strip(states, {0: [drawing()], 1: [drawing(svg=None)]})
    assert markup.startswith('<div class="gp-strip"><h3>Drawings</h3><div class="gp-align gp-strip-row" data-panes="3" '
                             'style="grid-template-columns: 0px minmax(0, 1fr) 8px minmax(0, 1fr) 8px minmax(0, 1fr)">')
    assert re.findall(r'<div class="gp-strip-col" data-pane="(\d+)" style="grid-column: (\d+)">'
                      r'<div class="gp-strip-name" title="([^"]*)">', markup) == [
        ("0", "2", "Gemma 3 270M · local · gemma-3-270m"),
        ("1", "4", "Gemma 4 31B (API) · gemini · gemini:gemma-4-31b-it"),
        ("2", "6", "Gemma 3 270M · local · gemma-3-270m")]
    assert ('<figure class="gp-gallery-cell gp-mark-rendered" data-drawing="1" data-mark="rendered">'
            '<img src="data:image/svg+xml;base64,') in markup
    assert markup.endswith("</div></div></div>")
    blind = render_strip(states, {0: [drawing(fixes=["Gemma"])]}, Blind.for_states(states))
    assert "title=" not in blind and "Gemma" not in blind
    assert '<figcaption>drawing 1 <span class="gp-flag">repaired</span></figcaption>' in blind


def test_the_strip_shows_nothing_but_its_figures_and_cells_between_the_tags():
    """No stray text between a column's drawings, around the "…" of a running pane, or between
    columns: the strip's visible text is the names, the captions and the cells' words."""
    states = [state(0), state(1, "gemini:gemma-4-31b-it", "Gemma 4 31B (API)"), state(2, status=PaneStatus.RUNNING)]
    markup = render_strip(states, {0: [drawing(), drawing(2)], 1: [drawing()]})
    assert "</figure><figure" in markup and "</figure></div><div class=\"gp-strip-col\"" in markup
    assert ('<div class="gp-strip-empty gp-pending">…</div></div></div></div>') in markup
    text = re.sub(r"<[^>]+>", "|", markup)
    assert [t for t in text.split("|") if t.strip()] == [
        "Drawings", "270M local · pane 1", "drawing 1 ", "drawing 2 ", re.findall(
            r'<div class="gp-strip-name"[^>]*>([^<]*)</div>', markup)[1], "drawing 1 ", "270M local · pane 3", "…"]
