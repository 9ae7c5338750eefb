"""The browser side of the tests: headless Chromium (Debian's, through Playwright), a page that
remembers script errors, the app launched for a module, and comparisons seeded into its cache and
brought back through History, the way a user does.

Needs Debian's chromium (playwright cannot download browsers here). Missing → skipped, unless
GP_REQUIRE_BROWSER=1 (CI), then it fails.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, LaunchedApp

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
MODEL = "gemma-3-270m"
FINISHED = ("done", "stopped", "error", "cached")


def browser_unavailable(reason: str):
    if os.environ.get("GP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"GP_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("GP_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        browser_unavailable("chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=30_000)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    launched = LaunchedApp(cache_dir=tmp_path_factory.mktemp("browser-cache"))
    yield launched.url, launched.cache
    launched.close()


class Page:
    """A Playwright page plus the uncaught script errors seen on it."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def __getattr__(self, name):
        return getattr(self.page, name)

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_selector("#gp-run", timeout=30_000)
        self.page.wait_for_function("() => !!window.gp", timeout=10_000)

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def statuses(self) -> list[str]:
        return self.page.eval_on_selector_all(".gp-pane .gp-state", "els => els.map(e => e.dataset.status)")

    def wait_statuses(self, predicate, timeout_s: float, what: str) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            statuses = self.statuses()
            if predicate(statuses):
                return statuses
            self.page.wait_for_timeout(100)
        raise AssertionError(f"{what}: pane states still {self.statuses()} after {timeout_s} s")

    def assert_no_script_errors(self) -> None:
        assert not self.errors, f"uncaught errors in the page: {self.errors}"


def new_page(browser, color_scheme: str = "light") -> Page:
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return Page(page)


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def set_parameter(page: Page, elem_id: str, value: str) -> None:
    """Open the Parameters menu if needed, type into a field (a slider's number box or a text
    box), then close the menu again (it floats over the panes)."""
    box = page.locator(f"#{elem_id} input[type=number], #{elem_id} textarea, #{elem_id} input[type=text]").first
    menu = page.locator("#gp-menu-params > button.label-wrap")
    opened = not box.is_visible()
    if opened:
        menu.click()
    box.fill(value)
    box.press("Tab")
    if opened:
        menu.click()


def open_examples(page: Page) -> None:
    if page.locator("#gp-examples > button.label-wrap.open").count() == 0:
        page.locator("#gp-examples > button.label-wrap").click()


def restore(page: Page, query: str, panes: int) -> None:
    """History → search → Restore, then wait for the panes (and their drawings) on Compare."""
    page.get_by_role("tab", name="History").click()
    page.locator("#gp-history-query input, #gp-history-query textarea").first.fill(query)
    page.locator("#gp-history-search").click()
    page.get_by_text("1 comparison(s)").wait_for()
    page.wait_for_function("q => document.querySelector('#gp-history-pick input').value.includes(q)", arg=query)
    page.locator("#gp-history-restore").click()
    page.wait_for_function(f"() => document.querySelectorAll('.gp-pane').length === {panes}")
    page.wait_for_function("() => /restored the comparison/.test(document.getElementById('gp-run-status').textContent)")


# ---------------------------------------------------------------- seeded comparisons
PARAGRAPH = "Pelican {n} rides a red bicycle along the quiet harbour road and sings about fish."
SVG_BLOCK = ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
             '<rect width="100" height="100" fill="#bde0f7"/><circle cx="50" cy="45" r="20" fill="#ffffff" '
             'stroke="#444"/><path d="M62 40 L92 46 L62 50 Z" fill="#f5a028"/></svg>\n```')
INJECTED = "Inline markup stays text: <img src=x onerror=window.__gpPwned=1> <b>bold</b>"


def long_answer(paragraphs: int = 90) -> str:
    return SVG_BLOCK + "\n\n" + "\n\n".join(PARAGRAPH.format(n=n) for n in range(1, paragraphs + 1))


def edited_answer() -> str:
    """The baseline with known edits: red→blue (+1 −1), "slowly" added (+1), "quiet" dropped (−1),
    and eight words of HTML-looking text added (+8). Word diff: +10 −2."""
    text = long_answer()
    text = text.replace(PARAGRAPH.format(n=2), PARAGRAPH.format(n=2).replace("red", "blue"))
    text = text.replace(PARAGRAPH.format(n=5), PARAGRAPH.format(n=5).replace("rides", "rides slowly"))
    text = text.replace(PARAGRAPH.format(n=9), PARAGRAPH.format(n=9).replace("quiet ", ""))
    return text + "\n\n" + INJECTED


def seed(cache, prompt: str, texts: list[str]) -> None:
    from playground.adapters.base import GenerationSettings
    from playground.result import Metrics, PaneResult

    panes = []
    for i, text in enumerate(texts):
        key = f"browser-test-{uuid.uuid4().hex}"
        settings = GenerationSettings(max_tokens=512).model_dump()
        result = PaneResult(model=MODEL, source="local", settings=settings, text=text, finish_reason="stop",
                            metrics=Metrics(tokens_per_s=40.0 + 5 * i, ttft_s=0.2, completion_tokens=120,
                                            total_s=3.0 + i),
                            created_at=time.time())
        panes.append({"model": MODEL, "label": "Gemma 3 270M", "source": "local", "settings": settings,
                      "key": key, "sample": cache.add_sample(key, result)})
    cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=panes)


# A pane's diff with the deleted words taken out, and the pane's answer, as word lists.
DIFF_WORDS_VS_ANSWER = """(index) => {
    const pane = document.querySelector(`.gp-pane[data-pane="${index}"]`);
    const shown = pane.querySelector('.gp-diff-text');
    if (!shown) return [null, []];
    const clone = shown.cloneNode(true);
    clone.querySelectorAll('del').forEach(d => d.remove());
    // The diff works on the raw answer (markdown included) the server keeps in a <template>.
    const answer = pane.querySelector('template.gp-raw').content.textContent;
    return [clone.textContent.split(/\\s+/).filter(Boolean), answer.split(/\\s+/).filter(Boolean)];
}"""
