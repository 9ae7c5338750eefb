"""Issue #21, the vote side: holes 1 (votes file linked out), 2 (leaderboard quadratic in models),
5 (votes import loses the file), 6 (lone surrogates in a tag and the tag filter), 7 (terminal
escapes in the judging CLI). Every destructive case runs on decoys in tmp_path."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from judging_sim import simulate
from playground.cli import main
from playground.judging.ranking import fit_leaderboard, leaderboard
from playground.judging.vote_record import VoteError, make_vote
from playground.judging.votes import DB_NAME, VoteStore, VoteStoreError, open_votes


@pytest.fixture(autouse=True)
def empty_config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", str(path))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- hole 1: votes.sqlite3 linked out of the cache folder ------------------------------------


def _decoy_db(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE precious (x)")
    con.execute("INSERT INTO precious VALUES (1)")
    con.commit()
    con.close()


def _tables_and_journal(path):
    con = sqlite3.connect(path)
    try:
        tables = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        return tables, con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_votes_file_linked_out_of_the_cache_folder_is_refused_and_never_written(tmp_path, suffix):
    outside = tmp_path / "elsewhere.sqlite3"
    _decoy_db(outside)
    before = _tables_and_journal(outside)
    cache = tmp_path / "cache"
    cache.mkdir()
    os.symlink(outside, cache / (DB_NAME + suffix))
    with pytest.raises(VoteStoreError, match="link that leads out of the cache folder"):
        VoteStore(cache)
    store, warning = open_votes(cache)
    assert store is None and "Votes cannot be saved" in warning
    assert _tables_and_journal(outside) == before == (["precious"], "delete")


# ---- hole 2: the leaderboard is quadratic in models -------------------------------------------


def _many_models(n_models: int, n_votes: int, seed: int = 3):
    import random

    rng = random.Random(seed)
    names = [f"m{i:05d}" for i in range(n_models)]
    votes = []
    for n in range(n_votes):
        pair = rng.sample(names, 2)
        votes.append(make_vote(prompt="p", panes=pair, ranking=[[0], [1]], time=1_790_000_000 + n))
    return votes


def test_leaderboard_of_2000_models_fits_sparse_without_a_models_squared_matrix():
    # The dense fit asked for 43.8 GiB here (one 2000×2000 matrix per vote): MemoryError.
    import tracemalloc

    votes = _many_models(2000, 4000)
    tracemalloc.start()
    board = fit_leaderboard(votes, resamples=3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(board.models) == len({m for v in votes for m in v.models}) > 1900
    assert peak < 200 * 2**20, f"{peak / 2**20:.0f} MB"  # a dense 2000² float matrix alone is 32 MB each
    assert board.to_json()["unseparated_count"] == len(board.unseparated) > 0
    assert "wins" not in board.to_json()["win_matrix"]  # N×N is never spelled out for big boards
    a, b = board.win_matrix.models[:2]
    assert board.win_matrix.record(a, b) == tuple(reversed(board.win_matrix.record(b, a)[:2])) + (0,)


def test_refresh_fits_once_per_vote_set_and_again_after_a_new_vote(tmp_path, monkeypatch):
    from playground.judging import ranking

    store = VoteStore(tmp_path)
    store.add_many(simulate(40, {"a": 4.0, "b": 1.0, "c": 2.0}))
    fits = []
    real = ranking.fit_leaderboard
    monkeypatch.setattr(ranking, "fit_leaderboard", lambda *a, **k: fits.append(1) or real(*a, **k))
    first = leaderboard(store, resamples=20)
    assert leaderboard(store, resamples=20) is first and len(fits) == 1
    # another process (a second store object on the same file) adds a vote: the state moved
    VoteStore(tmp_path).add(prompt="p", panes=["a", "b"], ranking=[[1], [0]])
    second = leaderboard(store, resamples=20)
    assert len(fits) == 2 and second.votes == first.votes + 1
    VoteStore(tmp_path).change(second_id(store), tags=["x"])
    leaderboard(store, resamples=20)
    assert len(fits) == 3  # a changed vote is a new vote set too


def second_id(store):
    return store.list()[-1].id


def test_models_linked_only_through_ties_are_compared_not_never_compared():
    tied = [make_vote(prompt="p", panes=["a", "b"], ranking=[[0, 1]]) for _ in range(15)]
    beaten = [make_vote(prompt="p", panes=["b", "c"], ranking=[[0], [1]]) for _ in range(15)]
    board = fit_leaderboard(tied + beaten, resamples=50)
    assert board.why_unseparated("a", "c") != "they were never compared, not even through other models"
    assert board.standing("a").score > board.standing("c").score


def test_bootstrap_count_is_one_named_constant():
    from playground.judging import ranking
    from playground.judging.defaults import DEFAULT_RESAMPLES

    assert ranking.DEFAULT_RESAMPLES == DEFAULT_RESAMPLES
    assert fit_leaderboard(simulate(30, {"a": 2.0, "b": 1.0})).resamples == DEFAULT_RESAMPLES


# ---- hole 5: votes import keeps the good lines -------------------------------------------------


def test_votes_import_reports_each_hostile_line_by_number_and_imports_the_good_ones(tmp_path, capsys):
    good = json.dumps({"prompt": "p", "ranking": [["a"], ["b"]]})
    lines = [
        good,
        '{"prompt": "p", "ranking": [["a"], ["b"]], "time": 1' + "0" * 400 + "}",  # 401 digits
        '{"ranking": ' + "[" * 100_000 + "]" * 100_000 + "}",  # deep nesting
        '{"prompt": "\\ud800", "ranking": [["a"], ["b"]]}',  # lone surrogate
        '{"prompt": "p", "ranking": [["a"], ["b"]], "time": 1e18}',  # far future
        '{"prompt": "p", "ranking": [["a\\udfff"], ["b"]]}',  # surrogate in a model name
        '{"prompt": "p", "ranking": [["a"], ["b"]], "panes": [{"settings": {"x": "\\ud800"}}, {}]}',
        good,
    ]
    path = tmp_path / "votes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "votes", "import", str(path), "--cache-dir", str(tmp_path / "c"))
    assert code == 1
    assert "Imported 2 votes" in out and "6 bad lines skipped" in out
    for number in range(2, 8):
        assert f"line {number}:" in err
    assert "Traceback" not in err
    assert "nested too deeply" in err and "lone surrogate" in err and "not a time" in err
    store = VoteStore(tmp_path / "c")
    assert store.count() == 2
    code, out, _ = run(capsys, "votes", "export", "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and len(out.splitlines()) == 2


# ---- hole 6: lone surrogates in a vote tag and the tag filter ---------------------------------


def test_lone_surrogate_in_a_vote_tag_is_a_sentence_not_a_storage_error(tmp_path):
    store = VoteStore(tmp_path)
    with pytest.raises(VoteError, match=r"tag 1 is not valid text: character 4 is a lone surrogate \(U\+D800\)"):
        store.add(prompt="p", panes=["a", "b"], ranking=[[0], [1]], tags=["svg\ud800"])
    assert store.count() == 0


def test_lone_surrogate_in_the_leaderboard_tag_filter_is_a_sentence(tmp_path):
    store = VoteStore(tmp_path)
    store.add_many(simulate(12, {"a": 2.0, "b": 1.0}))
    with pytest.raises(VoteError) as caught:
        leaderboard(store, tag="x\udc80", resamples=5)
    message = str(caught.value)
    message.encode("utf-8")  # the sentence itself can be sent to the page
    assert "The tag filter is not valid text" in message


# ---- hole 7: terminal escapes in the judging CLI -----------------------------------------------

HOSTILE = "evil\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e"


def test_leaderboard_and_votes_export_print_control_characters_escaped(tmp_path, capsys):
    store = VoteStore(tmp_path)
    for n in range(12):
        store.add(prompt="p", panes=[HOSTILE, "fine"], ranking=[[n % 2], [1 - n % 2]], tags=[HOSTILE])
    for argv in (["leaderboard", "--resamples", "5"], ["leaderboard", "--json", "--resamples", "5"],
                 ["votes", "export"]):
        code, out, err = run(capsys, *argv, "--cache-dir", str(tmp_path))
        assert code == 0, err
        for raw in ("\x1b", "\x07", "\u009b", "\u202e"):
            assert raw not in out
        assert "evil\\u001b]0;pwned\\u0007" in out
    # the escapes are JSON's own: the export still imports as the same names
    exported = [json.loads(line) for line in out.splitlines()]
    assert exported[0]["ranking"][0][0] in (HOSTILE, "fine") and HOSTILE in exported[0]["tags"]


# ---- hole 4: vote replay -----------------------------------------------------------------------


def _judged(key_a="ka", key_b="kb", sample_a=1, sample_b=1):
    return [{"model": "a", "key": key_a, "sample": sample_a}, {"model": "b", "key": key_b, "sample": sample_b}]


def test_voting_again_on_the_same_cached_answers_replaces_the_vote(tmp_path):
    store = VoteStore(tmp_path)
    first = store.add(prompt="p", panes=_judged(), ranking=[[0], [1]])
    for _ in range(29):  # 30 votes on the same cached answers in 3 s used to make a 30–0 record
        again = store.add(prompt="p", panes=_judged(), ranking=[[0], [1]])
    assert store.count() == 1 and again.id == first.id
    flipped = store.add(prompt="p", panes=list(reversed(_judged())), ranking=[[0], [1]])  # same answers, other order
    assert store.count() == 1 and store.get(first.id).model_ranking() == [["b"], ["a"]] == flipped.model_ranking()
    fresh = store.add(prompt="p", panes=_judged(sample_b=2), ranking=[[0], [1]])  # a fresh sample was asked for
    assert store.count() == 2 and fresh.id != first.id
    board = fit_leaderboard(store.list(), resamples=5)
    assert board.win_matrix.record("a", "b") == (1, 1, 0)


def test_a_replayed_comparison_voted_in_the_page_counts_once(tmp_path):
    from scripted import ScriptedAdapter, answer, scripted_runtime

    from playground.adapters.base import ChatRequest, GenerationSettings
    from playground.cache import ResponseCache
    from playground.pane import PaneRequest
    from playground.ui.judge import cast_vote
    from playground.ui.session import Sessions

    cache = ResponseCache(tmp_path / "cache")
    runtime = scripted_runtime({"scripted:a": ScriptedAdapter(answer("one")),
                                "scripted:b": ScriptedAdapter(answer("two"))}, cache=cache)
    try:
        sessions = Sessions(runtime)
        panes = [PaneRequest(m, GenerationSettings(max_tokens=8)) for m in ("scripted:a", "scripted:b")]
        for attempt in range(3):  # the first run, then two replays from the cache
            for _ in sessions.run("s1", ChatRequest("hi"), panes, bypass_cache=False):
                pass
            cast_vote(sessions, "s1", [1, 2], None)
        assert sessions.vote_store().count() == 1
    finally:
        runtime.close()


def test_lone_surrogate_in_a_page_link_model_id_is_a_sentence_the_page_can_receive():
    from playground.ui.url_state import note_for, parse_query

    state = parse_query({"m": "gemma\udc80", "q": "draw \ud800 a pelican"}, ["gemma-3-270m"])
    note = note_for(state)
    note.encode("utf-8")  # sent to the page: must be valid text
    state.prompt.encode("utf-8")
    assert "the link's `m` is not valid text (a lone surrogate in m)" in note
    assert "unknown model in the link" in note and state.models is None


def test_the_sparse_fit_falls_back_to_a_line_search_and_reaches_the_same_optimum(monkeypatch):
    from playground.judging import bradley_terry as bt
    from playground.judging.ranking import _entries

    votes = simulate(300, {"a": 8.0, "b": 2.0, "c": 1.0, "d": 0.25})
    names = sorted({m for v in votes for m in v.models})
    index = {m: i for i, m in enumerate(names)}
    rows = bt.pair_rows(len(names), [_entries(v, index) for v in votes])
    fast = bt.fit(rows)
    monkeypatch.setattr(bt, "MAX_MOVE", 1e-3)  # the clipped steps cannot get there in time
    monkeypatch.setattr(bt, "MAX_NEWTON_STEPS", 5)
    slow = bt.fit(rows)
    assert max(abs(fast - slow)) < 1e-3
    assert list(fast.argsort()[::-1]) == [index[m] for m in "abcd"]
