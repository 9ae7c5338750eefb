"""The headless CLI: the `compare --json` contract, bad input, and no gradio on that path."""

import json
import subprocess
import sys

import pytest

from playground.cli import main

from playground.result import METRICS  # noqa: E402

METRIC_KEYS = {m.name for m in METRICS}  # the metrics table: every row is in the JSON


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.slow
def test_compare_json_contract_on_two_panes():
    proc = run_cli("compare", "Say hello to a pelican.", "-m", "gemma-3-270m", "-m", "gemma-3-270m",
                   "--temperature", "0", "--max-tokens", "20", "--seed", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["prompt"] == "Say hello to a pelican."
    assert len(data["panes"]) == 2
    for pane in data["panes"]:
        assert {"model", "source", "settings", "text", "thinking", "finish_reason", "error",
                "metrics", "cached", "svgs"} <= set(pane)
        assert pane["model"] == "gemma-3-270m" and pane["source"] == "local"
        assert pane["settings"]["temperature"] == 0 and pane["settings"]["max_tokens"] == 20
        assert set(pane["metrics"]) == METRIC_KEYS
        assert pane["text"] and pane["error"] is None and pane["finish_reason"] in ("stop", "length")
    # same prompt and settings: the second run replays from the cache
    again = json.loads(run_cli("compare", "Say hello to a pelican.", "-m", "gemma-3-270m",
                               "--temperature", "0", "--max-tokens", "20", "--seed", "1", "--json").stdout)
    assert again["panes"][0]["cached"] is True
    assert again["panes"][0]["text"] == data["panes"][0]["text"]


@pytest.mark.slow
def test_compare_human_output_shows_metrics():
    proc = run_cli("compare", "Hi", "-m", "gemma-3-270m", "--max-tokens", "8", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert "=== gemma-3-270m (local)" in proc.stdout and "tok/s" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["compare", "hi", "-m", "no-such-model"], "unknown model 'no-such-model'"),
    (["compare", "   ", "-m", "gemma-3-270m"], "the prompt is empty"),
    (["compare", "hi", "-m", "gemma-3-270m", "--temperature", "9"], "--temperature"),
    (["compare", "hi", "-m", "gemma-3-270m", "--max-tokens", "0"], "--max-tokens"),
    (["compare", "hi", "-m", "gemma-3-270m", "--image", "/nonexistent.png"], "image not found"),
])
def test_bad_input_exits_non_zero_with_what_to_fix(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_non_image_upload_is_refused(tmp_path, capsys):
    fake = tmp_path / "cat.png"
    fake.write_text("<html>not an image</html>")
    assert main(["compare", "hi", "-m", "gemma-3-270m", "--image", str(fake)]) == 2
    assert "is not a PNG, JPEG, WebP or GIF image" in capsys.readouterr().err


def test_malformed_config_is_reported_with_line(tmp_path, capsys):
    bad = tmp_path / "c.toml"
    bad.write_text("[defaults]\ntemperature = 5\n")
    assert main(["compare", "hi", "-m", "gemma-3-270m", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "defaults.temperature" in err


def test_compare_path_does_not_import_gradio():
    code = ("import sys; from playground.cli import main\n"
            "try:\n    main(['compare', '--help'])\nexcept SystemExit:\n    pass\n"
            "main(['compare', 'x', '-m', 'nope'])\n"
            "print('gradio' in sys.modules, 'llama_cpp' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "False False"


def test_models_lists_every_model_with_why_not(capsys):
    assert main(["models", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["gemma-3-270m"]["ready"] is True
    assert rows["gemma-4-e4b"]["ready"] is False and "not downloaded" in rows["gemma-4-e4b"]["status"]
    assert rows["gemini:gemma-4-31b-it"]["status"] == "set GEMINI_API_KEY to use the Gemini API"


def test_download_offline_fails_with_a_sentence(capsys):
    assert main(["download", "gemma-4-e2b"]) == 1
    err = capsys.readouterr().err
    assert "cannot download unsloth/gemma-4-E2B-it-GGUF" in err


def test_download_refuses_the_bundled_model(capsys):
    assert main(["download", "gemma-3-270m"]) == 1
    assert "nothing to download" in capsys.readouterr().err


@pytest.mark.slow  # a process that waits through huggingface_hub's 5 retries (~23 s of backoff)
def test_download_with_the_hub_unreachable_names_the_cause(monkeypatch, capsys):
    """The real huggingface-hub code path, up to the network edge: a closed loopback port."""
    from conftest import free_port

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    code = ("import sys; from playground.cli import main; sys.exit(main(['download', 'gemma-4-e2b']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "cannot download unsloth/gemma-4-E2B-it-GGUF/gemma-4-E2B-it-Q4_K_M.gguf" in proc.stderr
