"""A corpus of broken SVGs the way models write them. For each: the specific repair is named in
the fixes, the result parses with a strict XML parser and has the SVG namespace, and repairing
again changes nothing (no new fixes, same text)."""

from __future__ import annotations

import pytest
from lxml import etree

from playground.svg import process_answer
from playground.svg.repair import repair

SVG_NS = "http://www.w3.org/2000/svg"
HEAD = f'<svg xmlns="{SVG_NS}" viewBox="0 0 100 100">'
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def case(id_, raw, *expected, truncated=False):
    return pytest.param(raw, expected, truncated, id=id_)


CORPUS = [
    # duplicate attributes: cairosvg and browsers refuse the whole drawing ("x1 redefined")
    case("duplicate-x1-on-line",
         '<svg width="100" height="100"><line x1="10" y1="20" x1="30" y2="40" stroke="black"/></svg>',
         'removed duplicate attribute x1 on <line> (kept x1="10"'),
    case("duplicate-fill", HEAD + '<rect width="5" height="5" fill="red" fill="blue"/></svg>',
         'removed duplicate attribute fill on <rect> (kept fill="red", dropped "blue")'),
    case("duplicate-xmlns", f'<svg xmlns="{SVG_NS}" xmlns="{SVG_NS}" viewBox="0 0 9 9"/>',
         "removed duplicate attribute xmlns on <svg>"),
    case("duplicate-by-case", HEAD[:-1] + ' viewbox="0 0 5 5"><circle r="2"/></svg>',
         "renamed attribute viewbox to viewBox on <svg>",
         "removed duplicate attribute viewBox on <svg>"),
    # namespaces: browsers show nothing for an <img> SVG without xmlns
    case("missing-xmlns", '<svg viewBox="0 0 10 10"><rect width="5" height="5"/></svg>',
         f'added xmlns="{SVG_NS}" to <svg>'),
    case("xlink-used-undeclared",
         HEAD + '<defs><circle id="c" r="3"/></defs><use xlink:href="#c"/></svg>',
         'added xmlns:xlink="http://www.w3.org/1999/xlink"'),
    case("xhtml-namespace-on-root",
         '<svg xmlns="http://www.w3.org/1999/xhtml" viewBox="0 0 9 9"><circle r="3"/></svg>',
         'replaced xmlns="http://www.w3.org/1999/xhtml"'),
    case("wrong-xlink-uri",
         HEAD[:-1] + ' xmlns:xlink="http://www.w3.org/xlink"><use xlink:href="#a"/></svg>',
         'replaced xmlns:xlink="http://www.w3.org/xlink"'),
    # truncation at the token limit
    case("cut-inside-attribute", '<svg width="200" height="100"><g><path d="M1 2 L3',
         "dropped the incomplete tag at the end: <path", "closed 2 open elements at the end",
         truncated=True),
    case("cut-after-complete-tag", HEAD + '<g fill="red"><circle r="5"/>',
         "closed 2 open elements at the end (<g>, <svg>)", truncated=True),
    case("cut-inside-end-tag", HEAD + '<circle r="5"/></sv',
         "dropped the incomplete tag at the end: </sv", truncated=True),
    case("cut-inside-comment", HEAD + '<circle r="5"/><!-- now the bea',
         "dropped the incomplete comment at the end", truncated=True),
    case("cut-inside-text", HEAD + '<text x="5" y="50">Hello pelic',
         "closed 2 open elements at the end (<text>, <svg>)", truncated=True),
    case("cut-inside-tag-name", HEAD + '<circle r="5"/><ell',
         "dropped the incomplete tag at the end: <ell", truncated=True),
    # text content
    case("bare-ampersand", HEAD + "<text>Pelican & bicycle</text></svg>", "escaped a bare '&'"),
    case("bare-less-than", HEAD + "<text>speed < 10 km/h</text></svg>",
         "escaped a bare '<' in text"),
    case("html-nbsp", HEAD + "<text>A&nbsp;pelican</text></svg>",
         "replaced the HTML entity &nbsp; with &#160;"),
    case("html-copy", HEAD + "<text>&copy; Gemma</text></svg>",
         "replaced the HTML entity &copy; with &#169;"),
    case("html-entity-in-attribute", HEAD + '<g id="a&mdash;b"><circle r="2"/></g></svg>',
         "replaced the HTML entity &mdash; with &#8212;"),
    case("unknown-entity", HEAD + "<text>&pelican;</text></svg>",
         "escaped the unknown entity &pelican;"),
    case("ampersand-in-attribute", HEAD + '<text font-family="Arial & Helvetica">Hi</text></svg>',
         "escaped a bare '&'"),
    case("invalid-char-ref", HEAD + "<text>a&#0;b</text></svg>",
         "removed the invalid character reference &#0;"),
    case("control-character", HEAD + "<text>bell\x07</text></svg>",
         "removed 1 control character that XML forbids"),
    # HTML mixed in
    case("br-in-text", HEAD + "<text>line one<br>line two</text></svg>",
         "removed the HTML tag <br>"),
    case("div-wrapper", HEAD + "<div><circle r='4'/></div></svg>",
         "removed the stray HTML tag <div> (kept its content)"),
    case("bold-in-text", HEAD + "<text>a <b>bold</b> pelican</text></svg>",
         "removed the stray HTML tag <b> (kept its content)"),
    case("img-tag", HEAD + '<img src="pelican.png"><circle r="4"/></svg>',
         "removed the HTML tag <img>"),
    case("uppercase-root", '<SVG xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"></SVG>',
         "renamed <SVG> to <svg>"),
    case("lowercased-camel-element",
         HEAD + '<defs><lineargradient id="g"><stop offset="0"/></lineargradient></defs></svg>',
         "renamed <lineargradient> to <linearGradient>"),
    # comments
    case("double-dash-in-comment", HEAD + "<!-- beak -- orange --><circle r='3'/></svg>",
         "replaced '--' inside a comment"),
    case("comment-ending-with-dash", HEAD + "<!-- wing ---><circle r='3'/></svg>",
         "replaced '--' inside a comment"),
    case("comment-missing-close", HEAD + "<!-- body -><circle r='3'/></svg>",
         "closed a comment that was missing its '-->'"),
    # attributes
    case("unquoted-value", HEAD + "<rect x=10 y=20 width=30 height=40/></svg>",
         "quoted the value of x on <rect> (x=10)"),
    case("glued-attributes", HEAD + '<rect x="1"y="2" width="3" height="4"/></svg>',
         "added the missing space between attributes x and y on <rect>"),
    case("attribute-without-value", '<svg xmlns="http://www.w3.org/2000/svg" hidden viewBox="0 0 9 9"/>',
         "removed attribute hidden on <svg> (it had no value)"),
    case("jsx-attribute", HEAD + '<path d="M0 0 L9 9" strokeWidth="2"/></svg>',
         "renamed attribute strokeWidth to stroke-width on <path>"),
    case("undeclared-prefix-attribute", HEAD + '<g inkscape:label="Layer 1"><circle r="2"/></g></svg>',
         "removed attribute inkscape:label on <g> (undeclared namespace prefix inkscape)"),
    case("undeclared-prefix-element",
         HEAD + '<sodipodi:namedview id="n"><inkscape:grid/></sodipodi:namedview></svg>',
         "removed <sodipodi:namedview> and 1 element inside it"),
    case("stray-quote-in-tag", HEAD + '<rect x="1" " y="2" width="3" height="3"/></svg>',
         "removed stray characters '\"' inside <rect>"),
    # size
    case("size-without-viewbox", '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"/>',
         'added viewBox="0 0 200 100" from width and height'),
    case("no-size-at-all", '<svg xmlns="http://www.w3.org/2000/svg"><circle r="9"/></svg>',
         'added viewBox="0 0 512 512" (the drawing had no usable size)'),
    case("size-in-cm", '<svg xmlns="http://www.w3.org/2000/svg" width="10cm" height="5cm"/>',
         'added viewBox="0 0 377.9528 188.9764" from width and height'),
    case("viewbox-with-units", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100px 50px"/>',
         'fixed viewBox="0 0 100px 50px" to "0 0 100 50"'),
    case("zero-viewbox",
         '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 0" width="64" height="64"/>',
         'removed the invalid viewBox="0 0 0 0"', 'added viewBox="0 0 64 64" from width and height'),
    # path data
    case("units-in-path", HEAD + '<path d="M10px 20px L30px 40px"/></svg>',
         "removed units (px) from d on <path>"),
    case("semicolon-after-z", HEAD + '<path d="M1 1 L9 9 Z;"/></svg>',
         "removed invalid characters ';' from d on <path>"),
    case("numbers-after-z", HEAD + '<path d="M1 1 L9 9 Z 5 5"/></svg>',
         "removed numbers after Z from d on <path>"),
    case("units-in-points", HEAD + '<polygon points="0px,0px 10px,0px 5px,9px"/></svg>',
         "removed units (px) from points on <polygon>"),
    # structure
    case("shape-left-open", HEAD + '<rect width="5" height="5"><circle r="3"/></svg>',
         "closed <rect> that was left open"),
    case("stray-closing-tag", HEAD + '<circle r="3"/></g></svg>',
         "removed the stray closing tag </g>"),
    case("group-never-closed", HEAD + '<g><circle r="3"/></svg>',
         "closed <g> that was left open"),
    case("doctype-inside", HEAD + '<!DOCTYPE svg><circle r="3"/></svg>',
         "removed the declaration <!DOCTYPE svg>"),
    case("prose-after-svg", HEAD + '<circle r="3"/></svg> Hope you like it!',
         "removed text and tags after the closing </svg>"),
    case("tag-missing-gt", HEAD + '<rect width="5" height="5"\n<circle r="3"/></svg>',
         "closed the tag <rect> that was missing its '>'"),
    case("unterminated-cdata", HEAD + "<style><![CDATA[ circle { fill: red }",
         "closed an unterminated CDATA section", "closed 2 open elements", truncated=True),
    case("too-deep", HEAD + "<g>" * 150 + "<circle r='1'/>" + "</g>" * 150 + "</svg>",
         "removed 52 elements nested deeper than 100 levels"),
]


