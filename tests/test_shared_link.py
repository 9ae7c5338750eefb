"""A shared link: login by default, keys never leak, files served only from the app's paths,
and an offline tunnel is reported while the app keeps serving locally."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import LaunchedApp, free_port, wait_for

pytestmark = pytest.mark.slow
SECRET = "AIzaSy-test-secret-key-do-not-leak-123"


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory):
    """The app behind a login, with a Gemini key in its environment."""
    app = LaunchedApp(env={"GEMINI_API_KEY": SECRET}, auth=("alice", "pw-123"), n_ctx=512)
    yield app.url
    app.close()


def test_without_login_neither_the_ui_nor_its_api_is_reachable(guarded_app):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    status, body = http_get(guarded_app + "/config")
    assert status in (401, 403)
    status, _ = http_get(guarded_app + "/gradio_api/info")
    assert status in (401, 403)
    # refused for want of a login (401), or its config not readable (403); not a server that is down
    with pytest.raises((AuthenticationError, ValueError), match="credentials were not provided|Could not fetch config"):
        Client(guarded_app, verbose=False)


def logged_in(url):
    import httpx

    session = httpx.Client(timeout=10, follow_redirects=True)
    response = session.post(url + "/login", data={"username": "alice", "password": "pw-123"})
    assert response.status_code == 200, response.text
    return session


def test_with_login_the_api_works_and_the_key_never_appears(guarded_app):
    from gradio_client import Client

    client = Client(guarded_app, auth=("alice", "pw-123"), verbose=False)
    api = client.view_api(print_info=False, return_format="dict")
    assert "/run" in api["named_endpoints"]
    # The key is in the server's environment, yet in nothing the browser can read. The page
    # config does list the Gemini models as ready (so the key was seen), without the key.
    session = logged_in(guarded_app)
    config = session.get(guarded_app + "/config").text
    assert "Gemma 4 31B (Gemini API)" in config and "set GEMINI_API_KEY" not in config
    for path in ("/", "/config", "/gradio_api/info"):
        response = session.get(guarded_app + path)
        assert response.status_code == 200
        assert SECRET not in response.text


def test_files_outside_the_app_are_not_served(guarded_app):
    session = logged_in(guarded_app)
    for path in ("/gradio_api/file=/etc/passwd", "/file=/etc/passwd", "/gradio_api/file=../../etc/passwd",
                 "/gradio_api/file=" + os.path.abspath(__file__)):
        response = session.get(guarded_app + path)
        assert response.status_code in (403, 404), path
        assert "root:" not in response.text and "SECRET" not in response.text


def test_share_offline_says_so_prints_a_login_and_keeps_serving(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ, GEMMA_PLAYGROUND_CACHE_DIR=str(tmp_path / "cache"))
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "playground", "--share", "--no-browser", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        wait_for(lambda: "could not open the public share link" in log.read_text()
                 or "shared link: http" in log.read_text() or proc.poll() is not None, timeout_s=120)
        text = log.read_text()
        assert "login for the shared link: user 'gemma', password '" in text, text
        assert "could not open the public share link" in text and "still serving locally" in text, (text, proc.poll())
        status, _ = http_get(f"http://127.0.0.1:{port}/config")
        assert status in (401, 403)  # up, and behind the login
    finally:
        proc.terminate()
        proc.wait(timeout=20)
