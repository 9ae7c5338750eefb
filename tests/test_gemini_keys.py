"""Key resolution order, the error that names the variables, and scrubbing keys from text."""

from __future__ import annotations

import pytest

from playground.adapters.base import ModelError
from playground.keys import NO_GEMINI_KEY, REDACTED, redact, resolve_gemini_key


def test_gemini_api_key_wins_over_google_api_key_and_config():
    env = {"GEMINI_API_KEY": "g1", "GOOGLE_API_KEY": "g2"}
    assert resolve_gemini_key("cfg", env=env) == "g1"


def test_google_api_key_is_second():
    assert resolve_gemini_key("cfg", env={"GOOGLE_API_KEY": " g2 "}) == "g2"


def test_config_value_is_last_and_blank_env_counts_as_missing():
    assert resolve_gemini_key("cfg", env={"GEMINI_API_KEY": "  ", "GOOGLE_API_KEY": ""}) == "cfg"


def test_no_key_anywhere_names_the_variables():
    with pytest.raises(ModelError) as info:
        resolve_gemini_key(None, env={})
    assert str(info.value) == NO_GEMINI_KEY
    assert "GEMINI_API_KEY" in str(info.value) and "gemini_api_key" in str(info.value)
    with pytest.raises(ModelError):
        resolve_gemini_key("   ", env={})


def test_redact_removes_given_secrets_everywhere():
    out = redact("key s3cr3t-value failed; again s3cr3t-value", ["s3cr3t-value", None, ""])
    assert "s3cr3t" not in out and out.count(REDACTED) == 2


def test_redact_removes_key_shaped_strings_it_was_not_told_about():
    text = ("GET https://x/v1/models?key=abc123&alt=sse Authorization: Bearer tok_ABCDEFGH123 "
            "x-goog-api-key: hunter2hunter2 and AIzaSyA1234567890abcdefghijklmnopqrstu")
    out = redact(text)
    for secret in ("abc123", "tok_ABCDEFGH123", "hunter2hunter2", "AIzaSyA1234567890"):
        assert secret not in out
    assert "alt=sse" in out


def test_redact_leaves_ordinary_text_alone():
    assert redact("503 UNAVAILABLE: try again", ["ab"]) == "503 UNAVAILABLE: try again"
