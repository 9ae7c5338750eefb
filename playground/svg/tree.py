"""The small element tree repair.py builds from tokens, and its deterministic serializer.

Our own tree (not lxml's) because a model's SVG may be anything: duplicate attributes, names
lxml would refuse, millions of children. Output always comes from `serialize`, which is what
makes repair idempotent.
"""

from __future__ import annotations

import re


class Element:
    __slots__ = ("name", "attrs", "children", "orphan")

    def __init__(self, name: str, attrs: dict[str, str], orphan: bool = False) -> None:
        self.name, self.attrs, self.orphan = name, attrs, orphan
        self.children: list[Element | str | Comment] = []

    def add_text(self, text: str) -> None:
        # Pieces stay separate (joined on output): merging with += is quadratic.
        if text and not self.orphan:
            self.children.append(text)


class Comment:
    __slots__ = ("body",)

    def __init__(self, body: str) -> None:
        self.body = body


def walk(root: Element):
    """Pre-order over elements, iterative (trees can be 100 deep; chains far longer)."""
    stack = [root]
    while stack:
        el = stack.pop()
        yield el
        stack.extend(c for c in reversed(el.children) if isinstance(c, Element))


def count(el: Element) -> int:
    return sum(1 for _ in walk(el))


_NEEDS_ESCAPE_RE = re.compile(r'[&<>"\t\n]')


def escape(text: str, attr: bool) -> str:
    if not _NEEDS_ESCAPE_RE.search(text):
        return text  # the common case: plain numbers and names
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attr:
        # XML turns these into spaces anyway; writing spaces keeps the output stable.
        text = text.replace('"', "&quot;").replace("\t", " ").replace("\n", " ")
    return text


def serialize(root: Element) -> str:
    out: list[str] = []
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            out.append(f"</{node.name}>")  # type: ignore[attr-defined]
        elif isinstance(node, str):
            out.append(escape(node, False))
        elif isinstance(node, Comment):
            out.append(f"<!--{node.body}-->")
        else:
            assert isinstance(node, Element)
            attrs = "".join(f' {k}="{escape(v, True)}"' for k, v in node.attrs.items())
            if not node.children:
                out.append(f"<{node.name}{attrs}/>")
                continue
            out.append(f"<{node.name}{attrs}>")
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children))
    return "".join(out)
