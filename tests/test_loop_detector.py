"""The loop detector stops real loops and leaves legitimately repetitive output alone."""

from playground.loop import LoopDetector, LoopSettings, find_loop

SETTINGS = LoopSettings()


def test_dash_line_forever_is_a_loop():
    found = find_loop("Here is the table:\n" + "---\n" * 200, SETTINGS)
    assert found is not None
    assert found.unit in ("---\n", "\n---", "-\n--", "--\n-")
    assert found.repeats >= 8
    assert "stopped: repeating" in found.describe()


def test_repeated_sentence_is_a_loop():
    text = "Start. " + "Purchase a 3D model of a pelican riding a bicycle.\n" * 12
    found = find_loop(text, SETTINGS)
    assert found is not None and "pelican" in found.unit


def test_svg_path_data_is_not_a_loop():
    points = " ".join(f"L{10 + i * 3} {20 + (i * 7) % 50}" for i in range(300))
    svg = f'<svg viewBox="0 0 512 512"><path d="M10 20 {points} Z" fill="none" stroke="black"/></svg>'
    assert find_loop(svg, SETTINGS) is None


def test_markdown_table_and_numbered_list_are_not_loops():
    table = "| n | square |\n|---|---|\n" + "".join(f"| {i} | {i * i} |\n" for i in range(60))
    listing = "".join(f"{i}. item number {i}\n" for i in range(1, 80))
    assert find_loop(table, SETTINGS) is None
    assert find_loop(listing, SETTINGS) is None


def test_short_repetition_below_threshold_is_kept():
    assert find_loop("ha" * 20, SETTINGS) is None  # 40 chars: a laugh, not a loop


def test_detector_can_be_switched_off_and_thresholds_change():
    text = "x = 1\n" * 100
    assert LoopDetector(LoopSettings(enabled=False)).check(text) is None
    assert LoopDetector(LoopSettings(min_chars=10_000)).check(text) is None
    assert LoopDetector(LoopSettings()).check(text) is not None
