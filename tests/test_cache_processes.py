"""Two processes on one cache directory, and a writer killed with SIGKILL mid-loop."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time

import pytest

from playground.cache import ResponseCache
from playground.result import Metrics, PaneResult

SHARED_KEYS = [f"{i:064x}" for i in range(5)]



def _answer(text: str) -> PaneResult:
    return PaneResult(
        model="gemma-4-e2b",
        source="local",
        settings={"seed": 1},
        text=text,
        finish_reason="stop",
        metrics=Metrics(tokens_per_s=30.0),
    )


# Children are started with "spawn", so their targets live at module level.


def _writer(directory: str, name: str, rounds: int, start, errors) -> None:
    try:
        cache = ResponseCache(directory, max_samples=10_000)
        start.wait(30)
        for i in range(rounds):
            key = SHARED_KEYS[i % len(SHARED_KEYS)]
            number = cache.add_sample(key, _answer(f"{name}-{i} " + "x" * 3000))
            cache.add_sample(f"{name}-{i}", _answer(f"own {name}-{i}"))
            cache.record_comparison(
                prompt=f"{name} prompt {i}", system=None, image_sha=None,
                panes=[{"model": "gemma-4-e2b", "key": key, "sample": number}],
            )
            cache.history(name, limit=5)  # readers interleaved with writers (a 1-char query: LIKE)
            cache.history(f"{name} prompt", limit=5)  # and the full-text index
        cache.close()
    except BaseException as exc:  # report, then fail the exit code
        errors.put(f"{name}: {type(exc).__name__}: {exc}")
        raise


@pytest.mark.slow  # starts processes
def test_two_processes_write_concurrently_and_nothing_is_lost(tmp_path):
    directory = str(tmp_path / "shared")
    ResponseCache(directory).close()  # create the database once, as the app would
    ctx = multiprocessing.get_context("spawn")
    start, errors = ctx.Event(), ctx.Queue()
    rounds = 60
    procs = [ctx.Process(target=_writer, args=(directory, name, rounds, start, errors)) for name in ("A", "B")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert [p.exitcode for p in procs] == [0, 0]

    with ResponseCache(directory, max_samples=10_000) as cache:
        texts = set()
        for key in SHARED_KEYS:
            numbered = cache.numbered_samples(key)
            numbers = [n for n, _ in numbered]
            assert numbers == list(range(1, len(numbers) + 1))  # no number handed out twice
            texts |= {r.text.split(" ")[0] for _, r in numbered}
        assert texts == {f"{name}-{i}" for name in "AB" for i in range(rounds)}
        for name in "AB":
            for i in range(rounds):
                assert cache.samples(f"{name}-{i}")[0].text == f"own {name}-{i}"
        history = cache.history(limit=1000)
        assert len(history) == 2 * rounds
        assert {h["prompt"] for h in history} == {f"{n} prompt {i}" for n in "AB" for i in range(rounds)}
        for name in "AB":  # the full-text index saw every row from both processes
            assert len(cache.history(f"{name} PROMPT", limit=1000)) == rounds
        for h in history:  # every history entry restores its pane
            pane = cache.get_comparison(h["id"])["panes"][0]
            assert cache.sample(pane["key"], pane["sample"]) is not None
        stats = cache.stats()
        assert stats["samples"] == 4 * rounds and stats["comparisons"] == 2 * rounds


def _doomed_writer(directory: str, log_path: str) -> None:
    cache = ResponseCache(directory)
    with open(log_path, "a", encoding="utf-8") as log:
        i = 0
        while True:  # until killed
            key = f"{i:064x}"
            number = cache.add_sample(key, _answer(f"answer {i} " + "y" * 4000))
            entry_id = cache.record_comparison(
                prompt=f"prompt {i}", system=None, image_sha=None, panes=[{"key": key, "sample": number}]
            )
            log.write(f"{key} {number} {entry_id}\n")
            log.flush()
            i += 1


@pytest.mark.slow  # starts processes
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_write_loses_nothing_that_was_acknowledged(tmp_path):
    directory, log_path = str(tmp_path / "cache"), tmp_path / "done.log"
    log_path.touch()
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_doomed_writer, args=(directory, str(log_path)))
    proc.start()
    deadline = time.monotonic() + 60
    while log_path.read_text().count("\n") < 40:
        assert proc.is_alive(), "writer died on its own"
        assert time.monotonic() < deadline, "writer too slow"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    assert proc.exitcode == -signal.SIGKILL

    done = [line.split() for line in log_path.read_text().splitlines() if line.count(" ") == 2]
    assert len(done) >= 40
    with ResponseCache(directory) as cache:
        for key, number, entry_id in done:
            sample = cache.sample(key, int(number))
            assert sample is not None and sample.text.startswith("answer ")
            assert cache.get_comparison(entry_id)["panes"] == [{"key": key, "sample": int(number)}]
        assert len(cache.history(limit=10_000)) >= len(done)
        # and the cache still takes writes
        assert cache.add_sample("after-crash", _answer("ok")) == 1
        assert cache.stats()["comparisons"] >= len(done)


def test_threads_sharing_one_cache_object_lose_nothing(tmp_path):
    # Gradio serves events on worker threads that share one ResponseCache.
    import threading

    cache = ResponseCache(tmp_path / "c", max_samples=1000)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for i in range(25):
                number = cache.add_sample(SHARED_KEYS[0], _answer(f"{name}-{i}"))
                cache.record_comparison(prompt=f"{name}{i}", system=None, image_sha=None,
                                        panes=[{"key": SHARED_KEYS[0], "sample": number}])
                cache.samples(SHARED_KEYS[0])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [n for n, _ in cache.numbered_samples(SHARED_KEYS[0])] == list(range(1, 101))
    assert len(cache.history(limit=1000)) == 100
    cache.close()



def _open_history(path: str, name: str, start, errors) -> None:
    from playground.cache.history import HistoryStore

    start.wait(30)
    try:
        store = HistoryStore(path)
        store.add(entry_id=name, time=1.0, key="k", prompt="p", system=None, image_sha=None, models=[])
        store.close()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        errors.put(f"{name}: {type(exc).__name__}: {exc}")


@pytest.mark.slow  # starts processes
@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
def test_processes_creating_the_history_file_at_once_all_succeed(tmp_path):
    # The first open switches a new file to WAL, which needs an exclusive lock; processes
    # racing for it got "database is locked" at once (about 1 round in 13 here) before the retry.
    ctx = multiprocessing.get_context("fork")
    problems = []
    for attempt in range(30):
        path = str(tmp_path / f"history-{attempt}.sqlite3")
        start, errors = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_open_history, args=(path, f"P{n}", start, errors)) for n in range(6)]
        for p in procs:
            p.start()
        time.sleep(0.05)
        start.set()
        for p in procs:
            p.join(60)
        while not errors.empty():
            problems.append(errors.get())
    assert problems == []
