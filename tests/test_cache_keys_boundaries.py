"""Cache keys at their edges: exact key material, the head+tail hash boundaries, endpoints
without a host or with blank parameters, and where a refused credential sits.

Each test pins a value a user depends on: a key that changed between releases would orphan
every cached answer, and a refusal message must say which field to remove.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings, ImageInput
from playground.cache import keys as cache_keys
from playground.cache.keys import (
    api_identity,
    canonical_json,
    comparison_key,
    derive_key,
    gguf_identity,
    image_digest,
    key_material,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


@pytest.fixture(autouse=True)
def _fresh_identity_memo():
    cache_keys.clear_identity_memo()
    yield
    cache_keys.clear_identity_memo()


# ---- canonical JSON: the exact text that is hashed ----------------------------------------

def test_canonical_json_keeps_non_ascii_text_as_is():
    # Keys of non-English prompts stay what earlier releases wrote (no \\u escapes).
    assert canonical_json({"prompt": "Pélican ü", "a": 1}) == '{"a":1,"prompt":"Pélican ü"}'


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_canonical_json_refuses_nan_and_infinity(number):
    # Not JSON: a key made of it could not be re-derived by another JSON reader.
    with pytest.raises(ValueError):
        canonical_json({"temperature": number})


def test_key_is_the_sha256_of_the_exact_material():
    request = ChatRequest(prompt="Pélican", system="sys", image=ImageInput(PNG, "image/png"))
    material = key_material(
        adapter="gemini", model_id="g", identity=api_identity(None, "g"),
        settings=GenerationSettings(seed=3), request=request,
    )
    assert material["image"] == {"sha256": hashlib.sha256(PNG).hexdigest(), "mime": "image/png"}
    assert material["prompt"] == "Pélican" and material["system"] == "sys"
    text = canonical_json(material)
    assert '"prompt":"Pélican"' in text
    assert derive_key(
        adapter="gemini", model_id="g", identity=api_identity(None, "g"),
        settings=GenerationSettings(seed=3), request=request,
    ) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_image_digest_without_an_image_is_none():
    assert image_digest(None) is None
    assert image_digest(ImageInput(PNG, "image/png")) == hashlib.sha256(PNG).hexdigest()


# ---- the GGUF head+tail hash --------------------------------------------------------------

def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_small_file_is_hashed_whole(tmp_path):
    data = bytes(range(10))
    path = _file(tmp_path / "m.gguf", data)
    assert cache_keys._hash_head_tail(path, len(data), chunk=5) == hashlib.sha256(data).hexdigest()


def test_file_just_over_two_chunks_hashes_head_and_tail_only(tmp_path):
    # chunk 4, 10 bytes: bytes 4 and 5 lie between head and tail and are not read.
    data = bytes(range(10))
    path = _file(tmp_path / "m.gguf", data)
    expected = hashlib.sha256(data[:4] + data[-4:]).hexdigest()
    assert cache_keys._hash_head_tail(path, len(data), chunk=4) == expected
    middle_changed = _file(tmp_path / "n.gguf", data[:4] + b"\xff\xff" + data[6:])
    assert cache_keys._hash_head_tail(middle_changed, len(data), chunk=4) == expected


def test_gguf_identity_fields_are_exact(tmp_path):
    data = b"GGUF" + bytes(range(60))
    path = _file(tmp_path / "m.gguf", data)
    stat = path.stat()
    assert gguf_identity(path) == {
        "kind": "gguf",
        "path": str(path.resolve()),
        "size": 64,
        "mtime_ns": stat.st_mtime_ns,
        "head_tail_sha256": hashlib.sha256(data).hexdigest(),
        "hash_bytes": 4 * 1024 * 1024,
    }


def test_two_files_of_equal_size_and_mtime_keep_their_own_identity(tmp_path):
    first = _file(tmp_path / "a.gguf", b"GGUF" + b"a" * 60)
    second = _file(tmp_path / "b.gguf", b"GGUF" + b"b" * 60)
    stamp = first.stat().st_mtime_ns
    os.utime(second, ns=(stamp, stamp))
    os.utime(first, ns=(stamp, stamp))
    a, b = gguf_identity(first), gguf_identity(second)
    assert a["path"] == str(first.resolve()) and b["path"] == str(second.resolve())
    assert a["head_tail_sha256"] != b["head_tail_sha256"]


# ---- endpoints ----------------------------------------------------------------------------

def test_endpoint_without_a_host_gets_none_invented():
    assert api_identity("unix:///run/llama.sock", "m")["endpoint"] == "unix:/run/llama.sock"


def test_blank_query_parameters_are_kept():
    identity = api_identity("https://Api.Example:8443/v1/?alt=&b=1", "m")
    assert identity["endpoint"] == "https://api.example:8443/v1?alt=&b=1"


def test_only_trailing_slashes_are_stripped_from_the_path():
    assert api_identity("https://h/models/X/", "m")["endpoint"] == "https://h/models/X"


# ---- refused credentials: the message names the field and where it sits -------------------

def _material(identity):
    return key_material(
        adapter="openai", model_id="m", identity=identity,
        settings=GenerationSettings(), request=ChatRequest(prompt="hi"),
    )


def test_refusal_names_the_top_level_field():
    with pytest.raises(ValueError) as caught:
        _material({"kind": "api", "api_key": "x"})
    assert str(caught.value) == (
        "identity has a field named 'api_key', which looks like a credential; "
        "credentials must never enter a cache key"
    )


def test_refusal_names_the_nested_path():
    with pytest.raises(ValueError, match=r"^identity\.extra has a field named 'token',"):
        _material({"kind": "api", "extra": {"token": "x"}})


def test_refusal_finds_a_credential_inside_a_list():
    with pytest.raises(ValueError, match=r"^identity\.files\[1\] has a field named 'key',"):
        _material({"kind": "api", "files": [{"name": "a"}, {"key": "x"}]})


def test_lists_without_credentials_pass():
    material = _material({"kind": "api", "files": [{"name": "a"}, "b", 3]})
    assert material["identity"]["files"] == [{"name": "a"}, "b", 3]


# ---- comparison key -----------------------------------------------------------------------

def test_comparison_key_hashes_a_non_json_value_as_its_text():
    # Odd stored pane data never makes History fail: a value JSON cannot hold is its str().
    as_path = comparison_key(prompt="p", system=None, image_sha=None,
                             panes=[{"model": Path("m.gguf"), "settings": {}}])
    as_text = comparison_key(prompt="p", system=None, image_sha=None,
                             panes=[{"model": "m.gguf", "settings": {}}])
    assert as_path == as_text
