"""The loop detector at its edges: the exact repeat and length thresholds, the recheck throttle,
whitespace padding, the longest unit, and the exact counts it reports.

A sentence of 88 characters repeated 4 times is 352 characters, past `min_chars` (256): only the
`min_repeats` rule (8) keeps it from being stopped. These cases pin each rule on its own."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from playground.loop import LoopDetector, LoopFound, LoopSettings, find_loop

DEFAULT = LoopSettings()
SENTENCE = "Purchase a 3D model of a pelican riding a bicycle, then paint it blue and sell it, done\n"
PREFIX = "Here you go:\n"


def test_the_sentence_has_no_shorter_period():
    assert len(SENTENCE) == 88
    assert all(SENTENCE * 2 != SENTENCE[p:] + SENTENCE[:p] + SENTENCE for p in range(1, 88))


def test_default_settings_are_the_documented_ones():
    assert (DEFAULT.enabled, DEFAULT.min_repeats, DEFAULT.min_chars, DEFAULT.max_period, DEFAULT.check_every) == (
        True, 8, 256, 400, 32)


@pytest.mark.parametrize("repeats", [4, 7])
def test_a_long_sentence_under_eight_repeats_is_kept_though_past_min_chars(repeats):
    text = PREFIX + SENTENCE * repeats
    assert len(SENTENCE * repeats) > DEFAULT.min_chars
    assert find_loop(text, DEFAULT) is None


def test_a_long_sentence_repeated_eight_times_is_a_loop_of_exactly_eight():
    found = find_loop(PREFIX + SENTENCE * 8, DEFAULT)
    assert found == LoopFound(unit=SENTENCE, repeats=8)


def test_repeats_are_counted_exactly_past_the_threshold():
    assert find_loop(PREFIX + SENTENCE * 13, DEFAULT) == LoopFound(unit=SENTENCE, repeats=13)


def test_min_repeats_is_a_setting():
    three = LoopSettings(min_repeats=3, min_chars=16)
    assert find_loop(PREFIX + SENTENCE * 2, three) is None
    assert find_loop(PREFIX + SENTENCE * 3, three) == LoopFound(unit=SENTENCE, repeats=3)


def test_min_chars_edge_for_a_short_unit():
    # a unit of 2: 256 characters must equal the 256 one unit earlier, so 258 periodic characters
    assert find_loop("x" + "ab" * 128, DEFAULT) is None  # 256 periodic characters
    assert find_loop("x" + "ab" * 129, DEFAULT) == LoopFound(unit="ab", repeats=129)


def test_min_chars_is_a_setting():
    small = LoopSettings(min_chars=16)
    assert find_loop("x" + "ha" * 8, small) is None  # 16 periodic characters
    assert find_loop("x" + "ha" * 9, small) == LoopFound(unit="ha", repeats=9)


def test_a_unit_of_half_the_text_is_checked():
    unit = "abcdefghijklmnopqrst"
    assert find_loop(unit * 2, LoopSettings(min_repeats=2, min_chars=16)) == LoopFound(unit=unit, repeats=2)


def test_max_period_is_the_longest_unit_checked():
    text = PREFIX + SENTENCE * 9
    assert find_loop(text, LoopSettings(max_period=87)) is None
    assert find_loop(text, LoopSettings(max_period=88)) == LoopFound(unit=SENTENCE, repeats=9)


def test_the_default_max_period_is_400_characters():
    unit_400 = "".join(f"{i:03d}," for i in range(100))  # 400 characters, no shorter period
    unit_401 = unit_400 + ";"
    assert find_loop("<" + unit_400 * 8, DEFAULT) == LoopFound(unit=unit_400, repeats=8)
    assert find_loop("<" + unit_401 * 8, DEFAULT) is None


def test_whitespace_units_longer_than_one_are_padding_not_loops():
    assert find_loop("Done.\n" + " \n" * 300, DEFAULT) is None
    assert find_loop("Done.\n" + "\t\t \n" * 200, DEFAULT) is None


def test_one_whitespace_character_forever_is_a_loop():
    assert find_loop("Done." + " " * 300, DEFAULT) == LoopFound(unit=" ", repeats=300)
    assert find_loop("Done." + "\n" * 257, DEFAULT) == LoopFound(unit="\n", repeats=257)
    assert find_loop("Done." + "\n" * 256, DEFAULT) is None


def test_a_shortest_unit_is_reported():
    # "abab" also repeats, but the unit is the shortest period
    assert find_loop("x" + "ab" * 200, DEFAULT).unit == "ab"


def test_detector_checks_only_after_check_every_new_characters():
    detector = LoopDetector()
    loop = "x = 1\n" * 100  # 600 characters, a loop
    assert detector.check(loop[:31]) is None  # too early: not even looked at
    assert detector.check(loop[:32]) is None  # looked at (32 new characters): no loop yet
    assert detector.check(loop[:63]) is None  # 31 new characters since: not looked at
    assert detector.check(loop[:64]) is None  # looked at: 64 characters are no loop
    assert detector.check(loop) == LoopFound(unit="x = 1\n", repeats=100)
    assert detector.check(loop + "x = 1\n" * 5) is None  # 30 new characters: not looked at
    assert detector.check(loop + "x = 1\n" * 6) == LoopFound(unit="x = 1\n", repeats=106)


def test_detector_throttle_skips_a_loop_that_ends_between_checks():
    detector = LoopDetector(LoopSettings(check_every=100))
    assert detector.check("y" * 100) is None  # looked at: "y" × 100 is under 256 characters
    assert detector.check("y" * 199) is None  # a loop already, but only 99 new characters
    assert detector.check("y" * 300) == LoopFound(unit="y", repeats=300)


def test_switched_off_detector_never_looks():
    assert LoopDetector(LoopSettings(enabled=False)).check("y" * 5000) is None


@pytest.mark.parametrize("unit, shown", [
    ("ab", "'ab'"),
    ("a" * 40, repr("a" * 40)),
    ("a" * 41, repr("a" * 37 + "...")),
])
def test_describe_shows_the_unit_up_to_40_characters(unit, shown):
    assert LoopFound(unit=unit, repeats=9).describe() == f"stopped: repeating {shown} ×9"


@pytest.mark.parametrize("field, lowest, highest", [
    ("min_repeats", 2, 1000),
    ("min_chars", 16, 100_000),
    ("max_period", 1, 4000),
    ("check_every", 1, 4096),
])
def test_settings_bounds(field, lowest, highest):
    assert getattr(LoopSettings(**{field: lowest}), field) == lowest
    assert getattr(LoopSettings(**{field: highest}), field) == highest
    for bad in (lowest - 1, highest + 1):
        with pytest.raises(ValidationError, match=field):
            LoopSettings(**{field: bad})


def test_unknown_setting_is_refused():
    with pytest.raises(ValidationError, match="min_repeat"):
        LoopSettings(min_repeat=3)


def test_a_long_unit_ending_in_whitespace_padding_is_still_found():
    # the last 300 characters are " \n" padding (skipped at periods 2, 4, ...); the real unit,
    # a line and its padding, repeats 9 times
    unit = "Row\n" + " \n" * 150
    assert find_loop("Table:\n" + unit * 9, DEFAULT) == LoopFound(unit=unit, repeats=9)


def test_detector_looks_when_exactly_check_every_characters_are_new():
    assert LoopDetector(LoopSettings(check_every=300)).check("y" * 300) == LoopFound(unit="y", repeats=300)
    assert LoopDetector(LoopSettings(check_every=300)).check("y" * 299) is None
