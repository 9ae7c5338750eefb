"""A forgiving XML tokenizer for model-written SVG, and entity decoding.

Why not lxml's ``recover=True``: it drops a bare ``&`` together with its text, keeps hidden
duplicate attributes, and never says what it did. This tokenizer accepts anything (it never
raises, and every loop advances), and hands repair a token list it can rebuild into well-formed
XML while reporting each change. It understands the damage models do: unquoted and glued
attributes, bare ``<`` and ``&`` in text, HTML entities, tags cut off at the token limit,
``<script>``/``<style>`` bodies full of ``<`` and ``&``.
"""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass, field
from typing import Callable, Union

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?")
_WS_RE = re.compile(r"[ \t\r\n]*")
_ATTR_NAME_RE = re.compile(r"[^\s=/>\"'<]+")
_UNQUOTED_RE = re.compile(r"(?:[^\s>/]|/(?!>))*")
_END_TAG_RE = re.compile(r"</\s*(" + NAME_RE.pattern + r")\s*>")
_PARTIAL_END_RE = re.compile(r"</\s*(?:" + NAME_RE.pattern + r")?\s*\Z")
_TEXT_RE = re.compile(r"[^<]+")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};?)?")
# Characters XML 1.0 forbids anywhere in a document.
INVALID_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# <script> and <style> hold code, where "<" and "&&" are normal: read them as raw text.
RAW_TEXT_ELEMENTS = frozenset({"script", "style"})


@dataclass
class Attr:
    name: str
    value: str | None  # None: the attribute had no "=value" at all
    quoted: bool
    glued: bool  # written right after the previous value with no space: x="1"y="2"


@dataclass
class StartTag:
    name: str
    attrs: list[Attr] = field(default_factory=list)
    self_closing: bool = False
    junk: str = ""  # characters inside the tag that are neither names nor values
    unterminated: bool = False  # a new "<" began before this tag's ">"


@dataclass
class EndTag:
    name: str


@dataclass
class Text:
    data: str  # still entity-encoded
    bare_lt: int = 0  # how many "<" in it were not markup


@dataclass
class RawText:  # body of <script>/<style>: CDATA parts are literal, the rest entity-encoded
    parts: list[tuple[bool, str]]  # (is_cdata, text)
    open_cdata: bool = False  # the text ended inside a CDATA section


@dataclass
class Comment:
    body: str
    closed: bool  # False: "-->" missing; we ended it at the first ">" after "<!--"


@dataclass
class CData:
    body: str
    closed: bool


@dataclass
class Skipped:  # <!DOCTYPE …>, <?xml …?>: never kept (a DOCTYPE can declare entities)
    raw: str


@dataclass
class Partial:  # the text ends inside a construct: cut off at the token limit
    raw: str


Token = Union[StartTag, EndTag, Text, RawText, Comment, CData, Skipped, Partial]


def _start_tag(text: str, pos: int) -> tuple[StartTag | Partial, int]:
    """Parse the start tag at text[pos] == "<" followed by a name start character."""
    n = len(text)
    name_match = NAME_RE.match(text, pos + 1)
    assert name_match is not None  # the caller checked the first character
    tag = StartTag(name_match.group(0))
    i = name_match.end()
    after_value = False
    while True:
        ws_end = _WS_RE.match(text, i).end()
        had_space = ws_end > i
        i = ws_end
        if i >= n:
            return Partial(text[pos:]), n
        c = text[i]
        if c == ">":
            return tag, i + 1
        if text.startswith("/>", i):
            tag.self_closing = True
            return tag, i + 2
        if c == "<":  # "<rect x='1'\n<circle/>": the tag was never closed; end it here
            tag.unterminated = True
            return tag, i
        if c == "/":
            i += 1
            continue
        m = _ATTR_NAME_RE.match(text, i)
        if m is None:  # a quote or "=" where a name should be
            tag.junk += c
            i += 1
            continue
        attr = Attr(m.group(0), None, False, glued=after_value and not had_space)
        i = _WS_RE.match(text, m.end()).end()
        after_value = False
        if i < n and text[i] == "=":
            i = _WS_RE.match(text, i + 1).end()
            if i >= n:
                return Partial(text[pos:]), n
            if text[i] in "\"'":
                close = text.find(text[i], i + 1)
                if close < 0:
                    return Partial(text[pos:]), n
                attr.value, attr.quoted = text[i + 1 : close], True
                i = close + 1
                after_value = True
            else:
                m = _UNQUOTED_RE.match(text, i)
                attr.value = m.group(0)
                i = m.end()
        tag.attrs.append(attr)


