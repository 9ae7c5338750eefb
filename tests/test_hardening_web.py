"""A shared link under attack: forged X-Forwarded-For headers neither dodge the run limit nor spend
someone else's budget, wrong logins are throttled per address, the login page describes no API,
user mistakes are logged in one line, and export folders do not pile up in the temp dir."""

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import free_port

gradio_client = pytest.importorskip("gradio_client")
FAST_MODEL = "gemini:gemma-4-31b-it"  # no key in the tests: the pane fails at once, after the limit check


# ---------------------------------------------------------------- who is asking
def fake_request(peer, forwarded=None):
    headers = {} if forwarded is None else {"x-forwarded-for": forwarded}
    return SimpleNamespace(headers=headers, client=SimpleNamespace(host=peer))


def test_a_forwarded_address_from_a_remote_peer_is_ignored():
    from playground.ui.app import client_address

    assert client_address(fake_request("203.0.113.7", "10.0.0.1")) == "203.0.113.7"


def test_behind_a_local_proxy_only_the_last_forwarded_entry_counts():
    from playground.ui.app import client_address

    assert client_address(fake_request("127.0.0.1", "10.0.3.1, 127.0.0.1")) == "127.0.0.1"
    assert client_address(fake_request("127.0.0.1", "10.0.0.99, 198.51.100.4")) == "198.51.100.4"
    assert client_address(fake_request("::1", " 198.51.100.4 ")) == "198.51.100.4"


def test_without_a_forwarded_header_the_peer_counts():
    from playground.ui.app import client_address

    assert client_address(fake_request("127.0.0.1")) == "127.0.0.1"
    assert client_address(fake_request("127.0.0.1", "")) == "127.0.0.1"
    assert client_address(SimpleNamespace(headers={}, client=None)) == "unknown"


def test_every_forwarded_header_line_is_read_and_the_last_entry_wins():
    from starlette.datastructures import Headers

    from playground.ui.app import client_address

    headers = Headers(raw=[(b"x-forwarded-for", b"10.0.0.1"), (b"x-forwarded-for", b"198.51.100.9")])
    request = SimpleNamespace(headers=headers, client=SimpleNamespace(host="127.0.0.1"))
    assert client_address(request) == "198.51.100.9"


def test_login_attempts_count_as_failed_until_they_succeed():
    from playground.ui.limits import LoginThrottle

    throttle = LoginThrottle(max_failures=2, window_s=60, clock=lambda: 0.0)
    started = [throttle.begin("a") for _ in range(3)]  # three at once, none answered yet
    assert [stamp is not None for _, stamp in started] == [True, True, False]
    throttle.succeeded("a", started[0][1])
    assert throttle.wait_s("a") == 0


def test_failed_logins_are_refused_after_the_limit_until_the_window_passes():
    from playground.ui.limits import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(max_failures=5, window_s=60, clock=lambda: now[0])
    for _ in range(5):
        assert throttle.wait_s("a") == 0
        assert throttle.begin("a")[1] is not None  # and never succeeds
    assert throttle.wait_s("a") == pytest.approx(60)
    assert throttle.wait_s("b") == 0
    now[0] = 61
    assert throttle.wait_s("a") == 0


# ---------------------------------------------------------------- a real launch
class Served:
    def __init__(self, runs_per_minute=0, auth=None):
        from playground.catalog import Catalog
        from playground.config import AppConfig
        from playground.runtime import Runtime
        from playground.ui.app import PlaygroundApp, launch

        config = AppConfig(n_ctx=512)
        self.runtime = Runtime(config, Catalog(config, scan_disk=False))
        self.app = PlaygroundApp(self.runtime, runs_per_minute=runs_per_minute)
        self.demo, _ = launch(self.app, port=free_port(), auth=auth, block=False)
        self.url = self.demo.local_url.rstrip("/")

    def close(self):
        self.demo.close()
        self.app.close()
        self.runtime.close()


def run_args(prompt, models):
    from support.ui_client import run_args as ordered

    return ordered(prompt, models)


