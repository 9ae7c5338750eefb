"""A suite's gallery: one self-contained page (the pelican-gallery shape — per prompt, every
model's drawing or answer side by side with its name, finish reason and speed) and a PNG
contact sheet of the drawings (prompts as rows, models as columns).

Drawings go in as `<img src="data:image/svg+xml;base64,…">` (never inline SVG markup: a model's
SVG could carry script), under the export's Content-Security-Policy (no script, no network),
and the PNG uses the export's one renderer (cairosvg in its worker), so a drawing looks the same
in the page, the sheet and the Compare tab. A blind gallery shows "Model A, B, …" in a per-prompt
shuffled order and no speeds (they tell models apart), as a blind comparison does.
"""

from __future__ import annotations

import html
import random
import time
from pathlib import Path
from typing import Iterable

from playground.result import PaneResult
from playground.ui.drawing import Blind, Drawing, drawings_for, pane_letter, usable
from playground.ui.export import CSP, _Canvas, wrap
from playground.ui.format import format_rate

GALLERY_CSS = """
body { font-family: system-ui, sans-serif; margin: 16px; color: #1f2328; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; }
  .gp-suite-cell { background: #161b22; border-color: #30363d; } }
.gp-suite-prompt { margin: 28px 0 8px; }
.gp-suite-prompt h2 { font-size: 1.05rem; margin: 0 0 4px; white-space: pre-wrap; }
.gp-suite-tags { color: #57606a; font-size: .85rem; }
.gp-suite-row { display: flex; gap: 10px; flex-wrap: wrap; align-items: flex-start; }
.gp-suite-cell { flex: 1 1 240px; max-width: 420px; border: 1px solid #d0d7de; border-radius: 6px;
  padding: 8px; background: #fff; }
.gp-suite-cell h3 { font-size: .95rem; margin: 0 0 2px; overflow-wrap: anywhere; }
.gp-suite-facts { color: #57606a; font-size: .8rem; margin-bottom: 6px; }
.gp-suite-cell img { width: 100%; height: auto; aspect-ratio: 1 / 1; object-fit: contain;
  border: 1px solid #d0d7de; background: #fff; box-sizing: border-box; }
.gp-suite-text { white-space: pre-wrap; font-size: .85rem; max-height: 18em; overflow: auto; margin: 0; }
.gp-suite-error { color: #cf222e; }
"""
EXCERPT_CHARS = 1200


def _facts(result: PaneResult, blind: bool) -> str:
    finish = "error" if result.error else (result.finish_reason or "not run")
    parts = [finish]
    if result.cached:
        parts.append("cached")
    if not blind and result.metrics.tokens_per_s is not None:
        parts.append(format_rate(result.metrics))
    if not blind and result.metrics.total_s is not None:
        parts.append(f"{result.metrics.total_s:.1f} s total")
    return " · ".join(parts)


def _order(count: int, blind: bool, prompt_id: str, seed: str) -> list[int]:
    order = list(range(count))
    if blind:  # shuffled per prompt, the same on every export of this run
        random.Random(f"{seed}:{prompt_id}").shuffle(order)
    return order


