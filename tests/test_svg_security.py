"""Hostile drawings: everything that can run, load or hang is removed, and each removal is
reported so the user sees why the drawing differs from the model's text."""

from __future__ import annotations

import pytest
from lxml import etree

from playground.svg import process_answer
from playground.svg.sanitize import clean_css

SVG_NS = "http://www.w3.org/2000/svg"
OPEN = f'<svg xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">'
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def payload(id_, body, fix, *absent):
    return pytest.param(body, fix, absent, id=id_)


PAYLOADS = [
    payload("script", "<script>alert(document.cookie)</script>", "removed <script>",
            "alert", "script"),
    payload("script-cdata", "<script><![CDATA[ if (a < b && c) alert(1) ]]></script>",
            "removed <script>", "alert"),
    payload("onload", '<rect onload="alert(1)" width="5" height="5"/>',
            "removed the event handler onload on <rect>", "onload", "alert"),
    payload("onclick-uppercase", '<circle r="3" ONCLICK="alert(1)"/>',
            "removed the event handler ONCLICK on <circle>", "alert"),
    payload("javascript-href", '<a href="javascript:alert(1)"><circle r="3"/></a>',
            'removed the link href="javascript:alert(1)" on <a>', "javascript"),
    payload("javascript-xlink-href", '<a xlink:href="javascript:alert(1)"><circle r="3"/></a>',
            'removed the link xlink:href="javascript:alert(1)" on <a>', "javascript"),
    payload("external-use", '<use href="https://evil.example/sprite.svg#bird"/>',
            "removed <use> that links outside the drawing", "evil.example"),
    payload("external-image", '<image href="https://evil.example/track.png" width="9" height="9"/>',
            "removed <image>", "evil.example"),
    payload("data-image", '<image xlink:href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>',
            "removed <image>", "data:"),
    payload("foreign-object",
            '<foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/xhtml">'
            "<iframe src='https://evil.example'/></div></foreignObject>",
            "removed <foreignObject> and the HTML inside it", "evil.example", "foreignObject"),
    payload("set-href", '<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>',
            "removed <set>", "javascript"),
    payload("animate-href",
            '<a href="#x"><animate attributeName="href" values="javascript:alert(1)"/></a>',
            "removed <animate> that changes href", "javascript"),
    payload("animate-handler", '<rect width="2" height="2"><animate attributeName="onclick" '
            'to="alert(1)"/></rect>', "removed <animate> that changes onclick", "alert"),
    payload("style-import", "<style>@import url(https://evil.example/x.css); rect{fill:red}</style>",
            "removed '@import url(https://evil.example/x.css)' from <style>", "evil.example"),
    payload("style-import-string", '<style>@import "https://evil.example/x.css";</style>',
            "from <style>", "evil.example"),
    payload("style-import-after-comment",
            '<style>rect{fill:red}<!-- x -->@import "https://evil.example/x.css";</style>',
            "from <style>", "evil.example", "@import"),
    payload("style-external-url",
            "<style>rect { fill: url(https://evil.example/p.svg#g); stroke: blue }</style>",
            "removed 'fill: url(https://evil.example/p.svg#g)' from <style>", "evil.example"),
    payload("style-escaped-url", r"<style>rect { background: u\72l(https://evil.example) }</style>",
            "from <style>", "evil.example"),
    payload("style-attribute-url",
            '<rect width="5" height="5" style="fill:red;background-image:url(http://evil.example/t)"/>',
            "removed 'background-image:url(http://evil.example/t)' from style on <rect>",
            "evil.example"),
    payload("style-attribute-expression", '<rect style="width: expression(alert(1))"/>',
            "removed 'width: expression(alert(1))' from style on <rect>", "expression"),
    payload("paint-url-external", '<rect width="5" height="5" fill="url(http://evil.example/g)"/>',
            'removed fill="url(http://evil.example/g)" on <rect> (external reference)',
            "evil.example"),
    payload("xml-base", '<g xml:base="http://evil.example/"><circle r="3"/></g>',
            "removed attribute xml:base on <g>", "evil.example"),
    payload("iframe-html", '<iframe src="https://evil.example"></iframe>',
            "removed the stray HTML tag <iframe>", "evil.example", "iframe"),
    payload("svg-prefixed-script",
            '<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>',
            "removed <script>", "alert"),
    payload("foreign-namespace-element",
            '<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>',
            "removed <h:script> (not an SVG element)", "alert"),
    payload("use-loop", '<g id="a"><circle r="1"/><use href="#a"/></g>',
            'removed <use href="#a"> that contains itself (an endless loop)'),
]


