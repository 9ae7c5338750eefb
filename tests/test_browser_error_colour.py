"""A pane that failed says so in red, in dark mode too. Gradio's dark theme sets
--error-text-color to #fef2f2 (near white), so an error read like an answer on a dark page."""

from __future__ import annotations

import pytest

from conftest import LaunchedApp
from fake_gemini import FakeGemini, Scenario
from test_browser import browser  # noqa: F401  (fixture)
from test_browser_surface import API, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "error-colour-key-0123456789"

COLOURS = """() => {
    const rgb = s => s.match(/\\d+/g).slice(0, 3).map(Number);
    return {error: rgb(getComputedStyle(document.querySelector('.gp-pane .gp-error')).color),
            text: rgb(getComputedStyle(document.querySelector('.gp-pane')).color)};
}"""


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    with FakeGemini(Scenario(valid_keys=frozenset({"another-key"}))) as fake:
        env = {"GEMINI_API_KEY": KEY, "GOOGLE_GEMINI_BASE_URL": fake.base_url}
        launched = LaunchedApp(cache_dir=tmp_path_factory.mktemp("error-colour"), env=env, n_ctx=512)
        yield launched, fake
        launched.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_error_is_red_not_the_answer_colour(refusing, browser, monkeypatch, scheme):  # noqa: F811
    app, fake = refusing
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)  # the SDK reads it from the process
    page = Page(browser, "laptop", scheme)
    try:
        page.open(f"{app.url}/?q=Refused+{scheme}&m={API}&mt=16")
        page.locator("#gp-run").click()
        page.wait_for_selector(".gp-pane .gp-error")
        colours = page.evaluate(COLOURS)
        red, green, blue = colours["error"]
        assert red > green + 60 and red > blue + 60, f"the error is not red in {scheme}: {colours}"
        assert sum(abs(a - b) for a, b in zip(colours["error"], colours["text"])) > 120, colours
    finally:
        page.context.close()
