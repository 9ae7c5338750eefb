"""The sanitizer's exact output and fix sentences at its edges: CSS comments and HTML comment
markers, at-statements, what is left where a declaration went, the text around a removed
element, and how a removed element's contents and foreign attributes are named.

The fix sentences are what the user reads under a drawing, so they are pinned word for word.
"""

from __future__ import annotations

import pytest

from playground.svg.sanitize import clean_css, sanitize

OPEN = '<svg xmlns="http://www.w3.org/2000/svg"'


@pytest.mark.parametrize(
    ("css", "clean", "removed"),
    [
        ("a{fill:red/*x*/}", "a{fill:red}", []),
        # "<!--" and "-->" become spaces, so they can hide nothing and glue nothing together.
        ("<!-- a{fill:red} -->", "  a{fill:red}  ", []),
        ('@charset "utf-8"; a{fill:red}', " a{fill:red}", ['@charset "utf-8"']),
        ("@import url(x.css); a{fill:red}", " a{fill:red}", ["@import url(x.css)"]),
        # a removed last declaration leaves its block closed
        ("a{background:url(http://x/y.png)}b{fill:red}", "a{}b{fill:red}",
         ["background:url(http://x/y.png)"]),
        ("a{fill:red;behavior:url(" + "z" * 80 + ")}", "a{fill:red;}",
         ["behavior:url(" + "z" * 37 + "…"]),  # quoted at 50 characters
    ],
)
def test_clean_css_exact_result(css, clean, removed):
    assert clean_css(css) == (clean, removed)


def test_text_around_a_removed_element_stays_in_place():
    out = sanitize(
        OPEN + "><text>Hi<tspan>b</tspan>mid<script>x</script>end</text>"
        "<text>Hi<tspan>b</tspan><script>x</script>end</text>"
        "<text>Lead<script>x</script>tail</text>"
        "<text><script>x</script>tail</text></svg>"
    )
    assert out.svg == (
        '<svg xmlns="http://www.w3.org/2000/svg"><text>Hi<tspan>b</tspan>midend</text>'
        "<text>Hi<tspan>b</tspan>end</text><text>Leadtail</text><text>tail</text></svg>"
    )
    assert out.fixes == ["removed <script> (4 times)"]


def test_a_removed_element_counts_what_was_inside_it():
    out = sanitize(
        OPEN + '><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>'
        '</foreignObject><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"/>'
        "</foreignObject><script>x</script></svg>"
    )
    assert out.fixes == [
        "removed <foreignObject> and the HTML inside it (and 2 elements inside it)",
        "removed <foreignObject> and the HTML inside it (and 1 element inside it)",
        "removed <script>",
    ]


def test_a_foreign_attribute_is_named_with_its_own_prefix():
    out = sanitize(
        OPEN + ' xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:foo="urn:foo"'
        ' xmlns:bar="urn:bar"><rect bar:x="1" foo:y="2"/></svg>'
    )
    assert out.svg == '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
    assert out.fixes == ["removed attribute bar:x on <rect>", "removed attribute foo:y on <rect>"]


def test_style_text_on_both_sides_of_a_comment_is_joined_as_is():
    out = sanitize(OPEN + "><style>a{fill:red}<!-- c -->b{fill:blue}<rect/></style></svg>")
    assert out.svg == '<svg xmlns="http://www.w3.org/2000/svg"><style>a{fill:red}b{fill:blue}</style></svg>'
    assert out.fixes == ["removed <rect> inside <style>"]
