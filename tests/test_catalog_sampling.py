"""The model's own sampling defaults: presets carry the model card's values, a GGUF's
general.sampling.* wins over the preset, and the user's explicit values win over both."""

import json

import pytest

from catalog_ggufs import lmstudio_dir, write_gguf  # noqa: F401  (fixture)
from playground.catalog import Catalog
from playground.config import AppConfig, parse_config

CARD = {"temperature": 1.0, "top_p": 0.95, "top_k": 64}


def catalog(config: AppConfig | None = None, **kwargs) -> Catalog:
    return Catalog(config or AppConfig(), **kwargs)


@pytest.mark.parametrize("model_id", ["gemma-4-e2b", "gemma-4-e4b", "gemma-4-26b-a4b", "gemma-4-31b",
                                      "gemini:gemma-4-26b-a4b-it", "gemini:gemma-4-31b-it"])
def test_gemma4_presets_recommend_the_model_cards_sampling(model_id):
    cat = catalog(scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve(model_id))
    assert defaults.values() == CARD and defaults.source == "preset"


def test_the_bundled_gemma3_uses_gemma3s_recommended_sampling(tiny_gguf):
    cat = catalog(scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve("gemma-3-270m"))
    # its GGUF has no general.sampling.* keys, so the preset's values hold
    assert defaults.values() == CARD and defaults.source == "preset"


def test_gguf_sampling_metadata_wins_over_the_preset(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", general__sampling__temp=0.6)
    cat = catalog()
    defaults = cat.sampling_defaults(cat.resolve("gemma-4-e4b"))
    assert defaults.temperature == 0.6 and defaults.sources["temperature"] == "gguf"
    assert "gemma-4-E4B-it-Q8_0.gguf metadata" == defaults.origins["temperature"]
    assert (defaults.top_p, defaults.top_k) == (0.95, 64)  # not in the file: the preset's
    assert defaults.source == "gguf"


def test_gguf_sampling_outside_the_apps_bounds_is_ignored(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", general__sampling__temp=9.0,
               general__sampling__top_p=1.5)
    cat = catalog()
    assert cat.sampling_defaults(cat.resolve("gemma-4-e4b")).values() == CARD


def test_a_gguf_path_of_no_preset_uses_its_own_metadata(tmp_path):
    path = write_gguf(tmp_path / "mystery.gguf", arch="llama", general__sampling__temp=0.3,
                      general__sampling__top_k=20)
    cat = catalog(scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve(str(path)))
    assert (defaults.temperature, defaults.top_k, defaults.top_p) == (0.3, 20, 0.95)
    assert defaults.sources == {"temperature": "gguf", "top_p": "app", "top_k": "gguf"}


def test_a_server_model_named_like_a_gemma4_model_shares_its_presets_sampling():
    cat = catalog(openai_base_url="http://127.0.0.1:9/v1", scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve("openai:google/gemma-4-31b-it"))
    assert defaults.values() == CARD and defaults.origins["temperature"] == "preset gemma-4-31b"


def test_an_unknown_server_model_uses_the_apps_defaults():
    cat = catalog(openai_base_url="http://127.0.0.1:9/v1", scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve("openai:qwen3-8b"))
    assert defaults.source == "app" and defaults.temperature == 0.7


def test_config_defaults_the_user_wrote_win_over_model_defaults():
    cat = catalog(parse_config("[defaults]\ntemperature = 0.2\n", "c.toml"), scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve("gemma-4-e4b"))
    assert defaults.temperature == 0.2 and defaults.sources["temperature"] == "config"
    assert defaults.top_k == 64 and defaults.sources["top_k"] == "preset"


def test_config_defaults_the_user_did_not_write_leave_model_defaults():
    cat = catalog(parse_config("[defaults]\nmax_tokens = 200\n", "c.toml"), scan_disk=False)
    assert cat.settings_for(cat.resolve("gemma-4-e4b")).model_dump() == CARD | {
        "max_tokens": 200, "seed": None, "thinking": False, "min_p": None}


def test_a_models_sampling_in_the_config_wins_over_its_gguf(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", general__sampling__temp=0.6)
    config = parse_config("[models.gemma-4-e4b.sampling]\ntemperature = 0.4\n", "c.toml")
    cat = catalog(config)
    defaults = cat.sampling_defaults(cat.resolve("gemma-4-e4b"))
    assert defaults.temperature == 0.4 and defaults.origins["temperature"] == "config [models.gemma-4-e4b.sampling]"


def test_explicit_values_win_over_every_default(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", general__sampling__temp=0.6)
    cat = catalog(parse_config("[defaults]\ntop_k = 10\n", "c.toml"))
    settings = cat.settings_for(cat.resolve("gemma-4-e4b"), {"temperature": 0.0, "top_k": 5, "seed": None})
    assert (settings.temperature, settings.top_k, settings.top_p, settings.seed) == (0.0, 5, 0.95, None)


def test_a_bad_explicit_value_is_a_validation_error_naming_the_field():
    from pydantic import ValidationError

    cat = catalog(scan_disk=False)
    with pytest.raises(ValidationError, match="temperature"):
        cat.settings_for(cat.resolve("gemma-4-e4b"), {"temperature": 5})


def test_a_cli_flag_for_the_loader_keeps_the_config_defaults_unwritten(tmp_path, capsys):
    from playground.cli import main

    assert main(["models", "--json", "--n-ctx", "2048"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["gemma-4-e4b"]["sampling"]["source"] == "preset"


def test_models_json_lists_each_models_sampling_and_where_it_comes_from(capsys):
    from playground.cli import main

    assert main(["models", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    sampling = rows["gemini:gemma-4-31b-it"]["sampling"]
    assert {k: sampling[k] for k in CARD} == CARD
    assert sampling["source"] == "preset" and sampling["origins"]["top_k"] == "preset gemini:gemma-4-31b-it"


@pytest.fixture
def captured_panes(monkeypatch):
    """compare up to the runner: the panes it would run (their settings are the cache key's)."""
    seen = []

    class NoRun:
        def __init__(self, runtime, request, panes, use_cache=True):
            seen.extend(panes)

        def start(self):
            return self

        def wait(self):
            return []

        wait_by_pane = wait

    monkeypatch.setattr("playground.runner.Comparison", NoRun)
    return seen


def test_compare_without_sampling_flags_uses_each_models_defaults(captured_panes):
    from playground.cli import main

    assert main(["compare", "hi", "-m", "gemma-4-e4b", "-m", "openai:qwen3", "--openai-base-url",
                 "http://127.0.0.1:9/v1", "--no-cache"]) == 0
    assert captured_panes[0].settings.temperature == 1.0 and captured_panes[0].settings.top_k == 64
    assert captured_panes[1].settings.temperature == 0.7


def test_compare_sampling_flags_are_explicit_values(captured_panes):
    from playground.cli import main

    assert main(["compare", "hi", "-m", "gemma-4-e4b", "--temperature", "0.2", "--top-k", "7", "--no-cache"]) == 0
    settings = captured_panes[0].settings
    assert (settings.temperature, settings.top_k, settings.top_p) == (0.2, 7, 0.95)


def test_an_empty_field_is_described_as_the_models_default():
    cat = catalog(scan_disk=False)
    defaults = cat.sampling_defaults(cat.resolve("gemma-4-e4b"))
    assert defaults.hint("temperature") == "model default (1.0)" and defaults.hint("top_p") == "model default (0.95)"
