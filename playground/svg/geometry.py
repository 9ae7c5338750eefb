"""Numbers in SVG: path data, lengths, the viewBox. Shared by repair (fixes) and render (size).

Pure functions over attribute dicts, so they work on repair's own tree and on lxml elements.
"""

from __future__ import annotations

import re
from typing import MutableMapping

from .common import short

NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
DEFAULT_VIEWBOX = "0 0 512 512"

_COMMANDS = "MmZzLlHhVvCcSsQqTtAa"
_PATH_TOKEN_RE = re.compile(
    rf"(?P<ws>[\s,]+)|(?P<cmd>[{_COMMANDS}])"
    rf"|(?P<num>{NUM})(?P<unit>px|pt|pc|mm|cm|in|em|ex|%)?|(?P<junk>[^\s,0-9.+\-{_COMMANDS}]+|.)",
    re.S,
)
_LENGTH_RE = re.compile(rf"\s*({NUM})\s*(px|pt|pc|mm|cm|in)?\s*")
_UNIT_PX = {None: 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54,
            "in": 96.0}
_VIEWBOX_RE = re.compile(rf"\s*{NUM}(?:[\s,]+{NUM}){{3}}\s*")


def clean_path_data(data: str, commands: bool = True) -> tuple[str, list[str]]:
    """Remove what is not path grammar: units (10px), junk (";"), numbers after Z.

    cairosvg loops forever on anything but a command after Z ("M1 1 L9 9 Z;"), so this is a
    safety fix as much as a cosmetic one. ``commands=False`` reads a points="" list.
    Returns (clean data, kinds of problem found); the data is unchanged when nothing was found.
    """
    out: list[str] = []
    problems: list[str] = []
    # Path data must start with a moveto (cairosvg raises TypeError otherwise, failing the
    # whole drawing); points never have commands.
    started = not commands
    after_close = False
    for m in _PATH_TOKEN_RE.finditer(data):
        kind = "num" if m.lastgroup == "unit" else m.lastgroup
        if kind == "ws":
            out.append(m.group(0))
        elif kind == "cmd" and commands and (started or m.group(0) in "Mm"):
            out.append(m.group(0))
            started, after_close = True, m.group(0) in "zZ"
        elif kind == "cmd" and commands:
            out.append(" ")
            problems.append("drawing commands before the first M")
        elif kind == "num" and started and not after_close:
            out.append(m.group("num"))
            if m.group("unit"):
                problems.append(f"units ({m.group('unit')})")
        elif kind == "num":
            out.append(" ")
            problems.append("numbers after Z" if started else "numbers before the first M")
        else:
            out.append(" ")
            problems.append(f"invalid characters {short(m.group(0), 12)!r}")
    if not problems:
        return data, []
    return "".join(out), list(dict.fromkeys(problems))


def fix_shape_data(tag: str, attrs: MutableMapping[str, str]) -> list[str]:
    """Clean d= on any element and points= on polyline/polygon in place; return fix sentences."""
    fixes = []
    for attr, commands in (("d", True), ("points", False)):
        if attr in attrs and (commands or tag in ("polyline", "polygon")):
            clean, problems = clean_path_data(attrs[attr], commands)
            if problems:
                attrs[attr] = clean
                fixes.append(f"removed {', '.join(problems)} from {attr} on <{tag}>")
    return fixes


def fmt(x: float) -> str:
    return ("%.4f" % x).rstrip("0").rstrip(".") or "0"


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def length_px(value: str | None) -> float | None:
    """An absolute length in px ("10", "10px", "2cm"), or None (percent, auto, junk, <= 0)."""
    m = _LENGTH_RE.fullmatch(value or "")
    if m is None:
        return None
    px = float(m.group(1)) * _UNIT_PX[m.group(2)]
    return px if 0 < px and _finite(px) else None


def parse_viewbox(value: str | None) -> tuple[float, float, float, float] | None:
    """The four viewBox numbers when they describe a usable box, whatever the separators."""
    if value is None:
        return None
    nums = [float(n) for n in re.findall(NUM, value)]
    if len(nums) == 4 and nums[2] > 0 and nums[3] > 0 and all(map(_finite, nums)):
        return nums[0], nums[1], nums[2], nums[3]
    return None


def drawing_size(attrs: MutableMapping[str, str]) -> tuple[float, float] | None:
    """Width and height in user units as a renderer will see them: viewBox first."""
    box = parse_viewbox(attrs.get("viewBox"))
    if box is not None and _VIEWBOX_RE.fullmatch(attrs["viewBox"]):
        return box[2], box[3]
    width, height = length_px(attrs.get("width")), length_px(attrs.get("height"))
    return (width, height) if width and height else None


def fix_root_size(attrs: MutableMapping[str, str]) -> tuple[list[str], list[str]]:
    """Give the root a viewBox: renderers need a size, and browsers need it to scale.

    Order: a valid viewBox stays; one with units or junk is cleaned; otherwise width and height
    make one (they define user units in px); otherwise a default, with a warning.
    Returns (fixes, warnings).
    """
    box = attrs.get("viewBox")
    if box is not None:
        nums = parse_viewbox(box)
        if nums is not None:
            if _VIEWBOX_RE.fullmatch(box):
                return [], []
            attrs["viewBox"] = " ".join(fmt(n) for n in nums)
            return [f'fixed viewBox="{short(box)}" to "{attrs["viewBox"]}"'], []
        del attrs["viewBox"]
        fixes = [f'removed the invalid viewBox="{short(box)}"']
    else:
        fixes = []
    width, height = length_px(attrs.get("width")), length_px(attrs.get("height"))
    if width and height:
        attrs["viewBox"] = f"0 0 {fmt(width)} {fmt(height)}"
        return fixes + [f'added viewBox="{attrs["viewBox"]}" from width and height'], []
    attrs["viewBox"] = DEFAULT_VIEWBOX
    return fixes + [f'added viewBox="{DEFAULT_VIEWBOX}" (the drawing had no usable size)'], [
        f"no width, height or viewBox: assumed {DEFAULT_VIEWBOX}; parts may be cut off"
    ]