def _raw_text(text: str, pos: int, name: str) -> tuple[RawText, int]:
    """Read a <script>/<style> body up to its end tag (left for the main loop)."""
    end_re = re.compile(r"</\s*" + re.escape(name) + r"\s*>", re.I)
    parts: list[tuple[bool, str]] = []
    i, n = pos, len(text)
    stop = -1
    while i < n:
        cdata = text.find("<![CDATA[", i)
        if stop < i:  # search again only when a CDATA section ran past the last end found
            end = end_re.search(text, i)
            stop = end.start() if end else n
        if cdata < 0 or cdata >= stop:
            parts.append((False, text[i:stop]))
            return RawText(parts), stop
        parts.append((False, text[i:cdata]))
        close = text.find("]]>", cdata + 9)
        if close < 0:
            parts.append((True, text[cdata + 9 :]))
            return RawText(parts, open_cdata=True), n
        parts.append((True, text[cdata + 9 : close]))
        i = close + 3
    return RawText(parts), n


def tokenize(text: str) -> list[Token]:
    """Split text into tokens. Never raises; the concatenated tokens cover the whole input."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    no_close_after = n + 1  # once "-->" is missing from some offset on, don't search again
    while i < n:
        if text[i] != "<":
            m = _TEXT_RE.match(text, i)
            tokens.append(Text(m.group(0)))
            i = m.end()
            continue
        if text.startswith("<!--", i):
            close = text.find("-->", i + 4) if i < no_close_after else -1
            if close < 0:
                no_close_after = min(no_close_after, i)
            if close >= 0:
                tokens.append(Comment(text[i + 4 : close], True))
                i = close + 3
                continue
            gt = text.find(">", i + 4)
            if gt < 0:
                tokens.append(Partial(text[i:]))
                break
            tokens.append(Comment(text[i + 4 : gt].rstrip("-"), False))
            i = gt + 1
        elif text.startswith("<![CDATA[", i):
            close = text.find("]]>", i + 9)
            body = text[i + 9 : close if close >= 0 else n]
            tokens.append(CData(body, close >= 0))
            i = close + 3 if close >= 0 else n
        elif text.startswith("<!", i) or text.startswith("<?", i):
            gt = text.find(">", i + 2)
            if gt < 0:
                tokens.append(Partial(text[i:]))
                break
            tokens.append(Skipped(text[i : gt + 1]))
            i = gt + 1
        elif text.startswith("</", i):
            m = _END_TAG_RE.match(text, i)
            if m is not None:
                tokens.append(EndTag(m.group(1)))
                i = m.end()
            elif _PARTIAL_END_RE.match(text, i):
                tokens.append(Partial(text[i:]))  # "</sv" at the very end
                break
            else:
                tokens.append(Text("<", bare_lt=1))
                i += 1
        elif NAME_RE.match(text, i + 1):
            tag, i = _start_tag(text, i)
            tokens.append(tag)
            if isinstance(tag, StartTag) and not tag.self_closing and not tag.unterminated:
                if tag.name.lower() in RAW_TEXT_ELEMENTS:
                    raw, i = _raw_text(text, i, tag.name)
                    tokens.append(raw)
        else:
            tokens.append(Text("<", bare_lt=1))
            i += 1
    return tokens


def decode_entities(data: str, report: Callable[[str], None]) -> str:
    """Resolve character references the way an XML parser would, repairing the ones it can't.

    XML knows five named entities; models also write HTML ones (&nbsp; &copy;), unknown ones,
    and bare "&" (AT&T). Each repair is reported; the returned text is plain characters.
    """
    if "&" not in data:
        return data

    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref is None:
            report("escaped a bare '&'")
            return "&"
        if ref.startswith("#"):
            try:
                code = int(ref[2:-1], 16) if ref[1] in "xX" else int(ref[1:-1])
                char = chr(code)
            except (ValueError, OverflowError):
                char = "\x00"
            if INVALID_CHARS_RE.match(char):
                report(f"removed the invalid character reference &{ref}")
                return ""
            return char
        if not ref.endswith(";"):
            report("escaped a bare '&'")
            return "&" + ref
        name = ref[:-1]
        if name in _XML_PREDEFINED:
            return _XML_PREDEFINED[name]
        char = html.entities.html5.get(ref)
        if char is not None:
            codes = "".join(f"&#{ord(c)};" for c in char)
            report(f"replaced the HTML entity &{ref} with {codes}")
            return char
        report(f"escaped the unknown entity &{ref}")
        return "&" + ref

    return _ENTITY_RE.sub(replace, data)
