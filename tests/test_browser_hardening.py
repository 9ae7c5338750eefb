"""The hardening seen from Chromium: the login page still works without its API description, and
the image box still uploads (Gradio's own decoding is bypassed) and shows a refusal as one sentence."""

from __future__ import annotations

import pytest

from support.browser import browser  # noqa: F401  (the shared Chromium fixture)
from test_hardening_web import FAST_MODEL, Served

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.script_errors = errors
    yield page
    context.close()


def test_the_login_page_still_logs_in_without_its_api_description(browser, page):
    served = Served(auth=("alice", "pw-123"))
    try:
        page.goto(served.url + "/", wait_until="domcontentloaded")
        assert page.evaluate("() => window.gradio_api_info") is None
        page.get_by_text("After 5 wrong logins within a minute").wait_for(timeout=30_000)
        page.locator("input[type=text]").first.fill("alice")
        page.locator("input[type=password]").fill("wrong")
        page.get_by_role("button", name="Login").click()
        page.get_by_text("Incorrect Credentials").wait_for(timeout=10_000)
        page.locator("input[type=text]").first.fill("alice")
        page.locator("input[type=password]").fill("pw-123")
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#gp-run", timeout=30_000)
        assert page.evaluate("() => !!window.gradio_api_info && '/run' in window.gradio_api_info.named_endpoints")
        assert not page.script_errors, page.script_errors
    finally:
        served.close()


OPEN_APP: dict = {}


@pytest.fixture(scope="module")
def open_app():
    """The app with one Gemini pane picked (no key in the tests: a run ends at once, after the image check)."""
    from conftest import free_port
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime
    from playground.ui.app import PlaygroundApp, launch

    config = AppConfig(n_ctx=512)
    OPEN_APP["config"] = config  # the pixel cap is the config's (max_image_megapixels)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    app = PlaygroundApp(runtime, default_models=[FAST_MODEL])
    demo, _ = launch(app, port=free_port(), block=False)
    yield demo.local_url.rstrip("/")
    demo.close()
    app.close()
    runtime.close()


def upload_and_run(page, url: str, picture) -> None:
    page.goto(url + "/", wait_until="domcontentloaded")
    page.wait_for_selector("#gp-run", timeout=30_000)
    page.get_by_text("System prompt and image").click()
    page.locator("#gp-image input[type=file]").set_input_files(str(picture))
    page.wait_for_selector("#gp-image img", timeout=20_000)
    page.locator("#gp-prompt textarea").fill("What is in this picture?")
    page.locator("#gp-run").click()


def test_an_uploaded_image_reaches_the_run(page, open_app, tmp_path):
    from PIL import Image

    picture = tmp_path / "fine.png"
    Image.new("RGB", (80, 60), "orange").save(picture)
    upload_and_run(page, open_app, picture)
    page.locator("#gp-pane-0 .gp-state[data-status='error']").wait_for(timeout=30_000)  # no Gemini key: the pane ran
    assert "Image refused" not in page.content()
    assert not page.script_errors, page.script_errors


def test_a_refused_image_is_one_sentence_in_the_page(page, open_app, tmp_path, monkeypatch):
    from PIL import Image

    import playground.ui.uploads as uploads

    monkeypatch.setattr(uploads, "DEFAULT_MAX_IMAGE_MEGAPIXELS", 0.5)  # a small "huge" image for the browser
    monkeypatch.setattr(OPEN_APP["config"], "max_image_megapixels", 0.5)
    picture = tmp_path / "big.png"
    Image.new("L", (1000, 1000)).save(picture)
    upload_and_run(page, open_app, picture)
    sentence = ("Image refused: The image is 1000×1000 pixels (1 megapixels); the limit is 0.5 megapixels. "
                "Resize it, or raise max_image_megapixels in the config.")
    page.get_by_text(sentence).first.wait_for(timeout=30_000)
    assert "/tmp" not in page.locator("body").inner_text()
