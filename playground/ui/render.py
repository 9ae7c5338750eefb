"""Pane state → HTML. Pure functions; the only place model output becomes markup.

Model output is untrusted: markdown is rendered with raw HTML disabled (it is escaped) and
images disabled (no remote fetches from the page); drawings are shown only as
`<img src="data:image/svg+xml;base64,…">` after the SVG pipeline sanitized them, which
browsers render in secure static mode (no script, no external loads). Never inline SVG.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Iterable

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


# ---------------------------------------------------------------- blind mode
NAME_MASK = "«name hidden»"
# Not inside a word on the left; on the right not followed by a letter (GEMINI_API_KEY is masked,
# "Gemmary" is not).
_L, _R = r"(?<![A-Za-z0-9])", r"(?![A-Za-z])"
_VERSION = r"(?:[ \t_-]?\d+(?:\.\d+)?(?:n\b|\b))?"  # "Gemma 4", "Gemma-3n", "Gemini 2.5"
_SIZE = r"(?:[_-]it\b|[ \t_-]?(?:E\d+B|\d+(?:\.\d+)?[BM](?:-A\d+B)?|Pro|Flash|Ultra|Nano|Lite)\b)*"
_SELF_NAMES = re.compile(
    _L + r"(?:"
    r"(?:Google[ \t]+)?DeepMind"
    r"|Google(?:'s)?"
    r"|(?:Gemma|Gemini|Llama|Qwen|Phi|Mistral|Mixtral|PaLM|Bard|Claude)" + _VERSION + _SIZE +
    r"|(?:Chat)?GPT(?:-?\d[\w.]*)?(?:-?(?:o|mini|turbo))*"
    r"|OpenAI|Anthropic|DeepSeek(?:-?[VR]\d)?|Alibaba|Meta[ \t]+AI|Microsoft"
    r"|E[24]B|\d+B-A\d+B"  # Gemma 4 size names on their own
    r")" + _R,
    re.IGNORECASE,
)


def mask_self_names(text: str, names: Iterable[str] = ()) -> str:
    """`text` with every self-name a model might give hidden: model families and makers
    ("As Gemma…", "I'm Gemini", "Gemma 4 E2B", "Google DeepMind", "ChatGPT", ...) and the
    given `names` (the comparison's model ids and labels), any case. A pure function: blind
    mode shows answers through it until the vote."""
    if not text:
        return text
    literal = sorted({n.strip() for n in names if n and len(n.strip()) >= 3}, key=len, reverse=True)
    if literal:
        pattern = _L + "(?:" + "|".join(re.escape(n) for n in literal) + ")" + _R
        text = re.sub(pattern, NAME_MASK, text, flags=re.IGNORECASE)
    return _SELF_NAMES.sub(NAME_MASK, text)


def pane_letter(index: int) -> str:
    """"Model A" for pane 0, "Model B" for pane 1, ..."""
    return f"Model {chr(ord('A') + index)}"


@dataclass(frozen=True)
class Blind:
    """How a blind comparison is shown until the vote: each pane as "Model A, B, C…", no id,
    label, source, facts, settings, cached/sample badge or speed metric, and self-names masked
    in everything the models wrote. `names` are the comparison's model ids and labels."""

    names: tuple[str, ...] = ()

    def mask(self, text: str | None) -> str:
        return mask_self_names(text or "", self.names)

    @classmethod
    def for_states(cls, states: Iterable[PaneState]) -> "Blind":
        names: set[str] = set()
        for s in states:
            names.update({s.model, s.label, s.model.split(":", 1)[-1]})
        return cls(tuple(sorted(names)))


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

    def masked(self, blind: Blind) -> "Drawing":
        """The same drawing with self-names masked in its text (a <text>Gemma</text> too)."""
        return replace(self, svg=None if self.svg is None else blind.mask(self.svg), raw=blind.mask(self.raw),
                       fixes=[blind.mask(f) for f in self.fixes], warnings=[blind.mask(w) for w in self.warnings],
                       png=None)

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


BLIND_STATUS = {"queued": "waiting", "loading": "waiting", "running": "streaming", "done": "done",
                "cached": "done", "error": "error", "stopped": "stopped"}


BLIND_CLASS = {"loading": "queued", "cached": "done"}


def status_text(state: PaneState, blind: Blind | None = None) -> str:
    if blind is not None:  # no "loading model", "retrying (gemini)", "cached": they tell sources apart
        label = BLIND_STATUS.get(state.status, state.status)
        if state.status == "stopped" and state.finish_reason in ("loop", "timeout"):
            label = f"stopped ({state.finish_reason})"
        return label
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


def _blind_metrics(state: PaneState) -> str:
    """While blind, only the answer's length: speed, TTFT and load time tell models apart."""
    tokens = state.metrics.completion_tokens
    return f"{tokens} tokens · speed after the vote" if tokens is not None else "speed after the vote"


def render_pane(state: PaneState, drawings: list[Drawing] | None = None, blind: Blind | None = None,
                letter: str | None = None) -> str:
    """One pane. With `blind`, nothing in the markup (text, attributes, titles) names the model
    or its source, settings or speed, and self-names in the answer are masked. `letter`
    ("Model A") is shown beside the model's name once a blind comparison is revealed."""
    mask = blind.mask if blind is not None else (lambda text: text or "")
    # While blind, "loading" (only local models load) shows as "queued" and "cached" as "done".
    status = BLIND_CLASS.get(state.status, state.status) if blind is not None else state.status
    classes = f"gp-pane gp-status-{status}"
    badge = ""
    if blind is None and state.cached:
        when = datetime.fromtimestamp(state.created_at).strftime("%Y-%m-%d %H:%M") if state.created_at else ""
        badge = f'<span class="gp-badge gp-cached" title="generated {when}">cached {when}</span>'
    if blind is None and state.samples > 1:
        badge += f'<span class="gp-badge gp-sample">sample {state.sample} of {state.samples}</span>'
    settings = state.settings or {}
    knobs = (f"t={settings.get('temperature')} · max {settings.get('max_tokens')}"
             + (f" · seed {settings['seed']}" if settings.get("seed") is not None else "")
             + f" · thinking {'on' if settings.get('thinking') else 'off'}")
    if blind is not None:
        name = f'<span class="gp-model gp-blind-name">{_esc(pane_letter(state.index))}</span>'
        facts = '<div class="gp-facts">blind: name and settings shown after the vote</div>'
        metrics = f'<div class="gp-metrics">{_esc(_blind_metrics(state))}</div>'
    else:
        name = (f'<span class="gp-letter">{_esc(letter)}</span>' if letter else "") + \
            f'<span class="gp-model">{_esc(state.label)}</span><span class="gp-source">{_esc(state.source)}</span>'
        facts = f'<div class="gp-facts">{_esc(state.facts)}{" · " if state.facts else ""}{_esc(knobs)}</div>'
        metrics = f'<div class="gp-metrics">{_esc(format_metrics(state.metrics))}</div>'
    head = (f'<div class="gp-head">{name}'
            f'<span class="gp-state" data-status="{_esc(status)}">{_esc(status_text(state, blind))}</span>{badge}</div>'
            f'{facts}{metrics}')
    body = []
    for note in state.notes:
        body.append(f'<div class="gp-note">{_esc(mask(note))}</div>')
    if state.error:
        body.append(f'<div class="gp-error">{_esc(mask(state.error))}</div>')
    if state.thinking:
        tokens = f" ({state.metrics.thinking_tokens} tokens)" if state.metrics.thinking_tokens else ""
        body.append(f'<details class="gp-thinking"><summary>Thinking{tokens}</summary>'
                    f'<div class="gp-md">{markdown_to_html(mask(state.thinking))}</div></details>')
    if state.text:
        text = mask(state.text)
        body.append(f'<div class="gp-answer gp-md">{markdown_to_html(text)}</div>')
        # The raw answer, inert, for the word diff in the page. In an attribute, not as the
        # template's content: Gradio patches a gr.HTML's DOM in place (attributes and child nodes)
        # and never reaches a <template>'s content, which would keep the first text it was given
        # (a stale answer, or an unmasked one). playground.js mirrors it into the content.
        body.append(f'<template class="gp-raw" data-text="{_esc(text)}"></template>')
    elif not state.error and not state.finished:
        body.append('<div class="gp-waiting">…</div>')
    if drawings:
        shown = [d.masked(blind) for d in drawings] if blind is not None else drawings
        body.append('<div class="gp-drawings">' + "".join(render_drawing(d, state.index) for d in shown) + "</div>")
    return (f'<div class="{classes}" data-pane="{state.index}">{head}'
            f'<div class="gp-body">{"".join(body)}</div></div>')


def render_gallery(states: list[PaneState], drawings: dict[int, list[Drawing]], blind: Blind | None = None) -> str:
    """Every pane's drawing at the same size, in pane order. The gallery shows a pane's first
    drawing that survived repair (see playground.svg.process_answer for the numbering).
    With `blind`, captions are "Model A, B, …" and the drawings' text is masked."""
    cells = []
    for state in states:
        usable = [d for d in drawings.get(state.index, []) if d.svg_uri]
        if not usable:
            continue
        first = usable[0].masked(blind) if blind is not None else usable[0]
        name = pane_letter(state.index) if blind is not None else state.label
        fixes = f'<div class="gp-gallery-fixes">{len(first.fixes)} fix(es)</div>' if first.fixes else ""
        cells.append(f'<figure class="gp-gallery-cell"><img src="{first.svg_uri}" alt="{_esc(name)}">'
                     f'<figcaption>{_esc(name)}</figcaption>{fixes}</figure>')
    if not cells:
        return ""
    return '<div class="gp-gallery"><h3>Drawings side by side</h3><div class="gp-gallery-row">' + "".join(cells) + "</div></div>"
