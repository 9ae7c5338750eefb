"""The SVG pipeline: find the drawings in an answer, repair them, make them safe, render them.

    extract.py  -> repair.py  -> sanitize.py  -> render.py
    (find)         (well-formed)  (allowlist)     (PNG, in a worker with a timeout)

Each stage is a pure function returning its value plus human sentences: ``fixes`` (what we
changed, one sentence per change, nothing dropped silently) and ``warnings`` (what the user
should know, e.g. "truncated", "may differ in a browser").

Which drawing the gallery shows: the first one that survives repair, i.e.
``next(r for r in process_answer(text) if r.svg is not None)``.

SVGs inside the model's *thinking* are ignored unless you pass the thinking text as
``include_thinking``: a model often sketches drafts while thinking, and the answer is what it
meant to give. Thinking drawings come after the answer's, numbered on, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .extract import Extracted, extract_svgs
from .render import RenderResult, render_png, shutdown_renderer, svg_data_uri, warm_up
from .repair import repair
from .sanitize import sanitize

MAX_DRAWINGS = 50  # per answer (thinking included)

__all__ = [
    "MAX_DRAWINGS", "RenderResult", "SvgResult", "process_answer", "render_png",
    "shutdown_renderer", "svg_data_uri", "warm_up",
]


@dataclass
class SvgResult:
    index: int  # 1-based order in the answer
    raw: str  # the SVG text as extracted
    svg: str | None  # repaired + sanitized (well-formed XML with xmlns), None if unrecoverable
    fixes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the drawing has no closing </svg>: cut off or never finished

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "svg": self.svg, "fixes": list(self.fixes),
                "warnings": list(self.warnings), "truncated": self.truncated}


def _process_one(index: int, found: Extracted, cut_at_limit: bool, source_note: str | None
                 ) -> SvgResult:
    repaired = repair(found.raw)
    fixes, warnings = list(repaired.fixes), list(repaired.warnings)
    svg = None
    if repaired.svg is not None:
        clean = sanitize(repaired.svg)
        svg = clean.svg
        fixes += clean.fixes
        warnings += clean.warnings
    truncated = not found.closed
    if truncated:
        closed = repaired.closed_at_end
        what = (f"closed {closed} open element{'s' if closed != 1 else ''}" if svg is not None
                else "nothing to show")
        if cut_at_limit:
            warnings.insert(0, f"truncated at the token limit: {what}")
        else:
            warnings.insert(0, f"truncated: the drawing has no closing </svg>; {what}")
    if source_note:
        warnings.insert(0, source_note)
    return SvgResult(index, found.raw, svg, fixes, warnings, truncated)


def process_answer(text: str, finish_reason: str | None = None,
                   include_thinking: str | None = None) -> list[SvgResult]:
    """Every SVG drawing in an answer, repaired and sanitized, in order (index from 1).

    At most MAX_DRAWINGS are processed; the last one then says how many more there were.
    ``finish_reason == "length"`` means generation stopped at the token limit, so an unclosed
    last drawing in the answer is reported as truncated at the limit. ``include_thinking``:
    the thinking text, whose drawings are then included after the answer's (ignored if None).
    Never raises on any text.
    """
    found, _skipped = extract_svgs(text or "")
    sources = [(item, i == len(found) - 1 and finish_reason == "length", None)
               for i, item in enumerate(found)]
    if include_thinking:
        sources += [(item, False, "found in the thinking, not in the answer")
                    for item in extract_svgs(include_thinking)[0]]
    results = [_process_one(i + 1, item, cut, note)
               for i, (item, cut, note) in enumerate(sources[:MAX_DRAWINGS])]
    if len(sources) > MAX_DRAWINGS:
        # A looping model can repeat a drawing thousands of times: nobody wants them all.
        results[-1].warnings.append(f"{len(sources) - MAX_DRAWINGS} more drawings after this "
                                    f"one were not processed (limit {MAX_DRAWINGS})")
    return results
