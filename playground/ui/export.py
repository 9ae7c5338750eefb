"""Export a comparison: one self-contained HTML file, or one PNG card of the drawings.

The HTML carries everything inline (CSS, the uploaded image and every drawing as data: URIs)
and a Content-Security-Policy that forbids script and any network load, so it opens offline
and shows the same thing anywhere.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import time
from importlib.resources import files

from playground.adapters.base import ChatRequest
from playground.pane import PaneState
from playground.ui.drawing import shown_label
from playground.ui.names import pane_names
from playground.ui.pane_status import pane_status
from playground.ui.render import (
    Blind,
    Drawing,
    MARK_WORDS,
    Sample,
    cell_mark,
    drawing_png,
    format_rate,
    render_gallery,
    render_pane,
    usable,
)

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
EXPORT_CSS = """
body { font-family: system-ui, sans-serif; margin: 16px; color: #1f2328; background: #fff; }
:root { --border-color-primary: #d0d7de; --background-fill-primary: #fff;
        --background-fill-secondary: #f6f8fa; --body-text-color-subdued: #57606a; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; }
  :root { --border-color-primary: #30363d; --background-fill-primary: #161b22;
          --background-fill-secondary: #21262d; --body-text-color-subdued: #8b949e; }
}
.gp-export-panes { display: flex; gap: 8px; align-items: flex-start; }
.gp-export-panes > .gp-pane { flex: 1 1 0; min-width: 0; max-height: none; }
/* A file has room: whole headers (wrapped, not cut) and whole drawings (border inside the width). */
.gp-export-panes .gp-pane .gp-head { flex-wrap: wrap; white-space: normal; overflow: visible; }
.gp-export-panes .gp-pane .gp-head .gp-model, .gp-export-panes .gp-pane .gp-head .gp-state { max-width: none;
    overflow: visible; white-space: normal; flex: 0 1 auto; }
.gp-export-panes .gp-pane .gp-name-short, .gp-export-panes .gp-pane .gp-name-detail { white-space: normal;
    overflow: visible; min-width: 0; }
.gp-export-panes .gp-pane .gp-head .gp-model { display: inline; }
.gp-export-panes .gp-pane .gp-line2 { white-space: normal; overflow: visible; }
.gp-export-panes .gp-pane .gp-badge-icon { display: none; }
.gp-export-panes .gp-drawing img.gp-svg, .gp-grid-box, .gp-strip .gp-gallery-cell img { box-sizing: border-box; }
.gp-strip-name, .gp-grid-head { white-space: normal; overflow: visible; }
.gp-prompt { white-space: pre-wrap; border-left: 3px solid #888; padding-left: 8px; }
.gp-input-image { max-width: 320px; max-height: 320px; }
"""


def export_html(request: ChatRequest, states: list[PaneState], drawings: dict[int, list[Drawing]],
                blind: Blind | None = None, samples: dict[int, list[Sample]] | None = None) -> str:
    """The comparison as one self-contained page: the panes (with their samples as tabs, which
    need no script), then the drawing strip or grid. With `blind` (a blind comparison not voted
    on yet) it names no model: panes are "Model A, B, …", as on screen."""
    static = files("playground.static")
    css = "\n".join(static.joinpath(name).read_text(encoding="utf-8") for name in ("playground.css", "panes.css"))
    when = time.strftime("%Y-%m-%d %H:%M")
    title = "Gemma comparison" if blind is None else "Blind comparison"
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{title} · {html.escape(request.prompt[:60])}</title>",
        f"<style>{css}{EXPORT_CSS}</style></head><body>",
        f"<h1>{title}</h1><p>exported {when} · {len(states)} pane(s)</p>",
        f"<h2>Prompt</h2><div class='gp-prompt'>{html.escape(request.prompt)}</div>",
    ]
    if request.system:
        parts.append(f"<h3>System prompt</h3><div class='gp-prompt'>{html.escape(request.system)}</div>")
    if request.image is not None:
        parts.append(f"<h3>Image</h3><img class='gp-input-image' alt='input image' src='{request.image.data_uri()}'>")
    if blind is not None:
        parts.append("<p>Blind comparison: the models' names are hidden until the vote.</p>")
    parts.append("<h2>Answers</h2><div class='gp-export-panes' id='gp-panes'>")
    names = pane_names(states)
    for state in states:
        group = (samples or {}).get(state.index) or []
        name = names.get(state.index)
        if len(group) > 1:
            pane = render_pane(state, group[0].drawings, blind, samples=group, summary=_summary(group), name=name)
        else:
            pane = render_pane(state, drawings.get(state.index), blind, name=name)
        # Thinking is exported open (a file is read, not clicked through).
        parts.append(pane.replace('<details class="gp-thinking">', '<details class="gp-thinking" open>'))
    parts.append("</div><div id='gp-gallery'>")
    parts.append(render_gallery(states, drawings, blind, samples))
    parts.append("</div></body></html>")
    return "".join(parts)


def _summary(group: list[Sample]) -> str | None:
    if not all(s.state.finished for s in group):
        return None
    from playground.samples import summarize

    return summarize([s.state.text for s in group], [s.state.finish_reason for s in group],
                     [bool(usable(s.drawings)) for s in group], [bool(s.drawings) for s in group]).line()


# ---------------------------------------------------------------- PNG: text through cairosvg
# Text is drawn by cairosvg (the renderer of every drawing) from an SVG we write, in DejaVu
# Sans named explicitly: real word spacing and the characters we print (— × … ·), every piece
# of text escaped into the SVG. Drawings are rendered apart (each its own document, so their
# ids cannot collide) and placed on top.
FONT_FAMILY = "DejaVu Sans"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return html.escape(_XML_BAD.sub("", text), quote=True)


@functools.lru_cache(maxsize=16)
def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    try:  # the same font cairosvg draws with, to measure the lines
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        return None


def _width(text: str, size: int, bold: bool = False) -> float:
    font = _font(size, bold)
    return font.getlength(text) if font is not None else (0.68 if bold else 0.6) * size * len(text)


def wrap(text: str, width: float, size: int, max_lines: int, bold: bool = False) -> list[str]:
    """`text` in lines at most `width` px wide in DejaVu Sans at `size`; past `max_lines` the
    last line ends with "…"."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        line = ""
        for word in words:
            while _width(word, size, bold) > width and len(word) > 1:  # a word wider than the line
                cut = len(word)
                while cut > 1 and _width(word[:cut], size, bold) > width:
                    cut -= 1
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut])
                word = word[cut:]
            candidate = f"{line} {word}" if line else word
            if _width(candidate, size, bold) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
        if len(lines) > max_lines:
            break
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _width(last + " …", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + " …"
    return lines


def answer_excerpt(text: str, drawings: list[Drawing] | None) -> str:
    """The answer without its drawings' SVG code and code fences, whitespace folded."""
    for drawing in drawings or []:
        if drawing.raw:
            text = text.replace(drawing.raw, " ")
    text = re.sub(r"^[ \t]*(```|~~~)[^\n]*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


class _Canvas:
    """An SVG text layer plus drawings to paste: render() gives the PNG."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.items: list[str] = [f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
        self.pictures: list[tuple[str, int, int, int]] = []  # svg, x, y, box side

    def text(self, x: float, y: float, text: str, size: int = 13, fill: str = "#1f2328", weight: str = "normal"):
        self.items.append(f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT_FAMILY}" font-size="{size}" '
                          f'font-weight="{weight}" fill="{fill}" xml:space="preserve">{_xml_text(text)}</text>')

    def box(self, x: int, y: int, w: int, h: int, fill: str = "#ffffff", stroke: str = "#cccccc"):
        self.items.append(f'<rect x="{x - 0.5}" y="{y - 0.5}" width="{w + 1}" height="{h + 1}" fill="{fill}" '
                          f'stroke="{stroke}"/>')

    def picture(self, svg: str, x: int, y: int, side: int):
        self.pictures.append((svg, x, y, side))

    def render(self) -> bytes:
        from PIL import Image

        from playground.svg import render_png

        document = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
                    f'viewBox="0 0 {self.width} {self.height}">{"".join(self.items)}</svg>')
        rendered = render_png(document, size=max(self.width, self.height), timeout_s=20.0)
        if rendered.png is None:
            raise RuntimeError(f"could not draw the card: {rendered.error}")
        card = Image.open(io.BytesIO(rendered.png)).convert("RGB")
        if card.size != (self.width, self.height):
            card = card.resize((self.width, self.height))
        for svg, x, y, side in self.pictures:
            png = drawing_png(svg, side)
            if not png:
                continue
            image = Image.open(io.BytesIO(png)).convert("RGBA")
            image.thumbnail((side, side))
            card.paste(image, (x + (side - image.width) // 2, y + (side - image.height) // 2), image)
        out = io.BytesIO()
        card.save(out, "PNG")
        return out.getvalue()


def _fit(count: int, pad: int, limit: int = 2000, most: int = 300) -> int:
    return max(80, min(most, (limit - pad * (count + 1)) // max(1, count)))


def export_png_card(request: ChatRequest, states: list[PaneState], drawings: dict[int, list[Drawing]],
                    cell: int = 300, blind: Blind | None = None,
                    samples: dict[int, list[Sample]] | None = None) -> bytes:
    """One PNG: the prompt on top, then per pane its name, its first drawing at the same size
    and its answer (trimmed, wrapped) under it; a text-only pane shows its answer. With
    `blind`: "Model A, B, …", no speed, drawings and text with self-names masked."""
    pad, size, line_h = 12, 13, 17
    columns = max(1, len(states))
    cell = min(cell, _fit(columns, pad))
    text_lines = 12
    width = columns * (cell + pad) + pad
    prompt_lines = wrap(request.prompt.replace("\n", " "), width - 2 * pad, 15, 2, bold=True)
    header = pad + 20 * len(prompt_lines) + 24
    top = header + 40
    height = top + cell + 8 + text_lines * line_h + pad
    canvas = _Canvas(width, height)
    for i, line in enumerate(prompt_lines):
        canvas.text(pad, pad + 15 + 20 * i, line, size=15, weight="bold")
    canvas.text(pad, pad + 20 * len(prompt_lines) + 12, time.strftime("Gemma playground · %Y-%m-%d")
                + (" · blind: names hidden until the vote" if blind is not None else ""), size=12, fill="#57606a")
    mask = blind.mask if blind is not None else (lambda t: t or "")
    names = pane_names(states)
    for column, state in enumerate(states):
        x = pad + column * (cell + pad)
        found = drawings.get(state.index) or []
        shown = usable([d.masked(blind) for d in found] if blind is not None else found)
        label = shown_label(state, blind, names)
        canvas.text(x, header + 14, wrap(label, cell, 14, 1, bold=True)[0], size=14, weight="bold")
        group = [s.state for s in (samples or {}).get(state.index) or []] or [state]
        word = pane_status(group, blind is not None).label  # the pane's own status word, as on the page
        if blind is not None:
            status = word
        else:
            status = " · ".join(p for p in (word, format_rate(state.metrics) if state.metrics.tokens_per_s else "") if p)
        canvas.text(x, header + 31, wrap(status, cell, 12, 1)[0], size=12, fill="#57606a")
        excerpt = answer_excerpt(mask(state.text), shown or found) or (mask(state.error) if state.error else "")
        if shown:
            canvas.box(x, top, cell, cell)
            canvas.picture(shown[0].svg, x, top, cell)
            lines, y0 = wrap(excerpt, cell, size, text_lines), top + cell + 8
        else:  # a text-only pane: its answer where the drawing would be
            canvas.box(x, top, cell, cell + 8 + text_lines * line_h, fill="#f6f8fa", stroke="#e1e4e8")
            lines, y0 = wrap(excerpt or "(no answer)", cell - 12, size, text_lines + cell // line_h), top + 6
            x += 6
        for i, line in enumerate(lines):
            canvas.text(x, y0 + size + i * line_h, line, size=size)
    return canvas.render()


def export_grid_png(request: ChatRequest, states: list[PaneState], samples: dict[int, list[Sample]],
                    blind: Blind | None = None) -> bytes:
    """The drawing grid as one PNG: models as columns, samples as rows, every cell the same
    size and marked rendered / repaired / truncated / no drawing."""
    pad = 12
    columns = max(1, len(states))
    rows = max((len(samples.get(s.index) or []) for s in states), default=1) or 1
    cell = min(_fit(columns, pad, 2000, 240), max(80, (2000 - 120 - rows * 22) // rows))
    width = columns * (cell + pad) + pad
    prompt_lines = wrap(request.prompt.replace("\n", " "), width - 2 * pad, 14, 2, bold=True)
    header = pad + 19 * len(prompt_lines) + 26
    row_h = cell + 22
    height = header + 24 + rows * row_h + pad
    canvas = _Canvas(width, height)
    for i, line in enumerate(prompt_lines):
        canvas.text(pad, pad + 14 + 19 * i, line, size=14, weight="bold")
    canvas.text(pad, pad + 19 * len(prompt_lines) + 12,
                f"Drawing grid · {rows} sample{'s' if rows != 1 else ''} × {columns} model{'s' if columns != 1 else ''}"
                " · Gemma playground", size=12, fill="#57606a")
    names = pane_names(states)
    for column, state in enumerate(states):
        x = pad + column * (cell + pad)
        label = shown_label(state, blind, names)
        canvas.text(x, header + 14, wrap(label, cell, 13, 1, bold=True)[0], size=13, weight="bold")
        group = samples.get(state.index) or []
        for j in range(rows):
            y = header + 24 + j * row_h
            canvas.box(x, y, cell, cell)
            if j >= len(group):
                canvas.text(x, y + cell + 15, f"{j + 1} · —", size=11, fill="#57606a")
                continue
            sample = group[j]
            shown = usable(sample.drawings)
            if shown:
                first = shown[0].masked(blind) if blind is not None else shown[0]
                canvas.picture(first.svg, x, y, cell)
            else:
                canvas.text(x + cell / 2 - 30, y + cell / 2, "no drawing", size=12, fill="#8c959f")
            mark = MARK_WORDS[cell_mark(sample.state, sample.drawings)]
            finish = sample.state.finish_reason
            canvas.text(x, y + cell + 15, f"{j + 1} · {mark}" + (f" · {finish}" if finish and finish != "stop" else ""),
                        size=11, fill="#57606a")
    return canvas.render()


def stack_pngs(pngs: list[bytes], gap: int = 0) -> bytes:
    """PNGs one under the other on white, left-aligned: the card with its drawing grid under it."""
    from PIL import Image

    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    out = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)),
                    "white")
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height + gap
    data = io.BytesIO()
    out.save(data, "PNG")
    return data.getvalue()


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ---------------------------------------------------------------- export folders
# Each launch writes its exports into one temp folder; it is removed at exit, and folders of
# launches that did not exit cleanly are swept at the next start.
# The export folder's life (owner lock, start-up sweep) lives in export_dir; importable here too.
from playground.ui.export_dir import (  # noqa: E402,F401
    EXPORT_PREFIX,
    STALE_EXPORT_S,
    make_export_dir,
    remove_export_dir,
    sweep_stale_exports,
)
