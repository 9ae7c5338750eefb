"""`gemma-playground cache stats|clear|path` through cache_main."""

from __future__ import annotations

import json

import pytest

from playground.cache import ResponseCache
from playground.cache.cli import main as cache_main
from playground.result import PaneResult



@pytest.fixture
def filled(tmp_path):
    directory = tmp_path / "cache"
    with ResponseCache(directory) as cache:
        for key in ("a" * 64, "b" * 64):
            cache.add_sample(key, PaneResult(model="m", source="local", settings={}, text="hi", finish_reason="stop"))
        cache.add_sample("a" * 64, PaneResult(model="m", source="local", settings={}, text="2", finish_reason="stop"))
        cache.record_comparison(prompt="p", system=None, image_sha=None, panes=[{"key": "a" * 64, "sample": 1}])
    return directory


def test_path_prints_the_default_directory(tmp_path, capsys):
    assert cache_main(["path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()  # path does not create anything


def test_path_json_with_explicit_dir(tmp_path, capsys):
    assert cache_main(["path", "--cache-dir", str(tmp_path / "x"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"directory": str(tmp_path / "x")}


def test_stats_json(filled, capsys):
    assert cache_main(["stats", "--cache-dir", str(filled), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"] == 2 and stats["samples"] == 3 and stats["comparisons"] == 1
    assert stats["directory"] == str(filled) and stats["size_bytes"] > 0


def test_stats_text(filled, capsys):
    assert cache_main(["stats", "--cache-dir", str(filled)]) == 0
    out = capsys.readouterr().out
    assert str(filled) in out
    assert "3 samples for 2 distinct requests" in out
    assert "1 in history" in out
    assert "of 2.0 GB" in out


def test_clear_empties_the_cache(filled, capsys):
    assert cache_main(["clear", "--cache-dir", str(filled)]) == 0
    assert "Cleared 3 cached answers and 1 comparisons" in capsys.readouterr().out
    assert cache_main(["stats", "--cache-dir", str(filled), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["entries"], stats["samples"], stats["comparisons"]) == (0, 0, 0)


def test_clear_json(filled, capsys):
    assert cache_main(["clear", "--cache-dir", str(filled), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cleared"] is True


def test_unusable_directory_exits_1_with_the_reason(tmp_path, capsys):
    bad = tmp_path / "file"
    bad.write_text("x")
    assert cache_main(["stats", "--cache-dir", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "not a directory" in err
    assert cache_main(["stats", "--cache-dir", str(bad), "--json"]) == 1
    assert "not a directory" in json.loads(capsys.readouterr().out)["error"]


def test_bad_arguments_exit_2_without_raising(capsys):
    assert cache_main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert cache_main([]) == 2


def test_help_exits_0(capsys):
    assert cache_main(["--help"]) == 0
    assert "stats" in capsys.readouterr().out


def test_cache_commands_use_the_configs_cache_dir(tmp_path, capsys):
    from playground.cache.cli import main

    folder = tmp_path / "from-config"
    config = tmp_path / "config.toml"
    config.write_text(f'cache_dir = "{folder}"\n')
    assert main(["path", "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == str(folder)


def test_history_max_in_the_config_keeps_only_the_newest(tmp_path):
    from playground.cache import ResponseCache

    cache = ResponseCache(tmp_path / "c", history_max=2)
    for i in range(3):
        cache.record_comparison(prompt=f"prompt {i}", system=None, image_sha=None, panes=[])
    assert [h["prompt"] for h in cache.history()] == ["prompt 2", "prompt 1"]
