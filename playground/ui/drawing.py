"""What the pane, the strip, the grid and the exports share: a pane's drawings ready to show,
their one PNG renderer, and blind mode's masking of names.

Drawings are shown only as `<img src="data:image/svg+xml;base64,…">` after the SVG pipeline
sanitized them (browsers render those in secure static mode: no script, no external loads);
never inline SVG. Their PNG — the pane's download, the PNG card, the grid PNG, the CLI — comes
from one renderer, cairosvg in playground.svg's worker, so one drawing is one picture everywhere.
"""

from __future__ import annotations

import base64
import html
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Iterable

from playground.adapters.llama_batch import BATCH_NOTE
from playground.pane import PaneState
from playground.svg import svg_data_uri
from playground.ui.names import short_name

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


NO_IMAGE_NOTE = "this model cannot see images"  # adapters/llama_local.py's Status
BLIND_IMAGE_NOTE = "one of the models did not get the image"


@dataclass(frozen=True)
class Blind:
    """How a blind comparison is shown until the vote: each pane as "Model A, B, C…", no id,
    label, source, facts, settings, cached/sample badge, request or speed metric, and
    self-names masked in everything the models wrote. `names` are the comparison's model ids
    and labels."""

    names: tuple[str, ...] = ()
    image_missed: bool = False  # some pane's model did not get the image (it cannot see images)

    def mask(self, text: str | None) -> str:
        return mask_self_names(text or "", self.names)

    def notes(self, notes: Iterable[str]) -> list[str]:
        """A pane's notes while blind: "this model cannot see images" names the kind of model,
        so every pane says the same neutral sentence instead; how a local engine batched the
        answers ("decoded together with 2 other answers of this model…") is left out."""
        kept = [n for n in notes if not (n.startswith(NO_IMAGE_NOTE) or BATCH_NOTE.match(n))]
        return kept + [BLIND_IMAGE_NOTE] if self.image_missed else kept

    @classmethod
    def for_states(cls, states: Iterable[PaneState]) -> "Blind":
        names: set[str] = set()
        missed = False
        for s in states:
            names.update({s.model, s.label, s.model.split(":", 1)[-1]})
            missed = missed or any(n.startswith(NO_IMAGE_NOTE) for n in s.notes)
        return cls(tuple(sorted(names)), missed)


def shown_label(state: PaneState, blind: Blind | None, names: dict[int, str] | None = None) -> str:
    """What a pane's column or card is headed with: its letter while blind, else its name in the
    comparison (`names`, from ui/names.py pane_names), else its model's short name."""
    if blind is not None:
        return pane_letter(state.index)
    if names and state.index in names:
        return names[state.index]
    return short_name(state.model, state.label, state.source)


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------- drawings
@dataclass
class Drawing:
    """One SVG of an answer, ready to show: sanitized SVG (None when it could not be repaired),
    the text the model wrote, every fix and warning, and whether it was cut off."""

    number: int
    svg: str | None
    raw: str
    fixes: list[str]
    warnings: list[str]
    truncated: bool

    def masked(self, blind: Blind) -> "Drawing":
        """The same drawing with self-names masked in its text (a <text>Gemma</text> too)."""
        return replace(self, svg=None if self.svg is None else blind.mask(self.svg), raw=blind.mask(self.raw),
                       fixes=[blind.mask(f) for f in self.fixes], warnings=[blind.mask(w) for w in self.warnings])

    @property
    def uri(self) -> str | None:
        return svg_data_uri(self.svg) if self.svg is not None else None

    @property
    def mark(self) -> str:
        """rendered / repaired / truncated / broken: what the strip and grid say about it."""
        if self.svg is None:
            return "broken"
        if self.truncated:
            return "truncated"
        return "repaired" if self.fixes else "rendered"

    def notes_summary(self) -> str:
        parts = []
        if self.fixes:
            parts.append(f"{len(self.fixes)} fix{'es' if len(self.fixes) != 1 else ''}")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}")
        return " · ".join(parts)


def drawings_for(text: str, finish_reason: str | None) -> list[Drawing]:
    """Every drawing of an answer (the SVG pipeline re-run on every read, so a better repairer
    improves old answers too)."""
    from playground.svg import process_answer

    return [Drawing(r.index, r.svg, r.raw, list(r.fixes), list(r.warnings), r.truncated)
            for r in process_answer(text, finish_reason)]


def usable(drawings: list[Drawing] | None) -> list[Drawing]:
    return [d for d in drawings or [] if d.svg is not None]


def notes_details(drawing: Drawing) -> str:
    """A drawing's fixes and warnings, readable on demand (closed <details>)."""
    if not drawing.fixes and not drawing.warnings:
        return ""
    items = [f'<li class="gp-fix">{esc(f)}</li>' for f in drawing.fixes]
    items += [f'<li class="gp-warn">{esc(w)}</li>' for w in drawing.warnings]
    return (f'<details class="gp-drawing-notes"><summary>{esc(drawing.notes_summary())}</summary>'
            f'<ul class="gp-fixes">{"".join(items)}</ul></details>')


# ---------------------------------------------------------------- the one PNG renderer
PNG_SIDE = 512
_PNG_CACHE_BYTES = 32 << 20
_png_cache: "OrderedDict[tuple[str, int], bytes | None]" = OrderedDict()
_png_bytes = 0
_png_lock = threading.Lock()


def drawing_png(svg: str, size: int = PNG_SIDE, timeout_s: float = 2.0) -> bytes | None:
    """The drawing as PNG through playground.svg.render_png (cairosvg in its worker), once per
    drawing and size: a replayed comparison does not render its drawings again."""
    global _png_bytes
    key = (svg, size)
    with _png_lock:
        if key in _png_cache:
            _png_cache.move_to_end(key)
            return _png_cache[key]
    from playground.svg import render_png

    png = render_png(svg, size=size, timeout_s=timeout_s).png  # a failure is remembered too
    with _png_lock:
        if key not in _png_cache:
            _png_cache[key] = png
            _png_bytes += len(png or b"") + len(svg)
            while _png_bytes > _PNG_CACHE_BYTES and len(_png_cache) > 1:
                (old_svg, _), old = _png_cache.popitem(last=False)
                _png_bytes -= len(old or b"") + len(old_svg)
    return png


def png_uri(svg: str, size: int = PNG_SIDE) -> str | None:
    png = drawing_png(svg, size)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None
