"""Pane state → HTML. Pure functions; the only place model output becomes markup.

Model output is untrusted: markdown is rendered with raw HTML disabled (it is escaped) and
images disabled (no remote fetches from the page); drawings are shown only as
`<img src="data:image/svg+xml;base64,…">` after the SVG pipeline sanitized them, which
browsers render in secure static mode (no script, no external loads). Never inline SVG.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from playground.runner import PaneState
from playground.ui.format import format_metrics

STATUS_LABELS = {
    "queued": "queued", "loading": "loading", "running": "streaming", "done": "done",
    "error": "error", "stopped": "stopped", "cached": "cached",
}


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.disable("image")  # a remote image in an answer would make every viewer's browser fetch it

    def link_open(renderer, tokens, idx, options, env):
        # A link the model wrote opens in a new tab, without our page as opener or referrer.
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        tokens[idx].attrSet("target", "_blank")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def markdown_to_html(text: str) -> str:
    return _markdown().render(text)


@dataclass
class Drawing:
    """One SVG of a pane, ready to show: sanitized SVG, its fixes, optional PNG."""

    number: int
    svg: str | None
    raw: str
    fixes: list[str]
    warnings: list[str]
    truncated: bool
    png: bytes | None = None

    @property
    def svg_uri(self) -> str | None:
        if self.svg is None:
            return None
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def drawings_for(text: str, finish_reason: str | None, with_png: bool = False) -> list[Drawing]:
    from playground.svg import process_answer, render_png

    drawings = []
    for result in process_answer(text, finish_reason):
        png = None
        if with_png and result.svg:
            rendered = render_png(result.svg)
            png = rendered.png
        drawings.append(Drawing(result.index, result.svg, result.raw, list(result.fixes),
                                list(result.warnings), result.truncated, png))
    return drawings


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def status_text(state: PaneState) -> str:
    label = STATUS_LABELS.get(state.status, state.status)
    if state.status == "stopped" and state.finish_reason and state.finish_reason != "cancelled":
        label = f"stopped ({state.finish_reason})"
    if state.status == "done" and state.finish_reason == "length":
        label = "done (max tokens)"
    if state.status_note and state.status in ("queued", "loading", "running"):
        label = state.status_note
    return label


def render_drawing(drawing: Drawing, pane_index: int) -> str:
    parts = [f'<figure class="gp-drawing" data-drawing="{drawing.number}">']
    if drawing.svg_uri:
        parts.append(f'<img class="gp-svg" alt="drawing {drawing.number}" src="{drawing.svg_uri}">')
        name = f"pane{pane_index + 1}-drawing{drawing.number}"
        links = [f'<a download="{name}.svg" href="{drawing.svg_uri}">SVG</a>']
        if drawing.png:
            png_uri = "data:image/png;base64," + base64.b64encode(drawing.png).decode("ascii")
            links.append(f'<a download="{name}.png" href="{png_uri}">PNG</a>')
        else:
            # Drawn by the browser from the image above (playground.js), so the PNG is exactly
            # what is on screen and replaying a cached comparison renders nothing server side.
            links.append(f'<a class="gp-png-link" data-name="{name}.png" href="#">PNG</a>')
        parts.append(f'<figcaption>drawing {drawing.number} · download {" ".join(links)}</figcaption>')
    else:
        parts.append('<div class="gp-svg-broken">this SVG could not be repaired</div>')
    items = [f'<li class="gp-fix">{_esc(f)}</li>' for f in drawing.fixes]
    items += [f'<li class="gp-warn">{_esc(w)}</li>' for w in drawing.warnings]
    if items:
        parts.append(f'<ul class="gp-fixes">{"".join(items)}</ul>')
    parts.append('<details class="gp-source"><summary>source (raw / repaired)</summary>'
                 f'<pre>{_esc(drawing.raw)}</pre>'
                 + (f'<pre>{_esc(drawing.svg)}</pre>' if drawing.svg else "") + '</details>')
    parts.append("</figure>")
    return "".join(parts)


def render_pane(state: PaneState, drawings: list[Drawing] | None = None) -> str:
    classes = f"gp-pane gp-status-{state.status}"
    badge = ""
    if state.cached:
        when = datetime.fromtimestamp(state.created_at).strftime("%Y-%m-%d %H:%M") if state.created_at else ""
        badge = f'<span class="gp-badge gp-cached" title="generated {when}">cached {when}</span>'
    if state.samples > 1:
        badge += f'<span class="gp-badge gp-sample">sample {state.sample} of {state.samples}</span>'
    settings = state.settings or {}
    knobs = (f"t={settings.get('temperature')} · max {settings.get('max_tokens')}"
             + (f" · seed {settings['seed']}" if settings.get("seed") is not None else "")
             + f" · thinking {'on' if settings.get('thinking') else 'off'}")
    head = (f'<div class="gp-head"><span class="gp-model">{_esc(state.label)}</span>'
            f'<span class="gp-source">{_esc(state.source)}</span>'
            f'<span class="gp-state" data-status="{_esc(state.status)}">{_esc(status_text(state))}</span>{badge}</div>'
            f'<div class="gp-facts">{_esc(state.facts)}{" · " if state.facts else ""}{_esc(knobs)}</div>'
            f'<div class="gp-metrics">{_esc(format_metrics(state.metrics))}</div>')
    body = []
    for note in state.notes:
        body.append(f'<div class="gp-note">{_esc(note)}</div>')
    if state.error:
        body.append(f'<div class="gp-error">{_esc(state.error)}</div>')
    if state.thinking:
        tokens = f" ({state.metrics.thinking_tokens} tokens)" if state.metrics.thinking_tokens else ""
        body.append(f'<details class="gp-thinking"><summary>Thinking{tokens}</summary>'
                    f'<div class="gp-md">{markdown_to_html(state.thinking)}</div></details>')
    if state.text:
        body.append(f'<div class="gp-answer gp-md">{markdown_to_html(state.text)}</div>')
        # The raw answer, inert (a <template> is never rendered), for the word diff in the page.
        body.append(f'<template class="gp-raw">{_esc(state.text)}</template>')
    elif not state.error and not state.finished:
        body.append('<div class="gp-waiting">…</div>')
    if drawings:
        body.append('<div class="gp-drawings">' + "".join(render_drawing(d, state.index) for d in drawings) + "</div>")
    return (f'<div class="{classes}" data-pane="{state.index}">{head}'
            f'<div class="gp-body">{"".join(body)}</div></div>')


def render_gallery(states: list[PaneState], drawings: dict[int, list[Drawing]]) -> str:
    """Every pane's drawing at the same size, in pane order. The gallery shows a pane's first
    drawing that survived repair (see playground.svg.process_answer for the numbering)."""
    cells = []
    for state in states:
        usable = [d for d in drawings.get(state.index, []) if d.svg_uri]
        if not usable:
            continue
        first = usable[0]
        fixes = f'<div class="gp-gallery-fixes">{len(first.fixes)} fix(es)</div>' if first.fixes else ""
        cells.append(f'<figure class="gp-gallery-cell"><img src="{first.svg_uri}" alt="{_esc(state.label)}">'
                     f'<figcaption>{_esc(state.label)}</figcaption>{fixes}</figure>')
    if not cells:
        return ""
    return '<div class="gp-gallery"><h3>Drawings side by side</h3><div class="gp-gallery-row">' + "".join(cells) + "</div></div>"