def try_run(url, forwarded=None):
    """One run with an optional X-Forwarded-For header: None if accepted, else the refusal."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else None
    client = gradio_client.Client(url + "/", verbose=False, headers=headers)
    try:
        client.predict(*run_args("Say hi.", [FAST_MODEL]), api_name="/run")
    except gradio_client.exceptions.AppError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def limited():
    served = Served(runs_per_minute=2)
    yield served
    served.close()


@pytest.mark.slow
def test_forged_forwarded_headers_do_not_dodge_the_run_limit(limited):
    from playground.ui.limits import RateLimiter

    limited.app.limiter = RateLimiter(2)
    answers = [try_run(limited.url, f"10.0.{i}.1, 127.0.0.1") for i in range(5)]
    assert answers[:2] == [None, None]
    assert all(a and "Too many runs from this address" in a for a in answers[2:]), answers


@pytest.mark.slow
def test_a_forged_first_entry_does_not_spend_someone_elses_budget(limited):
    from playground.ui.limits import RateLimiter

    limited.app.limiter = RateLimiter(2)
    victim = "10.0.0.99"  # what the local proxy appends for the victim
    attacker = [try_run(limited.url, f"{victim}, 198.51.100.66") for _ in range(3)]
    assert attacker[2] and "Too many runs" in attacker[2]
    assert try_run(limited.url, victim) is None


@pytest.fixture(scope="module")
def guarded():
    served = Served(auth=("alice", "pw-123"))
    yield served
    served.close()


def login(url, password, forwarded=None):
    import httpx

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return httpx.post(url + "/login", data={"username": "alice", "password": password}, headers=headers,
                      timeout=10)


@pytest.mark.slow
def test_twenty_wrong_logins_cannot_all_be_tried(guarded):
    answers = [login(guarded.url, f"guess-{i}", f"10.0.{i}.1, 198.51.100.20") for i in range(20)]
    details = [a.json()["detail"] for a in answers]
    assert details[:5] == ["Incorrect credentials."] * 5  # five passwords were checked ...
    assert all(d.startswith("Too many failed logins from this address: try again in ") for d in details[5:])
    assert all(a.headers.get("retry-after") for a in answers[5:])  # ... the rest refused unchecked
    refused = login(guarded.url, "pw-123", "198.51.100.20")
    assert refused.status_code != 200 and "Too many failed logins" in refused.text


@pytest.mark.slow
def test_wrong_logins_sent_all_at_once_are_throttled_too(guarded):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: login(guarded.url, f"guess-{i}", "198.51.100.40"), range(20)))
    details = [a.json()["detail"] for a in answers]
    assert details.count("Incorrect credentials.") == 5, details


@pytest.mark.slow
def test_a_correct_login_from_another_address_still_works(guarded):
    for i in range(8):
        login(guarded.url, f"guess-{i}", "198.51.100.30")
    assert login(guarded.url, "pw-123", "198.51.100.31").status_code == 200


@pytest.mark.slow
def test_the_login_page_describes_no_api(guarded):
    import httpx

    statuses = {}
    for path in ("/", "/?all_endpoints=true", "/gradio_api/runs"):
        response = httpx.get(guarded.url + path, timeout=10)
        statuses[path] = response.status_code
        if response.status_code == 404:  # not a page in this Gradio: nothing served, nothing to check
            continue
        page = response.text
        assert "window.gradio_api_info = null" in page, path
        for secret in ("gemma-3-270m", "named_endpoints", "reroll_0", "/run"):
            assert secret not in page, (path, secret)
    assert statuses["/"] == 200 and statuses["/?all_endpoints=true"] == 200, statuses  # the pages were checked


@pytest.mark.slow
def test_after_login_the_page_has_its_api_description(guarded):
    import httpx

    with httpx.Client(timeout=10) as session:
        assert session.post(guarded.url + "/login", data={"username": "alice", "password": "pw-123"},
                            headers={"X-Forwarded-For": "198.51.100.77"}).status_code == 200
        page = session.get(guarded.url + "/").text
    assert "named_endpoints" in page and "gemma-3-270m" in page


# ---------------------------------------------------------------- logs and temp folders
@pytest.mark.slow
def test_a_user_mistake_is_logged_in_one_line_without_a_traceback(capfd, monkeypatch):
    from playground.ui import errors
    from playground.ui.limits import LogLimiter

    # The log limit is one per process (20 lines a minute): other tests' user errors in the same
    # minute must not use up this one's line.
    monkeypatch.setattr(errors, "_LOG_LIMIT", LogLimiter(lines=20, window_s=60.0))
    served = Served()
    try:
        capfd.readouterr()
        client = gradio_client.Client(served.url + "/", verbose=False)
        with pytest.raises(gradio_client.exceptions.AppError, match="The prompt is empty"):
            client.predict(*run_args("   ", [FAST_MODEL]), api_name="/run")
        # the server logs from its own thread: wait for the line itself, not for a fixed time
        err = ""
        deadline = time.monotonic() + 30
        while "user error" not in err and time.monotonic() < deadline:
            time.sleep(0.05)
            err += capfd.readouterr().err
        err += capfd.readouterr().err
    finally:
        served.close()
    assert "gemma-playground: user error: The prompt is empty: type what to ask the models." in err
    assert err.count("The prompt is empty") == 1
    assert "Traceback" not in err and "gradio.exceptions.Error" not in err


def test_stale_export_folders_are_swept_and_nothing_else(tmp_path):
    from playground.ui.export import EXPORT_PREFIX, sweep_stale_exports

    day = 24 * 3600
    now = time.time()

    def folder(name, age_s):
        path = tmp_path / name
        path.mkdir()
        (path / "gemma-comparison.html").write_text("x")
        os.utime(path, (now - age_s, now - age_s))
        return path

    stale = folder(EXPORT_PREFIX + "old", 2 * day)
    (stale / "owner.lock").write_text("4194304\n")  # its owner process is gone (nobody holds the lock)
    fresh = folder(EXPORT_PREFIX + "fresh", 60)
    other = folder("someone-elses-old-folder", 2 * day)
    outside = folder("outside-target", 2 * day)
    link = tmp_path / (EXPORT_PREFIX + "link")
    link.symlink_to(outside)
    os.utime(link, (now - 2 * day, now - 2 * day), follow_symlinks=False)
    plain_file = tmp_path / (EXPORT_PREFIX + "file")
    plain_file.write_text("keep")
    os.utime(plain_file, (now - 2 * day, now - 2 * day))

    removed = sweep_stale_exports(str(tmp_path), max_age_s=day, now=now)
    assert removed == [str(stale)] and not stale.exists()
    for kept in (fresh, other, outside / "gemma-comparison.html", link, plain_file):
        assert kept.exists(), kept


def test_an_export_folder_owned_by_another_user_is_left_alone(tmp_path, monkeypatch):
    from playground.ui.export import EXPORT_PREFIX, sweep_stale_exports

    folder = tmp_path / (EXPORT_PREFIX + "theirs")
    folder.mkdir()
    os.utime(folder, (0, 0))
    monkeypatch.setattr(os, "getuid", lambda: folder.stat().st_uid + 1)
    assert sweep_stale_exports(str(tmp_path), now=time.time()) == [] and folder.exists()


@pytest.mark.slow
def test_the_export_folder_is_removed_when_the_process_exits(tmp_path):
    code = ("from playground.catalog import Catalog; from playground.config import AppConfig;"
            "from playground.runtime import Runtime; from playground.ui.app import PlaygroundApp;"
            "c = AppConfig(); app = PlaygroundApp(Runtime(c, Catalog(c, scan_disk=False)));"
            "open(app.export_dir + '/x.html', 'w').write('x'); print(app.export_dir)")
    env = dict(os.environ, TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    export_dir = Path(done.stdout.strip().splitlines()[-1])
    assert export_dir.parent == tmp_path and export_dir.name.startswith("gemma-playground-export-")
    assert not export_dir.exists()


@pytest.mark.slow
def test_an_inline_data_image_is_refused_with_a_sentence():
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    inline = {"url": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), "path": None,
              "meta": {"_type": "gradio.FileData"}}
    served = Served()
    try:
        client = gradio_client.Client(served.url + "/", verbose=False)
        with pytest.raises(gradio_client.exceptions.AppError, match=r"^The image must be uploaded as a file"):
            client.predict(*run_args_with_image("Describe it.", inline), api_name="/run")
    finally:
        served.close()


def run_args_with_image(prompt, image):
    from support.ui_client import run_args as ordered

    return ordered(prompt, [FAST_MODEL], image=image)


def test_importing_the_app_writes_no_stub_file_into_the_package():
    """Gradio writes a .pyi next to the module of any Component subclass; the app defines none."""
    import playground.ui.app as app_module

    assert not list(Path(app_module.__file__).parent.glob("*.pyi"))
