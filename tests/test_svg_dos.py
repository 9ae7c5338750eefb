"""Adversarial answers for the text stages (extract, repair, sanitize). Each shape below was
quadratic in an earlier version (minutes for a 1 MB answer, a frozen UI); now each is linear.
These tests check that a 1 MB answer of each shape is processed and fixed (the fix sentence proves
the work was done); how long it takes is benchmarks/bench_svg_dos.py's figure (1 MB vs 250 KB of
the same shape in CPU time), never a pass/fail threshold: a CI run on a busy machine measured
ratios of 14 x where a quiet one measured 5 x."""

from __future__ import annotations

import time

import pytest

from playground.svg import MAX_DRAWINGS, process_answer

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
SIZE = 1_000_000


def fill(prefix: str, unit: str, suffix: str = "", size: int = SIZE) -> str:
    return prefix + unit * ((size - len(prefix) - len(suffix)) // len(unit)) + suffix


def cpu_s(text: str):
    """(CPU seconds of this process, the results) for processing `text` (the benchmark's clock)."""
    start = time.process_time()
    results = process_answer(text)
    return time.process_time() - start, results


SHAPES = {  # name: the answer of that shape at a given size
    "deep-nesting": lambda n: fill(HEAD, "<g>", size=n),
    "stray-end-tags": lambda n: fill(HEAD, "<g></x>", size=n),
    "nested-svg": lambda n: fill("", "<svg>", size=n),
    "open-comments": lambda n: fill(HEAD, "<!-- a >", size=n),
    "bare-lt": lambda n: fill(HEAD + "<text>", "a < b ", size=n),
    "many-attributes": lambda n: fill(HEAD, "<rect " + " ".join(f"a{i}='1'" for i in range(500)) + "/>", size=n),
    "unknown-elements": lambda n: fill(HEAD, "<x/>", "</svg>", size=n),
    "open-shapes": lambda n: fill(HEAD, "<rect>", size=n),
    "unclosed-drawings": lambda n: fill("", "<svg a='1'>\n\nsome prose ", size=n),
    "svg-mentions": lambda n: fill("", "<svg>x ", size=n),
}
FIXES = {
    "deep-nesting": "nested deeper than 100 levels",
    "stray-end-tags": "removed the stray closing tag </x>",
    "nested-svg": "nested deeper than 100 levels",
    "open-comments": "closed a comment that was missing",
    "bare-lt": "escaped a bare '<' in text",
    "many-attributes": "attributes beyond the first 100 on <rect>",
    "unknown-elements": "removed the unsupported element <x>",
    "open-shapes": "closed <rect> that was left open",
}


@pytest.mark.parametrize("name", list(FIXES))
@pytest.mark.slow  # seconds of CPU per case, by design
def test_adversarial_drawing_is_processed_and_fixed(name):
    [result] = process_answer(SHAPES[name](SIZE))
    assert any(FIXES[name] in f for f in result.fixes), result.fixes[:5]


def test_thousands_of_unclosed_drawings_are_capped():
    results = process_answer(SHAPES["unclosed-drawings"](SIZE))
    assert len(results) == MAX_DRAWINGS
    assert "more drawings after this one were not processed" in results[-1].warnings[-1]


def test_svg_mentions_on_one_long_line_are_not_drawings():
    assert process_answer(SHAPES["svg-mentions"](SIZE)) == []
