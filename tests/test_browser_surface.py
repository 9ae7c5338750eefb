"""The judging surface in headless Chromium (issue 12): the panes own the first screen, the
per-pane actions fit and line up, the link carries the whole comparison and is current after every
change, History Restore → Run replays from the cache, identical re-runs are one History row.

1366×768 and 1920×1080, light and dark, 1, 2, 4 and 6 panes. Streaming panes come from the
loopback fake Gemini (fast, deterministic); the cache round trip uses the tiny bundled model.
Screenshots go to artifacts/screenshots/surface-*.png: look at them.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import LaunchedApp
from fake_gemini import FakeGemini, Scenario, text_chunks
from test_browser import FINISHED, PARAGRAPH, SCREENSHOTS, browser, long_answer, restore, seed  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "surface-test-key-0123456789"
API = "gemini:gemma-4-31b-it"
LOCAL = "gemma-3-270m"
SIZES = {"laptop": {"width": 1366, "height": 768}, "desktop": {"width": 1920, "height": 1080}}
STREAM = [f"Line {n}: the pelican pedals past the harbour and waves at the gulls.\n\n" for n in range(1, 41)]


@pytest.fixture(scope="module")
def fake():
    with FakeGemini(Scenario(chunks=text_chunks(STREAM), chunk_delay_s=0.05)) as server:
        yield server


@pytest.fixture(scope="module")
def app(tmp_path_factory, fake):
    # The runtime's own environment (the suite's autouse fixture clears the process's per test).
    env = {"GEMINI_API_KEY": KEY, "GOOGLE_GEMINI_BASE_URL": fake.base_url}
    launched = LaunchedApp(cache_dir=tmp_path_factory.mktemp("surface-cache"), env=env, n_ctx=512)
    yield launched
    launched.close()


@pytest.fixture(autouse=True)
def gemini_env(fake, monkeypatch):
    """The SDK reads the base URL when a client is built, from the process environment."""
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)


class Page:
    def __init__(self, browser, size="laptop", scheme="light"):
        self.context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def __getattr__(self, name):
        return getattr(self.page, name)

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_selector("#gp-run", timeout=30_000)
        self.page.wait_for_function("() => !!window.gp && !!window.gp.config().fields", timeout=10_000)
        if "q=" in url:  # the link's fields are filled by the server on load
            self.page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
            self.page.wait_for_timeout(200)

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"surface-{name}.png"))

    def statuses(self) -> list[str]:
        return self.page.eval_on_selector_all(".gp-pane .gp-state", "els => els.map(e => e.dataset.status)")

    def wait_finished(self, count: int, timeout_s: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            statuses = self.statuses()
            if len(statuses) == count and all(s in FINISHED for s in statuses):
                return statuses
            self.page.wait_for_timeout(50)
        raise AssertionError(f"panes still {self.statuses()}")

    def params(self) -> list[list[str]]:
        return parse_qsl(urlsplit(self.page.url).query, keep_blank_values=True)

    def close(self) -> None:
        assert not self.errors, f"uncaught errors in the page: {self.errors}"
        self.context.close()


@pytest.fixture
def make_page(browser):
    pages = []

    def make(size="laptop", scheme="light"):
        page = Page(browser, size, scheme)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


GEOMETRY = """() => {
    const vh = window.innerHeight, vw = window.innerWidth;
    const slots = [...document.querySelectorAll('.gp-pane-slot')].filter(s => s.getClientRects().length);
    return {
        vh, vw,
        pageOverflow: document.documentElement.scrollWidth - vw,
        panes: slots.map(slot => {
            const pane = slot.querySelector('.gp-pane'), r = pane.getBoundingClientRect();
            const text = pane.querySelector('.gp-answer');
            const textTop = text ? text.getBoundingClientRect().top : null;
            const sr = slot.getBoundingClientRect();
            const wider = [...slot.querySelectorAll('*')].filter(e => {
                    if (!e.getClientRects().length) return false;
                    // Cut on purpose with an ellipsis (a header line; the full text is its tooltip).
                    for (let a = e; a && a !== slot; a = a.parentElement) {
                        if (getComputedStyle(a).textOverflow === 'ellipsis') return false;
                    }
                    const b = e.getBoundingClientRect();
                    return b.width > 0 && (b.right > sr.right + 1 || b.left < sr.left - 1);
                }).map(e => e.tagName + '.' + [...e.classList].join('.') + ' ' + Math.round(e.getBoundingClientRect().width) + '/' + Math.round(sr.width));
            const actions = slot.querySelector('.gp-pane-actions').getBoundingClientRect();
            const buttons = [...slot.querySelectorAll('.gp-pane-actions button')];
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, textTop,
                    wider, actionsTop: actions.top, actionsHeight: actions.height,
                    buttonsInside: buttons.every(b => { const q = b.getBoundingClientRect();
                        return q.left >= sr.left - 1 && q.right <= sr.right + 1 && q.top >= actions.top - 1 && q.bottom <= actions.bottom + 1; }),
                    titles: buttons.map(b => b.getAttribute('title') || ''),
                    scrolls: pane.querySelector('.gp-body').scrollHeight > pane.querySelector('.gp-body').clientHeight};
        }),
    };
}"""


def check_geometry(page: Page, count: int) -> dict:
    page.page.wait_for_timeout(150)  # the pane height follows the layout (a 50 ms timer)
    g = page.evaluate(GEOMETRY)
    panes = g["panes"]
    assert len(panes) == count
    assert g["pageOverflow"] <= 0, "the page scrolls sideways"
    for i, p in enumerate(panes):
        assert p["textTop"] is not None and p["textTop"] < g["vh"] - 40, f"pane {i + 1}'s answer is below the fold: {p}"
        assert p["wider"] == [], f"pane {i + 1} has elements wider than its pane"
        assert p["buttonsInside"], f"pane {i + 1}'s action buttons overflow their row"
        assert all(p["titles"]) and len(p["titles"]) == 6, p["titles"]
        assert p["actionsHeight"] <= 32, "the action row wraps"
        if count <= 4:
            assert p["bottom"] <= g["vh"] + 1, f"pane {i + 1} does not fit the screen: {p}"
    tops = {round(p["actionsTop"]) for p in panes}
    assert max(tops) - min(tops) <= 1, f"action rows not aligned: {tops}"
    assert all(abs(p["top"] - panes[0]["top"]) < 2 for p in panes), "panes not on one row"
    return g


@pytest.mark.parametrize("size,scheme", [("laptop", "light"), ("laptop", "dark"), ("desktop", "light"),
                                         ("desktop", "dark")])
@pytest.mark.parametrize("count", [1, 2, 4, 6])
def test_a_run_streams_into_panes_on_the_first_screen(app, make_page, size, scheme, count):
    page = make_page(size, scheme)
    models = "&".join(f"m={API}" for _ in range(count))
    page.open(f"{app.url}/?q=Describe+a+pelican+ride+{size}+{scheme}+{count}&{models}&mt=256")
    assert not page.locator("#gp-compare-tools").is_visible(), "comparison tools before there is anything to compare"
    page.locator("#gp-run").click()
    # While streaming: every pane's first lines are on screen, without scrolling.
    page.wait_for_function(f"() => document.querySelectorAll('.gp-pane .gp-answer').length === {count}", timeout=20_000)
    assert page.evaluate("() => window.scrollY") == 0
    check_geometry(page, count)
    page.shot(f"{size}-{scheme}-{count}-streaming")
    page.wait_finished(count)
    assert page.locator("#gp-compare-tools").is_visible()
    g = check_geometry(page, count)
    assert g["panes"][0]["scrolls"], "a long answer scrolls inside its pane"
    page.shot(f"{size}-{scheme}-{count}-done")


def test_expand_a_pane_to_full_width_and_back(app, make_page):
    page = make_page()
    page.open(f"{app.url}/?q=Expand+me&m={API}&m={API}&m={API}")
    page.locator("#gp-run").click()
    page.wait_finished(3)
    narrow = page.locator("#gp-slot-1 .gp-pane").bounding_box()["width"]
    page.locator("#gp-expand-1").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-pane-slot.gp-expanded').length === 1")
    wide = page.locator("#gp-slot-1 .gp-pane").bounding_box()["width"]
    assert wide > 2.5 * narrow and not page.locator("#gp-slot-0").is_visible()
    page.shot("expanded")
    page.locator("#gp-expand-1").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-pane-slot.gp-expanded').length === 0")
    assert page.locator("#gp-slot-0").is_visible()
    assert abs(page.locator("#gp-slot-1 .gp-pane").bounding_box()["width"] - narrow) < 2


def url_within(page: Page, predicate: str, what: str) -> dict:
    """Wait for the link to follow a change (the wait is the check; 5 s only keeps a broken page from
    hanging the run). How fast it follows is a figure for benchmarks/bench_browser.py, not a test."""
    page.wait_for_function(f"() => {{ const p = new URLSearchParams(location.search); return {predicate}; }}",
                           timeout=5_000)
    return dict(page.params())


def pick(page: Page, slot: int, label: str) -> None:
    page.locator(f"#gp-model-{slot} input").click()
    page.get_by_role("option", name=label).first.click()


def open_menu(page: Page, elem_id: str) -> None:
    if page.locator(f"#{elem_id} > button.label-wrap.open").count() == 0:
        page.locator(f"#{elem_id} > button.label-wrap").click()
        # Gradio mounts a folded menu's fields when it opens and sets their values just after; a
        # value typed in that first instant (no person is that fast) is overwritten. Wait until
        # the fields are there and settled, as a person's next keystroke would.
        page.locator(f"#{elem_id} > button.label-wrap.open").wait_for(state="visible")
        page.wait_for_timeout(250)


def close_menu(page: Page, elem_id: str) -> None:
    if page.locator(f"#{elem_id} > button.label-wrap.open").count():
        page.locator(f"#{elem_id} > button.label-wrap").click()


def test_the_link_follows_every_change_and_restores_every_field(app, make_page):
    page = make_page()
    page.open(f"{app.url}/")
    page.locator("#gp-prompt textarea").fill("Link me, pelican")
    url_within(page, "p.get('q') === 'Link me, pelican'", "prompt")
    pick(page, 2, "Gemma 4 31B (Gemini API)")
    params = url_within(page, "p.getAll('m').length === 3", "pane 3's model")
    assert page.evaluate("() => new URLSearchParams(location.search).getAll('m')") == [LOCAL, LOCAL, API]
    open_menu(page, "gp-menu-system")
    page.locator("#gp-system textarea").fill("Answer in French.")
    url_within(page, "p.get('sys') === 'Answer in French.'", "system prompt")
    close_menu(page, "gp-menu-system")
    open_menu(page, "gp-menu-params")
    page.locator("#gp-temperature input, #gp-temperature textarea").first.fill("0.4")
    url_within(page, "p.get('t') === '0.4'", "temperature")
    box = page.locator("#gp-samples input[type=number]")
    box.fill("3")
    box.press("Tab")
    url_within(page, "p.get('n') === '3'", "samples")
    page.locator("#gp-seed input, #gp-seed textarea").first.fill("42")
    url_within(page, "p.get('seed') === '42'", "seed")
    close_menu(page, "gp-menu-params")
    open_menu(page, "gp-pane-settings")
    assert "model default" in page.locator("#gp-temp-2 input, #gp-temp-2 textarea").first.get_attribute("placeholder")
    page.locator("#gp-temp-2 input, #gp-temp-2 textarea").first.fill("1.3")
    url_within(page, "p.get('t3') === '1.3'", "pane 3 temperature")
    page.locator("#gp-max-tokens-0 input, #gp-max-tokens-0 textarea").first.fill("77")
    url_within(page, "p.get('mt1') === '77'", "pane 1 max tokens")
    page.locator("#gp-thinking-1 input").click()
    page.get_by_role("option", name="on", exact=True).click()
    url_within(page, "p.get('th2') === 'on'", "pane 2 thinking")
    close_menu(page, "gp-pane-settings")
    page.locator("#gp-blind label").click()
    params = url_within(page, "p.get('blind') === '1'", "blind")
    page.shot("link-menus")
    link = page.url
    assert len(link) < 4000

    # Opening the link restores every field.
    other = make_page()
    other.open(link)
    other.wait_for_function("() => document.querySelector('#gp-prompt textarea').value === 'Link me, pelican'")
    other.wait_for_timeout(300)
    assert other.locator("#gp-model-2 input").input_value().startswith("Gemma 4 31B (Gemini API)")
    open_menu(other, "gp-menu-system")  # a closed menu's fields are not in the page
    assert other.locator("#gp-system textarea").input_value() == "Answer in French."
    open_menu(other, "gp-menu-params")
    assert other.locator("#gp-temperature input, #gp-temperature textarea").first.input_value() == "0.4"
    assert other.locator("#gp-seed input, #gp-seed textarea").first.input_value() == "42"
    assert other.locator("#gp-samples input[type=number]").input_value() == "3"
    open_menu(other, "gp-pane-settings")
    assert other.locator("#gp-temp-2 input, #gp-temp-2 textarea").first.input_value() == "1.3"
    assert other.locator("#gp-max-tokens-0 input, #gp-max-tokens-0 textarea").first.input_value() == "77"
    assert other.locator("#gp-thinking-1 input").input_value() == "on"
    close_menu(other, "gp-pane-settings")
    assert other.locator("#gp-blind input[type=checkbox]").is_checked()
    assert dict(other.params()) == params  # the opened page writes the same link back

    # A prompt too long for the link stays out of it, and the page says so.
    page.locator("#gp-prompt textarea").fill("pelican " * 600)
    page.wait_for_function("() => !new URLSearchParams(location.search).has('q')")
    assert "too long for the link" in page.locator("#gp-link-note").inner_text()
    assert len(page.url) <= 4000


def test_a_link_made_with_an_image_says_so(app, make_page):
    page = make_page()
    page.open(f"{app.url}/?q=What+is+this%3F&m={API}&img=1&run=1")
    page.locator("#gp-url-note").get_by_text("cannot carry").wait_for()
    page.wait_for_timeout(800)
    assert page.locator(".gp-pane").count() == 0  # it did not run without its image


def test_stop_says_stopped(app, make_page):
    page = make_page()
    page.open(f"{app.url}/?q=Stop+me+please&m={API}&m={API}&mt=512")
    page.locator("#gp-run").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-pane .gp-answer').length === 2")
    page.locator("#gp-stop").click()
    page.wait_finished(2, 15)
    page.wait_for_function("() => /stopped/.test(document.getElementById('gp-run-status').textContent)")
    assert "all finished" not in page.locator("#gp-run-status").inner_text()


def test_restore_brings_back_every_setting_and_run_replays_from_the_cache(app, make_page):
    page = make_page()
    prompt = "Restore me: name one fish."
    page.open(f"{app.url}/?q={prompt.replace(' ', '+')}&m={LOCAL}&m={LOCAL}&mt=16&seed=5&t=0.5&t2=0.9&mt2=12")
    page.locator("#gp-run").click()
    page.wait_finished(2)
    page.locator("#gp-run").click()  # the identical comparison again: one History row
    page.wait_for_function("() => [...document.querySelectorAll('.gp-pane .gp-state')].every(s => s.dataset.status === 'cached')")
    facts = page.locator(".gp-pane .gp-facts").first.inner_text()
    page.open(f"{app.url}/")  # a fresh page: nothing in the form
    page.get_by_role("tab", name="History").click()
    page.locator("#gp-history-query input, #gp-history-query textarea").first.fill("Restore me")
    page.locator("#gp-history-search").click()
    page.get_by_text("1 comparison(s)").wait_for()
    assert "run 2 times" in page.locator("#gp-history-pick input").input_value()
    page.locator("#gp-history-restore").click()
    page.wait_for_function("() => /restored the comparison/.test(document.getElementById('gp-run-status').textContent)")
    assert page.locator("#gp-prompt textarea").input_value() == prompt
    assert page.locator(".gp-pane .gp-facts").first.inner_text() == facts  # the facts line is back
    page.wait_for_timeout(300)
    params = dict(page.params())
    # Shared where the panes agree, per pane where they differ.
    assert params.get("seed") == "5" and params.get("t1") == "0.5" and params.get("mt1") == "16", params
    assert params.get("t2") == "0.9" and params.get("mt2") == "12", params
    page.locator("#gp-run").click()
    page.wait_finished(2, 20)
    assert page.statuses() == ["cached", "cached"]
    page.shot("restore-run-cached")


def test_examples_fill_the_prompt_and_the_image_example_picks_seeing_models(app, make_page):
    from playground.ui.examples import IMAGE_QUESTION, PELICAN_PROMPT

    page = make_page()
    page.open(f"{app.url}/")
    dupes = page.evaluate("() => { const c = {}; document.querySelectorAll('[id]').forEach(e => { if (e.id) c[e.id] = (c[e.id] || 0) + 1; });"
                          " return Object.keys(c).filter(k => c[k] > 1); }")
    assert dupes == []
    open_menu(page, "gp-examples")
    page.get_by_text("Pelican riding a bicycle (SVG)").click()
    page.wait_for_function(f"() => document.querySelector('#gp-prompt textarea').value === {PELICAN_PROMPT!r}")
    open_menu(page, "gp-examples")
    page.get_by_text("Image question: the bundled pelican picture").click()
    page.wait_for_function(f"() => document.querySelector('#gp-prompt textarea').value === {IMAGE_QUESTION!r}")
    # The tiny model cannot see: the example picks Gemini models (they can), or says none can.
    page.wait_for_function("() => !document.querySelector('#gp-model-0 input').value.startsWith('Gemma 3 270M')")
    assert page.locator("#gp-model-0 input").input_value().startswith("Gemma 4")
    page.wait_for_function("() => new URLSearchParams(location.search).get('img') === '1'")
    page.shot("image-example")