def gallery_html(suite_name: str, models: list[str],
                 prompts: Iterable[tuple[object, list[list[PaneResult]] | None]],
                 blind: bool = False, seed: str = "") -> str:
    """The page. `prompts`: (SuitePrompt, each pane's samples or None) in suite order; a pane's
    first sample is shown (as in compare --json)."""
    when = time.strftime("%Y-%m-%d %H:%M")
    title = f"Suite {suite_name}" + (" (blind)" if blind else "")
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
             f"<title>{html.escape(title)}</title><style>{GALLERY_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f"<p>exported {when} · {len(models)} model(s): "
             + (html.escape(", ".join(models)) if not blind else "names hidden until judged") + "</p>"]
    for prompt, groups in prompts:
        tags = getattr(prompt, "tags", ())
        parts.append(f"<section class='gp-suite-prompt' id='prompt-{html.escape(prompt.id)}'>"
                     f"<h2>{html.escape(prompt.id)}: {html.escape(prompt.prompt)}</h2>"
                     + (f"<div class='gp-suite-tags'>{html.escape(', '.join(tags))}</div>" if tags else "")
                     + "<div class='gp-suite-row'>")
        results = [group[0] for group in groups or [] if group]
        for shown, index in enumerate(_order(len(results), blind, prompt.id, seed)):
            result = results[index]
            name = pane_letter(shown) if blind else result.model
            drawings = usable(drawings_for(result.text, result.finish_reason))
            text = result.text
            if blind:  # self-names masked, as in a blind comparison ("As Gemma, …")
                masker = Blind(tuple(models))
                drawings, text = [d.masked(masker) for d in drawings], masker.mask(text)
            parts.append(f"<div class='gp-suite-cell' data-model='{html.escape(name)}'>"
                         f"<h3>{html.escape(name)}</h3><div class='gp-suite-facts'>"
                         f"{html.escape(_facts(result, blind))}</div>")
            if drawings:
                parts.append(f"<img alt='drawing by {html.escape(name)}' src='{drawings[0].uri}'>")
            elif result.error:
                parts.append(f"<p class='gp-suite-error'>{html.escape(result.error[:EXCERPT_CHARS])}</p>")
            else:
                text = text.strip()
                cut = "…" if len(text) > EXCERPT_CHARS else ""
                parts.append(f"<pre class='gp-suite-text'>{html.escape(text[:EXCERPT_CHARS])}{cut}</pre>")
            parts.append("</div>")
        if not results:
            parts.append("<p>not run (the suite was stopped first)</p>")
        parts.append("</div></section>")
    parts.append("</body></html>")
    return "".join(parts)


def contact_sheet_png(suite_name: str, models: list[str],
                      prompts: list[tuple[object, list[list[PaneResult]] | None]],
                      blind: bool = False, seed: str = "") -> bytes:
    """Prompts as rows, models as columns, each cell a model's first drawing (or "no drawing")
    with its finish reason; one PNG, drawn by the export's canvas."""
    pad, label_w = 10, 150
    columns = max(1, len(models))
    cell = max(90, min(220, (1800 - label_w - pad * (columns + 2)) // columns))
    width = label_w + columns * (cell + pad) + pad
    top = 44
    row_h = cell + 34
    height = top + 22 + max(1, len(prompts)) * row_h + pad
    canvas = _Canvas(width, height)
    canvas.text(pad, 24, wrap(f"Suite {suite_name} · {len(prompts)} prompts × {columns} models · Gemma playground",
                              width - 2 * pad, 15, 1, bold=True)[0], size=15, weight="bold")
    if not blind:
        for column, model in enumerate(models):
            x = label_w + pad + column * (cell + pad)
            canvas.text(x, top + 12, wrap(model, cell, 12, 1, bold=True)[0], size=12, weight="bold")
    for row, (prompt, groups) in enumerate(prompts):
        y = top + 22 + row * row_h
        for i, line in enumerate(wrap(f"{prompt.id}: {prompt.prompt}", label_w - pad, 11, 6)):
            canvas.text(pad, y + 12 + i * 14, line, size=11)
        results = [group[0] for group in groups or [] if group]
        for shown, index in enumerate(_order(len(results), blind, prompt.id, seed)):
            result = results[index]
            x = label_w + pad + shown * (cell + pad)
            canvas.box(x, y, cell, cell)
            drawings: list[Drawing] = usable(drawings_for(result.text, result.finish_reason))
            if drawings:
                canvas.picture(drawings[0].svg, x, y, cell)
            else:
                canvas.text(x + cell / 2 - 30, y + cell / 2, "no drawing", size=12, fill="#8c959f")
            label = (f"{pane_letter(shown)} · " if blind else "") + ("error" if result.error else
                                                                           (result.finish_reason or "not run"))
            canvas.text(x, y + cell + 14, wrap(label, cell, 11, 1)[0], size=11, fill="#57606a")
    return canvas.render()


def write_gallery(run, out: Path, blind: bool = False) -> list[Path]:
    """`--html OUT.html`: the page, and OUT.png beside it (the contact sheet)."""
    prompts = [(item.prompt, item.groups) for item in run.items if item.error is None]
    models = [pane.model for pane in run.panes]
    seed = f"{run.suite.name}:{id(run)}"
    out = Path(out)
    out.write_text(gallery_html(run.suite.name, models, prompts, blind, seed), encoding="utf-8")
    sheet = out.with_suffix(".png")
    sheet.write_bytes(contact_sheet_png(run.suite.name, models, prompts, blind, seed))
    return [out, sheet]
