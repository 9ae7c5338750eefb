"""Pane state → HTML. Pure functions; the only place model output becomes pane markup.

Model output is untrusted: markdown is rendered with raw HTML disabled (it is escaped) and
images disabled (no remote fetches from the page); drawings are shown only as
`<img src="data:image/svg+xml;base64,…">` after the SVG pipeline sanitized them, which
browsers render in secure static mode (no script, no external loads). Never inline SVG.

A pane (the DOM contract with the page, see static/panes.css and panes.js):

    .gp-pane[data-pane=i][data-samples=k]
      input.gp-sample-radio × k            (k > 1: pure-CSS sample tabs)
      .gp-head         line 1: model, source, status, badges
      .gp-line2[title] line 2: facts · sampling · thinking · metrics, one line, details on hover
      .gp-samples-summary, .gp-sample-tabs  (k > 1)
      .gp-body > (.gp-sample-panel[data-sample=j] ×k | the sample's content)
          notes, error, Thinking (folded), .gp-answer with drawings in place
          (figure.gp-drawing: the image, then source and fixes folded), request (folded)
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from playground.pane import PaneState
from playground.ui.drawing import (  # noqa: F401  (re-exported: the names the UI has always used)
    NAME_MASK,
    Blind,
    Drawing,
    drawing_png,
    drawings_for,
    esc,
    mask_self_names,
    notes_details,
    pane_letter,
    png_uri,
    usable,
)
from playground.ui.format import format_metrics, format_rate, format_sampling, thinking_flag
from playground.ui.names import PaneName, long_name, short_name
from playground.ui.pane_status import pane_status, sample_word
from playground.ui.grid import MARK_WORDS, cell_mark, render_gallery  # noqa: F401  (re-exported for export.py)

_esc = esc


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
class Sample:
    """One of a pane's k samples: its state and (once finished) its drawings."""

    state: PaneState
    drawings: list[Drawing] | None = None


def status_text(state: PaneState, blind: Blind | None = None) -> str:
    """One sample's status word (ui/pane_status.py: the same words in page, card and export)."""
    return pane_status([state], blind is not None).label


# ---------------------------------------------------------------- drawings in place
def render_drawing(drawing: Drawing, pane_index: int, sample: int | None = None) -> str:
    """A drawing where the answer has it: the image (whole, scaled to the pane), a caption with
    its marks and downloads, its fixes and warnings and its source folded."""
    mark = drawing.mark
    parts = [f'<figure class="gp-drawing gp-mark-{mark}" data-drawing="{drawing.number}" data-mark="{mark}">']
    marks = {"truncated": " · <span class=\"gp-flag gp-flag-truncated\">truncated</span>",
             "repaired": " · <span class=\"gp-flag\">repaired</span>", "rendered": "", "broken": ""}[mark]
    name = f"pane{pane_index + 1}{'' if sample is None else f'-sample{sample}'}-drawing{drawing.number}"
    if drawing.svg is not None:
        uri = drawing.uri
        parts.append(f'<img class="gp-svg" alt="drawing {drawing.number}" src="{uri}">')
        links = [f'<a class="gp-dl" download="{name}.svg" href="{uri}">SVG</a>']
        png = png_uri(drawing.svg)  # cairosvg, the same renderer as the export and the CLI
        if png:
            links.append(f'<a class="gp-dl gp-png" download="{name}.png" href="{png}">PNG</a>')
        parts.append(f'<figcaption>drawing {drawing.number}{marks} · {" ".join(links)}</figcaption>')
    else:
        parts.append('<div class="gp-svg-broken">this SVG could not be repaired</div>')
    parts.append(notes_details(drawing))
    parts.append('<details class="gp-source"><summary>source</summary>'
                 f'<pre>{esc(drawing.raw)}</pre>'
                 + (f'<div class="gp-source-label">repaired and sanitized:</div><pre>{esc(drawing.svg)}</pre>'
                    if drawing.svg and drawing.fixes else "") + '</details>')
    parts.append("</figure>")
    return "".join(parts)


_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})", re.MULTILINE)


def _inside_fence(text: str, at: int) -> bool:
    """Is offset `at` inside a fenced code block (an odd number of fence lines before it)?"""
    return len(_FENCE.findall(text, 0, at)) % 2 == 1


