"""Issue #21, what one visitor of a shared link can cost or reach: hole 3 (token budgets),
11 (direct REST calls sharing one session) and 15 (validation errors flooding the log; votes
following --cache-dir with the cache off)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import gradio as gr
import pytest

from conftest import LaunchedApp, free_port
from playground.adapters.base import ChatRequest, GenerationSettings
from playground.pane import PaneRequest
from playground.ui.limits import LogLimiter, TokenBudget
from playground.ui.session import MAX_DIRECT_SESSIONS, MAX_SESSIONS, Sessions
from scripted import ScriptedAdapter, answer, scripted_runtime


@pytest.fixture
def sessions():
    runtime = scripted_runtime({"scripted:a": ScriptedAdapter(answer("one two three four")),
                                "scripted:b": ScriptedAdapter(answer("five six seven eight"))})
    yield Sessions(runtime)
    runtime.close()


def panes(n, samples=1, max_tokens=64):
    return [PaneRequest("scripted:a" if i % 2 == 0 else "scripted:b", GenerationSettings(max_tokens=max_tokens),
                        samples=samples) for i in range(n)]


# ---- hole 3: token budgets -----------------------------------------------------------------------


def test_a_run_over_the_per_run_token_budget_is_refused_before_it_starts(sessions):
    assert sessions.run_budget == 65_536  # the config's max_run_tokens default
    with pytest.raises(gr.Error, match=r"could generate 393,216 tokens .* the limit per run is 65,536"):
        list(sessions.run("s1", ChatRequest("hi"), panes(6, samples=8, max_tokens=8192), bypass_cache=True))
    assert sessions.view("s1").states == []  # nothing ran
    list(sessions.run("s1", ChatRequest("hi"), panes(2), bypass_cache=True))  # a modest run goes


def test_an_address_over_its_hourly_token_budget_is_refused_and_others_are_not(sessions):
    sessions.hourly = TokenBudget(200)
    sessions.client_seen("s1", "198.51.100.7")
    sessions.client_seen("s2", "203.0.113.9")
    list(sessions.run("s1", ChatRequest("hi"), panes(2, max_tokens=64), bypass_cache=True))  # reserves 128
    # settled to what was generated (a few tokens), so a second modest run still fits
    list(sessions.run("s1", ChatRequest("hi"), panes(2, max_tokens=64), bypass_cache=True))
    with pytest.raises(gr.Error, match=r"This address has used \d+ of its 200 tokens for this hour"):
        list(sessions.run("s1", ChatRequest("hi"), panes(2, max_tokens=100), bypass_cache=True))
    with pytest.raises(gr.Error, match="tokens for this hour"):  # samples count too
        list(sessions.run("s1", ChatRequest("hi"), panes(1, samples=2, max_tokens=100), bypass_cache=True))
    list(sessions.run("s2", ChatRequest("hi"), panes(2, max_tokens=64), bypass_cache=True))  # its own budget


def test_token_budget_window_slides():
    now = [0.0]
    budget = TokenBudget(100, window_s=60, clock=lambda: now[0])
    budget.settle(budget.reserve("x", 90), 90)
    with pytest.raises(Exception, match="try again in 1 min"):
        budget.reserve("x", 20)
    now[0] = 61.0
    assert budget.reserve("x", 20) is not None


# ---- hole 11: direct REST calls ------------------------------------------------------------------


def test_calls_without_a_session_hash_never_share_a_session():
    from playground.ui.app import session_id

    first, second = gr.Request(), gr.Request()
    assert session_id(first) != session_id(second) and session_id(first) == session_id(first)
    assert "anonymous" not in (session_id(first), session_id(second))


def test_a_flood_of_direct_sessions_does_not_push_page_sessions_out(sessions):
    from playground.ui.app import session_id

    page = sessions.view("page-session-hash")
    for _ in range(MAX_SESSIONS + 10):
        sessions.view(session_id(gr.Request()))
    assert sessions.view("page-session-hash") is page
    assert len(sessions._direct) == MAX_DIRECT_SESSIONS


@pytest.mark.slow
def test_a_direct_post_to_a_stateful_route_is_refused_not_run_in_a_shared_session(tmp_path):
    served = LaunchedApp(cache_dir=tmp_path / "cache")
    try:
        for route in ("vote", "export_html", "run"):
            request = urllib.request.Request(f"{served.url}/gradio_api/run/{route}", data=json.dumps({"data": []}).encode(),
                                             headers={"Content-Type": "application/json"}, method="POST")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 404
            assert "join the queue" in refused.value.read().decode()
    finally:
        served.close()


# ---- hole 15: logs and where votes go --------------------------------------------------------------


def test_log_limiter_admits_a_burst_then_counts_what_it_dropped():
    now = [0.0]
    limiter = LogLimiter(lines=3, window_s=10, clock=lambda: now[0])
    assert [limiter.admit()[0] for _ in range(5)] == [True, True, True, False, False]
    now[0] = 11.0
    assert limiter.admit() == (True, 2)


@pytest.mark.slow
def test_gradio_validation_errors_are_one_rate_limited_line_without_traceback(capfd, monkeypatch):
    import gradio_client

    from playground.ui import errors
    from playground.ui.errors import quiet_every_event

    # the process's log limit, fresh and on a still clock: other tests' user errors in the same
    # minute do not count, and 30 errors are 20 lines whatever the machine's speed
    monkeypatch.setattr(errors, "_LOG_LIMIT", LogLimiter(lines=20, window_s=60.0, clock=lambda: 0.0))

    with gr.Blocks() as demo:
        pick = gr.Dropdown(["a", "b"], value="a")
        out = gr.Textbox()
        gr.Button().click(lambda v: v, pick, out, api_name="pick")
    quiet_every_event(demo)
    demo.queue()
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        capfd.readouterr()
        client = gradio_client.Client(demo.local_url, verbose=False)
        for _ in range(30):
            with pytest.raises(gradio_client.exceptions.AppError, match="not in the list of choices"):
                client.predict("zzz", api_name="/pick")
        err = capfd.readouterr().err
    finally:
        demo.close()
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "user error" in line]
    assert len(lines) == 20 and "not in the list of choices" in lines[0]


def test_with_the_cache_off_votes_follow_the_configured_folder(tmp_path):
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime

    config = AppConfig(cache_dir=str(tmp_path / "chosen"))
    runtime = Runtime(config, Catalog(config, scan_disk=False), cache=None)
    try:
        store = Sessions(runtime).vote_store()
        assert store.directory == tmp_path / "chosen"
    finally:
        runtime.close()
