"""Issue 11 item 7: History is a SQLite table that scales, searches safely and never drops silently."""

from __future__ import annotations

import sqlite3

import pytest

from playground.cache import ResponseCache, open_cache
from playground.cache import comparison_key
from playground.cache.history import HISTORY_DB, HistoryStore, connect, fts5_trigram_available


@pytest.fixture(params=["fts", "like"])
def cache(request, tmp_path):
    """Every search behaviour holds with FTS5 and with the LIKE fallback."""
    if request.param == "fts" and not fts5_trigram_available():
        pytest.skip("this SQLite has no FTS5 trigram tokenizer")
    c = ResponseCache(tmp_path / "cache", history_fts=request.param == "fts")
    yield c
    c.close()


def record(cache: ResponseCache, prompt: str, models=("gemma-3-270m",), settings=None, system=None) -> str:
    panes = [{"model": m, "settings": settings or {"temperature": 0.7}, "key": None, "sample": None} for m in models]
    return cache.record_comparison(prompt=prompt, system=system, image_sha=None, panes=panes)


PROMPTS = ["Pelicans riding a bicycle", "Write a haiku about AND OR NOT", 'Say "hi" * 3 (quoted)',
           "100% of under_scores \\ back", "Ελληνικά: ΠΕΛΕΚΑΝΟΣ", "draw a cat"]


@pytest.fixture
def filled(cache):
    for prompt in PROMPTS:
        record(cache, prompt)
    return cache


def prompts(rows) -> list[str]:
    return [r["prompt"] for r in rows]


# ---- search ----------------------------------------------------------------------------


def test_a_word_finds_longer_words_and_any_case(filled):
    assert prompts(filled.history("pelican")) == ["Pelicans riding a bicycle"]
    assert prompts(filled.history("RIDING A")) == ["Pelicans riding a bicycle"]


def test_search_is_a_substring_not_a_word_match(filled):
    assert prompts(filled.history("elican")) == ["Pelicans riding a bicycle"]
    assert prompts(filled.history("ycl")) == ["Pelicans riding a bicycle"]


def test_short_queries_still_match(filled):
    assert prompts(filled.history("ca")) == ["draw a cat", "Pelicans riding a bicycle"]


@pytest.mark.parametrize("query, expected", [
    ('"', ['Say "hi" * 3 (quoted)']),
    ('"hi"', ['Say "hi" * 3 (quoted)']),
    ("*", ['Say "hi" * 3 (quoted)']),
    ("AND", ["Write a haiku about AND OR NOT"]),
    ("OR NOT", ["Write a haiku about AND OR NOT"]),
    ("NEAR(", []),
    ("(quoted)", ['Say "hi" * 3 (quoted)']),
    ("%", ["100% of under_scores \\ back"]),
    ("_", ["100% of under_scores \\ back"]),
    ("\\", ["100% of under_scores \\ back"]),
    ("' OR 1=1 --", []),
    ("pelican*", []),
    ("-cat", []),
    ("prompt:cat", []),
    ("^draw", []),
])
def test_odd_queries_are_plain_text(filled, query, expected):
    assert prompts(filled.history(query)) == expected


def test_a_lone_surrogate_is_stored_and_searched_without_error(cache):
    entry = record(cache, "broken \ud800 text")
    assert [found["id"] for found in cache.history("broken")] == [entry]
    # stored as written; searched and listed with the surrogate as "?"
    assert [found["id"] for found in cache.history("\ud800")] == [entry]
    assert cache.history("\ud800")[0]["prompt"] == "broken ? text"
    assert cache.get_comparison(entry)["prompt"] == "broken \ud800 text"


def test_non_ascii_case_is_ignored_with_fts(tmp_path):
    if not fts5_trigram_available():
        pytest.skip("this SQLite has no FTS5 trigram tokenizer")
    with ResponseCache(tmp_path / "c") as cache:
        record(cache, "Ελληνικά: ΠΕΛΕΚΑΝΟΣ")
        assert prompts(cache.history("πελεκ")) == ["Ελληνικά: ΠΕΛΕΚΑΝΟΣ"]


def test_greek_capitals_are_found_by_the_same_capitals(filled):
    assert prompts(filled.history("ΠΕΛΕΚ")) == ["Ελληνικά: ΠΕΛΕΚΑΝΟΣ"]


def test_limit_counts_matches_newest_first(cache):
    ids = [record(cache, f"pelican {i}") for i in range(10)]
    record(cache, "something else")
    assert [h["id"] for h in cache.history("pelican", limit=3)] == ids[:-4:-1]
    assert cache.history("pelican", limit=0) == []


def test_summary_shape_is_unchanged(cache):
    entry_id = cache.record_comparison(prompt="p" * 5000, system="s", image_sha="ab" * 32,
                                       panes=[{"model": "a"}, {"model": None}])
    (summary,) = cache.history()
    assert summary == {"id": entry_id, "time": summary["time"], "prompt": "p" * 4000, "prompt_truncated": True,
                       "system": "s", "image_sha": "ab" * 32, "models": ["a", None]}
    assert isinstance(summary["time"], float)


# ---- nothing is removed unless asked ----------------------------------------------------


