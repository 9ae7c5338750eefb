"""Catalog.resolve on odd names: source prefixes win over paths, non-text names give a sentence."""

import pytest

from playground.catalog import Catalog, UnknownModel
from scripted import availability
from playground.config import AppConfig


@pytest.fixture
def catalog():
    return Catalog(AppConfig(), openai_base_url="http://127.0.0.1:9/v1", scan_disk=False)


def test_openai_model_id_with_a_slash_is_a_server_model_not_a_path(catalog):
    spec = catalog.resolve("openai:google/gemma-4-31b-it")
    assert spec.kind == "openai" and spec.entry.model == "google/gemma-4-31b-it"
    assert availability(spec, gemini_key_present=False) == (True, "ready")


def test_openai_model_id_ending_in_gguf_is_still_a_server_model(catalog):
    spec = catalog.resolve("openai:lmstudio-community/gemma-4-E4B-it-Q8_0.gguf")
    assert spec.kind == "openai" and spec.entry.model.endswith("Q8_0.gguf")


def test_gemini_model_id_with_a_slash_is_an_api_model(catalog):
    spec = catalog.resolve("gemini:models/gemma-4-31b-it")
    assert spec.kind == "gemini" and spec.entry.api_model == "models/gemma-4-31b-it"


def test_a_slash_name_without_prefix_suggests_the_openai_prefix(catalog):
    with pytest.raises(UnknownModel, match="write openai:google/gemma-4-31b-it"):
        catalog.resolve("google/gemma-4-31b-it")


@pytest.mark.parametrize("value, word", [
    (["gemma-3-270m"], "a list"), ({"id": "gemma-3-270m"}, "an object"), (None, "nothing"), (3, "a number"),
])
def test_a_model_that_is_not_text_is_refused_with_a_sentence(catalog, value, word):
    with pytest.raises(UnknownModel, match=f"a model is named by text .* not by {word}"):
        catalog.resolve(value)


def test_a_non_text_model_fails_its_pane_with_the_sentence(runtime):
    from playground.adapters.base import ChatRequest
    from playground.runner import PaneRequest, run_comparison

    [result] = run_comparison(runtime, ChatRequest(prompt="hi"), [PaneRequest(["gemma-3-270m"])], use_cache=False)
    assert result.error.startswith("a model is named by text")


def test_an_unknown_name_is_shortened_in_the_message(catalog):
    with pytest.raises(UnknownModel) as err:
        catalog.resolve("x" * 4000)
    assert len(str(err.value)) < 400


def test_a_name_longer_than_any_path_is_refused_with_a_sentence(catalog):
    with pytest.raises(UnknownModel, match="100,002 characters is too long"):
        catalog.resolve("a/" + "x" * 100_000)


def test_a_path_too_long_for_the_system_is_not_found_not_an_os_error(catalog):
    spec = catalog.resolve("a/" + "x" * 4000 + ".gguf")  # over NAME_MAX: stat() raises ENAMETOOLONG
    assert availability(spec, gemini_key_present=False)[0] is False


@pytest.mark.parametrize("name", ["gemma-3-270m\x00", "a\x00b/c.gguf", "gemma\n3"])
def test_a_name_with_control_characters_is_refused_with_a_sentence(catalog, name):
    with pytest.raises(UnknownModel, match="cannot contain control characters"):
        catalog.resolve(name)


def test_a_quantization_suffix_on_an_api_model_is_refused():
    from playground.config import parse_config

    config = parse_config('[models.box]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n', "c.toml")
    with pytest.raises(UnknownModel, match="box is not a local model"):
        Catalog(config, scan_disk=False).resolve("box@Q8_0")
