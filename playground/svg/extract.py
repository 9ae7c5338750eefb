"""Stage 1: find the SVG drawings in a model's answer.

Models wrap drawings in prose and markdown fences, emit several attempts in one answer, forget
to close fences, and get cut off at the token limit. We take every ``<svg`` start tag that is
not inside a fence of some other language (a ```python block that builds an SVG string is code,
not a drawing) and read up to its matching ``</svg>``. When there is none, the drawing runs to
the end of its fence, or in prose to the first blank line followed by more prose, or to the end
of the text: that SVG is marked unclosed, and repair closes it.

Pure function: ``extract_svgs(text) -> (list[Extracted], warnings)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Fence languages whose content may be an SVG drawing. No language at all is the most common.
DRAWING_LANGUAGES = frozenset(
    {"", "svg", "xml", "html", "htm", "xhtml", "image/svg+xml", "svg+xml", "markdown", "md",
     "text", "txt", "plaintext"}
)

_FENCE_RE = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$", re.M)
# A start tag looks like "<svg" followed by whitespace, ">" or "/": excludes <svgfoo>.
_SVG_OPEN_RE = re.compile(r"<svg(?=[\s>/])", re.I)
_SVG_TAG_RE = re.compile(r"<svg(?=[\s>/])|</svg\s*>", re.I)
# In prose, an unclosed drawing ends where a blank line is followed by ordinary prose.
_PROSE_BREAK_RE = re.compile(r"\n[ \t]*\n(?=[ \t]*[^\s<])")


@dataclass(frozen=True)
class Extracted:
    raw: str  # from "<svg" to "</svg>" inclusive, or to where the drawing stops
    closed: bool  # False: no matching </svg> (cut off, or the model never closed it)
    fenced: bool  # found inside a markdown code fence
    start: int  # offset of "<svg" in the text


@dataclass(frozen=True)
class _Region:
    start: int
    end: int
    fenced: bool
    language: str


def _regions(text: str) -> list[_Region]:
    """Split text into prose and fenced regions (fence content only, without fence lines).

    An unclosed fence runs to the end of the text, as markdown renderers show it.
    """
    regions: list[_Region] = []
    pos = 0
    opening = None  # (fence string, content start, language)
    for match in _FENCE_RE.finditer(text):
        fence, info = match.group("fence"), match.group("info").strip()
        if opening is None:
            if match.start() > pos:
                regions.append(_Region(pos, match.start(), False, ""))
            language = info.split()[0].lower() if info else ""
            opening = (fence, min(match.end() + 1, len(text)), language)
        elif fence[0] == opening[0][0] and len(fence) >= len(opening[0]) and not info:
            regions.append(_Region(opening[1], match.start(), True, opening[2]))
            opening = None
            pos = min(match.end() + 1, len(text))
    if opening is not None:
        regions.append(_Region(opening[1], len(text), True, opening[2]))
    elif pos < len(text):
        regions.append(_Region(pos, len(text), False, ""))
    return regions


def _is_mention(text: str, start: int, region: _Region) -> bool:
    """True for "<svg>" talked about in prose ("wrap it in an `<svg>` element"), not drawn."""
    if region.fenced:
        return False
    if start > 0 and text[start - 1] == "`":
        return True
    tag_end = text.find(">", start, min(region.end, start + 200))
    if tag_end < 0 or text[start + 4 : tag_end].strip():
        return False  # has attributes (or is cut off): a real drawing
    # Look at the rest of the line, but only a little of it: 10^5 mentions on one line must
    # not cost 10^5 slices of the whole text.
    rest = text[tag_end + 1 : min(region.end, tag_end + 200)].split("\n", 1)[0].strip()
    return bool(rest) and not rest.startswith("<")


def _matching_ends(text: str, region: _Region) -> dict[int, int]:
    """For each "<svg" in the region, the offset just past its "</svg>", if it has one.

    One pass, matching tags like parentheses (nested <svg> are legal), so an answer with
    thousands of unclosed <svg> costs no more than one with a single drawing.
    """
    ends: dict[int, int] = {}
    opened: list[int] = []
    for match in _SVG_TAG_RE.finditer(text, region.start, region.end):
        if match.group(0)[1] != "/":
            opened.append(match.start())
        elif opened:
            ends[opened.pop()] = match.end()
    return ends


def extract_svgs(text: str) -> tuple[list[Extracted], list[str]]:
    """Every SVG drawing in ``text``, in order. Warnings name fenced code we skipped."""
    found: list[Extracted] = []
    warnings: list[str] = []
    for region in _regions(text):
        if region.fenced and region.language not in DRAWING_LANGUAGES:
            if _SVG_OPEN_RE.search(text, region.start, region.end):
                warnings.append(
                    f"ignored <svg> inside a ```{region.language} code block (code, not a drawing)"
                )
            continue
        ends = _matching_ends(text, region)
        pos = region.start
        while True:
            match = _SVG_OPEN_RE.search(text, pos, region.end)
            if match is None:
                break
            start = match.start()
            if _is_mention(text, start, region):
                pos = match.end()
                continue
            end = ends.get(start)
            if end is not None:
                found.append(Extracted(text[start:end], True, region.fenced, start))
                pos = end
                continue
            stop = region.end
            if not region.fenced:
                brk = _PROSE_BREAK_RE.search(text, start, region.end)
                if brk is not None:
                    stop = brk.start()
            found.append(Extracted(text[start:stop].rstrip(), False, region.fenced, start))
            pos = stop
    return found, warnings
