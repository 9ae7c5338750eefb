"""The cache folder's guard at its edges: what the one warning says for each kind of tampered
row, keys stored as pickles, removal next to other files or through a link, database files
linked anywhere, and the reasons shown when the cache cannot be used.

Tampering is done with sqlite3 on a throw-away folder under tmp_path (never a real cache).
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from pathlib import Path

import diskcache
import pytest

from playground.cache import ResponseCache
from playground.cache.disk import CacheUnavailable, SafeJSONDisk, describe_error, inside
from playground.result import PaneResult

KEY = "ab" * 32
VALUE_NAME = "ab/cd/" + "e" * 28 + ".val"  # the shape diskcache gives its value files


def _answer() -> PaneResult:
    return PaneResult(model="m", source="local", settings={}, text="cached", finish_reason="stop")


def _cache_with_one_sample(tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    with ResponseCache(directory) as cache:
        cache.add_sample(KEY, _answer())
    return directory


def _tamper_sample(directory: Path, **columns) -> None:
    sets = ", ".join(f"{column} = ?" for column in columns)
    with sqlite3.connect(directory / "cache.db") as con:
        rows = [rowid for rowid, key in con.execute("SELECT rowid, key FROM Cache")
                if json.loads(zlib.decompress(key)) == "r:" + KEY]
        assert len(rows) == 1
        con.execute(f"UPDATE Cache SET {sets} WHERE rowid = ?", (*columns.values(), rows[0]))


def _warning(directory: Path, why: str) -> str:
    return (f"warning: the response cache at {directory} has an entry {why}; it is treated"
            " as missing and its file is never opened or removed.")


# ---- the one warning says what was wrong with the row ----------------------------------------

@pytest.mark.parametrize(
    ("columns", "why"),
    [
        (dict(mode=2, filename="../outside/decoy.txt", value=None),
         "whose file name is not one the cache writes ('../outside/decoy.txt')"),
        (dict(mode=1, value="not bytes"), "with a str value where bytes were written"),
        (dict(mode=4, filename=None, value=None), "holding a pickled value"),
        (dict(mode=3), "with an unknown storage mode (3)"),
        (dict(mode=7), "with an unknown storage mode (7)"),
    ],
)
def test_the_warning_names_what_is_wrong_with_the_row(tmp_path, capsys, columns, why):
    directory = _cache_with_one_sample(tmp_path)
    _tamper_sample(directory, **columns)
    capsys.readouterr()
    with ResponseCache(directory) as cache:
        assert cache.samples(KEY) == []
    assert capsys.readouterr().err.splitlines() == [_warning(directory, why)]


def test_the_warning_names_a_value_file_that_leads_out(tmp_path, capsys):
    directory = _cache_with_one_sample(tmp_path)
    outside = tmp_path / "outside"
    (outside / "cd").mkdir(parents=True)
    (directory / "ab").symlink_to(outside, target_is_directory=True)
    _tamper_sample(directory, mode=2, filename=VALUE_NAME, value=None)
    capsys.readouterr()
    with ResponseCache(directory) as cache:
        assert cache.samples(KEY) == []
    why = f"whose file leads outside the cache folder ('{VALUE_NAME}')"
    assert capsys.readouterr().err.splitlines() == [_warning(directory, why)]


def test_a_refused_value_raises_with_the_reason(tmp_path):
    disk = SafeJSONDisk(str(tmp_path))
    with pytest.raises(ValueError, match=r"^holding a pickled value$"):
        disk.fetch(diskcache.core.MODE_PICKLE, None, None, False)


# ---- keys are never unpickled -----------------------------------------------------------

def test_keys_read_back_unless_stored_as_a_pickle(tmp_path, capsys):
    with diskcache.Cache(str(tmp_path / "c"), disk=SafeJSONDisk) as cache:
        cache.set("k", 1)
        assert list(cache) == ["k"]
    with sqlite3.connect(tmp_path / "c" / "cache.db") as con:
        con.execute("UPDATE Cache SET raw = 0")
    capsys.readouterr()
    with diskcache.Cache(str(tmp_path / "c"), disk=SafeJSONDisk) as cache:
        with pytest.raises(ValueError, match=r"^with a pickled key$"):
            list(cache)
    assert "has an entry with a pickled key;" in capsys.readouterr().err


# ---- new value files --------------------------------------------------------------------

def test_no_new_value_file_when_every_sub_folder_leads_out(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    for n in range(256):
        (root / f"{n:02x}").symlink_to(outside, target_is_directory=True)
    disk = SafeJSONDisk(str(root))
    with pytest.raises(OSError) as caught:
        disk.filename()
    assert str(caught.value) == f"the cache folder {root} has sub-folders that lead outside it"
    assert list(outside.iterdir()) == []


# ---- removing value files ---------------------------------------------------------------

def test_removing_a_file_already_gone_is_quiet_and_tidies_its_folders(tmp_path):
    root = tmp_path / "cache"
    (root / "ab" / "cd").mkdir(parents=True)
    SafeJSONDisk(str(root)).remove(VALUE_NAME)
    assert list(root.iterdir()) == []


def test_removing_one_value_file_keeps_its_neighbours(tmp_path):
    root = tmp_path / "cache"
    folder = root / "ab" / "cd"
    folder.mkdir(parents=True)
    (root / VALUE_NAME).write_bytes(b"one")
    neighbour = folder / ("f" * 28 + ".val")
    neighbour.write_bytes(b"two")
    SafeJSONDisk(str(root)).remove(VALUE_NAME)
    assert not (root / VALUE_NAME).exists()
    assert neighbour.read_bytes() == b"two"


def test_an_emptied_folder_outside_the_cache_is_never_removed(tmp_path):
    # ab links out; ab/cd/<name> links back in, so the file itself resolves inside the folder.
    root = Path(os.path.realpath(tmp_path)) / "cache"
    root.mkdir()
    (root / "inside.val").write_bytes(b"kept")
    outside = root.parent / "outside"
    (outside / "cd").mkdir(parents=True)
    (root / "ab").symlink_to(outside, target_is_directory=True)
    (outside / "cd" / ("e" * 28 + ".val")).symlink_to(root / "inside.val")
    SafeJSONDisk(str(root)).remove(VALUE_NAME)
    assert (outside / "cd").is_dir()
    assert (root / "inside.val").read_bytes() == b"kept"


# ---- database files ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cache.db-journal", "history.sqlite3-journal"])
def test_a_journal_linked_out_turns_the_cache_off(tmp_path, name):
    target = tmp_path / "someone-elses.db"
    target.write_bytes(b"precious")
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / name).symlink_to(target)
    with pytest.raises(CacheUnavailable) as caught:
        ResponseCache(directory)
    assert str(caught.value) == (f"The cache file {directory / name} is a link that leads out of the"
                                 " cache folder; remove it to use the cache.")
    assert target.read_bytes() == b"precious"


def test_a_database_linked_to_a_file_inside_the_folder_is_refused_too(tmp_path):
    # SQLite would write wherever the link points; any link is refused, not just outward ones.
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / "other.db").write_bytes(b"")
    (directory / "cache.db").symlink_to(directory / "other.db")
    with pytest.raises(CacheUnavailable, match="is a link that leads out of the cache folder"):
        ResponseCache(directory)


# ---- reasons shown to the user -----------------------------------------------------------

def test_describe_error_gives_short_lower_case_reasons():
    assert describe_error(diskcache.Timeout()) == "the database stayed locked by another process"
    assert describe_error(PermissionError(13, "Permission denied")) == "permission denied"
    assert describe_error(ValueError()) == "ValueError"
    assert describe_error(ValueError("bad header")) == "bad header"


def test_a_relative_root_contains_nothing():
    # commonpath refuses to mix relative and absolute paths: the answer is "not inside".
    assert inside("cache", "/etc/passwd") is False
    assert inside("/srv/cache", "/srv/cache/ab") is True
    assert inside("/srv/cache", "/srv/cache") is False
