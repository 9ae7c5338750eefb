"""The repair's last resort (`_recover`): lxml's recovering parser, audited.

repair() only reaches it when its own serializer's output fails strict parsing, which no known
input does, so it is tested directly: what it keeps, the sentences it adds, what it drops, and
that it never expands an entity even while recovering.
"""

from __future__ import annotations

from playground.svg.common import Report
from playground.svg.repair import _recover

NS = 'xmlns="http://www.w3.org/2000/svg"'


def _run(text: str, error: Exception) -> tuple[str | None, list[str]]:
    report = Report()
    return _recover(text, error, report), report.sentences()


def test_recovery_keeps_the_first_of_duplicate_attributes_and_closes_open_elements():
    out, sentences = _run(f'<svg {NS}><rect width="1" width="2"/><g><circle r="1"/></svg>',
                          ValueError("E" * 100))
    assert out == f'<svg {NS}><rect width="1"/><g><circle r="1"/></g></svg>'
    # the parser's error is quoted at 80 characters; nothing was dropped, so no count
    assert sentences == ["the XML parser had to recover from: " + "E" * 80 + "…"]


def test_elements_the_parser_drops_are_counted():
    out, sentences = _run(f'<svg {NS}><rect/></svg><circle r="1"/>', ValueError("junk after the root"))
    assert out == f"<svg {NS}><rect/></svg>"
    assert sentences == ["the XML parser had to recover from: junk after the root",
                         "the XML parser dropped 1 elements"]


def test_recovery_never_expands_an_entity():
    # Expanding would turn &x; into text (and a nested entity into a billion laughs): the
    # drawing is given up instead.
    out, _ = _run(f'<!DOCTYPE svg [<!ENTITY x "BOOM">]><svg {NS}><text>&x;</text></svg>',
                  ValueError("entity"))
    assert out is None


def test_text_that_is_not_xml_at_all_gives_nothing():
    assert _run("not xml at all", ValueError("x")) == (None, [])
    assert _run("", ValueError("x")) == (None, [])
