"""The Suite tab's HTML: the progress bar, the results grid (a row per prompt, a column per
model: the drawing if there is one, else the answer's first lines, with its finish mark) and one
prompt's answers shown blind for judging.

Model output is untrusted: text is escaped, drawings are `<img src="data:image/svg+xml;base64,…">`
of the sanitized SVG (never inline markup), exactly as the panes and the export show them. A
finished cell never changes, so its HTML is made once (`CellCache`): a re-run of a cached
10 × 4 suite shows its grid without running the SVG pipeline forty times per refresh.
"""

from __future__ import annotations

import html
import threading
from typing import Any

from playground.ui.drawing import Blind, drawings_for, pane_letter, usable

# What a finish reason looks like in a cell: a mark and a word (the word is the title too).
FINISH_MARKS = {"stop": ("✓", "stop"), "length": ("✂", "max tokens"), "loop": ("⟳", "loop"),
                "cancelled": ("■", "stopped"), "timeout": ("⏱", "timeout"), "error": ("✗", "error")}
FIRST_LINES = 4
GRID_CSS = """
<style>
#gp-suite-grid table { border-collapse: collapse; width: 100%; table-layout: fixed; }
#gp-suite-grid th, #gp-suite-grid td { border: 1px solid var(--border-color-primary, #d0d7de);
  padding: 4px; vertical-align: top; font-size: 12px; }
#gp-suite-grid th.gp-suite-q, #gp-suite-grid td.gp-suite-q { width: 22%; }
#gp-suite-grid tr.gp-suite-row { cursor: pointer; }
#gp-suite-grid tr.gp-suite-row:hover td { background: var(--background-fill-secondary, #f6f8fa); }
#gp-suite-grid img { width: 100%; max-height: 150px; object-fit: contain; background: #fff; display: block; }
#gp-suite-grid .gp-suite-lines { white-space: pre-wrap; max-height: 6.2em; overflow: hidden; margin: 0;
  font-family: inherit; }
#gp-suite-grid .gp-suite-mark { font-size: 11px; color: var(--body-text-color-subdued, #57606a); }
#gp-suite-grid .gp-suite-mark-error { color: #cf222e; }
#gp-suite-grid .gp-suite-tags { color: var(--body-text-color-subdued, #57606a); }
.gp-suite-progress progress { width: 100%; height: 10px; }
.gp-suite-blind { display: flex; gap: 8px; flex-wrap: wrap; }
.gp-suite-blind > div { flex: 1 1 260px; border: 1px solid var(--border-color-primary, #d0d7de); border-radius: 6px;
  padding: 6px; min-width: 0; }
.gp-suite-blind img { width: 100%; max-height: 320px; object-fit: contain; background: #fff; }
.gp-suite-blind pre { white-space: pre-wrap; max-height: 320px; overflow: auto; font-family: inherit; margin: 0; }
</style>
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def progress_html(progress: Any, title: str = "") -> str:
    if progress is None:
        return "<div class='gp-suite-progress'>No suite running.</div>"
    return (f"<div class='gp-suite-progress' data-done='{progress.done}' data-total='{progress.total}'"
            f" data-finished='{'1' if progress.finished else '0'}'>"
            f"<progress max='{max(progress.total, 1)}' value='{progress.done}'></progress>"
            f"<div>{esc(title + ' · ' if title else '')}{esc(progress.line())}</div></div>")


def finish_mark(state: Any) -> str:
    if state is None:
        return "<span class='gp-suite-mark'>· waiting</span>"
    if not state.finished:
        word = state.status_note or getattr(state.status, "value", str(state.status))
        return f"<span class='gp-suite-mark'>… {esc(word)}</span>"
    reason = "error" if state.error else (state.finish_reason or "stop")
    mark, word = FINISH_MARKS.get(reason, ("•", reason))
    cached = " · cached" if state.cached else ""
    cls = " gp-suite-mark-error" if reason in ("error", "timeout") else ""
    return f"<span class='gp-suite-mark{cls}' title='{esc(word)}'>{mark} {esc(word)}{cached}</span>"


def _body(text: str, finish: str | None, error: str | None, blind: Blind | None = None,
          lines: int = FIRST_LINES) -> str:
    drawings = usable(drawings_for(text, finish))
    if blind is not None:
        drawings, text = [d.masked(blind) for d in drawings], blind.mask(text)
        error = blind.mask(error) if error else error
    if drawings:
        return f"<img alt='drawing' src='{drawings[0].uri}'>"
    if error:
        return f"<pre class='gp-suite-lines gp-suite-mark-error'>{esc(error[:400])}</pre>"
    first = "\n".join(text.strip().splitlines()[:lines])
    return f"<pre class='gp-suite-lines'>{esc(first[:600]) or '<i>(empty)</i>'}</pre>"


class CellCache:
    """Finished cells' HTML by (run id, row, column): made once, shown many times."""

    def __init__(self, most: int = 5000):
        self._cells: dict[tuple, str] = {}
        self._lock = threading.Lock()
        self.most = most

    def cell(self, key: tuple, state: Any) -> str:
        if state is None or not state.finished:
            return finish_mark(state)
        with self._lock:
            found = self._cells.get(key)
        if found is None:
            found = _body(state.text, state.finish_reason, state.error) + finish_mark(state)
            with self._lock:
                if len(self._cells) >= self.most:
                    self._cells.clear()
                self._cells[key] = found
        return found


