"""Stage 3: keep only what is safe to show and render, by allowlist, and say what went.

A model's SVG is untrusted: it can carry script, event handlers, links that load things, HTML
in foreignObject, animations that rewrite links, CSS that imports or fetches, and <use> chains
that expand exponentially. Everything not on the allowlist in vocab.py is removed and reported;
features that survive but render differently in cairosvg and browsers earn a warning.

Only ``#id`` references survive: every href/xlink:href/url(...) that points anywhere else
(http:, data:, javascript:, a file) is removed. That also drops embedded raster images, which
is the simplest rule that is surely safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .common import Report, plural, short, strict_parser
from .vocab import (
    ALLOWED_ATTRIBUTES, ALLOWED_ELEMENTS, ANIMATION_ELEMENTS, FILTER_PRIMITIVES, NEEDS_HREF,
    SVG_NS, XLINK_NS, XML_NS,
)

MAX_EXPANDED_ELEMENTS = 50_000  # what <use> may expand the drawing to; a browser hangs beyond

_XLINK_HREF = f"{{{XLINK_NS}}}href"
_KEEP_NAMESPACED = {f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang", f"{{{XLINK_NS}}}title"}
_FRAGMENT_RE = re.compile(r"\s*#[^\s\"'<>()\\]*\s*")
_URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
# CSS that loads or runs something, or hides what it is (escapes can spell "url(" or "@import").
_CSS_DANGER_RE = re.compile(
    r"expression\(|javascript:|-moz-binding|behavior\s*:|\\|image-set\(|image\(|cross-fade\(|"
    r"element\(|src\(",
    re.I,
)
_CSS_COMMENT_RE = re.compile(r"/\*.*?(?:\*/|$)", re.S)


@dataclass
class SanitizeOutcome:
    svg: str | None
    fixes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _name(el: etree._Element) -> str:
    qname = etree.QName(el)
    if qname.namespace == SVG_NS:
        return qname.localname
    return f"{el.prefix}:{qname.localname}" if el.prefix else qname.localname


def _attr_name(key: str, el: etree._Element) -> str:
    if not key.startswith("{"):
        return key
    qname = etree.QName(key)
    known = {XML_NS: "xml", XLINK_NS: "xlink"}  # "xml" is never in nsmap
    prefix = known.get(qname.namespace) or next(
        (p for p, uri in (el.nsmap or {}).items() if uri == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _is_fragment(value: str) -> bool:
    return bool(_FRAGMENT_RE.fullmatch(value))


def _bad_url(value: str) -> str | None:
    """The first url(...) target that is not a #fragment, if any."""
    if "url(" not in value.lower():
        return None
    for m in _URL_RE.finditer(value):
        if not _is_fragment(m.group(2)):
            return m.group(0)
    if value.lower().count("url(") > len(_URL_RE.findall(value)):
        return "url(…"  # an unclosed url( still loads in a lenient CSS parser
    return None


def clean_css(css: str) -> tuple[str, list[str]]:
    """Drop CSS statements and declarations that load or run something. Returns (css, removed).

    Works on pieces between "{", "}" and ";": a selector or block prelude is kept, a piece
    that ends a statement or declaration goes when it is an at-statement (@import, …) or
    matches a danger pattern. Idempotent: what is left has no such piece.
    """
    # CSS ignores "<!--" and "-->" at the top level, so they could hide an @import: drop them.
    css = _CSS_COMMENT_RE.sub("", css).replace("<!--", " ").replace("-->", " ")
    parts = re.split(r"([{};])", css)
    removed: list[str] = []
    out: list[str] = []
    i = 0
    while i < len(parts):
        piece = parts[i]
        delim = parts[i + 1] if i + 1 < len(parts) else ""
        if delim != "{" and piece.strip():
            lowered = piece.strip().lower()
            if (lowered.startswith("@") or "@import" in lowered or _CSS_DANGER_RE.search(piece)
                    or _bad_url(piece)):
                removed.append(short(piece.strip(), 50))
                out.append("" if delim == ";" else delim)
                i += 2
                continue
        out.append(piece + delim)
        i += 2
    return "".join(out), removed


