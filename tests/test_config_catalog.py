"""Catalog resolution, discovery, availability reasons and config-file errors."""

from pathlib import Path

import pytest

from playground.catalog import Catalog, UnknownModel
from scripted import availability
from playground.config import AppConfig, ConfigError, load_config, parse_config


def test_presets_carry_gemma4_facts_and_sources():
    catalog = Catalog(AppConfig(), scan_disk=False)
    for model_id in ("gemma-4-e2b", "gemma-4-e4b", "gemma-4-26b-a4b", "gemma-4-31b"):
        spec = catalog.resolve(model_id)
        assert spec.entry.vision and spec.entry.context_length
        assert spec.entry.repo and spec.entry.file and spec.entry.mmproj
    assert catalog.resolve("gemma-4-31b").entry.api_model == "gemma-4-31b-it"
    assert "3.8B active" in catalog.resolve("gemma-4-26b-a4b").facts()
    e4b = catalog.resolve("gemma-4-e4b").facts()
    assert "effective" in e4b and "total" in e4b


def test_bundled_model_is_labelled_as_a_stand_in_and_ready(tiny_gguf):
    spec = Catalog(AppConfig(), scan_disk=False).resolve("gemma-3-270m")
    assert "not Gemma 4" in spec.label
    assert spec.path == tiny_gguf
    assert availability(spec, gemini_key_present=False) == (True, "ready")


def test_missing_preset_says_not_downloaded_with_size_and_command():
    spec = Catalog(AppConfig(), scan_disk=False).resolve("gemma-4-e4b")
    ok, reason = availability(spec, gemini_key_present=False)
    assert not ok
    assert "not downloaded" in reason and "GB" in reason and "gemma-playground download gemma-4-e4b" in reason


def test_gemini_without_key_says_set_the_variable():
    spec = Catalog(AppConfig(), scan_disk=False).resolve("gemini:gemma-4-31b-it")
    assert availability(spec, gemini_key_present=False) == (False, "set GEMINI_API_KEY to use the Gemini API")
    assert availability(spec, gemini_key_present=True)[0]


def test_any_gemini_id_and_gguf_path_resolve(tmp_path):
    catalog = Catalog(AppConfig(), scan_disk=False)
    assert catalog.resolve("gemini:some-new-model").entry.api_model == "some-new-model"
    gguf = tmp_path / "my-gemma-4-e2b-q8.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 16)
    spec = catalog.resolve(str(gguf))
    assert spec.path == gguf and spec.entry.family == "gemma4"


def test_unknown_model_names_close_matches():
    with pytest.raises(UnknownModel, match="Did you mean: gemma-4-e2b"):
        Catalog(AppConfig(), scan_disk=False).resolve("e2b")


def test_models_dir_discovery_finds_ggufs_but_not_projectors(tmp_path):
    (tmp_path / "models" / "sub").mkdir(parents=True)
    (tmp_path / "models" / "sub" / "Gemma-3-1B-it-Q4.gguf").write_bytes(b"GGUF")
    (tmp_path / "models" / "sub" / "mmproj-F16.gguf").write_bytes(b"GGUF")
    catalog = Catalog(AppConfig(), models_dirs=[str(tmp_path / "models")])
    assert "gemma-3-1b-it-q4" in catalog.ids()
    assert not any("mmproj" in i for i in catalog.ids())
    assert catalog.resolve("gemma-3-1b-it-q4").entry.family == "gemma3"


def test_config_adds_models_and_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[defaults]\ntemperature = 0.2\n\n[models.box-31b]\nkind = "openai"\n'
                    'base_url = "http://127.0.0.1:9/v1"\nmodel = "gemma-4-31b"\n')
    config = load_config(path)
    assert config.defaults.temperature == 0.2
    spec = Catalog(config, scan_disk=False).resolve("box-31b")
    assert spec.kind == "openai" and spec.entry.base_url.endswith("/v1")


def test_malformed_config_names_file_line_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[defaults]\ntemperature = 0.5\ntop_k = "many"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message and "line 3" in message and "defaults.top_k" in message


def test_config_syntax_error_and_unknown_key_are_reported():
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("temperature = = 1", "x.toml")
    with pytest.raises(ConfigError, match="key 'tempreature'"):
        parse_config("tempreature = 1", "x.toml")


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_config_named_by_the_variable_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", str(missing))
    with pytest.raises(ConfigError) as err:
        load_config()
    assert str(missing) in str(err.value) and "GEMMA_PLAYGROUND_CONFIG" in str(err.value)


def test_missing_default_config_is_fine():
    assert load_config() == AppConfig()


def test_empty_config_variable_means_the_default_config(monkeypatch):
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", "")
    assert load_config() == AppConfig()


def test_cli_exits_2_naming_the_missing_config_and_the_flag(tmp_path, capsys):
    from playground.cli import main

    missing = tmp_path / "nope.toml"
    assert main(["models", "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "--config" in err and "Traceback" not in err


def test_cli_exits_2_naming_the_missing_config_and_the_variable(tmp_path, monkeypatch, capsys):
    from playground.cli import main

    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", str(missing))
    assert main(["compare", "hi", "-m", "gemma-3-270m"]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "GEMMA_PLAYGROUND_CONFIG" in err


def test_toml_nested_5000_deep_is_a_sentence_not_a_recursion_error():
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(ConfigError, match="x.toml: nested too deeply"):
        parse_config(deep, "x.toml")


def test_inline_tables_nested_5000_deep_are_a_sentence():
    deep = "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_config(deep, "x.toml")


def test_recursion_during_validation_is_a_sentence(monkeypatch):
    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(AppConfig, "model_validate", too_deep)
    with pytest.raises(ConfigError, match="x.toml: nested too deeply"):
        parse_config("n_ctx = 4096", "x.toml")


def test_cli_reports_a_too_deep_config_with_exit_2(tmp_path, capsys):
    from playground.cli import main

    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["models", "--config", str(deep)]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_overriding_a_preset_keeps_the_keys_it_does_not_set():
    config = parse_config('[models.gemma-4-e4b]\nfile = "gemma-4-E4B-it-Q8_0.gguf"\n', "c.toml")
    entry = Catalog(config, scan_disk=False).entries["gemma-4-e4b"]
    assert entry.file == "gemma-4-E4B-it-Q8_0.gguf"
    assert entry.repo == "ggml-org/gemma-4-E4B-it-GGUF" and entry.label == "Gemma 4 E4B" and entry.vision


def test_a_preset_redefined_as_another_kind_is_replaced():
    config = parse_config('[models.gemma-4-31b]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n', "c.toml")
    entry = Catalog(config, scan_disk=False).entries["gemma-4-31b"]
    assert entry.kind == "openai" and entry.repo is None


def test_preset_sampling_in_the_config_is_validated():
    with pytest.raises(ConfigError, match="models.gemma-4-e4b.sampling.temperature"):
        parse_config("[models.gemma-4-e4b.sampling]\ntemperature = 7\n", "c.toml")
