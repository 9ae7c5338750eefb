"""The request door at its edges: the exact sentences a person reads, prompts and model names
at their length limits, the characters a model name may and may not hold, and that a system
prompt and an image reach the request unchanged."""

from __future__ import annotations

import pytest

from playground.adapters.base import ImageInput
from playground.request import MAX_NAME_CHARS, RequestError, build_request, check_model_name


def _refusal(call, *args, **kwargs) -> str:
    with pytest.raises(RequestError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# ---- prompts -------------------------------------------------------------------------------

def test_a_missing_or_blank_prompt_is_called_empty():
    expected = "The prompt is empty: type what to ask the models."
    assert _refusal(build_request, None, max_prompt_chars=10) == expected
    assert _refusal(build_request, "  \n", max_prompt_chars=10) == expected


def test_a_prompt_at_the_limit_passes_and_one_over_is_refused():
    assert build_request("x" * 10, max_prompt_chars=10).prompt == "x" * 10
    assert _refusal(build_request, "x" * 11, max_prompt_chars=10) == (
        "The prompt is 11 characters; the limit is 10 (max_prompt_chars in the config).")


def test_a_lone_surrogate_is_located_in_the_prompt_or_the_system_prompt():
    assert _refusal(build_request, "ab\ud800", max_prompt_chars=10) == (
        "The prompt is not valid text: character 3 is a lone surrogate or an invalid UTF-8 byte. "
        "Save or paste it as UTF-8 and try again.")
    assert _refusal(build_request, "hi", "\udc80", max_prompt_chars=10).startswith(
        "The system prompt is not valid text: character 1 ")


def test_system_prompt_and_image_reach_the_request():
    image = ImageInput(b"\x89PNG\r\n\x1a\n", "image/png")
    request = build_request(" hi ", " be brief ", image, max_prompt_chars=10)
    assert (request.prompt, request.system, request.image) == ("hi", "be brief", image)
    assert build_request("hi", None, max_prompt_chars=10).system is None
    assert build_request("hi", "   ", max_prompt_chars=10).system is None


# ---- model names ---------------------------------------------------------------------------

def test_a_model_name_is_stripped_and_may_hold_spaces():
    assert check_model_name("  my model Q4 ") == "my model Q4"


def test_a_model_name_at_the_limit_passes_and_one_over_is_refused():
    assert check_model_name("m" * MAX_NAME_CHARS) == "m" * MAX_NAME_CHARS
    assert _refusal(check_model_name, "m" * (MAX_NAME_CHARS + 1)) == (
        "The model name has 4,097 characters; the limit is 4,096.")


@pytest.mark.parametrize("bad", ["a\tb", "a\nb", "a\x00b", "a\x1fb", "a\x7fb"])
def test_control_characters_in_a_model_name_are_refused(bad):
    assert _refusal(check_model_name, bad) == (
        "The model name cannot contain control characters (a line break, a tab, a NUL byte).")


def test_model_name_refusals_say_what_was_wrong():
    assert _refusal(check_model_name, 7) == "The model name must be text, not int."
    assert _refusal(check_model_name, None, "model") == "The model must be text, not NoneType."
    assert _refusal(check_model_name, "  ") == "The model name is empty."
    assert _refusal(check_model_name, "m\ud800").startswith(
        "The model name is not valid text: character 2 ")
    assert check_model_name("gemma\x80-3") == "gemma\x80-3"  # 128 is not a control character