def answer_with_drawings(text: str, drawings: list[Drawing] | None, pane_index: int,
                         sample: int | None = None) -> str:
    """The answer as markdown HTML with each drawing shown where the answer has its SVG (in
    place of the code block); drawings not found in the text come after it."""
    if not drawings:
        return markdown_to_html(text)
    nonce = secrets.token_hex(8)  # model text cannot guess it, so cannot fake a placeholder
    tokens: dict[str, Drawing] = {}
    rest: list[Drawing] = []
    out, pos = [], 0
    for drawing in drawings:
        at = text.find(drawing.raw, pos) if drawing.raw else -1
        if at < 0:
            rest.append(drawing)
            continue
        token = f"GPDRAWING{nonce}N{drawing.number}X"
        tokens[token] = drawing
        out.append(text[pos:at])
        out.append(token if _inside_fence(text, at) else f"\n\n{token}\n\n")
        pos = at + len(drawing.raw)
    out.append(text[pos:])
    rendered = markdown_to_html("".join(out))
    for token, drawing in tokens.items():
        figure = render_drawing(drawing, pane_index, sample)
        if f"<p>{token}</p>" in rendered:
            rendered = rendered.replace(f"<p>{token}</p>", figure)
            continue
        at = rendered.find(token)
        if at < 0:
            rest.append(drawing)
            continue
        in_code = rendered.rfind("<pre>", 0, at) > rendered.rfind("</pre>", 0, at)
        rendered = rendered.replace(token, f"</code></pre>{figure}<pre><code>" if in_code else figure)
    # code blocks left holding only whitespace (the fence around a drawing) go
    rendered = re.sub(r"<pre><code[^>]*>\s*</code></pre>\n?", "", rendered)
    if rest:
        rendered += '<div class="gp-drawings">' + "".join(render_drawing(d, pane_index, sample) for d in rest) + "</div>"
    return rendered


# ---------------------------------------------------------------- the header
def _blind_metrics(state: PaneState) -> str:
    """While blind, only the answer's length: speed, TTFT and load time tell models apart."""
    tokens = state.metrics.completion_tokens
    return f"{tokens} tokens · speed after the vote" if tokens is not None else "speed after the vote"


def _line2(states: list[PaneState], blind: Blind | None) -> str:
    state = states[0]
    if blind is not None:
        metrics = _blind_metrics(state) if len(states) == 1 else "speed after the vote"
        return ('<div class="gp-line2" title="blind: name, settings, request and speed are shown after the vote">'
                '<span class="gp-facts">blind · settings after the vote</span>'
                f'<span class="gp-metrics">{esc(metrics)}</span></div>')
    settings = state.settings or {}
    sampling, sampling_long = format_sampling(settings, state.source)  # + what the source cannot send
    shows_thinking = any(s.thinking for s in states)
    think = thinking_flag(settings.get("thinking"), shows_thinking)
    facts = " · ".join(p for p in (state.facts, sampling, think) if p)
    lines = [f"{state.label} ({state.source})"]
    if state.facts:
        lines.append(f"facts: {state.facts}")
    lines.append(f"sampling: {sampling_long}")
    lines.append(f"thinking: {think.replace('thinking ', '')}" + (" (asked off, but the model's thinking is shown below)"
                                          if think == "thought anyway" else ""))
    if len(states) == 1:
        metrics = format_metrics(state.metrics)
        lines.append(f"metrics: {metrics}")
        if state.metrics.tokens_per_s is not None and format_rate(state.metrics).startswith("—"):
            lines.append("tok/s: — (fewer than 8 tokens or under 0.25 s between the first and last token)")
        metrics_html = f'<span class="gp-metrics">{esc(metrics)}</span>'
    else:
        lines.append(f"{len(states)} samples: metrics per sample in its tab")
        metrics_html = f'<span class="gp-metrics">{len(states)} samples</span>'
    if state.cached and state.created_at:
        lines.append("cached: generated " + datetime.fromtimestamp(state.created_at).strftime("%Y-%m-%d %H:%M"))
    return (f'<div class="gp-line2" title="{esc(chr(10).join(lines))}">'
            f'<span class="gp-facts">{esc(facts)}</span>{metrics_html}</div>')


def _badge(cls: str, icon: str, text: str, tip: str) -> str:
    """A badge that collapses to its icon in a narrow pane (panes.css), the words in its tooltip."""
    return (f'<span class="gp-badge {cls}" title="{esc(tip)}"><span class="gp-badge-icon" aria-hidden="true">'
            f'{esc(icon)}</span><span class="gp-badge-text">{esc(text)}</span></span>')