def _element_problem(el: etree._Element) -> str | None:
    """Why this element must go, as the fix sentence; None to keep it."""
    name, qname = _name(el), etree.QName(el)
    if qname.namespace != SVG_NS:
        return f"removed <{name}> (not an SVG element)"
    local = qname.localname
    if local == "script":
        return "removed <script>"
    if local == "foreignObject":
        return "removed <foreignObject> and the HTML inside it"
    if local == "set":
        return "removed <set> (it can rewrite links and event handlers)"
    if local in ("image", "feImage"):
        return f"removed <{local}> (images are not loaded from links or data: URLs)"
    if local not in ALLOWED_ELEMENTS:
        return f"removed the unsupported element <{local}>"
    if local in ANIMATION_ELEMENTS:
        target = (el.get("attributeName") or "").strip().lower()
        if target in ("href", "xlink:href") or target.startswith("on"):
            return f"removed <{local}> that changes {target}"
        for key in ("values", "from", "to", "by"):
            value = el.get(key) or ""
            if "javascript:" in value.lower() or _bad_url(value):
                return f"removed <{local}> with a link in {key}="
    if local in NEEDS_HREF:
        href = el.get("href", el.get(_XLINK_HREF))
        if href is not None and not _is_fragment(href):
            return f'removed <{local}> that links outside the drawing (href="{short(href, 50)}")'
    return None


def _attribute_problem(key: str, value: str, el: etree._Element) -> str | None:
    # Names for the sentence are built only when there is a problem: this runs per attribute.
    if key in (_XLINK_HREF, "href"):
        if _is_fragment(value):
            return None
        return (f'removed the link {_attr_name(key, el)}="{short(value, 50)}" on '
                f"<{_name(el)}> (only #id links are kept)")
    if key.startswith("{"):
        if key in _KEEP_NAMESPACED:
            return None
        return f"removed attribute {_attr_name(key, el)} on <{_name(el)}>"
    if key[:2].lower() == "on":
        return f"removed the event handler {key} on <{_name(el)}>"
    if key not in ALLOWED_ATTRIBUTES:
        return f"removed the unsupported attribute {key} on <{_name(el)}>"
    if key != "style" and ("javascript:" in value.lower() or _bad_url(value)):
        return f'removed {key}="{short(value, 50)}" on <{_name(el)}> (external reference)'
    return None


