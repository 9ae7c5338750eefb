"""The comparison page in headless Chromium, against a real launch on 127.0.0.1.

What a user does: open a shared link, press Ctrl+Enter, watch panes stream, diff them, scroll
them together, stop with Esc, click an example; the layout holds from 1 to 6 panes on a 1366 px
screen, in light and dark. Screenshots go to artifacts/screenshots/ for a human to look at.

Runs on the bundled tiny model; comparisons that must be deterministic (diff counts, long
answers to scroll, an SVG for the gallery) are seeded into the app's cache and opened through
History → Restore, the way a user brings back an old comparison.

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

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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


# ---------------------------------------------------------------- tests
def test_shared_link_fills_the_form_and_ctrl_enter_streams_both_panes(app, page):
    base, _ = app
    page.open(f"{base}/?q=Write+a+haiku+about+pelicans&m={MODEL}&m={MODEL}")
    page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
    assert page.locator("#gp-prompt textarea").input_value() == "Write a haiku about pelicans"
    for i in (0, 1):
        assert page.locator(f"#gp-model-{i} input").input_value().startswith("Gemma 3 270M")
    for i in range(2, 6):
        assert page.locator(f"#gp-model-{i} input").input_value() == "(no model)"
    assert "run" not in page.url  # opening the link did not run it

    set_parameter(page, "gp-max-tokens", "48")  # keep the run short on 2 cores
    # Record every state each pane goes through (a fast pane can pass "running" between polls).
    page.evaluate("""() => {
        window.__seen = {};
        new MutationObserver(() => document.querySelectorAll('.gp-pane').forEach(p => {
            const seen = (window.__seen[p.dataset.pane] = window.__seen[p.dataset.pane] || []);
            const status = p.querySelector('.gp-state').dataset.status;
            if (!seen.includes(status)) seen.push(status);
        })).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    }""")
    page.locator("#gp-prompt textarea").click()
    page.keyboard.press("Control+Enter")
    # The comparison tools appear with the first pane; diff on while streaming: it follows the panes.
    page.locator("#gp-diff-toggle label").click()
    page.wait_statuses(lambda s: len(s) == 2, 20, "two panes after Ctrl+Enter")
    page.wait_statuses(lambda s: len(s) == 2 and all(x in FINISHED for x in s), 120, "both panes finish")
    seen = page.evaluate("() => window.__seen")
    assert "running" in seen["0"] and "running" in seen["1"], seen
    # The diff was re-applied as pane 2 streamed and matches its final answer.
    page.wait_for_function(f"() => {{ const [kept, own] = ({DIFF_WORDS_VS_ANSWER})(1);"
                           " return kept !== null && kept.join(' ') === own.join(' '); }", timeout=5_000)
    assert page.locator('.gp-pane[data-pane="0"] .gp-diff-mark').inner_text() == "diff baseline"
    metrics = page.eval_on_selector_all(".gp-pane .gp-metrics", "els => els.map(e => e.textContent)")
    assert all("tok/s" in m for m in metrics), metrics
    page.wait_for_function("() => document.querySelectorAll('#gp-chart rect[data-metric=tokens_per_s]').length === 2")
    assert page.locator("#gp-chart rect[data-metric]").count() == 6  # 3 series × 2 panes
    page.shot("run-two-panes")
    page.assert_no_script_errors()


def test_url_follows_the_form_and_reports_unknown_models(app, page):
    base, _ = app
    page.open(f"{base}/?q=Name+a+bird&m={MODEL}&m=no-such-model%3Cb%3E&run=1")
    note = page.locator("#gp-url-note")
    note.get_by_text("unknown model in the link").wait_for()
    assert "no-such-model<b>" in note.inner_text()  # shown literally, not as markup
    assert "press Run" in note.inner_text()  # a link with problems does not run by itself
    assert page.locator("#gp-model-0 input").input_value().startswith("Gemma 3 270M")
    assert page.locator("#gp-model-1 input").input_value() == "(no model)"
    page.wait_for_timeout(1500)
    assert page.locator(".gp-pane").count() == 0

    # The URL follows edits (replaceState, debounced) and drops run=1 so a reload never re-runs.
    page.locator("#gp-prompt textarea").fill("Name two birds & a fish")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'Name two birds & a fish'")
    params = page.evaluate("() => [...new URLSearchParams(location.search)]")
    assert ["q", "Name two birds & a fish"] in params and [p for p in params if p[0] == "m"] == [["m", MODEL]]
    assert "run" not in dict(params)
    page.locator("#gp-model-1 input").click()  # pick a model for pane 2 in its dropdown
    page.get_by_role("option", name="Gemma 3 270M").first.click()
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('m').length === 2")
    assert page.evaluate("() => new URLSearchParams(location.search).getAll('m')") == [MODEL, MODEL]
    page.shot("url-unknown-model")
    page.assert_no_script_errors()


def test_run_1_in_the_link_runs_on_open(app, page):
    base, _ = app
    page.open(f"{base}/?q=Name+a+bird.&m={MODEL}&run=1")
    page.wait_statuses(lambda s: len(s) == 1, 30, "the link's run starts by itself")
    page.locator("#gp-stop").click()  # no need to wait for the answer
    page.wait_statuses(lambda s: all(x in FINISHED for x in s), 15, "stop")
    page.assert_no_script_errors()


def test_esc_stops_a_long_run(app, page):
    base, _ = app
    page.open(f"{base}/?q=Write+a+very+long+story+about+the+sea.&m={MODEL}&m={MODEL}")
    page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
    set_parameter(page, "gp-max-tokens", "4000")
    set_parameter(page, "gp-temperature", "1")
    page.locator("#gp-prompt textarea").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "() => { const p = document.querySelector('.gp-pane[data-pane=\"0\"]');"
        " return p && p.querySelector('.gp-state').dataset.status === 'running'"
        " && (p.querySelector('.gp-answer')?.textContent.length || 0) > 80; }", timeout=60_000)
    page.keyboard.press("Escape")
    pressed = time.monotonic()
    statuses = page.wait_statuses(lambda s: all(x in FINISHED for x in s), 10, "Esc stops the run")
    assert time.monotonic() - pressed < 6
    assert statuses == ["stopped", "stopped"]  # the queued pane is stopped too
    page.shot("esc-stopped")
    page.assert_no_script_errors()


def test_diff_sync_scroll_and_gallery_on_a_restored_comparison(app, page):
    base, cache = app
    seed(cache, "diff-and-scroll pelicans", [long_answer(), edited_answer()])
    page.open(f"{base}/")
    restore(page, "diff-and-scroll", panes=2)
    gallery = page.locator("#gp-gallery .gp-gallery-cell img")
    gallery.first.wait_for()
    assert gallery.count() == 2 and gallery.first.is_visible()

    # Diff on: pane 2 shows its words against pane 1 (the baseline), highlights counted exactly.
    page.locator("#gp-diff-toggle label").click()
    diff = page.locator('.gp-pane[data-pane="1"] .gp-diff')
    diff.wait_for()
    assert (diff.get_attribute("data-added"), diff.get_attribute("data-removed")) == ("10", "2")
    assert page.locator('.gp-pane[data-pane="1"] .gp-diff del.gp-del').all_inner_texts() == ["red", "quiet"]
    inserted = page.locator('.gp-pane[data-pane="1"] .gp-diff ins.gp-ins').all_inner_texts()
    assert inserted[:2] == ["blue", "slowly"] and inserted[2].startswith("Inline markup")
    assert not page.locator('.gp-pane[data-pane="1"] .gp-answer > p').first.is_visible()
    assert page.locator('.gp-pane[data-pane="0"] .gp-diff').count() == 0
    assert page.locator('.gp-pane[data-pane="0"] .gp-diff-mark').inner_text() == "diff baseline"
    # Model text stays text: the HTML-looking words are in the diff as characters, not elements.
    assert page.locator(".gp-diff img, .gp-diff b").count() == 0
    assert page.evaluate("() => window.__gpPwned") is None
    kept, own = page.evaluate(DIFF_WORDS_VS_ANSWER, 1)
    assert kept == own  # the diff shows the pane's own words (minus deletions), in order
    page.locator('.gp-pane[data-pane="1"]').scroll_into_view_if_needed()
    page.shot("diff-on")

    # Another baseline: the diff moves to pane 1, the reverse edit.
    page.locator("#gp-diff-baseline").get_by_text("Pane 2").click()
    flipped = page.locator('.gp-pane[data-pane="0"] .gp-diff')
    flipped.wait_for()
    assert (flipped.get_attribute("data-added"), flipped.get_attribute("data-removed")) == ("2", "10")
    assert page.locator('.gp-pane[data-pane="1"] .gp-diff').count() == 0

    # Off restores the normal view.
    page.locator("#gp-diff-toggle label").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-diff, .gp-diff-mark, .gp-diffing').length === 0")
    assert page.locator('.gp-pane[data-pane="1"] .gp-answer > p').first.is_visible()

    # Synced scrolling: the wheel over pane 1 moves pane 2 to the same relative place.
    bodies = page.locator(".gp-pane .gp-body")
    assert page.evaluate("() => [...document.querySelectorAll('.gp-body')]"
                         ".every(b => b.scrollHeight > b.clientHeight + 200)"), "answers should overflow"
    page.locator("#gp-sync-toggle label").click()
    page.locator('.gp-pane[data-pane="0"]').scroll_into_view_if_needed()
    bodies.nth(0).hover()
    page.mouse.wheel(0, 900)
    page.wait_for_function("() => document.querySelectorAll('.gp-body')[1].scrollTop > 100")
    ratios = page.evaluate("() => [...document.querySelectorAll('.gp-body')]"
                           ".map(b => b.scrollTop / (b.scrollHeight - b.clientHeight))")
    assert abs(ratios[0] - ratios[1]) < 0.05, ratios
    page.shot("sync-scroll")
    # Off: panes scroll on their own again.
    page.locator("#gp-sync-toggle label").click()
    before = page.evaluate("() => document.querySelectorAll('.gp-body')[1].scrollTop")
    bodies.nth(0).hover()
    page.mouse.wheel(0, 600)
    page.wait_for_function("() => document.querySelectorAll('.gp-body')[0].scrollTop > 1000")
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.querySelectorAll('.gp-body')[1].scrollTop") == before
    page.assert_no_script_errors()


def test_examples_fill_the_form(app, page):
    from playground.ui.examples import IMAGE_QUESTION, PELICAN_PROMPT

    base, _ = app
    page.open(f"{base}/")
    open_examples(page)
    page.get_by_text("Pelican riding a bicycle (SVG)").click()
    page.wait_for_function(f"() => document.querySelector('#gp-prompt textarea').value === {PELICAN_PROMPT!r}")
    open_examples(page)
    page.get_by_text("Image question: the bundled pelican picture").click()
    page.wait_for_function(f"() => document.querySelector('#gp-prompt textarea').value === {IMAGE_QUESTION!r}")
    picture = page.locator("#gp-image img")
    picture.wait_for()  # the image panel opened, the picture is in the form
    assert picture.is_visible()
    assert page.evaluate("() => document.querySelector('#gp-image img').naturalWidth") == 320
    page.shot("examples-image")
    # Back to the text example: the picture goes, so it is not sent by mistake.
    open_examples(page)
    page.get_by_text("Pelican riding a bicycle (SVG)").click()
    page.wait_for_function("() => !document.querySelector('#gp-image img')")
    page.assert_no_script_errors()


LAYOUT_CHECK = """() => {
    const panes = [...document.querySelectorAll('.gp-pane')].map(p => p.getBoundingClientRect());
    const bodies = [...document.querySelectorAll('.gp-body')];
    return {
        pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
        rects: panes.map(r => ({left: r.left, right: r.right, top: r.top, width: r.width, height: r.height})),
        scrolls: bodies.map(b => b.scrollHeight > b.clientHeight),
        viewportHeight: window.innerHeight,
    };
}"""


@pytest.mark.parametrize("count", [1, 3, 6])
def test_layout_holds_from_one_to_six_panes(app, page, count):
    base, cache = app
    texts = [long_answer(60)] + [PARAGRAPH.format(n=n) for n in range(2, count + 1)]
    seed(cache, f"layout {count} panes", texts)
    page.open(f"{base}/")
    restore(page, f"layout {count} panes", panes=count)
    page.locator(".gp-pane").first.scroll_into_view_if_needed()
    layout = page.evaluate(LAYOUT_CHECK)
    assert layout["pageOverflow"] <= 0, "the page scrolls sideways"
    rects = layout["rects"]
    assert all(abs(r["top"] - rects[0]["top"]) < 2 for r in rects), "panes are not on one row"
    assert all(r["width"] >= 140 and r["right"] <= VIEWPORT["width"] for r in rects), rects
    assert all(a["right"] <= b["left"] for a, b in zip(rects, rects[1:])), "panes overlap"
    # The long answer scrolls inside its pane; the pane fits the screen under the band.
    assert layout["scrolls"][0]
    assert all(r["top"] + r["height"] <= layout["viewportHeight"] + 1 for r in rects), rects
    page.shot(f"layout-{count}-pane{'s' if count > 1 else ''}")
    page.assert_no_script_errors()


def test_dark_theme_follows_the_system(app, browser):
    base, cache = app
    seed(cache, "dark theme panes", [long_answer(40), edited_answer()[:1500], PARAGRAPH.format(n=3)])
    page = new_page(browser, color_scheme="dark")
    try:
        page.open(f"{base}/")
        restore(page, "dark theme panes", panes=3)
        page.locator("#gp-diff-toggle label").click()
        page.locator(".gp-diff").first.wait_for()
        colours = page.evaluate("""() => {
            const lum = c => { const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
                               return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; };
            const pane = document.querySelector('.gp-pane');
            return {dark: !!document.querySelector('.dark'),
                    paneBg: lum(getComputedStyle(pane).backgroundColor),
                    text: lum(getComputedStyle(pane.querySelector('.gp-answer')).color),
                    ins: lum(getComputedStyle(document.querySelector('.gp-diff ins')).color)};
        }""")
        assert colours["dark"], "Gradio did not switch to its dark theme"
        assert colours["paneBg"] < 0.3 and colours["text"] > 0.6 and colours["ins"] > 0.5, colours
        page.locator(".gp-pane").first.scroll_into_view_if_needed()
        page.shot("dark-three-panes-diff")
        page.assert_no_script_errors()
    finally:
        page.context.close()


def test_word_diff_is_minimal_and_builds_text_only(app, page):
    base, _ = app
    page.open(f"{base}/")
    result = page.evaluate("""() => {
        const d = window.gp.diffWords('the quick brown fox jumps', 'the slow brown fox leaps high');
        const ops = d.ops.map(o => o.op + o.word);
        const node = window.gp.renderDiff(window.gp.diffWords('a <b>x</b>', 'a <script>alert(1)</script>'), 1);
        const big = window.gp.diffWords('w '.repeat(5000) + 'end', 'v '.repeat(5000) + 'end');
        return {ops, elements: [...node.querySelectorAll('*')].map(e => e.tagName),
                text: node.querySelector('.gp-diff-text').textContent, bigTruncated: big.truncated,
                bigLast: big.ops[big.ops.length - 1]};
    }""")
    assert result["ops"] == ["=the", "-quick", "+slow", "=brown", "=fox", "-jumps", "+leaps", "+high"]
    assert sorted(set(result["elements"])) == ["DEL", "DIV", "INS"]
    assert result["text"] == "a <b>x</b> <script>alert(1)</script>"
    assert result["bigTruncated"] and result["bigLast"]["op"] == "=" and result["bigLast"]["word"] == "end"
    page.assert_no_script_errors()
