"""A local pane and a Gemini API pane side by side: through the CLI (the issue's own command)
and through the launched app. The API is the real google-genai SDK against a loopback fake."""

import base64
import json
import os
import subprocess
import sys

import pytest

from conftest import LaunchedApp
from fake_gemini import FakeGemini, Scenario, text_chunks
from support.ui_client import pane_html, run_args

pytestmark = pytest.mark.slow
KEY = "AIzaSy-fake-key-for-tests-0001"
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
SVG_ANSWER = ('Here it is:\n```svg\n<svg viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" '
              'fill="teal"/><line x1="1" y1="2" x1="3" y2="4" stroke="black"/></svg>\n```')


@pytest.fixture
def fake():
    scenario = Scenario(chunks=text_chunks([SVG_ANSWER[:30], SVG_ANSWER[30:]],
                                           thoughts=["The user wants a pelican. ", "Draw simply."]))
    with FakeGemini(scenario) as server:
        yield server


def test_compare_local_and_gemini_with_thinking_and_image(fake, tmp_path):
    image = tmp_path / "pelican.png"
    image.write_bytes(PNG_1PX)
    env = dict(os.environ, GEMINI_API_KEY=KEY, GOOGLE_GEMINI_BASE_URL=fake.base_url)
    proc = subprocess.run(
        [sys.executable, "-m", "playground", "compare", "Draw a pelican.", "-m", "gemma-3-270m",
         "-m", "gemini:gemma-4-31b-it", "--thinking", "--image", str(image), "--max-tokens", "16", "--json"],
        capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    local, api = json.loads(proc.stdout)["panes"]
    assert local["source"] == "local" and local["text"]
    assert "this model cannot see images: it answered from the text alone" in local["notes"]
    assert api["source"] == "gemini" and api["error"] is None
    assert api["thinking"] == "The user wants a pelican. Draw simply."
    assert "pelican" not in api["text"] and api["text"] == SVG_ANSWER
    assert api["metrics"]["thinking_tokens"] > 0 and api["metrics"]["prompt_tokens"] == 7
    assert api["svgs"] and any("x1" in fix for fix in api["svgs"][0]["fixes"])
    body = fake.last.body
    inline = [p["inlineData"] for c in body["contents"] for p in c["parts"] if "inlineData" in p]
    assert inline and base64.b64decode(inline[0]["data"]) == PNG_1PX and (inline[0].get("mimeType") or inline[0].get("mime_type")) == "image/png"
    assert "thinkingConfig" in json.dumps(body)
    assert KEY not in proc.stdout and KEY not in proc.stderr


def test_without_a_key_the_reason_is_plain(fake):
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env["GOOGLE_GEMINI_BASE_URL"] = fake.base_url
    proc = subprocess.run([sys.executable, "-m", "playground", "compare", "hi", "-m", "gemini:gemma-4-31b-it",
                           "--json"], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1
    pane = json.loads(proc.stdout)["panes"][0]
    assert "set GEMINI_API_KEY" in pane["error"]


def test_app_shows_a_local_and_an_api_pane_side_by_side(fake, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
    app = LaunchedApp(env={"GEMINI_API_KEY": KEY}, n_ctx=512)
    try:
        client = Client(app.url, verbose=False)
        job = client.submit(*run_args("Draw a pelican.", ["gemma-3-270m", "gemini:gemma-4-31b-it"],
                                      max_tokens=16, thinking=True), api_name="/run")
        job.result(timeout=120)
        local, api = pane_html(job.outputs(), 0), pane_html(job.outputs(), 1)
        assert "gp-status-done" in local and "gp-status-done" in api
        assert "Thinking" in api and "Draw simply." in api
        assert 'src="data:image/svg+xml;base64,' in api  # the drawing, as an image
        assert "removed duplicate attribute x1" in api
        assert KEY not in local + api
    finally:
        app.close()
