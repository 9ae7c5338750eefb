"""History across a restart: run, restart the app on the same cache, restore: every pane is back
at once, badged "cached"; re-roll adds sample 2 of 2; `cache stats` counts the entry."""

import json

import pytest

from conftest import LaunchedApp
from support.ui_client import pane_html, run_args

pytestmark = pytest.mark.slow


def test_restore_after_restart_then_reroll_adds_a_sample(tmp_path, capsys):
    from gradio_client import Client

    from playground.cli import main

    cache_dir = tmp_path / "cache"
    app = LaunchedApp(cache_dir=cache_dir, n_ctx=512)
    try:
        client = Client(app.url, verbose=False)
        args = run_args("History test: name a fish.", ["gemma-3-270m", "gemma-3-270m"],
                        max_tokens=16, seed=None, temperature=0.5,
                        panes={1: {"temperature": "0.9"}})  # pane 2 at another temperature: two cache keys
        job = client.submit(*args, api_name="/run")
        job.result(timeout=120)
        answers = [pane_html(job.outputs(), i) for i in (0, 1)]
        assert all("gp-status-done" in a for a in answers)
    finally:
        app.close()

    app = LaunchedApp(cache_dir=cache_dir, n_ctx=512)  # a new process would see the same: the cache is on disk
    try:
        client = Client(app.url, verbose=False)
        picked, status = client.predict("name a fish", api_name="/history")
        entry_id = picked["value"] if isinstance(picked, dict) else picked  # a dropdown update
        assert entry_id and status == "1 comparison(s)"
        restored = client.predict(entry_id, api_name="/history_restore")
        htmls = restored[:6]
        assert "gp-cached" in htmls[0] and "gp-cached" in htmls[1]
        # Every field of the form comes back: the prompt, and the pane whose temperature differed.
        assert "History test: name a fish." in restored and "0.9" in restored and "0.5" in restored
        job = client.submit(api_name="/reroll_0")
        job.result(timeout=120)
        rerolled = pane_html(job.outputs(), 0)
        assert "gp-status-done" in rerolled and "sample 2 of 2" in rerolled
        earlier = client.predict(api_name="/sample_prev_0")[0]
        assert "sample 1 of 2" in earlier
        capsys.readouterr()  # drop what the servers printed so far
        assert main(["cache", "stats", "--cache-dir", str(cache_dir), "--json"]) == 0
        stats = json.loads(capsys.readouterr().out)
        # one comparison (re-roll adds a sample to it), two cache keys with 2 + 1 samples
        assert (stats["comparisons"], stats["samples"]) == (1, 3)
        assert client.predict(entry_id, "", api_name="/history_delete")[1] == "0 comparison(s)"
        assert app.cache.get_comparison(entry_id) is None
    finally:
        app.close()
