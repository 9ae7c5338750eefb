"""Issue 10 item 2: a tampered cache database never reaches a file outside the cache folder.

diskcache trusts the ``filename`` and ``mode`` columns of its ``Cache`` table. Every test
here edits those columns with sqlite3 directly and puts a *decoy* file (inside tmp_path,
never a real file) where the tampered row points. The decoy holds a well-formed cache value,
so a read that followed the row would show up as data, and a remove would make it vanish.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from playground.cache import ResponseCache, open_cache
from playground.cache.cli import main as cache_main
from playground.result import PaneResult

ROOT = Path(__file__).resolve().parent.parent
KEY = "ab" * 32
DECOY_TEXT = "FROM THE DECOY"
VALUE_NAME = "ab/cd/" + "e" * 28 + ".val"  # the shape diskcache gives its value files


def answer(text: str = "cached answer") -> PaneResult:
    return PaneResult(model="m", source="local", settings={}, text=text, finish_reason="stop")


def decoy_bytes() -> bytes:
    """A value the cache would accept, so following the row would be visible as a hit."""
    entry = {"v": 1, "next": 2, "samples": [{"n": 1, "result": answer(DECOY_TEXT).to_dict()}]}
    return zlib.compress(json.dumps(entry).encode())


@pytest.fixture
def decoy(tmp_path) -> Path:
    path = tmp_path / "outside" / "decoy.txt"
    path.parent.mkdir()
    path.write_bytes(decoy_bytes())
    return path


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    directory = tmp_path / "cache"
    with ResponseCache(directory) as cache:
        cache.add_sample(KEY, answer())
        cache.record_comparison(prompt="pelican", system=None, image_sha=None,
                                panes=[{"model": "m", "key": KEY, "sample": 1}])
    return directory


def tamper(directory: Path, name: str | None = None, **columns) -> int:
    """Set `columns` on the row for cache key `name` (every row if None); return rows changed."""
    sets = ", ".join(f"{column} = ?" for column in columns)
    with sqlite3.connect(directory / "cache.db") as con:
        rows = con.execute("SELECT rowid, key FROM Cache").fetchall()
        changed = 0
        for rowid, db_key in rows:
            if name is None or json.loads(zlib.decompress(db_key)) == name:
                con.execute(f"UPDATE Cache SET {sets} WHERE rowid = ?", (*columns.values(), rowid))
                changed += 1
    assert changed, f"no row for {name!r}"
    return changed


def point_sample_at(directory: Path, filename: str, mode: int = 2) -> None:
    tamper(directory, "r:" + KEY, mode=mode, filename=filename, value=None)


def comparison_id(directory: Path) -> str:
    with ResponseCache(directory) as cache:
        return cache.history()[0]["id"]


def subprocess_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text("")  # an explicitly named config must exist
    return {**os.environ, "GEMMA_PLAYGROUND_CACHE_DIR": str(tmp_path / "unused"),
            "GEMMA_PLAYGROUND_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}


def warning_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "response cache at" in line and "treated as missing" in line]


# ---- reading never follows ---------------------------------------------------------------


def test_relative_path_out_of_the_folder_is_a_miss_and_the_decoy_is_not_read(cache_dir, decoy):
    point_sample_at(cache_dir, "../outside/decoy.txt")
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []
    assert decoy.read_bytes() == decoy_bytes()


def test_absolute_path_is_a_miss(cache_dir, decoy):
    point_sample_at(cache_dir, str(decoy))
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []


def test_symlinked_value_file_pointing_out_is_not_followed(cache_dir, decoy):
    link = cache_dir / VALUE_NAME
    link.parent.mkdir(parents=True)
    link.symlink_to(decoy)
    point_sample_at(cache_dir, VALUE_NAME)
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []
        cache.clear()
    assert decoy.read_bytes() == decoy_bytes()


def test_symlinked_sub_folder_pointing_out_is_not_followed(cache_dir, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "cd").mkdir(parents=True)
    target = outside / "cd" / ("e" * 28 + ".val")
    target.write_bytes(decoy_bytes())
    (cache_dir / "ab").symlink_to(outside, target_is_directory=True)
    point_sample_at(cache_dir, VALUE_NAME)
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []
        cache.clear()
    assert target.read_bytes() == decoy_bytes()


def test_unexpected_storage_mode_is_a_miss_not_a_type_error(cache_dir):
    tamper(cache_dir, "r:" + KEY, mode=3)  # MODE_TEXT: a TypeError traceback before the fix
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []


@pytest.mark.parametrize("mode", [0, 5, -1, "text", None])
def test_unknown_storage_modes_are_misses(cache_dir, mode):
    tamper(cache_dir, "r:" + KEY, mode=mode)
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []
        assert cache.add_sample(KEY, answer("fresh")) == 1


def test_raw_mode_with_a_text_value_is_a_miss(cache_dir):
    tamper(cache_dir, "r:" + KEY, mode=1, value="not bytes")
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []


def test_pickle_mode_pointing_out_is_refused_and_never_unpickled(cache_dir, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    planted = tmp_path / "outside.pkl"
    planted.write_bytes(pickle.dumps(Exploit()))
    point_sample_at(cache_dir, "../outside.pkl", mode=4)
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []
        cache.clear()
    assert not marker.exists()
    assert planted.exists()


def test_restoring_a_comparison_whose_record_points_out_is_a_miss(cache_dir, decoy):
    entry_id = comparison_id(cache_dir)
    tamper(cache_dir, "h:" + entry_id, mode=2, filename="../outside/decoy.txt", value=None)
    with ResponseCache(cache_dir) as cache:
        assert cache.get_comparison(entry_id) is None
        assert cache.history() == []  # the entry that cannot be restored leaves the list
    assert decoy.read_bytes() == decoy_bytes()


# ---- removing never reaches out ----------------------------------------------------------


def test_add_sample_over_a_tampered_row_keeps_the_decoy(cache_dir, decoy):
    point_sample_at(cache_dir, "../outside/decoy.txt")
    with ResponseCache(cache_dir) as cache:
        assert cache.add_sample(KEY, answer("fresh")) == 1  # overwrites the row, removes its "file"
        assert cache.samples(KEY)[0].text == "fresh"
    assert decoy.read_bytes() == decoy_bytes()


def test_clear_keeps_the_decoy(cache_dir, decoy):
    tamper(cache_dir, mode=2, filename="../outside/decoy.txt", value=None)
    with ResponseCache(cache_dir) as cache:
        cache.clear()
        assert cache.stats()["entries"] == 0
    assert decoy.read_bytes() == decoy_bytes()


def test_delete_comparison_keeps_the_decoy(cache_dir, decoy):
    entry_id = comparison_id(cache_dir)
    tamper(cache_dir, "h:" + entry_id, mode=2, filename=str(decoy), value=None)
    with ResponseCache(cache_dir) as cache:
        assert cache.delete_comparison(entry_id) is True
    assert decoy.read_bytes() == decoy_bytes()


def test_clear_removes_no_empty_folder_outside(cache_dir, tmp_path):
    # diskcache's remove() calls os.removedirs on the file's folder: every empty parent goes.
    empty = tmp_path / "outside-empty" / "a" / "b"
    empty.mkdir(parents=True)
    point_sample_at(cache_dir, "../outside-empty/a/b/missing.val")
    with ResponseCache(cache_dir) as cache:
        cache.clear()
    assert empty.is_dir()


def test_a_row_naming_the_database_itself_does_not_delete_it(cache_dir):
    point_sample_at(cache_dir, "cache.db")
    with ResponseCache(cache_dir) as cache:
        assert cache.samples(KEY) == []
        cache.clear()
    assert (cache_dir / "cache.db").exists()
    with ResponseCache(cache_dir) as cache:
        assert cache.add_sample(KEY, answer()) == 1


def test_cache_clear_cli_keeps_the_decoy(cache_dir, decoy):
    tamper(cache_dir, mode=2, filename="../outside/decoy.txt", value=None)
    assert cache_main(["clear", "--cache-dir", str(cache_dir)]) == 0
    assert decoy.read_bytes() == decoy_bytes()


def test_cache_clear_command_in_a_subprocess_keeps_the_decoy_and_warns_once(cache_dir, decoy, tmp_path):
    tamper(cache_dir, mode=2, filename="../outside/decoy.txt", value=None)
    env = subprocess_env(tmp_path)
    done = subprocess.run([sys.executable, "-m", "playground", "cache", "clear", "--cache-dir", str(cache_dir)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Cleared" in done.stdout
    assert "Traceback" not in done.stderr
    assert len(warning_lines(done.stderr)) == 1
    assert decoy.read_bytes() == decoy_bytes()


# ---- writing never goes through a link ----------------------------------------------------


def test_new_value_files_are_never_written_through_a_symlinked_sub_folder(tmp_path, monkeypatch):
    import diskcache.core

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / "ab").symlink_to(outside, target_is_directory=True)
    text = os.urandom(40_000).hex()  # big: spills to a value file
    real_urandom = os.urandom
    names = iter([bytes.fromhex("abcd" + "00" * 14)])  # the first name diskcache picks is ab/cd/…
    monkeypatch.setattr(diskcache.core.os, "urandom", lambda n: next(names, None) or real_urandom(n))
    with ResponseCache(directory) as cache:
        assert cache.add_sample(KEY, answer(text)) == 1
        assert cache.samples(KEY)[0].text == text
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("name", ["cache.db", "history.sqlite3", "cache.db-wal", "history.sqlite3-shm"])
def test_database_files_linked_out_of_the_folder_turn_the_cache_off(tmp_path, name):
    target = tmp_path / "someone-elses.db"
    target.write_bytes(b"precious")
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / name).symlink_to(target)
    cache, warning = open_cache(directory)
    assert cache is None and "leads out of the cache folder" in warning
    assert target.read_bytes() == b"precious"


# ---- what still works, and how loud it is -------------------------------------------------


def test_genuine_value_files_still_round_trip_and_clear_removes_them(tmp_path):
    directory = tmp_path / "cache"
    with ResponseCache(directory) as cache:
        text = os.urandom(40_000).hex()
        cache.add_sample(KEY, answer(text))
        files = [p for p in directory.rglob("*.val")]
        assert len(files) == 1  # spilled to a value file
        assert cache.samples(KEY)[0].text == text
        cache.clear()
        assert not files[0].exists()
        assert not files[0].parent.exists()  # its empty xx/yy folders go too
        assert directory.is_dir() and (directory / "cache.db").exists()


def test_many_bad_rows_give_one_warning(cache_dir, decoy, capsys):
    tamper(cache_dir, mode=2, filename="../outside/decoy.txt", value=None)
    entry_id = comparison_id(cache_dir)
    capsys.readouterr()
    with ResponseCache(cache_dir) as cache:
        cache.samples(KEY)
        cache.get_comparison(entry_id)
        cache.samples(KEY)
        cache.clear()
    assert len(warning_lines(capsys.readouterr().err)) == 1


# ---- end to end ---------------------------------------------------------------------------


@pytest.mark.slow
def test_compare_on_a_tampered_cache_succeeds_and_keeps_the_decoy(tmp_path, decoy, tiny_gguf):
    directory = tmp_path / "cache"
    env = subprocess_env(tmp_path)
    command = [sys.executable, "-m", "playground", "compare", "hi", "-m", "gemma-3-270m",
               "--max-tokens", "8", "--seed", "1", "--cache-dir", str(directory), "--json"]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    tamper(directory, mode=2, filename="../outside/decoy.txt", value=None)
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    (pane,) = json.loads(second.stdout)["panes"]
    assert pane["error"] is None and pane["cached"] is False and DECOY_TEXT not in pane["text"]
    assert len(warning_lines(second.stderr)) == 1
    assert decoy.read_bytes() == decoy_bytes()
