"""Load: 20 concurrent gradio_client sessions × 5 runs each against one launch on 127.0.0.1,
on the cached path and on the tiny-model path: no errors, the queue stays bounded, memory stable."""

import threading
import time

import pytest

from conftest import LaunchedApp
from support.ui_client import pane_html, run_args

pytestmark = pytest.mark.slow
CLIENTS, RUNS = 20, 5


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def loaded_app(tmp_path_factory):
    app = LaunchedApp(cache_dir=tmp_path_factory.mktemp("load"), n_ctx=512)
    yield app.url, app.runtime
    app.close()


def hammer(url, args, expect):
    """CLIENTS threads, each its own session, RUNS runs each. Returns (errors, finished runs)."""
    from gradio_client import Client

    errors, finished = [], []

    def one_client():
        try:
            client = Client(url, verbose=False)
            for _ in range(RUNS):
                job = client.submit(*args, api_name="/run")
                job.result(timeout=600)
                html = pane_html(job.outputs(), 0)
                if expect not in html or "gp-error" in html:
                    errors.append(html[:300])
                else:
                    finished.append(1)
        except Exception as exc:  # any failure is counted, never hidden
            errors.append(repr(exc))

    threads = [threading.Thread(target=one_client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(900)
    return errors, len(finished)


def test_twenty_sessions_on_the_cached_path(loaded_app):
    url, runtime = loaded_app
    args = run_args("Name one bird.", ["gemma-3-270m"], max_tokens=16, seed=9, temperature=0.0)
    errors, done = hammer(url, args, "gp-status-")  # the first run fills the cache
    assert errors == [] and done == CLIENTS * RUNS
    before = rss_mb()
    errors, done = hammer(url, args, "gp-cached")
    assert errors == [] and done == CLIENTS * RUNS
    assert rss_mb() - before < 150, "memory grew under repeated cached load"
    assert runtime.slots.busy() == 0  # nothing left queued or running


def test_twenty_sessions_on_the_tiny_model_path(loaded_app):
    url, runtime = loaded_app
    args = run_args("Say one word.", ["gemma-3-270m"], max_tokens=16, temperature=1.0, seed=None,
                    bypass_cache=True)
    peak = []
    stop = threading.Event()

    def watch_queue():
        while not stop.is_set():
            peak.append(runtime.slots.busy())
            time.sleep(0.05)

    watcher = threading.Thread(target=watch_queue)
    watcher.start()
    try:
        errors, done = hammer(url, args, "gp-status-done")
    finally:
        stop.set()
        watcher.join()
    assert errors == [] and done == CLIENTS * RUNS
    assert max(peak) <= 16  # bounded by the run concurrency limit; the rest waits in Gradio's bounded queue
    assert runtime.slots.busy() == 0
