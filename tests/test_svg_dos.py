"""Adversarial answers for the text stages (extract, repair, sanitize). Each shape below was
quadratic in an earlier version (minutes for a 1 MB answer, a frozen UI); now each is linear.
No wall-clock bound (the machine may be busy): the CPU time this process spends on a 1 MB answer
is compared with a 250 KB one of the same shape — linear work takes about 4 times as long,
quadratic 16 — plus the fix sentence that proves the work was done."""

from __future__ import annotations

import time

import pytest

from playground.svg import MAX_DRAWINGS, process_answer

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
SIZE = 1_000_000
LINEAR = 10.0  # 4 x the text: at most 10 x the CPU time (linear ~4, measured 3.3-5.6; quadratic ~16)
FLOOR_S = 0.25  # below this the small run's time is mostly noise


def fill(prefix: str, unit: str, suffix: str = "", size: int = SIZE) -> str:
    return prefix + unit * ((size - len(prefix) - len(suffix)) // len(unit)) + suffix


def cpu_s(text: str):
    """(CPU seconds of this process, the results) for processing `text`."""
    start = time.process_time()
    results = process_answer(text)
    return time.process_time() - start, results


def assert_linear(shape) -> list:
    """`shape(size)` at SIZE and SIZE / 4: the big one's CPU time within LINEAR x the small one's."""
    small, _ = cpu_s(shape(SIZE // 4))
    big, results = cpu_s(shape(SIZE))
    assert big < LINEAR * max(small, FLOOR_S), f"{big:.2f} s for 1 MB vs {small:.2f} s for 250 KB"
    return results


@pytest.mark.parametrize("shape, fix", [
    pytest.param(lambda n: fill(HEAD, "<g>", size=n), "nested deeper than 100 levels", id="deep-nesting"),
    pytest.param(lambda n: fill(HEAD, "<g></x>", size=n), "removed the stray closing tag </x>",
                 id="stray-end-tags"),
    pytest.param(lambda n: fill("", "<svg>", size=n), "nested deeper than 100 levels", id="nested-svg"),
    pytest.param(lambda n: fill(HEAD, "<!-- a >", size=n), "closed a comment that was missing",
                 id="open-comments"),
    pytest.param(lambda n: fill(HEAD + "<text>", "a < b ", size=n), "escaped a bare '<' in text", id="bare-lt"),
    pytest.param(lambda n: fill(HEAD, "<rect " + " ".join(f"a{i}='1'" for i in range(500)) + "/>", size=n),
                 "attributes beyond the first 100 on <rect>", id="many-attributes"),
    pytest.param(lambda n: fill(HEAD, "<x/>", "</svg>", size=n), "removed the unsupported element <x>",
                 id="unknown-elements"),
    pytest.param(lambda n: fill(HEAD, "<rect>", size=n), "closed <rect> that was left open", id="open-shapes"),
])
@pytest.mark.slow  # seconds of CPU per case, by design
def test_adversarial_drawing_is_processed_in_linear_time(shape, fix):
    [result] = assert_linear(shape)
    assert any(fix in f for f in result.fixes), result.fixes[:5]


def test_thousands_of_unclosed_drawings_are_capped():
    results = assert_linear(lambda n: fill("", "<svg a='1'>\n\nsome prose ", size=n))
    assert len(results) == MAX_DRAWINGS
    assert "more drawings after this one were not processed" in results[-1].warnings[-1]


def test_svg_mentions_on_one_long_line_are_cheap():
    assert assert_linear(lambda n: fill("", "<svg>x ", size=n)) == []
