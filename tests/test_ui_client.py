"""The web app launched for real on 127.0.0.1 and driven through gradio_client."""

import pytest

from conftest import LaunchedApp, wait_for

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    launched = LaunchedApp(cache_dir=tmp_path_factory.mktemp("ui-cache"))
    yield launched.url + "/"
    launched.close()


from support.ui_client import TEXT_FIELDS, pane_html, run_args  # noqa: F401  (other files import them from here too)


def test_two_panes_stream_side_by_side_with_metrics(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    job = client.submit(*run_args("Tell me about pelicans.", ["gemma-3-270m", "gemma-3-270m"],
                                  bypass_cache=True, seed=11), api_name="/run")
    final = job.result(timeout=180)
    outputs = job.outputs()
    assert len(outputs) >= 4  # several intermediate updates reached the client, not one blob
    streaming = [o for o in outputs if isinstance(o[0], str) and "gp-status-running" in o[0]]
    assert streaming, "pane 1 was never seen while streaming"
    for index in (0, 1):
        html = pane_html(outputs, index)
        assert "gp-status-done" in html and "tok/s" in html and "Gemma 3 270M" in html
    assert final[-1] == "run: all finished"
    chart = [o[7] for o in outputs if isinstance(o[7], str) and o[7]][-1]
    assert chart.count('data-metric="tokens_per_s"') == 2  # the chart filled in for both panes


def test_stop_ends_a_running_comparison(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    job = client.submit(*run_args("Write a very long story about the sea.", ["gemma-3-270m", "gemma-3-270m"],
                                  max_tokens=4000, temperature=1.0, bypass_cache=True), api_name="/run")
    wait_for(lambda: job.outputs() and "gp-status-running" in pane_html(job.outputs(), 0)
             and len(pane_html(job.outputs(), 0)) > 900, timeout_s=60)  # raises if never seen
    client.predict(api_name="/stop")
    job.result(timeout=30)  # ended: a run that ignored Stop would still be writing its 4000 tokens
    outputs = job.outputs()
    assert "gp-status-stopped" in pane_html(outputs, 0)
    assert "gp-status-stopped" in pane_html(outputs, 1)  # the queued pane is stopped too


def test_empty_prompt_is_refused_with_a_message(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    with pytest.raises(Exception, match="The prompt is empty"):
        client.predict(*run_args("   ", ["gemma-3-270m"]), api_name="/run")


def test_second_identical_run_is_replayed_from_the_cache(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    args = run_args("Name a bird.", ["gemma-3-270m"], max_tokens=16, seed=4, temperature=0.0)
    first = client.submit(*args, api_name="/run")
    first.result(timeout=120)
    second = client.submit(*args, api_name="/run")
    second.result(timeout=60)
    assert "gp-status-done" in pane_html(first.outputs(), 0)
    assert "gp-cached" in pane_html(second.outputs(), 0)  # replayed, not run again


def test_per_pane_stop_leaves_the_other_pane_running(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    job = client.submit(*run_args("Write a long story about a lighthouse.", ["gemini:gemma-4-31b-it", "gemma-3-270m"],
                                  max_tokens=4000, temperature=1.0, bypass_cache=True), api_name="/run")
    wait_for(lambda: "gp-status-running" in pane_html(job.outputs(), 1), timeout_s=60)  # raises if never seen
    assert client.predict(api_name="/stop_0") == "pane 1 is not running"  # it failed at once: no key
    assert client.predict(api_name="/stop_1") == "stopping pane 2…"
    job.result(timeout=30)
    assert "set GEMINI_API_KEY" in pane_html(job.outputs(), 0)
    assert "gp-status-stopped" in pane_html(job.outputs(), 1)


def test_duplicate_copies_a_pane_into_the_first_empty_slot(app_url):
    from playground.ui.form import PANE_FIELDS

    client = gradio_client.Client(app_url, verbose=False)
    first = {"model": "gemma-3-270m", "thinking": "on", "temperature": "0.3", "top_p": "", "top_k": "",
             "max_tokens": "64", "seed": "7", "samples": "2"}
    second = {"model": "gemma-3-270m", "thinking": "default"}
    empty = {"model": "", "thinking": "default"}
    width = len(PANE_FIELDS)
    controls = [pane.get(name, "") for pane in (first, second, empty, empty, empty, empty) for name in PANE_FIELDS]
    result = client.predict(*controls, api_name="/duplicate_0")
    assert list(result[2 * width:3 * width]) == [first.get(name, "") for name in PANE_FIELDS]
    assert list(result[:2 * width]) == controls[:2 * width]
    full = [second.get(name, "") for _ in range(6) for name in PANE_FIELDS]
    with pytest.raises(Exception, match="All 6 panes are in use"):
        client.predict(*full, api_name="/duplicate_0")


def test_too_long_prompt_and_bad_parameters_are_refused(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    with pytest.raises(Exception, match="the limit is 100,000"):
        client.predict(*run_args("x" * 100_001, ["gemma-3-270m"]), api_name="/run")
    args = run_args("hi", ["gemma-3-270m"], panes={0: {"temperature": "7"}})  # out of range
    with pytest.raises(Exception, match="Pane 1 temperature: Input should be less than or equal to 2"):
        client.predict(*args, api_name="/run")
    with pytest.raises(Exception, match="No model picked"):
        client.predict(*run_args("hi", []), api_name="/run")


def test_models_tab_download_fails_at_the_network_edge_with_a_sentence(app_url, monkeypatch):
    client = gradio_client.Client(app_url, verbose=False)
    with pytest.raises(Exception, match="cannot download unsloth/gemma-4-E2B-it-GGUF"):
        client.predict("gemma-4-e2b", api_name="/download")


def test_each_pane_can_have_its_own_max_tokens_and_seed(app_url):
    import re

    client = gradio_client.Client(app_url, verbose=False)
    args = run_args("Describe the sea.", ["gemma-3-270m", "gemma-3-270m"], max_tokens=32, seed=None,
                    bypass_cache=True, panes={0: {"max_tokens": "5", "seed": "11"}})  # pane 2 as in Parameters
    job = client.submit(*args, api_name="/run")
    job.result(timeout=120)
    first, second = pane_html(job.outputs(), 0), pane_html(job.outputs(), 1)
    assert "max 5" in first and "seed 11" in first and "max 32" in second and "seed 11" not in second
    tokens = int(re.search(r"(\d+) tokens", first).group(1))
    assert tokens <= 5


def call_raw(app_url: str, api_name: str, data: list) -> str:
    """POST the JSON exactly as written (gradio_client cannot even encode a lone surrogate) to
    Gradio's HTTP API and return the event stream's text."""
    import json

    import httpx

    body = json.dumps({"data": data}, ensure_ascii=True)  # "\\ud800" stays an escape in the JSON
    with httpx.Client(base_url=app_url, timeout=60) as http:
        started = http.post(f"gradio_api/call/{api_name}", content=body, headers={"Content-Type": "application/json"})
        started.raise_for_status()
        return http.get(f"gradio_api/call/{api_name}/{started.json()['event_id']}").text


def test_a_lone_surrogate_in_a_json_prompt_is_a_sentence(app_url):
    """JSON can carry "\\ud800", which no UTF-8 text holds: the shared request builder refuses it
    with a sentence naming where it is, before any cache key or adapter meets it."""
    stream = call_raw(app_url, "run", run_args("ab\ud800cd", ["gemma-3-270m"]) + [False])  # + blind
    assert "event: error" in stream and "The prompt is not valid text: character 3 is a lone surrogate" in stream
    stream = call_raw(app_url, "run", run_args("fine", ["gemma-3-270m"], system="x\udfff") + [False])
    assert "event: error" in stream and "The system prompt is not valid text" in stream
