"""Property tests: a good drawing cut at any point, or mangled at random, never makes the
pipeline raise or hang, and what comes out is strict XML (or None) and stable under repair."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from playground.svg import process_answer
from playground.svg.repair import repair

PELICAN = (Path(__file__).parent / "svg_corpus" / "pelican.svg").read_text()
SVG_NS = "http://www.w3.org/2000/svg"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def check(results, cut_at_limit: bool = False):
    for r in results:
        if r.svg is None:
            continue
        root = etree.fromstring(r.svg.encode(), STRICT)
        assert root.tag == f"{{{SVG_NS}}}svg"
        again = repair(r.svg)
        assert again.fixes == [] and again.svg == r.svg
        if cut_at_limit and r.truncated:
            assert r.warnings[0].startswith("truncated at the token limit")


@pytest.mark.slow  # the whole pipeline at every cut offset: seconds of CPU by design
def test_pelican_cut_at_every_offset():
    start = PELICAN.index("<svg")
    for offset in range(len(PELICAN) + 1):
        text = "Here is the pelican:\n```svg\n" + PELICAN[:offset]
        results = process_answer(text, finish_reason="length")
        if offset < start + 5:  # "<svg" plus a space is the first thing that looks like a drawing
            assert results == []
            continue
        [result] = results
        root_tag_complete = offset > PELICAN.index(">", start)
        assert (result.svg is not None) == root_tag_complete, (offset, result.warnings)
        if not root_tag_complete:
            assert result.warnings[-1] == "the text ends inside the <svg> tag: nothing was drawn yet"
        assert result.truncated == (offset < len(PELICAN.rstrip()))
        check(results, cut_at_limit=True)


def test_cut_pelican_keeps_every_complete_shape_before_the_cut():
    cut = PELICAN.index('<circle cx="241"')  # the eye: everything before it is complete
    [result] = process_answer(PELICAN[: cut + 10], finish_reason="length")
    root = etree.fromstring(result.svg.encode(), STRICT)
    assert len(root.findall(f".//{{{SVG_NS}}}circle")) == 7  # sun, 4 wheel parts, crank, head
    assert any("dropped the incomplete tag at the end: <circle" in f for f in result.fixes)


MARKUP = st.sampled_from(
    list("<>/=\"' &;#-!?[]:\n") + ["<svg", "</svg>", "<g>", "</g>", "<!--", "-->", "<![CDATA[",
                                    "]]>", "&amp;", "&nbsp;", "xlink:", "xmlns", "d=\"M1 1 Z;\"",
                                    "<rect x=1", "```svg\n", "```\n", "<script>", "<style>", "</style>",
                                    "@import", "url(http://x)", "url(#a)", " href=", "<use"]
)


@settings(max_examples=300, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(MARKUP, st.text(max_size=5)), max_size=60))
def test_random_markup_never_breaks_the_pipeline(pieces):
    check(process_answer("".join(pieces), finish_reason="length"))


@settings(max_examples=200, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(PELICAN)), st.integers(0, 40), st.text(max_size=8))
def test_pelican_with_a_span_replaced_never_breaks_the_pipeline(position, length, junk):
    mangled = PELICAN[:position] + junk + PELICAN[position + length:]
    check(process_answer(mangled))