def strict_root(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode(), STRICT)


@pytest.mark.parametrize("raw, expected, truncated", CORPUS)
def test_broken_svg_is_repaired_and_the_fix_is_named(raw, expected, truncated):
    outcome = repair(raw)
    assert outcome.svg is not None, outcome.warnings
    for sentence in expected:
        assert any(sentence in fix for fix in outcome.fixes), (sentence, outcome.fixes)
    root = strict_root(outcome.svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert outcome.svg.startswith(f'<svg xmlns="{SVG_NS}"')
    assert outcome.truncated == truncated


@pytest.mark.parametrize("raw, expected, truncated", CORPUS)
def test_repair_is_idempotent(raw, expected, truncated):
    once = repair(raw)
    twice = repair(once.svg)
    assert twice.fixes == []
    assert twice.svg == once.svg


@pytest.mark.parametrize("raw, expected, truncated", CORPUS)
def test_whole_pipeline_output_is_strict_xml_and_stable(raw, expected, truncated):
    [result] = process_answer(raw)
    assert result.svg is not None
    strict_root(result.svg)
    [again] = process_answer(result.svg)
    assert again.fixes == []
    assert again.svg == result.svg


def test_duplicate_attribute_keeps_the_first_value():
    outcome = repair('<svg><line x1="10" y1="20" x1="30" y2="40"/></svg>')
    line = strict_root(outcome.svg).find(f"{{{SVG_NS}}}line")
    assert line.get("x1") == "10"
    assert line.get("y2") == "40"


def test_text_around_a_bare_ampersand_is_kept():
    # lxml's recover mode silently drops "& b" here; we keep every character.
    outcome = repair(HEAD + "<text>Pelican & bicycle</text></svg>")
    assert strict_root(outcome.svg).findtext(f"{{{SVG_NS}}}text") == "Pelican & bicycle"


def test_html_entity_becomes_the_character():
    outcome = repair(HEAD + "<text>A&nbsp;pelican &copy;</text></svg>")
    assert strict_root(outcome.svg).findtext(f"{{{SVG_NS}}}text") == "A\u00a0pelican \u00a9"


def test_path_without_units_renders_the_same_numbers():
    outcome = repair(HEAD + '<path d="M10px 20px L30px 40px"/></svg>')
    d = strict_root(outcome.svg).find(f"{{{SVG_NS}}}path").get("d")
    assert d.split() == ["M10", "20", "L30", "40"]


def test_unwrapped_html_keeps_the_shapes_inside():
    outcome = repair(HEAD + "<div><circle r='4'/></div></svg>")
    assert strict_root(outcome.svg).find(f"{{{SVG_NS}}}circle") is not None


def test_no_svg_element_gives_none_with_a_reason():
    outcome = repair("<div>no drawing here</div>")
    assert outcome.svg is None
    assert outcome.warnings == ["no <svg> element found"]


def test_oversized_input_is_refused_not_parsed():
    outcome = repair(HEAD + "<g/>" * 600_000 + "</svg>")
    assert outcome.svg is None
    assert "the limit is" in outcome.warnings[0]
