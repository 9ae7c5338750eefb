"""Finding drawings in answers: fences, prose, several drawings, cut-off answers, thinking."""

from __future__ import annotations

import base64

import pytest

from playground.svg import SvgResult, process_answer, svg_data_uri
from playground.svg.extract import extract_svgs

GOOD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'


@pytest.mark.parametrize("language", ["svg", "xml", "html", ""])
def test_fenced_drawing_is_found(language):
    text = f"Here you go:\n\n```{language}\n{GOOD}\n```\n\nEnjoy!"
    [result] = process_answer(text)
    assert result.raw == GOOD
    assert result.svg is not None and result.fixes == [] and not result.truncated


def test_bare_drawing_in_prose_is_found():
    [result] = process_answer(f"Sure! {GOOD} That is a circle.")
    assert result.raw == GOOD


def test_several_drawings_are_all_kept_and_numbered():
    second = GOOD.replace('r="4"', 'r="2"')
    text = f"First try:\n```svg\n{GOOD}\n```\nBetter:\n```svg\n{second}\n```\nAnd bare: {GOOD}"
    results = process_answer(text)
    assert [r.index for r in results] == [1, 2, 3]
    assert [r.raw for r in results] == [GOOD, second, GOOD]


def test_drawing_in_unclosed_fence_is_found():
    [result] = process_answer(f"```svg\n{GOOD}\n")
    assert result.raw == GOOD and not result.truncated


def test_cut_at_token_limit_is_truncated_and_still_drawn():
    text = "```svg\n" + GOOD[: GOOD.index("<circle")] + '<rect width="5" height="5"/><circle cx="5'
    [result] = process_answer(text, finish_reason="length")
    assert result.truncated
    assert result.svg is not None and "<rect" in result.svg
    assert result.warnings[0] == "truncated at the token limit: closed 1 open element"
    assert any("dropped the incomplete tag at the end: <circle" in f for f in result.fixes)


def test_unclosed_drawing_without_length_limit_says_it_has_no_end():
    [result] = process_answer(GOOD[:-6], finish_reason="stop")
    assert result.truncated
    assert result.warnings[0].startswith("truncated: the drawing has no closing </svg>")


def test_only_the_last_drawing_can_be_cut_by_the_token_limit():
    text = f"```svg\n{GOOD[:-6]}\n```\nand\n```svg\n{GOOD}\n```"
    first, second = process_answer(text, finish_reason="length")
    assert first.truncated and first.warnings[0].startswith("truncated: the drawing has no")
    assert not second.truncated


def test_unclosed_drawing_in_prose_stops_at_the_next_paragraph():
    text = GOOD[:-6] + "\n\nI hope you like this pelican!"
    [result] = process_answer(text)
    assert "I hope" not in result.raw
    assert "I hope" not in result.svg


def test_drawing_inside_other_language_code_is_ignored():
    text = f"```python\nsvg = '{GOOD}'\nprint(svg)\n```"
    assert process_answer(text) == []
    found, warnings = extract_svgs(text)
    assert found == [] and "```python" in warnings[0]


def test_svg_mentioned_in_inline_code_is_not_a_drawing():
    text = f"Wrap shapes in an `<svg>` element, like this:\n\n{GOOD}"
    [result] = process_answer(text)
    assert result.raw == GOOD


def test_svg_tag_mentioned_in_prose_is_not_a_drawing():
    text = f"The <svg> element is the root. Example:\n\n```svg\n{GOOD}\n```"
    [result] = process_answer(text)
    assert result.raw == GOOD


def test_drawing_inside_an_html_page_is_found():
    text = f"```html\n<!DOCTYPE html>\n<html><body>\n{GOOD}\n</body></html>\n```"
    [result] = process_answer(text)
    assert result.raw == GOOD


def test_nested_svg_stays_one_drawing():
    nested = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
              '<svg x="1" width="5" height="5"><circle r="2"/></svg><rect width="1" height="1"/></svg>')
    [result] = process_answer(nested)
    assert result.raw == nested and result.fixes == []


def test_xml_prolog_before_the_drawing_is_not_part_of_it():
    [result] = process_answer('<?xml version="1.0" encoding="UTF-8"?>\n' + GOOD)
    assert result.raw == GOOD and result.fixes == []


def test_answer_without_drawing_gives_empty_list():
    assert process_answer("I cannot draw, but pelicans are great.") == []
    assert process_answer("") == []


def test_drawings_in_thinking_are_ignored_by_default():
    assert process_answer("No drawing in the answer.") == []


def test_drawings_in_thinking_can_be_included_after_the_answer():
    results = process_answer(f"Final:\n{GOOD}", include_thinking=f"Draft: {GOOD}")
    assert [r.index for r in results] == [1, 2]
    assert results[0].warnings == []
    assert results[1].warnings[0] == "found in the thinking, not in the answer"


def test_gallery_choice_is_the_first_drawing_that_survives():
    huge = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 600_000 + "</svg>"
    results = process_answer(f"{huge}\n\nsmaller:\n{GOOD}")
    assert results[0].svg is None and "the limit is" in results[0].warnings[0]
    usable = [r for r in results if r.svg is not None]
    assert usable[0].index == 2


def test_to_json_has_the_public_fields():
    [result] = process_answer(GOOD)
    assert isinstance(result, SvgResult)
    assert set(result.to_json()) == {"index", "svg", "fixes", "warnings", "truncated"}


def test_data_uri_carries_the_svg():
    uri = svg_data_uri(GOOD)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == GOOD