def grid_html(run: Any, cells: CellCache) -> str:
    """Rows = prompts, columns = models; a click on a row opens it in Compare (the tab's script
    reads `data-row`)."""
    if run is None:
        return GRID_CSS + "<div id='gp-suite-grid'></div>"
    models = [pane.model for pane in run.panes]
    head = "".join(f"<th>{esc(m)}</th>" for m in models)
    rows = []
    for number, item in enumerate(run.items):
        prompt = item.prompt
        tags = f"<div class='gp-suite-tags'>{esc(', '.join(prompt.tags))}</div>" if prompt.tags else ""
        first = (f"<td class='gp-suite-q'><b>{esc(prompt.id)}</b>: {esc(prompt.prompt[:160])}"
                 f"{'…' if len(prompt.prompt) > 160 else ''}{tags}</td>")
        if item.error is not None:
            rows.append(f"<tr class='gp-suite-bad'>{first}<td colspan='{len(models)}'>"
                        f"<span class='gp-suite-mark gp-suite-mark-error'>{esc(item.error)}</span></td></tr>")
            continue
        states = _first_states(item)
        tds = "".join(f"<td>{cells.cell((id(run), number, column), states[column] if states else None)}</td>"
                      for column in range(len(models)))
        rows.append(f"<tr class='gp-suite-row' data-row='{number}' title='open in Compare'>{first}{tds}</tr>")
    return (GRID_CSS + "<div id='gp-suite-grid'><table><thead><tr><th class='gp-suite-q'>prompt</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _first_states(item: Any) -> list | None:
    """Each pane's first sample as it is now (finished: the kept states; running: a live read)."""
    if item.states is not None:
        return [group[0] for group in item.states]
    if item.comparison is None:
        return None
    firsts = {}
    for run in item.comparison.runs:  # read without the lock: a stale read is redrawn next tick
        firsts.setdefault(run.state.index, run.state)
    return [firsts[i] for i in sorted(firsts)]


def blind_html(item: Any, order: list[int], models: list[str]) -> str:
    """One prompt's answers as Model A, B, … in `order` (a shuffle), names masked."""
    masker = Blind(tuple(models))
    states = [group[0] for group in item.states]
    parts = [f"<div class='gp-suite-judge-prompt'><b>{esc(item.prompt.id)}</b>: {esc(item.prompt.prompt)}</div>",
             "<div class='gp-suite-blind'>"]
    for shown, index in enumerate(order):
        state = states[index]
        parts.append(f"<div data-letter='{esc(pane_letter(shown))}'><b>{esc(pane_letter(shown))}</b> "
                     f"{finish_mark_blind(state)}"
                     f"{_body(state.text, state.finish_reason, state.error, masker, lines=60)}</div>")
    parts.append("</div>")
    return "".join(parts)


def finish_mark_blind(state: Any) -> str:
    """The finish reason without the cached badge (which is no name, but says nothing to judge)."""
    reason = "error" if state.error else (state.finish_reason or "stop")
    mark, word = FINISH_MARKS.get(reason, ("•", reason))
    return f"<span class='gp-suite-mark'>{mark} {esc(word)}</span>"
