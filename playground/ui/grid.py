"""Under the panes: the drawing strip (one column per pane, every drawing of each pane) or, when
any pane has k > 1 samples, the drawing grid (models as columns, samples as rows, every cell
the same size and marked rendered / repaired / truncated / no drawing).

Columns line up with the panes above: same order, one column per pane even where a pane drew
nothing. Each column is placed on an explicit grid track (`grid-column: 2i+2`, spacer tracks
between), so static/panes.js can match the tracks to the panes' measured x-ranges; without
script (the HTML export) the default tracks share the width like the panes do.

DOM contract: #gp-gallery > .gp-strip | .gp-grid; .gp-align (the grid container) with
[data-panes=n]; columns/cells carry data-pane (and data-sample in the grid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from playground.pane import PaneState
from playground.ui.drawing import Blind, Drawing, esc, notes_details, shown_label, usable
from playground.ui.names import long_name, pane_names

if TYPE_CHECKING:  # only for annotations: render.py imports this module
    from playground.ui.render import Sample

GAP_PX = 8  # = the gap between panes (#gp-panes in playground.css)


def _tracks(n: int) -> str:
    """Default grid tracks: a zero spacer, then column, gap, column, … (2n + 1 tracks)."""
    cols = f" minmax(0, 1fr) {GAP_PX}px" * (n - 1) + " minmax(0, 1fr)"
    return "0px" + cols


def _tip(state: PaneState, blind: Blind | None) -> str:
    """The column title's tooltip: the model's full name (none while blind)."""
    return "" if blind is not None else f' title="{esc(long_name(state))}"'


def _figure(drawing: Drawing, name: str, blind: Blind | None) -> str:
    shown = drawing.masked(blind) if blind is not None else drawing
    flag = {"truncated": '<span class="gp-flag gp-flag-truncated">truncated</span>',
            "repaired": '<span class="gp-flag">repaired</span>'}.get(shown.mark, "")
    return (f'<figure class="gp-gallery-cell gp-mark-{shown.mark}" data-drawing="{shown.number}" '
            f'data-mark="{shown.mark}"><img src="{shown.uri}" alt="{esc(name)} drawing {shown.number}">'
            f'<figcaption>drawing {shown.number} {flag}</figcaption>{notes_details(shown)}</figure>')


def render_strip(states: list[PaneState], drawings: dict[int, list[Drawing]], blind: Blind | None = None) -> str:
    """One column per pane, aligned with the panes, every drawing that survived repair; a
    "no drawing" cell where a pane has none. Empty when no pane has a drawing."""
    if not any(usable(drawings.get(s.index)) for s in states):
        return ""
    columns = []
    names = pane_names(states)
    for position, state in enumerate(states):
        name = shown_label(state, blind, names)
        found = drawings.get(state.index)
        shown = usable(found)
        if shown:
            cells = "".join(_figure(d, name, blind) for d in shown)
        elif found is None and not state.finished:
            cells = '<div class="gp-strip-empty gp-pending">…</div>'
        else:
            broken = len(found or [])
            cells = ('<div class="gp-strip-empty">no drawing'
                     + (f" ({broken} could not be repaired)" if broken else "") + "</div>")
        columns.append(f'<div class="gp-strip-col" data-pane="{state.index}" style="grid-column: {2 * position + 2}">'
                       f'<div class="gp-strip-name"{_tip(state, blind)}>{esc(name)}</div>{cells}</div>')
    n = len(states)
    return (f'<div class="gp-strip"><h3>Drawings</h3><div class="gp-align gp-strip-row" data-panes="{n}" '
            f'style="grid-template-columns: {_tracks(n)}">{"".join(columns)}</div></div>')


def cell_mark(state: PaneState, drawings: list[Drawing] | None) -> str:
    """What a grid cell says about one sample: rendered / repaired / truncated / no drawing
    (or running while it streams)."""
    if not state.finished or drawings is None:
        return "running"
    shown = usable(drawings)
    return shown[0].mark if shown else "none"


MARK_WORDS = {"rendered": "rendered", "repaired": "repaired", "truncated": "truncated", "none": "no drawing",
              "running": "running…", "absent": "—"}


def render_grid(states: list[PaneState], samples: dict[int, list["Sample"]], blind: Blind | None = None) -> str:
    """Models as columns, samples as rows; each cell one sample's first drawing that survived
    repair, all cells the same size."""
    n = len(states)
    rows = max((len(samples.get(s.index) or []) for s in states), default=1)
    cells = []
    names = pane_names(states)
    for position, state in enumerate(states):
        column = 2 * position + 2
        name = shown_label(state, blind, names)
        cells.append(f'<div class="gp-grid-head" data-pane="{state.index}" style="grid-column: {column}; '
                     f'grid-row: 1"{_tip(state, blind)}>{esc(name)}</div>')
        group = samples.get(state.index) or []
        for j in range(rows):
            where = f'data-pane="{state.index}" data-sample="{j + 1}" style="grid-column: {column}; grid-row: {j + 2}"'
            if j >= len(group):
                cells.append(f'<div class="gp-grid-cell gp-cell-absent" data-mark="absent" {where}>'
                             f'<div class="gp-grid-box"></div><div class="gp-grid-mark">—</div></div>')
                continue
            sample = group[j]
            mark = cell_mark(sample.state, sample.drawings)
            shown = usable(sample.drawings)
            box = {"none": "no drawing", "running": "…"}.get(mark, "")
            if shown:
                first = shown[0].masked(blind) if blind is not None else shown[0]
                box = f'<img src="{first.uri}" alt="{esc(name)} sample {j + 1}">'
            more = f" · +{len(shown) - 1} more" if len(shown) > 1 else ""
            finish = sample.state.finish_reason or ""
            notes = notes_details(shown[0].masked(blind) if (shown and blind) else shown[0]) if shown else ""
            cells.append(f'<div class="gp-grid-cell gp-mark-{mark}" data-mark="{mark}" {where}>'
                         f'<div class="gp-grid-box">{box}</div>'
                         f'<div class="gp-grid-mark">{j + 1} · {esc(MARK_WORDS[mark])}{more}'
                         f'{" · " + esc(finish) if finish and finish != "stop" else ""}</div>{notes}</div>')
    return (f'<div class="gp-grid"><h3>Drawing grid · {rows} sample{"s" if rows != 1 else ""} × {n} '
            f'model{"s" if n != 1 else ""}</h3><div class="gp-align gp-grid-table" data-panes="{n}" '
            f'data-rows="{rows}" style="grid-template-columns: {_tracks(n)}">{"".join(cells)}</div></div>')


def render_gallery(states: list[PaneState], drawings: dict[int, list[Drawing]], blind: Blind | None = None,
                   samples: dict[int, list["Sample"]] | None = None) -> str:
    """What goes under the panes: the grid when any pane has more than one sample, else the
    strip. With `blind`, names are "Model A, B, …" and the drawings' text is masked."""
    if samples and any(len(group) > 1 for group in samples.values()):
        return render_grid(states, samples, blind)
    return render_strip(states, drawings, blind)
