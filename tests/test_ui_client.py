"""The web app launched for real on 127.0.0.1 and driven through gradio_client."""

import time

import pytest

from conftest import LaunchedApp

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    launched = LaunchedApp(cache_dir=tmp_path_factory.mktemp("ui-cache"))
    yield launched.url + "/"
    launched.close()


def run_args(prompt, models, **overrides):
    """The /run endpoint's inputs in order, built from names (see PlaygroundApp.build)."""
    form = {"prompt": prompt, "system": "", "image": None, "temperature": 0.7, "top_p": 0.95,
            "top_k": 64, "max_tokens": 64, "seed": 1, "thinking": False, "bypass_cache": False}
    form.update(overrides)
    args = list(form.values())
    for i in range(6):
        args += [models[i] if i < len(models) else "", "default", "", "", ""]
    return args


def pane_html(outputs, index):
    """The pane's HTML as the browser has it: the last value sent for that output. The client
    sees [pane html × 6, gallery, chart, status] (layout columns carry no value); a pane that did not
    change since the previous update arrives as a skip."""
    if outputs and not isinstance(outputs[0], (list, tuple)):
        outputs = [outputs]
    for output in reversed(outputs):
        if isinstance(output[index], str):
            return output[index]
    return ""


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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        outs = job.outputs()
        if outs and "gp-status-running" in pane_html(outs, 0) and len(pane_html(outs, 0)) > 900:
            break
        time.sleep(0.1)
    stop_sent = time.monotonic()
    client.predict(api_name="/stop")
    job.result(timeout=30)
    assert time.monotonic() - stop_sent < 5
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
    started = time.monotonic()
    second = client.submit(*args, api_name="/run")
    second.result(timeout=60)
    assert "gp-status-done" in pane_html(first.outputs(), 0)
    assert "gp-cached" in pane_html(second.outputs(), 0)
    assert time.monotonic() - started < 5


def test_per_pane_stop_leaves_the_other_pane_running(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    job = client.submit(*run_args("Write a long story about a lighthouse.", ["gemini:gemma-4-31b-it", "gemma-3-270m"],
                                  max_tokens=4000, temperature=1.0, bypass_cache=True), api_name="/run")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "gp-status-running" not in pane_html(job.outputs(), 1):
        time.sleep(0.1)
    assert client.predict(api_name="/stop_0") == "pane 1 is not running"  # it failed at once: no key
    assert client.predict(api_name="/stop_1") == "stopping pane 2…"
    job.result(timeout=30)
    assert "set GEMINI_API_KEY" in pane_html(job.outputs(), 0)
    assert "gp-status-stopped" in pane_html(job.outputs(), 1)


def test_duplicate_copies_a_pane_into_the_first_empty_slot(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    controls = ["gemma-3-270m", "on", "0.3", "64", "7", "gemma-3-270m", "default", "", "", ""] + \
        ["", "default", "", "", ""] * 4
    result = client.predict(*controls, api_name="/duplicate_0")
    assert list(result[10:15]) == ["gemma-3-270m", "on", "0.3", "64", "7"]
    assert list(result[:10]) == controls[:10]
    full = ["gemma-3-270m", "default", "", "", ""] * 6
    with pytest.raises(Exception, match="All 6 panes are in use"):
        client.predict(*full, api_name="/duplicate_0")


def test_too_long_prompt_and_bad_parameters_are_refused(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    with pytest.raises(Exception, match="the limit is 100,000"):
        client.predict(*run_args("x" * 100_001, ["gemma-3-270m"]), api_name="/run")
    args = run_args("hi", ["gemma-3-270m"])
    args[12] = "7"  # pane 1 temperature, out of range
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
                    bypass_cache=True)
    args[10 + 3], args[10 + 4] = "5", "11"  # pane 1: max tokens 5, seed 11; pane 2 as in Parameters
    job = client.submit(*args, api_name="/run")
    job.result(timeout=120)
    first, second = pane_html(job.outputs(), 0), pane_html(job.outputs(), 1)
    assert "max 5 · seed 11" in first and "max 32 · thinking" in second
    tokens = int(re.search(r"(\d+) tokens", first).group(1))
    assert tokens <= 5