def test_without_a_limit_nothing_is_removed(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        ids = [record(cache, f"prompt {i}") for i in range(1100)]  # past the old silent cap of 1000
        assert len(cache.history(limit=2000)) == 1100
        assert cache.get_comparison(ids[0])["prompt"] == "prompt 0"
        assert cache.stats()["comparisons"] == 1100


def test_a_history_limit_keeps_the_newest_and_removes_their_records(tmp_path):
    with ResponseCache(tmp_path / "c", history_max=2) as cache:
        ids = [record(cache, f"prompt {i}") for i in range(4)]
        assert [h["id"] for h in cache.history()] == ids[:1:-1]
        assert cache._cache.get("h:" + ids[0]) is None


def test_a_zero_history_limit_is_refused(tmp_path):
    with pytest.raises(ValueError):
        ResponseCache(tmp_path / "c", history_max=0)


def test_clear_empties_history_but_keeps_other_tables_in_its_file(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        record(cache, "p")
        con = connect(tmp_path / "c" / HISTORY_DB)
        con.execute("CREATE TABLE votes (id TEXT)")  # a later table sharing the file
        con.execute("INSERT INTO votes VALUES ('v1')")
        cache.clear()
        assert cache.history() == [] and cache.stats()["comparisons"] == 0
        assert con.execute("SELECT id FROM votes").fetchall() == [("v1",)]
        con.close()


# ---- the table --------------------------------------------------------------------------


def test_history_is_an_indexed_table_in_a_wal_database(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        record(cache, "p")
    with sqlite3.connect(tmp_path / "c" / HISTORY_DB) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {name: unique for _, name, unique, *_ in con.execute("PRAGMA index_list(comparisons)")}
        columns = {name: [c[2] for c in con.execute(f"PRAGMA index_info({name})")] for name in indexes}
        assert sorted(columns.values()) == [["id"], ["key"], ["time"]]
        assert [indexes[n] for n, c in columns.items() if c == ["id"]] == [1]  # id is unique
        assert con.execute("SELECT version FROM schema_versions WHERE part = 'comparisons'").fetchone() == (1,)
        assert con.execute("SELECT prompt FROM comparisons").fetchall() == [("p",)]


def test_the_history_index_is_not_in_diskcache(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        record(cache, "p")
        assert "hist-index" not in cache._cache


def test_identical_reruns_share_a_key_and_other_settings_do_not(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        record(cache, "p", settings={"temperature": 0.2})
        record(cache, "p", settings={"temperature": 0.2})
        record(cache, "p", settings={"temperature": 0.9})
        record(cache, "p", models=("gemma-3-270m", "gemma-4-e2b"), settings={"temperature": 0.2})
    with sqlite3.connect(tmp_path / "c" / HISTORY_DB) as con:
        keys = [k for (k,) in con.execute("SELECT key FROM comparisons ORDER BY seq")]
    assert keys[0] == keys[1] and len(set(keys)) == 3 and all(len(k) == 64 for k in keys)


def test_comparison_key_ignores_answers_and_errors():
    base = dict(prompt="p", system=None, image_sha=None)
    a = comparison_key(**base, panes=[{"model": "m", "settings": {"seed": 1}, "key": "x", "sample": 1}])
    b = comparison_key(**base, panes=[{"model": "m", "settings": {"seed": 1}, "key": None, "error": "quota"}])
    assert a == b
    assert a != comparison_key(**base | {"system": "s"}, panes=[{"model": "m", "settings": {"seed": 1}}])
    assert comparison_key(prompt="\ud800", system=None, image_sha=None, panes=[])  # never raises


def test_a_pre_table_index_is_imported_once_in_order(tmp_path):
    directory = tmp_path / "c"
    with ResponseCache(directory) as cache:  # write what the previous version left behind
        summaries = []
        for i, prompt in enumerate(["first", "second pelican", "evicted", "third"]):
            entry_id = f"{i:012x}-0000000{i}"
            panes = [{"model": "m", "settings": {}, "key": None, "sample": None}]
            if prompt != "evicted":
                cache._cache.set("h:" + entry_id, {"v": 1, "id": entry_id, "time": 1000.0 + i, "prompt": prompt,
                                                   "system": None, "image_sha": None, "models": ["m"],
                                                   "panes": panes})
            summaries.append({"id": entry_id, "time": 1000.0 + i, "prompt": prompt, "models": ["m"]})
        cache._cache.set("hist-index", {"v": 1, "entries": summaries})
    (directory / HISTORY_DB).unlink()
    with ResponseCache(directory) as cache:
        assert prompts(cache.history()) == ["third", "second pelican", "first"]
        assert prompts(cache.history("pelican")) == ["second pelican"]
        assert "hist-index" not in cache._cache
        assert cache.get_comparison(cache.history()[0]["id"])["prompt"] == "third"
    with ResponseCache(directory) as cache:  # not imported twice
        assert len(cache.history()) == 3


def test_a_damaged_history_file_turns_the_cache_off_with_the_file_named(tmp_path):
    directory = tmp_path / "c"
    directory.mkdir()
    (directory / HISTORY_DB).write_bytes(b"not a database" * 1000)
    cache, warning = open_cache(directory)
    assert cache is None
    assert str(directory / HISTORY_DB) in warning and "cache is off" in warning


def test_a_store_opened_without_fts_gets_its_index_when_fts_is_back(tmp_path):
    if not fts5_trigram_available():
        pytest.skip("this SQLite has no FTS5 trigram tokenizer")
    path = tmp_path / HISTORY_DB
    plain = HistoryStore(path, fts=False)
    plain.add(entry_id="a", time=1.0, key="k", prompt="Pelicans", system=None, image_sha=None, models=[])
    plain.close()
    with_fts = HistoryStore(path)
    assert with_fts.fts and [r["id"] for r in with_fts.search("pelican")] == ["a"]
    with_fts.close()
