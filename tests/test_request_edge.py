"""The one door from input to a request: text that cannot be encoded is refused with a sentence,
the same way for the command line and the UI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from playground.request import RequestError, build_request, check_text


def test_a_lone_surrogate_in_the_prompt_is_refused_with_where_it_is():
    with pytest.raises(RequestError) as info:
        build_request("abc\ud800def", max_prompt_chars=100)
    message = str(info.value)
    assert "prompt" in message and "character 4" in message and "UTF-8" in message


def test_a_lone_surrogate_in_the_system_prompt_is_refused():
    with pytest.raises(RequestError, match="system prompt"):
        build_request("hello", "be \udcff brief", max_prompt_chars=100)


def test_a_prompt_that_is_not_text_is_refused_with_its_type():
    with pytest.raises(RequestError, match="must be text, not list"):
        build_request(["hello"], max_prompt_chars=100)


def test_the_prompt_is_stripped_and_an_empty_system_prompt_is_none():
    request = build_request("  hi  \n", "   ", max_prompt_chars=100)
    assert request.prompt == "hi" and request.system is None


def test_an_over_long_prompt_names_the_limit_and_the_setting():
    with pytest.raises(RequestError, match="max_prompt_chars"):
        build_request("x" * 101, max_prompt_chars=100)


def test_ordinary_unicode_passes_untouched():
    text = "Draw a pelican — 🐦 with emoji, ünïcödé and 中文"
    assert check_text(text, "prompt") == text


def _cli(*args: bytes | str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True, timeout=120)


def test_cli_prompt_with_invalid_utf8_exits_2_with_a_sentence_not_a_traceback():
    proc = _cli("compare", b"caf\xe9 au lait", "-m", "gemma-3-270m", "--no-cache")
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert "not valid text" in stderr and "UTF-8" in stderr


def test_cli_model_name_with_invalid_utf8_exits_2_with_a_sentence():
    proc = _cli("compare", "hello", "-m", b"gemma\xff", "--no-cache")
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2 and "Traceback" not in stderr
    assert "model name" in stderr
