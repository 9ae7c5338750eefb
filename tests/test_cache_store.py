"""ResponseCache in one process: what is stored, how it comes back, history, safety on disk."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import zlib
from pathlib import Path

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.cache import (
    CacheUnavailable,
    ResponseCache,
    api_identity,
    default_cache_dir,
    derive_key,
    open_cache,
)
from playground.cache.disk import SafeJSONDisk
from playground.result import Metrics, PaneResult



@pytest.fixture
def cache(tmp_path):
    c = ResponseCache(tmp_path / "cache")
    yield c
    c.close()


def result(text="<svg/>", finish_reason="stop", error=None, **kw) -> PaneResult:
    return PaneResult(
        model=kw.pop("model", "gemma-4-e2b"),
        source=kw.pop("source", "local"),
        settings=kw.pop("settings", GenerationSettings(seed=1).model_dump()),
        text=text,
        thinking=kw.pop("thinking", "hmm"),
        finish_reason=finish_reason,
        error=error,
        metrics=kw.pop("metrics", Metrics(ttft_s=0.2, tokens_per_s=40.0, completion_tokens=120)),
        notes=kw.pop("notes", ["system prompt folded into user turn"]),
        created_at=kw.pop("created_at", 1_800_000_000.0),
        **kw,
    )


def a_key(cache: ResponseCache, prompt="pelican") -> str:
    return derive_key(
        adapter="gemini",
        model_id="gemini:gemma-4-31b-it",
        identity=api_identity(None, "gemma-4-31b-it"),
        settings=GenerationSettings(),
        request=ChatRequest(prompt=prompt),
    )


# ---- samples ----------------------------------------------------------------------------


def test_complete_answer_round_trips_with_cached_flag(cache):
    key = a_key(cache)
    original = result(text="answer " * 500, finish_reason="length")
    assert cache.add_sample(key, original) == 1
    (back,) = cache.samples(key)
    assert back.cached is True
    expected = original.to_dict() | {"cached": True}
    assert back.to_dict() == expected
    assert original.cached is False  # the caller's object is not touched


def test_unknown_key_has_no_samples(cache):
    assert cache.samples("0" * 64) == []
    assert cache.sample("0" * 64, 1) is None


def test_loop_stopped_and_length_answers_are_kept_as_results(cache):
    key = a_key(cache)
    assert cache.add_sample(key, result(finish_reason="loop")) == 1
    assert cache.add_sample(key, result(finish_reason="length")) == 2
    assert [r.finish_reason for r in cache.samples(key)] == ["loop", "length"]


@pytest.mark.parametrize(
    "bad",
    [
        result(finish_reason="error", error="HTTP 500"),
        result(finish_reason="stop", error="stream broke after text"),
        result(finish_reason="cancelled"),
        result(finish_reason="timeout"),
        result(finish_reason=None),  # partial: never finished
        result(finish_reason="safety"),
    ],
)
def test_incomplete_answers_are_never_cached(cache, bad):
    key = a_key(cache)
    assert cache.add_sample(key, bad) is None
    assert cache.samples(key) == []
    assert cache.stats()["samples"] == 0


def test_samples_come_back_oldest_first_with_stable_numbers(cache):
    key = a_key(cache)
    numbers = [cache.add_sample(key, result(text=f"answer {i}")) for i in range(1, 4)]
    assert numbers == [1, 2, 3]
    assert [r.text for r in cache.samples(key)] == ["answer 1", "answer 2", "answer 3"]
    assert cache.sample(key, 2).text == "answer 2"


def test_at_most_max_samples_are_kept_and_numbers_do_not_shift(tmp_path):
    with ResponseCache(tmp_path / "c", max_samples=3) as cache:
        key = a_key(cache)
        for i in range(1, 6):
            assert cache.add_sample(key, result(text=f"answer {i}")) == i
        assert [r.text for r in cache.samples(key)] == ["answer 3", "answer 4", "answer 5"]
        assert [n for n, _ in cache.numbered_samples(key)] == [3, 4, 5]
        assert cache.sample(key, 1) is None
        assert cache.sample(key, 4).text == "answer 4"


def test_default_keeps_eight_samples(cache):
    key = a_key(cache)
    for i in range(10):
        cache.add_sample(key, result(text=str(i)))
    assert [r.text for r in cache.samples(key)] == [str(i) for i in range(2, 10)]


def test_missing_created_at_is_filled_in(cache):
    key = a_key(cache)
    cache.add_sample(key, result(created_at=None))
    assert cache.samples(key)[0].created_at > 1_700_000_000


def test_non_finite_metrics_are_stored_as_null(cache):
    key = a_key(cache)
    cache.add_sample(key, result(metrics=Metrics(tokens_per_s=float("nan"), ttft_s=float("inf"))))
    metrics = cache.samples(key)[0].metrics
    assert metrics.tokens_per_s is None and metrics.ttft_s is None


def test_keys_are_independent(cache):
    k1, k2 = a_key(cache, "one"), a_key(cache, "two")
    cache.add_sample(k1, result(text="1"))
    assert cache.samples(k2) == []
    assert cache.add_sample(k2, result(text="2")) == 1


# ---- history ----------------------------------------------------------------------------


def panes_for(cache, prompt):
    key = a_key(cache, prompt)
    n = cache.add_sample(key, result(text=f"answer to {prompt}"))
    return [
        {"model": "gemma-4-e2b", "source": "local", "key": key, "sample": n},
        {"model": "gemini:gemma-4-31b-it", "source": "gemini", "key": None, "sample": None, "error": "quota"},
    ]


def test_comparison_restores_every_pane(cache):
    panes = panes_for(cache, "Draw a Pelican")
    entry_id = cache.record_comparison(prompt="Draw a Pelican", system="terse", image_sha="ab" * 32, panes=panes)
    entry = cache.get_comparison(entry_id)
    assert entry["id"] == entry_id
    assert entry["prompt"] == "Draw a Pelican" and entry["system"] == "terse"
    assert entry["image_sha"] == "ab" * 32
    assert entry["models"] == ["gemma-4-e2b", "gemini:gemma-4-31b-it"]
    assert entry["panes"] == panes
    restored = cache.sample(entry["panes"][0]["key"], entry["panes"][0]["sample"])
    assert restored.text == "answer to Draw a Pelican" and restored.cached


def test_history_is_newest_first_and_filters_case_insensitively(cache):
    ids = [
        cache.record_comparison(prompt=p, system=None, image_sha=None, panes=panes_for(cache, p))
        for p in ["Draw a PELICAN", "Write a haiku", "pelican on a bike"]
    ]
    assert [h["id"] for h in cache.history()] == ids[::-1]
    assert [h["prompt"] for h in cache.history("Pelican")] == ["pelican on a bike", "Draw a PELICAN"]
    assert cache.history("nothing like this") == []
    assert [h["id"] for h in cache.history(limit=2)] == ids[:0:-1]
    summary = cache.history()[0]
    assert {"id", "time", "prompt", "system", "models", "image_sha"} <= summary.keys()


def test_delete_comparison(cache):
    keep = cache.record_comparison(prompt="keep", system=None, image_sha=None, panes=[])
    drop = cache.record_comparison(prompt="drop", system=None, image_sha=None, panes=panes_for(cache, "drop"))
    assert cache.delete_comparison(drop) is True
    assert cache.delete_comparison(drop) is False
    assert cache.get_comparison(drop) is None
    assert [h["id"] for h in cache.history()] == [keep]
    assert len(cache.samples(a_key(cache, "drop"))) == 1  # answers stay cached


def test_unknown_comparison_is_none(cache):
    assert cache.get_comparison("nope") is None


def test_history_is_capped(tmp_path):
    with ResponseCache(tmp_path / "c", history_max=3) as cache:
        ids = [cache.record_comparison(prompt=str(i), system=None, image_sha=None, panes=[]) for i in range(5)]
        assert [h["id"] for h in cache.history()] == ids[:1:-1]
        assert cache.get_comparison(ids[0]) is None
        assert cache.get_comparison(ids[4]) is not None


def test_huge_prompt_is_truncated_in_the_index_only(cache):
    prompt = "pelican " + "x" * 10_000
    entry_id = cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=[])
    (summary,) = cache.history("pelican")
    assert summary["prompt_truncated"] is True and len(summary["prompt"]) == 4000
    assert cache.get_comparison(entry_id)["prompt"] == prompt


def test_panes_must_be_json(cache):
    with pytest.raises(ValueError, match="JSON"):
        cache.record_comparison(prompt="p", system=None, image_sha=None, panes=[{"model": object()}])


def test_evicted_comparison_leaves_the_history_list(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        entry_id = cache.record_comparison(prompt="p", system=None, image_sha=None, panes=[])
        cache._cache.delete("h:" + entry_id)  # what LRU eviction does under the size limit
        assert len(cache.history()) == 1
        assert cache.get_comparison(entry_id) is None
        assert cache.history() == []


def test_size_limit_evicts_least_recently_used(tmp_path):
    with ResponseCache(tmp_path / "c", size_limit=512 * 1024) as cache:
        keys = [f"{i:064x}" for i in range(300)]
        for key in keys:
            cache.add_sample(key, result(text=os.urandom(4000).hex()))
            cache.record_comparison(prompt=key, system=None, image_sha=None, panes=[{"key": key, "sample": 1}])
        stats = cache.stats()
        assert stats["size_bytes"] < 2 * 512 * 1024
        assert stats["entries"] < 300
        assert len(cache.samples(keys[-1])) == 1
        assert cache.samples(keys[0]) == []
        assert cache.history(limit=1)[0]["prompt"] == keys[-1]


# ---- stats / clear ----------------------------------------------------------------------


def test_stats_and_clear(cache, tmp_path):
    k1, k2 = a_key(cache, "1"), a_key(cache, "2")
    for _ in range(3):
        cache.add_sample(k1, result())
    cache.add_sample(k2, result())
    cache.record_comparison(prompt="1", system=None, image_sha=None, panes=[])
    stats = cache.stats()
    assert stats["entries"] == 2 and stats["samples"] == 4 and stats["comparisons"] == 1
    assert stats["size_bytes"] > 0 and stats["size_limit"] == 2 * 1024**3
    assert stats["directory"] == str(tmp_path / "cache")
    cache.clear()
    assert cache.stats() | {"size_bytes": 0} == {
        "entries": 0, "samples": 0, "comparisons": 0, "size_bytes": 0,
        "size_limit": 2 * 1024**3, "directory": str(tmp_path / "cache"),
    }
    assert cache.samples(k1) == [] and cache.history() == []


def test_data_survives_reopening(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        key = a_key(cache)
        cache.add_sample(key, result(text="kept"))
        entry_id = cache.record_comparison(prompt="p", system=None, image_sha=None, panes=[{"key": key, "sample": 1}])
    with ResponseCache(tmp_path / "c") as again:
        assert again.samples(key)[0].text == "kept"
        assert again.get_comparison(entry_id)["panes"] == [{"key": key, "sample": 1}]
        assert again.add_sample(key, result()) == 2


# ---- on-disk format: JSON only, never pickle ----------------------------------------------


def _rows(directory: Path):
    with sqlite3.connect(directory / "cache.db") as con:
        return con.execute("SELECT key, raw, mode, filename, value FROM Cache").fetchall()


def test_values_on_disk_are_compressed_json_never_pickle(tmp_path):
    directory = tmp_path / "c"
    with ResponseCache(directory) as cache:
        assert isinstance(cache._cache.disk, SafeJSONDisk)
        key = a_key(cache)
        for i in range(8):  # 8 large samples → the value spills into a file
            cache.add_sample(key, result(text=os.urandom(6000).hex()))
        cache.add_sample(a_key(cache, "small"), result(text="tiny"))
        cache.record_comparison(prompt="p", system="s", image_sha=None, panes=[{"key": key, "sample": 8}])
    rows = _rows(directory)
    assert len(rows) == 3  # two answers and one comparison; the index is in history.sqlite3
    modes = set()
    for db_key, raw, mode, filename, value in rows:
        assert raw == 1 and mode != 4  # 4 = MODE_PICKLE
        json.loads(zlib.decompress(db_key))
        data = value if filename is None else (directory / filename).read_bytes()
        plain = zlib.decompress(data)
        assert not plain.startswith(b"\x80")  # pickle protocol 2+ opcode
        assert isinstance(json.loads(plain), dict)
        modes.add(mode)
    assert modes == {1, 2}  # inline blob and spilled file both covered


class _Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_pickled_value_planted_in_the_database_is_never_loaded(tmp_path):
    directory, marker = tmp_path / "c", tmp_path / "pwned"
    with ResponseCache(directory) as cache:
        key = a_key(cache)
        cache.add_sample(key, result())
        entry_id = cache.record_comparison(prompt="p", system=None, image_sha=None, panes=[])
    payload = pickle.dumps(_Exploit(marker))
    with sqlite3.connect(directory / "cache.db") as con:
        con.execute("UPDATE Cache SET mode = 4, filename = NULL, value = ?", (payload,))
    with ResponseCache(directory) as cache:
        assert cache.samples(key) == []
        assert cache.get_comparison(entry_id) is None
        assert cache.history() == []
        assert cache.add_sample(key, result(text="fresh")) == 1  # the planted row is overwritten
        assert cache.samples(key)[0].text == "fresh"
    assert not marker.exists()


# ---- unusable directories ---------------------------------------------------------------


def _assert_off(cache, warning, path):
    assert cache is None
    assert str(path) in warning
    assert "cache is off" in warning
    assert warning.endswith(".")


def test_a_file_where_the_directory_should_be(tmp_path):
    path = tmp_path / "cache"
    path.write_text("not a directory")
    _assert_off(*open_cache(path), path)
    with pytest.raises(CacheUnavailable, match="not a directory"):
        ResponseCache(path)


def test_a_directory_below_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "cache"
    _assert_off(*open_cache(path), path)


def test_garbage_database(tmp_path):
    path = tmp_path / "cache"
    path.mkdir()
    (path / "cache.db").write_bytes(os.urandom(8192))
    _assert_off(*open_cache(path), path)
    with pytest.raises(CacheUnavailable, match="not a database"):
        ResponseCache(path)


def test_database_with_damaged_pages(tmp_path):
    path = tmp_path / "cache"
    with ResponseCache(path) as cache:
        for i in range(200):
            cache.add_sample(f"{i:064x}", result(text=os.urandom(3000).hex()))
    db = path / "cache.db"
    size = db.stat().st_size
    with open(db, "r+b") as handle:  # keep the header, trash every page after the first
        handle.seek(4096)
        handle.write(os.urandom(size - 4096))
    _assert_off(*open_cache(path), path)


def test_database_path_is_a_directory(tmp_path):
    path = tmp_path / "cache"
    (path / "cache.db").mkdir(parents=True)
    _assert_off(*open_cache(path), path)


def test_unwritable_directory_is_reported(tmp_path, monkeypatch):
    # Tests run as root, where chmod does not block; simulate what a normal user sees.
    path = tmp_path / "cache"
    path.mkdir()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    _assert_off(*open_cache(path), path)


def test_open_cache_never_raises(tmp_path, monkeypatch):
    import playground.cache.store as mod

    def boom(*a, **k):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(mod.diskcache, "Cache", boom)
    cache, warning = open_cache(tmp_path / "c")
    _assert_off(cache, warning, tmp_path / "c")


def test_open_cache_works_and_creates_the_directory(tmp_path):
    cache, warning = open_cache(tmp_path / "a" / "b")
    assert warning is None and isinstance(cache, ResponseCache)
    assert (tmp_path / "a" / "b" / "cache.db").exists()
    cache.close()


def test_default_dir_honours_the_environment(tmp_path, monkeypatch):
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("GEMMA_PLAYGROUND_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "gemma-playground" / "responses"
    cache, warning = open_cache()
    assert warning is None and cache.directory == tmp_path / "xdg" / "gemma-playground" / "responses"
    cache.close()
