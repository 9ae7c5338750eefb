"""Stage 2: turn model-written SVG text into well-formed XML, reporting every change.

Text-level work comes first (tokens.py reads anything), then this module rebuilds a tree from
the tokens, fixes names, namespaces, path data and size, serializes, and proves the result with
a strict XML parser. lxml's recovering parser is only a last resort, and what it dropped is
counted and reported. Nothing is dropped silently: every removed element, attribute or text
has a sentence in ``fixes``.

Idempotent: ``repair(repair(x).svg)`` returns the same SVG with no fixes, because the output is
produced by our own deterministic serializer and every fix removes the condition it fixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from . import geometry
from . import tokens as tk
from .common import Report, plural, short, strict_parser
from .tree import Comment, Element, count, serialize, walk
from .vocab import (
    ALL_SVG_ELEMENTS, ALLOWED_ATTRIBUTES, ATTRIBUTE_CASE, ELEMENT_CASE, HTML_ONLY, HTML_VOID,
    LEAF_CHILDREN, LEAF_ELEMENTS, PRESENTATION_ATTRIBUTES, SVG_NS, XLINK_NS,
)

MAX_SVG_CHARS = 2_000_000  # larger is not a drawing a model meant; also bounds our work
MAX_DEPTH = 100  # libxml2 refuses depth > 256; nothing sensible nests 100 deep
MAX_ATTRIBUTES = 100  # per element; lxml's attribute access is quadratic in the count


@dataclass
class RepairOutcome:
    svg: str | None  # well-formed XML with the SVG namespace, or None when unrecoverable
    fixes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the text ended inside the drawing (open elements or a cut tag)
    closed_at_end: int = 0  # how many open elements we closed at the end


def _canon_element(name: str, report: Report | None) -> str:
    if ":" in name or name in ALL_SVG_ELEMENTS:
        return name
    canon = ELEMENT_CASE.get(name.lower())
    if canon is None:
        return name
    if report is not None:
        report(f"renamed <{name}> to <{canon}>")
    return canon


def _canon_attr(name: str, tag: str, report: Report) -> str:
    canon = name
    if ":" not in name and name not in ALLOWED_ATTRIBUTES:
        lower = name.lower()
        kebab = re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()  # JSX habit: strokeWidth
        if lower in ATTRIBUTE_CASE:
            canon = ATTRIBUTE_CASE[lower]
        elif lower in ALLOWED_ATTRIBUTES:
            canon = lower
        elif kebab in PRESENTATION_ATTRIBUTES:
            canon = kebab
        elif name == "className":
            canon = "class"
    if canon != name:
        report(f"renamed attribute {name} to {canon} on <{tag}>")
    return canon


def _attributes(tag: tk.StartTag, name: str, report: Report) -> dict[str, str]:
    attrs: dict[str, str] = {}
    previous = None
    for attr in tag.attrs:
        if not tk.NAME_RE.fullmatch(attr.name):
            report(f"removed the invalid attribute name {short(attr.name)!r} on <{name}>")
            continue
        aname = _canon_attr(attr.name, name, report)
        if attr.value is None:
            report(f"removed attribute {aname} on <{name}> (it had no value)")
            continue
        value = tk.decode_entities(attr.value, report)
        if attr.glued and previous:
            report(f"added the missing space between attributes {previous} and {aname} on <{name}>")
        if not attr.quoted:
            report(f"quoted the value of {aname} on <{name}> ({aname}={short(attr.value)})")
        previous = aname
        if aname in attrs:
            report(f'removed duplicate attribute {aname} on <{name}> (kept {aname}="'
                   f'{short(attrs[aname])}", dropped "{short(value)}")')
            continue
        attrs[aname] = value
    if len(attrs) > MAX_ATTRIBUTES:
        extra = list(attrs)[MAX_ATTRIBUTES:]
        for key in extra:
            del attrs[key]
        report(f"removed {plural(len(extra), 'attribute')} beyond the first {MAX_ATTRIBUTES} "
               f"on <{name}>")
    if tag.junk:
        report(f"removed stray characters {short(tag.junk)!r} inside <{name}>")
    return attrs


def _build(tokens: list[tk.Token], report: Report) -> tuple[Element | None, bool, int]:
    """Rebuild a tree from tokens. Returns (root, ended_inside_the_drawing, closed_at_end)."""
    root: Element | None = None
    stack: list[Element] = []
    # Counts of open element names, kept in step with the stack: scanning the stack per tag
    # would make 10^5 nested <g> quadratic.
    open_names: dict[str, int] = {}
    unwrapped: dict[str, int] = {}  # open HTML tags we removed, so their end tags go too

    def push(el: Element) -> None:
        stack.append(el)
        open_names[el.name] = open_names.get(el.name, 0) + 1

    def pop() -> Element:
        el = stack.pop()
        open_names[el.name] -= 1
        return el

    dropped_deep = 0
    truncated = False
    before = after = 0  # non-blank characters outside the root
    for tok in tokens:
        if root is not None and not stack:  # the root is closed: the rest is outside
            if not isinstance(tok, tk.Text) or tok.data.strip():
                after += 1
            continue
        if isinstance(tok, tk.StartTag) and root is None:
            if tok.name.lower() != "svg":
                before += 1
                continue
            if tok.name != "svg":
                report(f"renamed <{tok.name}> to <svg>")
            root = Element("svg", _attributes(tok, "svg", report))
            if not tok.self_closing:
                push(root)
            continue
        if root is None:
            if isinstance(tok, tk.Partial):
                truncated = True  # cut inside the <svg> tag itself: nothing drawn yet
            elif not isinstance(tok, tk.Text) or tok.data.strip():
                before += 1
            continue
        top = stack[-1]
        if isinstance(tok, tk.StartTag):
            name = _canon_element(tok.name, report)
            foreign = open_names.get("foreignObject", 0) > 0
            if name.lower() in HTML_ONLY and not foreign:
                if tok.self_closing or tok.unterminated or name.lower() in HTML_VOID:
                    report(f"removed the HTML tag <{name}>")
                else:
                    unwrapped[name.lower()] = unwrapped.get(name.lower(), 0) + 1
                    report(f"removed the stray HTML tag <{name}> (kept its content)")
                continue
            if top.name in LEAF_ELEMENTS and name not in LEAF_CHILDREN:
                report(f"closed <{top.name}> that was left open")
                pop()
                top = stack[-1]
            attrs = _attributes(tok, name, report)
            if tok.unterminated:
                report(f"closed the tag <{name}> that was missing its '>'")
            orphan = top.orphan or len(stack) >= MAX_DEPTH
            el = Element(name, attrs, orphan)
            if orphan:
                dropped_deep += 1
            else:
                top.children.append(el)
            void = foreign and name.lower() in HTML_VOID
            if not (tok.self_closing or void or (tok.unterminated and name in LEAF_ELEMENTS)):
                push(el)
        elif isinstance(tok, tk.EndTag):
            name = _canon_element(tok.name, None)
            if unwrapped.get(name.lower()):
                unwrapped[name.lower()] -= 1
                continue
            if not open_names.get(name):
                report(f"removed the stray closing tag </{name}>")
                continue
            while stack[-1].name != name:
                report(f"closed <{pop().name}> that was left open")
            pop()
        elif isinstance(tok, tk.Text):
            if tok.bare_lt:
                report("escaped a bare '<' in text")
            top.add_text(tk.decode_entities(tok.data, report))
        elif isinstance(tok, tk.RawText):
            # A script body is code full of "&&": decode quietly, sanitize removes it anyway.
            quiet = report if top.name != "script" else (lambda sentence: None)
            for is_cdata, part in tok.parts:
                top.add_text(part if is_cdata else tk.decode_entities(part, quiet))
            if tok.open_cdata:
                report("closed an unterminated CDATA section")
        elif isinstance(tok, tk.CData):
            if not tok.closed:
                report("closed an unterminated CDATA section")
            top.add_text(tok.body)
        elif isinstance(tok, tk.Comment):
            body = tok.body
            if not tok.closed:
                report("closed a comment that was missing its '-->'")
            if "--" in body or body.endswith("-"):
                while "--" in body:
                    body = body.replace("--", "- -")
                body += " " if body.endswith("-") else ""
                report("replaced '--' inside a comment (XML forbids it)")
            if not top.orphan:
                top.children.append(Comment(body))
        elif isinstance(tok, tk.Skipped):
            report(f"removed the declaration {short(tok.raw)}")
        elif isinstance(tok, tk.Partial):
            truncated = True
            what = "comment" if tok.raw.startswith("<!--") else "tag"
            report(f"dropped the incomplete {what} at the end: {short(tok.raw)}")
    if before:
        report("removed text and tags before <svg>")
    if after:
        report("removed text and tags after the closing </svg>")
    if dropped_deep:
        report(f"removed {plural(dropped_deep, 'element')} nested deeper than {MAX_DEPTH} levels")
    closed = len(stack)
    if closed:
        truncated = True
        names = ", ".join(f"<{el.name}>" for el in reversed(stack))
        report(f"closed {plural(closed, 'open element')} at the end ({names})")
    return root, truncated, closed


def _fix_namespaces(root: Element, report: Report) -> None:
    """Give the root the SVG namespace; drop names whose prefix is declared nowhere."""
    xmlns = root.attrs.get("xmlns")
    if xmlns is None:
        root.attrs = {"xmlns": SVG_NS, **root.attrs}
        report(f'added xmlns="{SVG_NS}" to <svg>')
    elif xmlns != SVG_NS:
        root.attrs["xmlns"] = SVG_NS
        report(f'replaced xmlns="{short(xmlns)}" with "{SVG_NS}" on <svg>')
    if "xmlns:xlink" in root.attrs and root.attrs["xmlns:xlink"] != XLINK_NS:
        report(f'replaced xmlns:xlink="{short(root.attrs["xmlns:xlink"])}" with "{XLINK_NS}"')
        root.attrs["xmlns:xlink"] = XLINK_NS
    needs_xlink = False
    stack: list[tuple[Element, frozenset[str]]] = [(root, frozenset({"xml"}))]
    while stack:
        el, scope = stack.pop()
        for key, value in list(el.attrs.items()):
            if key.startswith("xmlns:") and not value.strip():
                del el.attrs[key]
                report(f"removed the empty namespace declaration {key} on <{el.name}>")
        scope = scope | {k[6:] for k in el.attrs if k.startswith("xmlns:")}
        for key in list(el.attrs):
            prefix = key.split(":", 1)[0] if ":" in key else None
            if prefix is None or prefix == "xmlns" or prefix in scope:
                continue
            if prefix == "xlink":
                needs_xlink = True
                continue
            del el.attrs[key]
            report(f"removed attribute {key} on <{el.name}> (undeclared namespace prefix {prefix})")
        kept: list[Element | str | Comment] = []
        for child in el.children:
            if isinstance(child, Element) and ":" in child.name:
                prefix = child.name.split(":", 1)[0]
                if prefix not in scope and f"xmlns:{prefix}" not in child.attrs:
                    inside = count(child) - 1
                    extra = f" and {plural(inside, 'element')} inside it" if inside else ""
                    report(f"removed <{child.name}>{extra} (undeclared namespace prefix {prefix})")
                    continue
            kept.append(child)
            if isinstance(child, Element):
                stack.append((child, scope))
        el.children = kept
    if needs_xlink and "xmlns:xlink" not in root.attrs:
        root.attrs["xmlns:xlink"] = XLINK_NS
        report(f'added xmlns:xlink="{XLINK_NS}" (the drawing uses xlink: attributes)')


def _fix_geometry(root: Element, report: Report) -> None:
    for el in walk(root):
        for sentence in geometry.fix_shape_data(el.name, el.attrs):
            report(sentence)


def _recover(text: str, error: Exception, report: Report) -> str | None:
    """Last resort when our own output still fails strict parsing: lxml recover, audited."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             load_dtd=False)
    try:
        root = etree.fromstring(text.encode(), parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    expected = len(re.findall(r"<[A-Za-z_]", text))
    for el in root.iter():
        items = el.items()  # recover mode keeps duplicates hidden behind attrib: rebuild
        el.attrib.clear()
        for key, value in items:
            if key not in el.attrib:
                el.set(key, value)
    kept = sum(1 for el in root.iter() if isinstance(el.tag, str))
    report(f"the XML parser had to recover from: {short(str(error), 80)}")
    if kept < expected:
        report(f"the XML parser dropped {expected - kept} elements")
    out = etree.tostring(root, encoding="unicode")
    try:
        etree.fromstring(out.encode(), strict_parser())
    except etree.XMLSyntaxError:
        return None
    return out


def repair(raw: str) -> RepairOutcome:
    """Repair one extracted SVG. Pure: the same text always gives the same outcome."""
    if len(raw) > MAX_SVG_CHARS:
        return RepairOutcome(None, warnings=[
            f"the SVG is {len(raw):,} characters; the limit is {MAX_SVG_CHARS:,}"])
    report = Report()
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    bad = len(tk.INVALID_CHARS_RE.findall(text))
    if bad:
        text = tk.INVALID_CHARS_RE.sub("", text)
        report(f"removed {plural(bad, 'control character')} that XML forbids")
    root, truncated, closed = _build(tk.tokenize(text), report)
    if root is None:
        why = ("the text ends inside the <svg> tag: nothing was drawn yet" if truncated
               else "no <svg> element found")
        return RepairOutcome(None, report.sentences(), [why], truncated)
    warnings: list[str] = []
    _fix_namespaces(root, report)
    _fix_geometry(root, report)
    size_fixes, size_warnings = geometry.fix_root_size(root.attrs)
    for sentence in size_fixes:
        report(sentence)
    warnings.extend(size_warnings)
    out: str | None = serialize(root)
    try:
        etree.fromstring(out.encode(), strict_parser())
    except etree.XMLSyntaxError as error:
        out = _recover(out, error, report)
        if out is None:
            warnings.append(f"could not repair: {short(str(error), 80)}")
    return RepairOutcome(out, report.sentences(), warnings, truncated, closed)
