"""The vote store: add/change/delete/list, filters, and durability across processes and kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from playground.judging.vote_record import Pane, Vote, VoteError, make_vote, parse_when
from playground.judging.votes import DB_NAME, VoteStore

ROOT = Path(__file__).resolve().parent.parent


def vote(**fields) -> Vote:
    base = dict(prompt="Draw a pelican", panes=["a", "b", "c"], ranking=[[0], [1, 2]])
    return make_vote(**(base | fields))


def run_python(code: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, **kwargs)


def test_store_lives_in_the_default_cache_folder(tmp_path):
    store = VoteStore()  # conftest points $GEMMA_PLAYGROUND_CACHE_DIR at tmp_path/cache
    assert store.path == tmp_path / "cache" / DB_NAME
    assert store.path.exists()


def test_database_is_in_wal_mode(tmp_path):
    VoteStore(tmp_path)
    with sqlite3.connect(tmp_path / DB_NAME) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_added_vote_reads_back_whole(tmp_path):
    store = VoteStore(tmp_path)
    panes = [Pane("a", {"temperature": 1.0}, sample=2, metrics={"tokens_per_s": 41.5}, key="k1"), "b"]
    stored = store.add(prompt="p", panes=panes, ranking=[[1], [0]], blind=True, tags=["svg", "SVG", "code"],
                       comparison_id="cmp-1")
    again = store.get(stored.id)
    assert again == stored
    assert again.model_ranking() == [["b"], ["a"]]
    assert again.tags == ("svg", "code")  # duplicates (any case) dropped
    assert again.panes[0].settings == {"temperature": 1.0} and again.panes[0].sample == 2


def test_stored_record_is_json(tmp_path):
    store = VoteStore(tmp_path)
    stored = store.add(vote())
    with sqlite3.connect(tmp_path / DB_NAME) as con:
        record = json.loads(con.execute("SELECT record FROM votes").fetchone()[0])
    assert record["id"] == stored.id and record["ranking"] == [[0], [1, 2]]


@pytest.mark.parametrize("fields, message", [
    ({"ranking": [[0], [1]]}, "leaves out pane(s) 3"),
    ({"ranking": [[0], [0, 1, 2]]}, "appears twice"),
    ({"ranking": [[0], [1, 7]]}, "does not exist"),
    ({"ranking": []}, "non-empty list"),
    ({"panes": ["a"], "ranking": [[0]]}, "at least two models"),
    ({"panes": [], "ranking": [[0]]}, "needs the panes"),
    ({"blind": "yes"}, "true or false"),
    ({"tags": [""]}, "non-empty string"),
    ({"time": "yesterday"}, "not a date"),
])
def test_invalid_votes_are_refused_with_a_sentence(fields, message):
    with pytest.raises(VoteError, match=message.replace("(", r"\(").replace(")", r"\)")):
        vote(**fields)


def test_a_single_pane_may_be_voted_all_bad():
    assert vote(panes=["a"], ranking=[[0]], all_bad=True).all_bad


def test_change_updates_the_ranking_and_keeps_the_id(tmp_path):
    store = VoteStore(tmp_path)
    stored = store.add(vote())
    changed = store.change(stored.id, ranking=[[2], [0], [1]], all_bad=False, tags=["svg"])
    assert changed.id == stored.id and store.get(stored.id).model_ranking() == [["c"], ["a"], ["b"]]
    assert store.get(stored.id).tags == ("svg",)


def test_change_that_breaks_the_vote_is_refused_and_leaves_it_alone(tmp_path):
    store = VoteStore(tmp_path)
    stored = store.add(vote())
    with pytest.raises(VoteError):
        store.change(stored.id, ranking=[[0]])
    assert store.get(stored.id) == stored


def test_change_of_a_missing_vote_raises_key_error(tmp_path):
    with pytest.raises(KeyError):
        VoteStore(tmp_path).change("nope", all_bad=True)


def test_delete_forgets_one_vote(tmp_path):
    store = VoteStore(tmp_path)
    first, second = store.add(vote()), store.add(vote())
    assert store.delete(first.id) is True and store.delete(first.id) is False
    assert [v.id for v in store.list()] == [second.id]


def test_same_id_twice_is_skipped_not_duplicated(tmp_path):
    store = VoteStore(tmp_path)
    v = vote(id="fixed-id")
    assert store.add_many([v, v]) == (1, 1)
    with pytest.raises(VoteError, match="already stored"):
        store.add(v)


def test_votes_for_a_comparison_id(tmp_path):
    store = VoteStore(tmp_path)
    mine = store.add(vote(comparison_id="cmp-1"))
    store.add(vote(comparison_id="cmp-2"))
    store.add(vote())
    assert store.for_comparison("cmp-1") == [mine]


def test_list_filters_by_tag_any_case_and_blind(tmp_path):
    store = VoteStore(tmp_path)
    svg = store.add(vote(tags=["SVG"], blind=True))
    store.add(vote(tags=["code"]))
    assert store.list(tag="svg") == [svg]
    assert store.list(blind_only=True) == [svg]
    assert len(store.list()) == 2


def test_list_date_filters_are_inclusive_and_until_covers_the_whole_day(tmp_path):
    store = VoteStore(tmp_path)
    for when in ("2026-11-01T10:00:00Z", "2026-11-15T23:59:00Z", "2026-11-16T00:00:01Z"):
        store.add(vote(time=when))
    assert len(store.list(since="2026-11-15")) == 2
    assert len(store.list(until="2026-11-15")) == 2
    assert len(store.list(since="2026-11-02", until="2026-11-15")) == 1


def test_list_is_oldest_first(tmp_path):
    store = VoteStore(tmp_path)
    late, early = store.add(vote(time=2_000_000_000)), store.add(vote(time=1_000_000_000))
    assert store.list() == [early, late]


def test_a_damaged_row_is_skipped_not_fatal(tmp_path):
    store = VoteStore(tmp_path)
    good = store.add(vote())
    with sqlite3.connect(tmp_path / DB_NAME) as con:
        con.execute("INSERT INTO votes VALUES ('bad', 1, NULL, 0, 0, '{not json')")
    assert store.list() == [good]


def test_clear_returns_how_many_were_removed(tmp_path):
    store = VoteStore(tmp_path)
    store.add_many([vote(), vote(), vote()])
    assert store.clear() == 3 and store.count() == 0


def test_a_file_in_place_of_the_folder_is_a_plain_error(tmp_path):
    from playground.judging.votes import VoteStoreError

    (tmp_path / "f").write_text("x")
    with pytest.raises(VoteStoreError, match="not a directory"):
        VoteStore(tmp_path / "f")


def test_parse_when_reads_dates_as_utc():
    assert parse_when("1970-01-02") == 86400.0
    assert parse_when("1970-01-01", end_of_day=True) == pytest.approx(86400.0, abs=1e-3)


def test_votes_survive_a_new_process(tmp_path):
    done = run_python("""
        import sys
        from playground.judging.votes import VoteStore
        store = VoteStore(sys.argv[1])
        for i in range(5):
            store.add(prompt=f"p{i}", panes=["a", "b"], ranking=[[0], [1]], tags=["svg"])
    """, str(tmp_path))
    assert done.returncode == 0, done.stderr
    votes = VoteStore(tmp_path).list(tag="svg")
    assert [v.prompt for v in votes] == [f"p{i}" for i in range(5)]


@pytest.mark.slow  # starts processes
def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    code = """
        import sys
        from playground.judging.votes import VoteStore
        store = VoteStore(sys.argv[1])
        for i in range(40):
            store.add(prompt=sys.argv[2] + str(i), panes=["a", "b"], ranking=[[0], [1]])
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(tmp_path), name], cwd=ROOT)
             for name in ("x", "y")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert VoteStore(tmp_path).count() == 80


