"""Adversarial answers for the text stages (extract, repair, sanitize). Each shape below was
quadratic in an earlier version (minutes for a 1 MB answer, a frozen UI); now each is bounded.
Only the generous hard bound is asserted, plus the fix sentence that proves the work was done."""

from __future__ import annotations

import time

import pytest

from playground.svg import MAX_DRAWINGS, process_answer

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
HARD_BOUND_S = 10.0
SIZE = 1_000_000


def fill(prefix: str, unit: str, suffix: str = "") -> str:
    return prefix + unit * ((SIZE - len(prefix) - len(suffix)) // len(unit)) + suffix


@pytest.mark.parametrize("text, fix", [
    pytest.param(fill(HEAD, "<g>"), "nested deeper than 100 levels", id="deep-nesting"),
    pytest.param(fill(HEAD, "<g></x>"), "removed the stray closing tag </x>", id="stray-end-tags"),
    pytest.param(fill("", "<svg>"), "nested deeper than 100 levels", id="nested-svg"),
    pytest.param(fill(HEAD, "<!-- a >"), "closed a comment that was missing", id="open-comments"),
    pytest.param(fill(HEAD + "<text>", "a < b "), "escaped a bare '<' in text", id="bare-lt"),
    pytest.param(fill(HEAD, "<rect " + " ".join(f"a{i}='1'" for i in range(500)) + "/>"),
                 "attributes beyond the first 100 on <rect>", id="many-attributes"),
    pytest.param(fill(HEAD, "<x/>", "</svg>"), "removed the unsupported element <x>",
                 id="unknown-elements"),
    pytest.param(fill(HEAD, "<rect>"), "closed <rect> that was left open", id="open-shapes"),
])
@pytest.mark.slow  # seconds of CPU per case, by design
def test_adversarial_drawing_is_processed_within_bound(text, fix):
    start = time.monotonic()
    [result] = process_answer(text)
    assert time.monotonic() - start < HARD_BOUND_S
    assert any(fix in f for f in result.fixes), result.fixes[:5]


def test_thousands_of_unclosed_drawings_are_capped():
    text = fill("", "<svg a='1'>\n\nsome prose ")
    start = time.monotonic()
    results = process_answer(text)
    assert time.monotonic() - start < HARD_BOUND_S
    assert len(results) == MAX_DRAWINGS
    assert "more drawings after this one were not processed" in results[-1].warnings[-1]


def test_svg_mentions_on_one_long_line_are_cheap():
    start = time.monotonic()
    assert process_answer(fill("", "<svg>x ")) == []
    assert time.monotonic() - start < HARD_BOUND_S
