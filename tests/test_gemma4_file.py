"""What a Gemma 4 file says about itself, on the tiny gemma4 GGUF (tests/fixtures/tiny_gemma4.py):
facts and sampling from its metadata whatever its name, the preset it makes ready with its
projector, and `compare` end to end on it through the CLI.
"""

from __future__ import annotations

import json
import os

import pytest

from support.gemma4 import engine_script, tiny_gemma4  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def test_a_gemma4_file_under_any_name_is_known_by_its_metadata(tiny_gemma4, tmp_path):
    """Facts and sampling come from the file's own metadata (general.basename/size_label/
    finetune say gemma-4 E2B it; general.file_type says F16; general.sampling.* say 1.0/0.95/64),
    not from its name."""
    import shutil

    from playground.catalog import Catalog
    from playground.config import AppConfig

    renamed = tmp_path / "model.gguf"
    shutil.copyfile(tiny_gemma4.model, renamed)
    catalog = Catalog(AppConfig(), scan_disk=False)
    spec = catalog.resolve(str(renamed))
    assert spec.entry.family == "gemma4"
    assert spec.preset_id == "gemma-4-e2b"
    assert spec.quant == "F16" and "F16" in spec.facts()
    assert catalog.sampling_defaults(spec).values() == {"temperature": 1.0, "top_p": 0.95, "top_k": 64}


def test_a_found_gemma4_file_makes_its_preset_ready_with_its_projector(tiny_gemma4):
    from playground.catalog import Catalog
    from playground.config import AppConfig

    catalog = Catalog(AppConfig(models_dirs=[str(tiny_gemma4.model.parent)]), scan_disk=True)
    spec = catalog.resolve("gemma-4-e2b")
    assert (spec.path, spec.mmproj_path) == (tiny_gemma4.model, tiny_gemma4.mmproj)
    assert "F16" in spec.facts() and "vision" in spec.facts()


def test_compare_runs_the_tiny_gemma4_end_to_end_with_n_gpu_layers(tiny_gemma4, engine_script, monkeypatch, capsys):
    """`compare -m FILE.gguf --n-gpu-layers -1`: the CLI, catalog, runtime, pool and adapter on a
    real Gemma 4 file; the file's own sampling is used and the request shows the prompt."""
    from playground.cli import main

    loaded = engine_script.with_name("loaded.json")
    monkeypatch.setenv("GP_ENGINE_LOADED", str(loaded))  # the hook writes what the engine loaded
    status = main(["compare", "Say hi", "-m", str(tiny_gemma4.model), "--n-gpu-layers", "-1",
                   "--n-ctx", "512", "--max-tokens", "6", "--seed", "3", "--thinking", "--json",
                   "--no-cache"])
    assert status == 0
    made = json.loads(loaded.read_text())
    assert made["n_gpu_layers"] == 2**31 - 1 and made["n_ctx"] == 512 and made["pid"] != os.getpid()
    (pane,) = json.loads(capsys.readouterr().out)["panes"]
    assert pane["error"] is None and pane["finish_reason"] in ("stop", "length")
    assert pane["settings"] | {"temperature": 1.0, "top_p": 0.95, "top_k": 64} == pane["settings"]
    assert pane["request"]["prompt"] == ("<bos><|turn>system\n<|think|><turn|>\n<|turn>user\n"
                                         "Say hi<turn|>\n<|turn>model\n")
    assert pane["metrics"]["prompt_tokens"] == pane["request"]["prompt_tokens"]