@pytest.mark.slow  # starts processes
def test_votes_survive_kill_minus_9_mid_writes(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys
        from playground.judging.votes import VoteStore
        store = VoteStore(sys.argv[1])
        i = 0
        while True:
            store.add(prompt="p" * 2000, panes=["a", "b", "c"], ranking=[[0], [1, 2]])
            i += 1
            print(i, flush=True)
    """), str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    committed = 0
    deadline = time.monotonic() + 30
    while committed < 50 and time.monotonic() < deadline:
        committed = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    store = VoteStore(tmp_path)
    count = store.count()
    assert count >= committed  # every vote reported as written is there
    assert len(store.list()) == count  # and every row reads back as a whole vote
    with sqlite3.connect(tmp_path / DB_NAME) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.add(vote())  # and the store still takes votes
    assert store.count() == count + 1


def test_open_votes_never_raises_and_says_why(tmp_path):
    from playground.judging.votes import open_votes

    (tmp_path / "f").write_text("x")
    store, warning = open_votes(tmp_path / "f")
    assert store is None and "Votes cannot be saved" in warning
    store, warning = open_votes(tmp_path / "ok")
    assert warning is None and store.count() == 0


def test_history_panes_are_accepted_as_they_are(tmp_path):
    # what record_comparison keeps per pane: extra keys (label, source, error) are ignored
    panes = [{"model": "a", "label": "A", "source": "local", "settings": {"seed": 1}, "key": "k", "sample": 3,
              "error": None, "finish_reason": "stop"},
             {"model": "b", "label": "B", "source": "gemini", "settings": {}, "key": None, "sample": None}]
    stored = VoteStore(tmp_path).add(prompt="p", panes=panes, ranking=[[1], [0]], comparison_id="c1", blind=True)
    assert stored.panes[0] == Pane("a", {"seed": 1}, sample=3, key="k")


def test_a_damaged_database_file_is_a_plain_error(tmp_path):
    from playground.judging.votes import VoteStoreError

    (tmp_path / DB_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(VoteStoreError, match=DB_NAME):
        VoteStore(tmp_path)


def test_unknown_or_infinite_metrics_are_dropped_not_fatal(tmp_path):
    stored = VoteStore(tmp_path).add(prompt="p", ranking=[[0], [1]], panes=[
        {"model": "a", "metrics": {"tokens_per_s": float("inf"), "ttft_s": None}},
        {"model": "b", "metrics": {"tokens_per_s": 12.0, "load_s": 3.0}}])
    assert dict(stored.panes[0].metrics) == {} and dict(stored.panes[1].metrics) == {"tokens_per_s": 12.0}


def test_a_negative_metric_is_refused():
    with pytest.raises(VoteError, match="non-negative"):
        vote(panes=[{"model": "a", "metrics": {"ttft_s": -1}}, "b"], ranking=[[0], [1]])


def test_a_batch_killed_mid_write_is_stored_whole_or_not_at_all(tmp_path):
    # `votes import` writes its votes in one transaction: kill -9 can never leave half a file.
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys
        from playground.judging.vote_record import make_vote
        from playground.judging.votes import VoteStore
        store = VoteStore(sys.argv[1])
        batch = [make_vote(prompt="p" * 500, panes=["a", "b"], ranking=[[0], [1]]) for _ in range(500)]
        print("ready", flush=True)
        while True:
            store.add_many([make_vote(prompt=v.prompt, panes=v.panes, ranking=v.ranking) for v in batch])
    """), str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        store = VoteStore(tmp_path)
        deadline = time.monotonic() + 30
        while store.count() < 1000 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:  # the writer loops forever: never leave it running when the test fails early
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
    count = store.count()
    assert count >= 1000 and count % 500 == 0
    assert len(store.list()) == count