def _remove(el: etree._Element) -> None:
    """Remove el but keep the text that follows it (lxml's remove() would drop it)."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _inside(el: etree._Element) -> str:
    count = sum(1 for e in el.iterdescendants() if isinstance(e.tag, str))
    return f" (and {plural(count, 'element')} inside it)" if count else ""


def _clean_attributes(el: etree._Element, fixes: list[str]) -> None:
    kept: list[tuple[str, str]] = []
    for key, value in el.attrib.items():
        problem = _attribute_problem(key, value, el)
        if problem:
            fixes.append(problem)
            continue
        if key == "style":
            css, removed = clean_css(value)
            for piece in removed:
                fixes.append(f"removed '{piece}' from style on <{_name(el)}>")
            value = css.strip() if removed else value
        kept.append((key, value))
    if len(kept) != len(el.attrib) or any(el.get(k) != v for k, v in kept):
        # Rebuild rather than delete one by one: each lxml delete is linear in the count.
        el.attrib.clear()
        for key, value in kept:
            el.set(key, value)


def _clean_style_element(el: etree._Element, fixes: list[str]) -> None:
    """Clean a <style>'s CSS as a browser reads it: all its text, including text that follows
    a comment inside it (CSS after <!-- --> is still CSS), as one text node."""
    css = "".join(el.itertext())
    for child in list(el):
        if isinstance(child.tag, str):
            fixes.append(f"removed <{_name(child)}> inside <style>")
        el.remove(child)  # comments go quietly; their tails are already in css
    clean, removed = clean_css(css)
    fixes.extend(f"removed '{piece}' from <style>" for piece in removed)
    el.text = clean


def _use_expansion(root: etree._Element, fixes: list[str]) -> None:
    """Remove <use> loops, and all <use> when they would expand past the budget.

    A chain of 10^5 <use>, or a few levels of <use> fanning out ten times, makes millions of
    elements: cairosvg burns tens of seconds and a browser tab hangs. Iterative, so a long
    chain cannot hit Python's recursion limit.
    """
    uses = list(root.iter(f"{{{SVG_NS}}}use"))
    if not uses:
        return
    ids = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") is not None:
            ids.setdefault(el.get("id"), el)

    def target(el: etree._Element) -> etree._Element | None:
        href = el.get("href", el.get(_XLINK_HREF)) or ""
        return ids.get(href.strip()[1:]) if el.tag == f"{{{SVG_NS}}}use" else None

    cost: dict[etree._Element, int] = {}
    active: set[etree._Element] = set()
    loops: list[etree._Element] = []
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, done = stack.pop()
        if done:
            active.discard(el)
            total = 1 + sum(cost.get(c, 0) for c in el if isinstance(c.tag, str))
            ref = target(el)
            if ref is not None:
                total += cost.get(ref, 0)  # 0 for a loop: the ref is not done yet
            cost[el] = min(total, MAX_EXPANDED_ELEMENTS + 1)
            continue
        if el in cost or el in active:
            continue
        active.add(el)
        stack.append((el, True))
        ref = target(el)
        if ref is not None:
            if ref in active:
                loops.append(el)
            else:
                stack.append((ref, False))
        stack.extend((c, False) for c in el if isinstance(c.tag, str))
    for el in loops:
        fixes.append(f'removed <use href="{short(el.get("href", el.get(_XLINK_HREF)), 50)}"> '
                     "that contains itself (an endless loop)")
        _remove(el)
    if loops:
        return _use_expansion(root, fixes)  # measure again without the loops
    if cost.get(root, 0) > MAX_EXPANDED_ELEMENTS:
        for el in uses:
            _remove(el)
        fixes.append(f"removed {len(uses)} <use> elements: they would expand the drawing to "
                     f"more than {MAX_EXPANDED_ELEMENTS:,} elements")


def _feature_warnings(root: etree._Element, text: str) -> list[str]:
    """Things that survive sanitizing but look different in cairosvg (the PNG) and browsers."""
    warnings = []
    names = {etree.QName(el).localname for el in root.iter() if isinstance(el.tag, str)}
    if "filter" in names or names & FILTER_PRIMITIVES or re.search(r"\bfilter\s*[=:]", text):
        warnings.append(
            "uses <filter>: may differ in a browser (cairosvg draws few filter effects)")
    if "var(" in text:
        warnings.append("uses CSS var(): may differ in a browser (cairosvg ignores var())")
    animated = sorted(names & ANIMATION_ELEMENTS)
    if animated or re.search(r"@keyframes|\banimation\s*:", text):
        what = f"<{animated[0]}>" if animated else "CSS animation"
        warnings.append(f"uses {what}: may differ in a browser (the PNG is not animated)")
    if "mix-blend-mode" in text:
        warnings.append("uses mix-blend-mode: may differ in a browser (cairosvg ignores it)")
    return warnings


def sanitize(svg: str) -> SanitizeOutcome:
    """Allowlist-filter a repaired SVG. Pure; returns serialized XML, fixes and warnings."""
    try:
        root = etree.fromstring(svg.encode(), strict_parser())
    except etree.XMLSyntaxError as error:
        return SanitizeOutcome(None, warnings=[f"not well-formed XML: {short(str(error), 80)}"])
    if root.tag != f"{{{SVG_NS}}}svg":
        return SanitizeOutcome(None, warnings=["the root element is not an SVG <svg>"])
    fixes: list[str] = []
    warnings: list[str] = []
    _clean_attributes(root, fixes)
    stack = [root]
    while stack:
        el = stack.pop()
        if el.tag == f"{{{SVG_NS}}}style":
            _clean_style_element(el, fixes)
            continue
        for child in list(el):
            if child.tag is etree.Comment:
                continue
            if not isinstance(child.tag, str):
                fixes.append("removed a processing instruction")
                _remove(child)
                continue
            problem = _element_problem(child)
            if problem:
                fixes.append(problem + _inside(child))
                if etree.QName(child).localname == "foreignObject":
                    warnings.append("had <foreignObject> (HTML inside SVG): removed, so its "
                                    "content is not shown")
                _remove(child)
                continue
            _clean_attributes(child, fixes)
            stack.append(child)
    _use_expansion(root, fixes)
    etree.cleanup_namespaces(root)
    out = etree.tostring(root, encoding="unicode")
    report = Report()
    report.extend(fixes)
    warnings = list(dict.fromkeys(warnings + _feature_warnings(root, out)))
    return SanitizeOutcome(out, report.sentences(), warnings)