def _head(states: list[PaneState], blind: Blind | None, letter: str | None, name: str | None) -> tuple[str, str]:
    state = states[0]
    word = pane_status(states, blind is not None)
    status, label = word
    badge = ""
    if blind is None and all(s.cached for s in states):
        when = (datetime.fromtimestamp(state.created_at).strftime("%Y-%m-%d %H:%M")
                if len(states) == 1 and state.created_at else "")
        badge = _badge("gp-cached", "↺", "cached", f"cached: replayed from the cache{', generated ' + when if when else ''}")
    if blind is None and len(states) == 1 and state.samples > 1:
        badge += _badge("gp-sample", f"{state.sample}/{state.samples}", f"sample {state.sample} of {state.samples}",
                        f"cached sample {state.sample} of {state.samples} (‹ › to browse)")
    if blind is not None:
        name_html = f'<span class="gp-model gp-blind-name">{esc(pane_letter(state.index))}</span>'
    else:
        shown = name if name is not None else PaneName(short_name(state.model, state.label, state.source))
        short, detail = getattr(shown, "short", shown), getattr(shown, "detail", "")
        # the short name never gives way; what tells two panes of one model apart comes next
        detail_html = f'<span class="gp-name-detail"> · {esc(detail)}</span>' if detail else ""
        name_html = ((f'<span class="gp-letter">{esc(letter)}</span>' if letter else "")
                     + f'<span class="gp-model" title="{esc(long_name(state))}"><span class="gp-name-short">'
                     f'{esc(short)}</span>{detail_html}</span>')
    first, sep, detail = label.partition(" (")  # "stopped (loop)"; a narrow pane says "looped"
    state_html = (f'<span class="gp-state-word">{esc(first)}</span>'
                  + (f'<span class="gp-state-detail">&nbsp;({esc(detail)}</span>' if sep else "")
                  + (f'<span class="gp-state-short">{esc(word.short)}</span>' if word.short != label else ""))
    return (f'<div class="gp-head">{name_html}<span class="gp-state" data-status="{esc(status)}" title="{esc(label)}">'
            f'{state_html}</span>{badge}</div>' + _line2(states, blind)), status


# ---------------------------------------------------------------- the body
def _request_fold(state: PaneState) -> str:
    """What the model saw (15.5): the prompt text / request body, folded. Never while blind."""
    if not state.request:
        return ""
    text = json.dumps(state.request, indent=1, ensure_ascii=False, default=str)
    return (f'<details class="gp-request"><summary>request (what the model saw)</summary>'
            f'<pre>{esc(text)}</pre></details>')


_CONTENT_CACHE: "OrderedDict[tuple, str]" = OrderedDict()
_CONTENT_CACHE_SIZE = 256
_content_lock = threading.Lock()


def _content(state: PaneState, drawings: list[Drawing] | None, blind: Blind | None, sample: int | None) -> str:
    """A sample's body, memoized: while k samples stream, a pane is re-rendered ~10×/s but most
    of its samples have not changed (same text, status and version)."""
    key = (state.index, sample, state.model, state.cache_key, state.version, state.status, state.finish_reason,
           state.text, state.thinking, state.error, tuple(state.notes), drawings is not None,
           len(drawings or ()), blind,
           repr(state.request) if blind is None else None)
    with _content_lock:
        if key in _CONTENT_CACHE:
            _CONTENT_CACHE.move_to_end(key)
            return _CONTENT_CACHE[key]
    html = _render_content(state, drawings, blind, sample)
    with _content_lock:
        _CONTENT_CACHE[key] = html
        while len(_CONTENT_CACHE) > _CONTENT_CACHE_SIZE:
            _CONTENT_CACHE.popitem(last=False)
    return html


