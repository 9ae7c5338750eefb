"""Export a comparison: one self-contained HTML file, or one PNG card of the drawings.

The HTML carries everything inline (CSS, the uploaded image and every drawing as data: URIs)
and a Content-Security-Policy that forbids script and any network load, so it opens offline
and shows the same thing anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import re
import time
from importlib.resources import files

from playground.adapters.base import ChatRequest
from playground.runner import PaneState
from playground.ui.render import Blind, Drawing, pane_letter, render_gallery, render_pane

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
.gp-prompt { white-space: pre-wrap; border-left: 3px solid #888; padding-left: 8px; }
.gp-input-image { max-width: 320px; max-height: 320px; }
"""


def export_html(request: ChatRequest, states: list[PaneState], drawings: dict[int, list[Drawing]],
                blind: Blind | None = None) -> str:
    """The comparison as one self-contained page. With `blind` (a blind comparison not voted
    on yet) it names no model: panes are "Model A, B, …", as on screen."""
    css = files("playground.static").joinpath("playground.css").read_text(encoding="utf-8")
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
    parts.append("<h2>Answers</h2><div class='gp-export-panes'>")
    for state in states:
        pane = render_pane(state, drawings.get(state.index), blind)
        # Thinking is exported open (a file is read, not clicked through); the in-page PNG
        # link needs the app's script, which the export's CSP forbids, so it is left out.
        pane = pane.replace('<details class="gp-thinking">', '<details class="gp-thinking" open>')
        parts.append(re.sub(r'<a class="gp-png-link"[^>]*>PNG</a>', "", pane))
    parts.append("</div>")
    parts.append(render_gallery(states, drawings, blind))
    parts.append("</body></html>")
    return "".join(parts)


def export_png_card(request: ChatRequest, states: list[PaneState], drawings: dict[int, list[Drawing]],
                    cell: int = 300, blind: Blind | None = None) -> bytes:
    """One PNG: the prompt on top, then each pane's first drawing at the same size with its label.
    With `blind`: "Model A, B, …", no speed, drawings with self-names masked."""
    from PIL import Image, ImageDraw, ImageFont

    from playground.svg import render_png

    font = ImageFont.load_default()
    columns = max(1, len(states))
    pad, header, footer = 12, 56, 44
    width = columns * (cell + pad) + pad
    card = Image.new("RGB", (width, header + cell + footer + pad), "white")
    draw = ImageDraw.Draw(card)
    prompt = request.prompt.replace("\n", " ")
    draw.text((pad, pad), prompt if len(prompt) <= 140 else prompt[:137] + "...", fill="black", font=font)
    draw.text((pad, pad + 20), time.strftime("Gemma playground · %Y-%m-%d"), fill="gray", font=font)
    for column, state in enumerate(states):
        x = pad + column * (cell + pad)
        y = header
        draw.rectangle([x - 1, y - 1, x + cell, y + cell], outline="#cccccc")
        usable = [d for d in drawings.get(state.index, []) if d.svg]
        if blind is not None:
            usable = [d.masked(blind) for d in usable]
        png = usable[0].png if usable and usable[0].png else None
        if usable and png is None:
            png = render_png(usable[0].svg, size=cell).png
        if png:
            image = Image.open(io.BytesIO(png)).convert("RGBA")
            image.thumbnail((cell, cell))
            card.paste(image, (x + (cell - image.width) // 2, y + (cell - image.height) // 2), image)
        else:
            draw.text((x + 8, y + cell // 2), "no drawing", fill="gray", font=font)
        label = pane_letter(state.index) if blind is not None else state.label
        label = label if len(label) <= 48 else label[:45] + "..."
        draw.text((x, y + cell + 6), label, fill="black", font=font)
        tps = state.metrics.tokens_per_s if blind is None else None
        status = state.status if blind is None else ("done" if state.finished else "running")
        draw.text((x, y + cell + 22), f"{tps:.1f} tok/s" if tps else status, fill="gray", font=font)
    out = io.BytesIO()
    card.save(out, "PNG")
    return out.getvalue()


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ---------------------------------------------------------------- export folders
# Each launch writes its exports into one temp folder; it is removed at exit, and folders of
# launches that did not exit cleanly are swept at the next start.
EXPORT_PREFIX = "gemma-playground-export-"
STALE_EXPORT_S = 24 * 3600


def make_export_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=EXPORT_PREFIX)


def remove_export_dir(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def sweep_stale_exports(root: str | None = None, max_age_s: float = STALE_EXPORT_S,
                        now: float | None = None) -> list[str]:
    """Remove export folders older than `max_age_s` directly inside `root` (the temp dir): only
    real folders (not links) named with the export prefix and owned by this user. Returns the
    removed paths."""
    import os
    import shutil
    import stat
    import tempfile

    root = root or tempfile.gettempdir()
    now = time.time() if now is None else now
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(EXPORT_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
            continue
        if now - info.st_mtime < max_age_s:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed
