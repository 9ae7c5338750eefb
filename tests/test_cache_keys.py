"""Cache keys: which inputs change a key, which never enter it, and stability across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from playground.cache import keys as cache_keys
from playground.adapters.base import ChatRequest, GenerationSettings, ImageInput
from playground.cache import api_identity, gguf_identity
from playground.cache import derive_key
from playground.cache.keys import key_material

REPO = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fresh_identity_memo():
    cache_keys.clear_identity_memo()
    yield
    cache_keys.clear_identity_memo()


def _key(**overrides) -> str:
    args = dict(
        adapter="gemini",
        model_id="gemini:gemma-4-31b-it",
        identity=api_identity(None, "gemma-4-31b-it"),
        settings=GenerationSettings(),
        request=ChatRequest(prompt="Generate an SVG of a pelican riding a bicycle"),
    )
    args.update(overrides)
    return derive_key(**args)


def test_key_is_64_hex_chars_and_deterministic():
    key = _key()
    assert len(key) == 64 and set(key) <= set("0123456789abcdef"), key
    assert _key() == key


@pytest.mark.parametrize(
    "settings",
    [
        GenerationSettings(seed=1),
        GenerationSettings(seed=2),
        GenerationSettings(thinking=True),
        GenerationSettings(temperature=0.0),
        GenerationSettings(top_p=0.5),
        GenerationSettings(top_k=1),
        GenerationSettings(max_tokens=2048),
        GenerationSettings(min_p=0.05),
    ],
)
def test_every_generation_setting_changes_the_key(settings):
    assert _key(settings=settings) != _key()


def test_every_setting_of_the_table_changes_the_key_away_from_its_neutral_value():
    from playground.settings_table import GENERATION

    for row in GENERATION:
        value = {bool: True, int: 7, float: 0.5}[row.kind]
        assert _key(settings=GenerationSettings(**{row.name: value})) != _key(), row.name


# Keys computed on the code before the settings table (commit 9ec015f, GenerationSettings with
# temperature, top_p, top_k, max_tokens, seed, thinking): every answer cached then must still be
# found. Computed once with that commit's playground/cache/keys.py and pinned here.
KEY_BEFORE_THE_TABLE = {
    "defaults": "50bbe1ee2b146816295f28c7dbaf93ad3dca9637e8e5949426dc9502c9b2541f",
    "chosen": "6823b763a1ff072ffcfd3428a4b494e53bf7c2ed89c82f8daa508493f39800b9",
}
COMPARISON_BEFORE_THE_TABLE = "da6be0b36b00fde231fd7c5484884ea9e46bc8f3f4a4dfc2c53d48dd5d52a190"


def _pinned_key(settings) -> str:
    return derive_key(adapter="gemini", model_id="gemini:gemma-4-31b-it",
                      identity=api_identity("https://generativelanguage.googleapis.com", "gemma-4-31b-it"),
                      settings=settings, request=ChatRequest(prompt="Generate an SVG of a pelican riding a bicycle",
                                                             system="Be brief."))


def test_a_setting_added_at_its_neutral_value_keeps_every_older_key():
    """The table minus min_p (the row added after these keys were made) gives today's key: a
    setting at its neutral value stays out of the key, so adding one orphans no cached answer,
    no History entry and no Restore-then-replay."""
    from playground.settings_table import BY_NAME, keyed_settings

    assert BY_NAME["min_p"].neutral is None and GenerationSettings().min_p is None
    assert _pinned_key(GenerationSettings()) == KEY_BEFORE_THE_TABLE["defaults"]
    chosen = GenerationSettings(temperature=1.0, top_p=0.95, top_k=64, max_tokens=256, seed=7, thinking=True)
    assert _pinned_key(chosen) == KEY_BEFORE_THE_TABLE["chosen"]
    # the key material is the table's settings minus the neutral row, nothing else
    material = key_material(adapter="gemini", model_id="m", identity=api_identity(None, "m"),
                            settings=GenerationSettings(), request=ChatRequest(prompt="p"))
    assert set(material["settings"]) == set(GenerationSettings.model_fields) - {"min_p"}
    assert keyed_settings({"min_p": None, "top_k": 64}) == {"top_k": 64}
    # History's grouping key too (a pane's settings as stored, now with min_p: None)
    assert cache_keys.comparison_key(prompt="p", system=None, image_sha=None, panes=[
        {"model": "gemma-3-270m", "settings": GenerationSettings().model_dump()}]) == COMPARISON_BEFORE_THE_TABLE


def test_seed_values_give_distinct_keys():
    assert _key(settings=GenerationSettings(seed=1)) != _key(settings=GenerationSettings(seed=2))


def test_integer_and_float_temperature_give_the_same_key():
    assert _key(settings=GenerationSettings(temperature=1)) == _key(settings=GenerationSettings(temperature=1.0))


def test_system_prompt_and_prompt_change_the_key():
    base = _key()
    assert _key(request=ChatRequest(prompt="Generate an SVG of a pelican riding a bicycle", system="Be terse")) != base
    assert _key(request=ChatRequest(prompt="Generate an SVG of a pelican riding a bicycle", system="")) != base
    assert _key(request=ChatRequest(prompt="Generate an SVG of a heron")) != base


def test_image_bytes_and_mime_change_the_key():
    prompt = "Describe"
    without = _key(request=ChatRequest(prompt=prompt))
    png = _key(request=ChatRequest(prompt=prompt, image=ImageInput(PNG, "image/png")))
    other = _key(request=ChatRequest(prompt=prompt, image=ImageInput(PNG + b"\x01", "image/png")))
    as_jpeg = _key(request=ChatRequest(prompt=prompt, image=ImageInput(PNG, "image/jpeg")))
    same = _key(request=ChatRequest(prompt=prompt, image=ImageInput(bytes(PNG), "image/png")))
    assert len({without, png, other, as_jpeg}) == 4
    assert same == png


def test_adapter_model_and_endpoint_change_the_key():
    base = _key()
    assert _key(adapter="openai") != base
    assert _key(model_id="gemini:gemma-4-26b-a4b-it") != base
    assert _key(identity=api_identity("http://127.0.0.1:8080/v1", "gemma-4-31b-it")) != base


def test_format_version_changes_the_key(monkeypatch):
    base = _key()
    monkeypatch.setattr(cache_keys, "CACHE_FORMAT_VERSION", cache_keys.CACHE_FORMAT_VERSION + 1)
    assert _key() != base


def _fake_gguf(path: Path, size: int = 9 * 1024 * 1024) -> Path:
    path.write_bytes(b"GGUF" + os.urandom(size - 4))
    return path


def test_gguf_identity_changes_with_mtime_and_size(tmp_path):
    model = _fake_gguf(tmp_path / "m.gguf")
    first = gguf_identity(model)
    assert first["kind"] == "gguf" and first["size"] == model.stat().st_size
    key_first = _key(adapter="llama_local", identity=first)

    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = gguf_identity(model)
    assert touched["mtime_ns"] != first["mtime_ns"]
    assert _key(adapter="llama_local", identity=touched) != key_first

    with open(model, "ab") as handle:
        handle.write(b"more")
    grown = gguf_identity(model)
    assert grown["size"] == first["size"] + 4
    assert _key(adapter="llama_local", identity=grown) not in {key_first, _key(adapter="llama_local", identity=touched)}


def test_gguf_identity_hashes_head_and_tail(tmp_path):
    model = _fake_gguf(tmp_path / "m.gguf")
    stat = model.stat()
    before = gguf_identity(model)["head_tail_sha256"]
    data = bytearray(model.read_bytes())
    data[-1] ^= 0xFF  # same size, same mtime, different last tensor byte
    model.write_bytes(bytes(data))
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    cache_keys.clear_identity_memo()
    assert gguf_identity(model)["head_tail_sha256"] != before


def test_gguf_identity_is_memoized_on_path_size_mtime(tmp_path, monkeypatch):
    model = _fake_gguf(tmp_path / "m.gguf", size=1024)
    calls = []
    real = cache_keys._hash_head_tail
    monkeypatch.setattr(cache_keys, "_hash_head_tail", lambda *a: calls.append(a) or real(*a))
    first = gguf_identity(model)
    assert gguf_identity(str(model)) == first
    assert len(calls) == 1
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5))
    gguf_identity(model)
    assert len(calls) == 2


def test_gguf_identity_of_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        gguf_identity(tmp_path / "missing.gguf")


SECRET = "AIzaSy-THIS-IS-A-SECRET-123"


@pytest.mark.parametrize(
    "endpoint",
    [
        f"https://generativelanguage.example/v1beta?key={SECRET}",
        f"https://user:{SECRET}@api.example/v1/",
        f"https://api.example/v1?api-version=2024&access_token={SECRET}",
        f"https://{SECRET}@api.example/v1",
    ],
)
def test_api_key_never_enters_key_material(endpoint):
    identity = api_identity(endpoint, "gemma-4-31b-it")
    material = key_material(
        adapter="openai",
        model_id="openai:gemma",
        identity=identity,
        settings=GenerationSettings(),
        request=ChatRequest(prompt="hi"),
    )
    text = json.dumps(material)
    assert SECRET not in text
    assert "api.example" in text or "generativelanguage.example" in text


def test_endpoint_credentials_do_not_split_keys():
    plain = api_identity("https://api.example/v1", "m")
    assert api_identity(f"https://api.example/v1/?key={SECRET}", "m") == plain
    assert api_identity("HTTPS://API.EXAMPLE/v1", "m") == plain
    assert api_identity("https://api.example/v1?api-version=2", "m") != plain


@pytest.mark.parametrize("field", ["api_key", "key", "x-goog-api-key", "Authorization", "token"])
def test_identity_with_a_credential_field_is_refused(field):
    with pytest.raises(ValueError, match="credential"):
        _key(identity={"kind": "api", "endpoint": None, "model": "m", field: SECRET})


def test_identity_refuses_nested_credentials():
    with pytest.raises(ValueError, match="credential"):
        _key(identity={"kind": "api", "headers": {"x-api-key": SECRET}})


def test_key_is_identical_in_another_process(tmp_path):
    model = _fake_gguf(tmp_path / "m.gguf", size=2048)
    script = f"""
import json, sys
from playground.adapters.base import ChatRequest, GenerationSettings, ImageInput
from playground.cache import ResponseCache, gguf_identity, api_identity
from playground.cache import derive_key
req = ChatRequest(prompt="Pelican ü", system="sys", image=ImageInput(bytes(range(256)), "image/png"))
s = GenerationSettings(seed=7, thinking=True, temperature=0.3)
print(json.dumps([
    derive_key(adapter="llama_local", model_id="gemma-4-e2b", identity=gguf_identity({str(model)!r}), settings=s, request=req),
    derive_key(adapter="gemini", model_id="g", identity=api_identity("https://x.example/v1", "g"), settings=s, request=req),
]))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    theirs = json.loads(out.stdout)
    req = ChatRequest(prompt="Pelican ü", system="sys", image=ImageInput(bytes(range(256)), "image/png"))
    s = GenerationSettings(seed=7, thinking=True, temperature=0.3)
    ours = [
        derive_key(adapter="llama_local", model_id="gemma-4-e2b", identity=gguf_identity(model), settings=s, request=req),
        derive_key(adapter="gemini", model_id="g", identity=api_identity("https://x.example/v1", "g"), settings=s, request=req),
    ]
    assert theirs == ours