def _render_content(state: PaneState, drawings: list[Drawing] | None, blind: Blind | None,
                    sample: int | None) -> str:
    mask = blind.mask if blind is not None else (lambda text: text or "")
    body = []
    for note in (blind.notes(state.notes) if blind is not None else state.notes):
        body.append(f'<div class="gp-note">{esc(mask(note))}</div>')
    if state.error:
        body.append(f'<div class="gp-error">{esc(mask(state.error))}</div>')
    if state.thinking:
        tokens = f" ({state.metrics.thinking_tokens} tokens)" if state.metrics.thinking_tokens else ""
        body.append(f'<details class="gp-thinking"><summary>Thinking{tokens}</summary>'
                    f'<div class="gp-md">{markdown_to_html(mask(state.thinking))}</div></details>')
    shown = [d.masked(blind) for d in drawings] if (drawings and blind is not None) else drawings
    if state.text:
        text = mask(state.text)
        body.append(f'<div class="gp-answer gp-md">{answer_with_drawings(text, shown, state.index, sample)}</div>')
        # The raw answer, inert, for the word diff in the page. In an attribute, not as the
        # template's content: Gradio patches a gr.HTML's DOM in place (attributes and child nodes)
        # and never reaches a <template>'s content, which would keep the first text it was given
        # (a stale answer, or an unmasked one). static/diff_sync.js mirrors it into the content.
        body.append(f'<template class="gp-raw" data-text="{esc(text)}"></template>')
    elif not state.error and not state.finished:
        body.append('<div class="gp-waiting">…</div>')
    elif not state.error and not state.thinking:  # finished with nothing written: say why, not a blank
        body.append(f'<div class="gp-empty">No answer: {esc(sample_word(state).label)}.</div>')
    if blind is None:
        body.append(_request_fold(state))
    return "".join(body)


def _sample_word(state: PaneState) -> str:
    if not state.finished:
        return "…"
    return state.finish_reason or state.status


def render_pane(state: PaneState, drawings: list[Drawing] | None = None, blind: Blind | None = None,
                letter: str | None = None, samples: list[Sample] | None = None,
                summary: str | None = None, name: str | None = None) -> str:
    """One pane. With `samples` (k > 1) the pane holds k samples as tabs (the first open) with
    `summary` (SampleSummary.line()) above them. With `blind`, nothing in the markup (text,
    attributes, titles) names the model or its source, settings, request or speed, and
    self-names in the answer are masked. `letter` ("Model A") is shown beside the model's
    name once a blind comparison is revealed. `name` is the pane's name in its comparison
    (ui/names.py pane_names: "270M local · t 0.2"); alone, the model's short name."""
    if not samples or len(samples) < 2:
        head, status = _head([state], blind, letter, name)
        body = _content(state, drawings, blind, None)
        return (f'<div class="gp-pane gp-status-{esc(status)}" data-pane="{state.index}" data-samples="1">{head}'
                f'<div class="gp-body">{body}</div></div>')
    states = [s.state for s in samples]
    head, status = _head(states, blind, letter, name)
    pane = states[0].index
    radios, tabs, panels = [], [], []
    for j, sample in enumerate(samples, start=1):
        s = sample.state
        rid = f"gp-p{pane}-s{j}"
        radios.append(f'<input type="radio" class="gp-sample-radio" name="gp-p{pane}-samples" id="{rid}" '
                      f'data-sample="{j}"{" checked" if j == 1 else ""}>')
        word = _sample_word(s)
        tip = f"sample {j}: {sample_word(s).label if s.finished else 'running'}"
        if blind is None:
            tip += f" · {format_metrics(s.metrics)}"
        tabs.append(f'<label class="gp-sample-tab gp-finish-{esc(word if s.finished else "running")}" for="{rid}" '
                    f'data-sample="{j}" data-finish="{esc(s.finish_reason or "")}" title="{esc(tip)}">'
                    f'{j}<span class="gp-tab-word"> · {esc(word)}</span></label>')
        metrics = _blind_metrics(s) if blind is not None else format_metrics(s.metrics)
        seed = (s.settings or {}).get("seed")
        info = f"sample {j} · {status_text(s, blind)}" + (f" · seed {seed}" if seed is not None and blind is None else "")
        panels.append(f'<div class="gp-sample-panel" data-sample="{j}">'
                      f'<div class="gp-sample-info"><span>{esc(info)}</span> · <span class="gp-metrics">{esc(metrics)}</span></div>'
                      f'{_content(s, sample.drawings, blind, j)}</div>')
    summary_html = f'<div class="gp-samples-summary">{esc(summary)}</div>' if summary else ""
    return (f'<div class="gp-pane gp-status-{esc(status)} gp-has-samples" data-pane="{pane}" '
            f'data-samples="{len(samples)}">{"".join(radios)}{head}{summary_html}'
            f'<div class="gp-sample-tabs" role="tablist">{"".join(tabs)}</div>'
            f'<div class="gp-body">{"".join(panels)}</div></div>')
