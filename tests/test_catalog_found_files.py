"""Found files join their model: a GGUF on disk that is a preset's model (any quantization) makes
that preset ready, lists every quantization, loads the right one, and shows that file's facts."""

import json

import pytest

from catalog_ggufs import lmstudio_dir, write_gguf  # noqa: F401  (fixture)
from playground.catalog import Catalog, UnknownModel
from scripted import availability
from playground.config import AppConfig
from playground.runtime import Runtime

E4B_IT = {"general__basename": "gemma-4", "general__size_label": "E4B", "general__finetune": "it"}


def catalog(**config) -> Catalog:
    return Catalog(AppConfig(**config))


def test_found_quantization_makes_the_preset_ready(lmstudio_dir):
    q8 = write_gguf(lmstudio_dir / "lmstudio-community" / "gemma-4-E4B-it-GGUF" / "gemma-4-E4B-it-Q8_0.gguf")
    spec = catalog().resolve("gemma-4-e4b")
    assert spec.path == q8
    assert availability(spec, gemini_key_present=False) == (True, "ready")


def test_found_file_of_a_preset_is_not_listed_as_a_separate_entry(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    ids = catalog().ids()
    assert "gemma-4-e4b-it-q8_0" not in ids and "gemma-4-e4b" in ids


def test_file_is_identified_by_its_metadata_when_its_name_says_nothing(lmstudio_dir):
    odd = write_gguf(lmstudio_dir / "my-favourite-model.gguf", general__file_type=7, **E4B_IT)
    spec = catalog().resolve("gemma-4-e4b")
    assert spec.path == odd and spec.quant == "Q8_0"


def test_file_is_identified_by_general_name_when_the_size_label_was_guessed(lmstudio_dir):
    # converters guess a size label from parameter counts: E4B may become "7.5B"
    odd = write_gguf(lmstudio_dir / "model-q8.gguf", general__basename="gemma-4", general__size_label="7.5B",
                     general__name="Gemma 4 E4B It", general__file_type=7)
    assert catalog().resolve("gemma-4-e4b").path == odd


def test_facts_come_from_the_file_it_will_load(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", pad_bytes=2_000_000)
    facts = catalog().resolve("gemma-4-e4b").facts()
    assert "Q8_0" in facts and "Q4_K_M" not in facts
    assert "2.0 MB" in facts and "≈5.3 GB" not in facts  # the real file's size, not the preset's download
    assert "effective" in facts  # parameter counts still come from the preset: it is that model


def test_every_quantization_found_is_listed(lmstudio_dir):
    write_gguf(lmstudio_dir / "a" / "gemma-4-E4B-it-Q8_0.gguf")
    write_gguf(lmstudio_dir / "b" / "gemma-4-E4B-it-Q4_0.gguf")
    quants = {o.quant for o in catalog().resolve("gemma-4-e4b").quants}
    assert quants == {"Q8_0", "Q4_0"}


def test_the_presets_own_file_is_the_default_when_present(lmstudio_dir):
    own = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q4_K_M.gguf")
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", pad_bytes=100_000)
    spec = catalog().resolve("gemma-4-e4b")
    assert spec.path == own and spec.quant == "Q4_K_M"
    assert [o.quant for o in spec.quants] == ["Q4_K_M", "Q8_0"]


def test_without_its_own_file_the_largest_that_fits_in_memory_is_the_default(lmstudio_dir, monkeypatch):
    small = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q4_0.gguf", pad_bytes=1_000_000)
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", pad_bytes=40_000_000)
    # the loader's own estimate: file × 1.1 + n_ctx × 64 KiB + 300 MiB; room for the small file only
    n_ctx = 256
    room = int(small.stat().st_size * 1.1 + n_ctx * 64 * 1024 + 300 * 1024**2) + 1_000_000
    monkeypatch.setattr("playground.adapters.llama_pool.available_memory_bytes", lambda: room)
    assert catalog(n_ctx=n_ctx).resolve("gemma-4-e4b").path == small


def test_when_every_file_fits_the_largest_is_the_default(lmstudio_dir, monkeypatch):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q4_0.gguf", pad_bytes=1_000_000)
    big = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", pad_bytes=3_000_000)
    monkeypatch.setattr("playground.adapters.llama_pool.available_memory_bytes", lambda: 64 * 1024**3)
    assert catalog().resolve("gemma-4-e4b").path == big


def test_when_no_file_fits_the_smallest_is_the_default(lmstudio_dir, monkeypatch):
    small = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q4_0.gguf", pad_bytes=1_000_000)
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf", pad_bytes=3_000_000)
    monkeypatch.setattr("playground.adapters.llama_pool.available_memory_bytes", lambda: 1024)
    assert catalog().resolve("gemma-4-e4b").path == small


def test_a_quantization_is_picked_with_an_at_suffix(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q4_K_M.gguf")
    q8 = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    spec = catalog().resolve("gemma-4-e4b@q8_0")
    assert spec.path == q8 and spec.quant == "Q8_0" and "Q8_0" in spec.facts()
    assert spec.id == "gemma-4-e4b@q8_0" and spec.base_id == "gemma-4-e4b"


def test_an_unknown_quantization_names_the_ones_found(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    with pytest.raises(UnknownModel, match=r"no Q5_K_M file of gemma-4-e4b was found \(found: Q8_0\)"):
        catalog().resolve("gemma-4-e4b@Q5_K_M")


def test_a_base_model_file_does_not_join_the_instruction_tuned_preset(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-Q8_0.gguf")  # no "-it": the pretrained model
    cat = catalog()
    assert cat.resolve("gemma-4-e4b").path is None
    assert "gemma-4-e4b-q8_0" in cat.ids()


def test_the_projector_next_to_a_found_file_is_used(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    projector = write_gguf(lmstudio_dir / "mmproj-gemma-4-E4B-it-F16.gguf", arch="clip")
    spec = catalog().resolve("gemma-4-e4b")
    assert spec.mmproj_path == projector and spec.entry.vision


def test_a_found_file_without_a_projector_does_not_claim_vision(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    spec = catalog().resolve("gemma-4-e4b")
    assert spec.mmproj_path is None and not spec.entry.vision


def test_a_file_of_no_preset_gets_its_facts_from_its_metadata(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-3-1b-it-Q4_K_M.gguf", arch="gemma3", general__size_label="1B",
               general__file_type=15, **{"gemma3__context_length": 32768})
    spec = catalog().resolve("gemma-3-1b-it-q4_k_m")
    assert spec.entry.family == "gemma3" and spec.entry.context_length == 32768
    assert "1B params" in spec.facts() and "Q4_K_M" in spec.facts()


def test_an_unreadable_gguf_is_still_listed_so_loading_can_say_why(lmstudio_dir):
    (lmstudio_dir / "broken-model.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")  # header cut short
    assert "broken-model" in catalog().ids()


def test_model_statuses_offer_each_quantization_as_a_choice(lmstudio_dir):
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q4_0.gguf")
    config = AppConfig()
    runtime = Runtime(config, Catalog(config))
    try:
        rows = {spec.id: (ok, spec.label) for spec, ok, _ in runtime.model_statuses()}
    finally:
        runtime.close()
    assert rows["gemma-4-e4b@Q8_0"] == (True, "Gemma 4 E4B · Q8_0")
    assert rows["gemma-4-e4b@Q4_0"][0] is True


def test_models_json_lists_the_quantizations_found(tmp_path, lmstudio_dir, capsys):
    from playground.cli import main

    folder = tmp_path / "models"
    write_gguf(folder / "gemma-4-E4B-it-Q8_0.gguf")
    assert main(["models", "--json", "--models-dir", str(folder)]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    e4b = rows["gemma-4-e4b"]
    assert e4b["ready"] is True and e4b["quant"] == "Q8_0"
    assert e4b["quantizations"] == [{"quant": "Q8_0", "path": str(folder / "gemma-4-E4B-it-Q8_0.gguf"),
                                     "size_gb": 0.0, "own": False, "default": True}]


def test_a_config_pointing_the_preset_at_another_file_shows_that_files_quantization(lmstudio_dir):
    from playground.config import parse_config

    q8 = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    config = parse_config('[models.gemma-4-e4b]\nfile = "gemma-4-E4B-it-Q8_0.gguf"\n', "c.toml")
    spec = Catalog(config).resolve("gemma-4-e4b")
    assert spec.path == q8 and spec.quant == "Q8_0" and "Q8_0" in spec.facts() and "Q4_K_M" not in spec.facts()


def test_the_id_a_found_file_had_before_it_joined_still_resolves_to_it(lmstudio_dir):
    q8 = write_gguf(lmstudio_dir / "gemma-4-E4B-it-Q8_0.gguf")
    spec = catalog().resolve("gemma-4-e4b-it-q8_0")  # older links and History entries name it so
    assert spec.path == q8 and spec.id == "gemma-4-e4b@Q8_0"