@pytest.mark.parametrize("body, fix, absent", PAYLOADS)
def test_payload_is_removed_and_reported(body, fix, absent):
    [result] = process_answer(f"```svg\n{OPEN}{body}<rect width='1' height='1'/></svg>\n```")
    assert result.svg is not None
    assert any(fix in f for f in result.fixes), result.fixes
    for text in absent:
        assert text not in result.svg, (text, result.svg)
    root = etree.fromstring(result.svg.encode(), STRICT)
    for el in root.iter():
        if isinstance(el.tag, str):
            assert etree.QName(el).namespace == SVG_NS
            assert not any(k.lower().startswith("on") for k in el.attrib)
    # the harmless part of the drawing survives
    assert root.find(f"{{{SVG_NS}}}rect") is not None


def test_doctype_entities_are_never_expanded():
    text = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f"{OPEN}<text>&x;</text></svg>")
    [result] = process_answer(text)
    assert "root:" not in result.svg
    assert any("escaped the unknown entity &x;" in f for f in result.fixes)


def test_style_text_after_a_comment_is_cleaned_too():
    # Built with lxml, not repair: sanitize must hold on its own for any well-formed SVG.
    from playground.svg.sanitize import sanitize

    svg = (f'<svg xmlns="{SVG_NS}" viewBox="0 0 9 9"><style>rect{{fill:red}}<!-- x -->'
           '@import "https://evil.example/x.css";</style></svg>')
    clean = sanitize(svg)
    assert "evil.example" not in clean.svg
    assert any("@import" in f for f in clean.fixes)
    assert "rect{fill:red}" in clean.svg


def test_fragment_references_are_kept():
    body = ('<defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
            '<circle id="c" r="3"/></defs><use href="#c"/><use xlink:href="#c"/>'
            '<rect width="5" height="5" fill="url(#g)" style="stroke: url(#g)"/>'
            "<style>rect { fill: url('#g') }</style>")
    [result] = process_answer(OPEN + body + "</svg>")
    assert result.fixes == []
    assert result.svg.count("#c") == 2 and result.svg.count("#g") == 3


def test_use_bomb_is_defused():
    # Ten levels of ten <use> each: 10^10 elements once expanded.
    parts = ['<g id="l0"><circle r="1"/></g>']
    for level in range(1, 11):
        uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(10))
        parts.append(f'<g id="l{level}">{uses}</g>')
    [result] = process_answer(OPEN + "<defs>" + "".join(parts) + "</defs></svg>")
    assert "<use" not in result.svg
    assert any("removed 100 <use> elements: they would expand" in f for f in result.fixes)


def test_filter_is_kept_with_a_browser_warning():
    body = ('<filter id="f"><feGaussianBlur stdDeviation="2"/></filter>'
            '<circle r="5" filter="url(#f)"/>')
    [result] = process_answer(OPEN + body + "</svg>")
    assert "feGaussianBlur" in result.svg
    assert any(w.startswith("uses <filter>: may differ in a browser") for w in result.warnings)


def test_css_var_and_foreign_object_warn():
    body = ('<rect width="5" height="5" style="fill: var(--beak)"/>'
            "<foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>hi</p></foreignObject>")
    [result] = process_answer(OPEN + body + "</svg>")
    assert any("uses CSS var(): may differ in a browser" in w for w in result.warnings)
    assert any("had <foreignObject>" in w for w in result.warnings)


def test_clean_css_is_idempotent_and_keeps_safe_rules():
    css = ("@import url(x.css); .a { fill: red; stroke: url(http://x/y) } "
           "@media (min-width: 1px) { .b { fill: url(#g) } }")
    clean, removed = clean_css(css)
    assert removed == ["@import url(x.css)", "stroke: url(http://x/y)"]
    assert ".a { fill: red;" in clean and "url(#g)" in clean
    assert clean_css(clean) == (clean, [])
