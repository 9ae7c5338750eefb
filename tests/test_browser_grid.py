"""Pane content in headless Chromium, against a real launch whose panes are answered by scripted
adapters (no model): a fenced SVG is drawn in its pane, whole, its code folded; the drawing strip
has one column per pane, aligned with the panes, with "no drawing" cells; with k samples per
pane the panes show tabs and a summary and the drawing grid has k × panes cells of equal size,
its columns on the panes' x-ranges. 1366×768 and 1920×1080, light and dark; screenshots in
artifacts/screenshots/ (pane-content-*).

Until the page has a samples control, the test turns each pane into k samples where the page's
run reaches the session (Sessions.run), the one seam both sides agree on.
"""

from __future__ import annotations

import pytest

from conftest import free_port
from playground.runner import PaneRequest
from scripted import ScriptedAdapter, answer, scripted_runtime
from support.browser import SCREENSHOTS, Page, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120"><rect width="200" height="120" '
       'fill="{bg}"/><circle cx="70" cy="60" r="35" fill="#ffffff" stroke="#333" stroke-width="3"/>'
       '<path d="M100 55 L185 62 L100 70 Z" fill="#f5a028"/></svg>')
PELICAN = ("Here is a pelican riding a bicycle:\n\n```svg\n" + SVG.format(bg="#bde0f7") + "\n```\n\n"
           + "The beak points forward. " * 12)
WORDS = "A pelican is a large water bird with a throat pouch. " * 10
TWO = ("Two tries.\n\n```svg\n" + SVG.format(bg="#fde68a") + "\n```\n\nAnd a second one:\n\n```svg\n"
       + SVG.format(bg="#c7f9cc").replace('stroke-width="3"', 'stroke-width="3" stroke-width="4"') + "\n```\n")
MODELS = ["scripted:pelican", "scripted:words", "scripted:two"]


def by_seed(settings):
    """Sample 3 of each pane (seed 3) draws nothing; the others draw."""
    if settings.seed == 3:
        return answer("No drawing this time, only words. " * 5, chunk=40)
    return answer(f"Sample with seed {settings.seed}.\n\n```svg\n" + SVG.format(bg=["#bde0f7", "#fde68a"][settings.seed % 2])
                  + "\n```\n", chunk=40)


@pytest.fixture(scope="module")
def app():
    from playground.ui.app import PlaygroundApp, launch

    scripts = {"scripted:pelican": ScriptedAdapter(answer(PELICAN, chunk=40)),
               "scripted:words": ScriptedAdapter(answer(WORDS, chunk=40)),
               "scripted:two": ScriptedAdapter(answer(TWO, chunk=40)),
               "scripted:seeded": ScriptedAdapter(by_seed)}
    runtime = scripted_runtime(scripts)
    playground = PlaygroundApp(runtime)
    plan = {"models": MODELS, "samples": 1}
    run = playground.sessions.run

    def planned_run(session, request, panes, bypass_cache, blind=False):
        panes = [PaneRequest(plan["models"][i % len(plan["models"])],
                             p.settings.model_copy(update={"seed": 1}) if plan["samples"] > 1 else p.settings,
                             samples=plan["samples"]) for i, p in enumerate(panes)]
        return run(session, request, panes, bypass_cache, blind=blind)

    playground.sessions.run = planned_run
    demo, _ = launch(playground, port=free_port(), block=False)
    try:
        yield demo.local_url.rstrip("/"), plan
    finally:
        demo.close()
        runtime.close()


def open_page(browser, size, scheme) -> Page:  # noqa: F811
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, color_scheme=scheme)
    page = Page(context.new_page())
    page.set_default_timeout(30_000)
    return page


def run_panes(page: Page, base: str, count: int) -> None:
    models = "&".join(["m=gemma-3-270m"] * count)
    page.open(f"{base}/?q=Draw+a+pelican&{models}&run=1")
    page.wait_statuses(lambda s: len(s) == count and all(x in ("done", "cached", "stopped", "error") for x in s),
                       60, f"{count} panes finish")
    page.wait_for_function("() => document.querySelector('#gp-gallery .gp-align')")
    page.wait_for_timeout(300)  # panes.js aligns on the next frame


RECTS = "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.width, r.top, r.height]; })"


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.screenshot(path=str(SCREENSHOTS / f"{name}-full.png"), full_page=True)


@pytest.mark.parametrize("size, scheme", [((1366, 768), "light"), ((1366, 768), "dark"), ((1920, 1080), "light")])
def test_drawing_in_place_and_the_strip_aligned_with_the_panes(app, browser, size, scheme):  # noqa: F811
    base, plan = app
    plan.update(models=MODELS, samples=1)
    page = open_page(browser, size, scheme)
    try:
        run_panes(page, base, 3)
        pane = page.locator('.gp-pane[data-pane="0"]')
        img = pane.locator(".gp-answer figure.gp-drawing img.gp-svg")
        assert img.count() == 1
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        # The code is folded: its <pre> is not shown until the toggle opens.
        source = pane.locator(".gp-drawing .gp-source")
        assert not source.locator("pre").first.is_visible()
        assert pane.locator(".gp-answer pre code.language-svg").count() == 0
        # Whole: inside the pane's width, and no taller than the pane's scroll area (never cropped).
        img.evaluate("e => e.scrollIntoView({block: 'nearest'})")
        box, pane_box = img.bounding_box(), pane.bounding_box()
        body_h = pane.locator(".gp-body").evaluate("e => e.clientHeight")
        assert pane_box["x"] - 1 <= box["x"] and box["x"] + box["width"] <= pane_box["x"] + pane_box["width"] + 1
        assert box["height"] <= body_h - 40 and box["width"] > 50  # room for its caption too
        # scaled into its box whole (letterboxed if the box is wider), never stretched or cut
        assert img.evaluate("e => getComputedStyle(e).objectFit") == "contain"
        # The header: two lines at most.
        heights = page.eval_on_selector_all(".gp-pane .gp-head, .gp-pane .gp-line2",
                                            "els => els.map(e => e.getBoundingClientRect().height)")
        line = page.eval_on_selector(".gp-pane .gp-line2", "e => parseFloat(getComputedStyle(e).lineHeight) || 18")
        assert all(h <= 2 * line for h in heights), heights
        # The strip: one column per pane, on the panes' x-ranges, "no drawing" where there is none.
        panes = page.eval_on_selector_all(".gp-pane", RECTS)
        cols = page.eval_on_selector_all("#gp-gallery .gp-strip-col", RECTS)
        assert len(cols) == len(panes) == 3
        for p, c in zip(panes, cols):
            assert abs(p[0] - c[0]) <= 2 and abs(p[1] - c[1]) <= 2, (panes, cols)
        texts = page.eval_on_selector_all("#gp-gallery .gp-strip-col", "els => els.map(e => e.innerText)")
        assert "no drawing" in texts[1] and "no drawing" not in texts[0]
        assert page.locator('#gp-gallery .gp-strip-col[data-pane="2"] img').count() == 2  # every drawing
        notes = page.locator('#gp-gallery .gp-strip-col[data-pane="2"] .gp-drawing-notes').first
        assert not notes.locator("li").first.is_visible()
        notes.locator("summary").click()
        assert notes.locator("li").first.is_visible()
        shot(page, f"pane-content-strip-{size[0]}x{size[1]}-{scheme}")
        source.locator("summary").click()
        assert source.locator("pre").first.is_visible()
        page.assert_no_script_errors()
    finally:
        page.context.close()


@pytest.mark.parametrize("size, scheme", [((1366, 768), "light"), ((1366, 768), "dark"), ((1920, 1080), "dark")])
def test_k_samples_show_as_tabs_with_a_summary_and_the_grid_has_k_by_panes_equal_cells(app, browser, size, scheme):  # noqa: F811
    base, plan = app
    plan.update(models=["scripted:seeded"], samples=3)
    page = open_page(browser, size, scheme)
    try:
        run_panes(page, base, 4)
        summaries = page.eval_on_selector_all(".gp-pane .gp-samples-summary", "els => els.map(e => e.textContent)")
        assert summaries == ["3 samples · 2 distinct · 3 stop · 2 of 3 drew"] * 4
        pane = page.locator('.gp-pane[data-pane="1"]')
        assert pane.locator(".gp-sample-tab").count() == 3
        visible = pane.locator(".gp-sample-panel").evaluate_all("els => els.map(e => e.offsetParent !== null)")
        assert visible == [True, False, False]
        pane.locator('.gp-sample-tab[data-sample="3"]').click()
        visible = pane.locator(".gp-sample-panel").evaluate_all("els => els.map(e => e.offsetParent !== null)")
        assert visible == [False, False, True]
        assert "only words" in pane.locator('.gp-sample-panel[data-sample="3"]').inner_text()
        # The grid: 3 samples × 4 panes, every cell the same size, columns on the panes.
        cells = page.eval_on_selector_all("#gp-gallery .gp-grid-cell .gp-grid-box", RECTS)
        assert len(cells) == 12
        assert max(c[1] for c in cells) - min(c[1] for c in cells) <= 1
        assert max(c[3] for c in cells) - min(c[3] for c in cells) <= 1
        marks = page.eval_on_selector_all("#gp-gallery .gp-grid-cell", "els => els.map(e => e.dataset.mark)")
        assert sorted(marks) == sorted(["rendered", "rendered", "none"] * 4)
        panes = page.eval_on_selector_all(".gp-pane", RECTS)
        heads = page.eval_on_selector_all("#gp-gallery .gp-grid-head", RECTS)
        for p, h in zip(panes, heads):
            assert abs(p[0] - h[0]) <= 2 and abs(p[1] - h[1]) <= 2, (panes, heads)
        shot(page, f"pane-content-grid-{size[0]}x{size[1]}-{scheme}")
        page.assert_no_script_errors()
    finally:
        page.context.close()


def test_six_panes_at_1366_keep_two_line_headers_and_whole_drawings(app, browser):  # noqa: F811
    base, plan = app
    plan.update(models=MODELS, samples=1)
    page = open_page(browser, (1366, 768), "light")
    try:
        run_panes(page, base, 6)
        for pane in range(6):
            head = page.locator(f'.gp-pane[data-pane="{pane}"] .gp-head').bounding_box()
            line2 = page.locator(f'.gp-pane[data-pane="{pane}"] .gp-line2').bounding_box()
            body = page.locator(f'.gp-pane[data-pane="{pane}"] .gp-body').bounding_box()
            # line 1 and line 2, one line each: together under three text lines, the body below
            assert head["height"] <= 30 and line2["height"] <= 20, (pane, head, line2)
            assert line2["y"] >= head["y"] + head["height"] - 1 and body["y"] >= line2["y"] + line2["height"] - 1
        tips = page.eval_on_selector_all(".gp-pane .gp-line2", "els => els.map(e => e.title)")
        assert all("sampling: temperature" in t for t in tips)
        for pane in (0, 2, 3, 5):  # the panes that drew
            img = page.locator(f'.gp-pane[data-pane="{pane}"] .gp-answer img.gp-svg').first
            img.evaluate("e => e.scrollIntoView({block: 'nearest'})")
            box = img.bounding_box()
            pane_box = page.locator(f'.gp-pane[data-pane="{pane}"]').bounding_box()
            assert pane_box["x"] - 1 <= box["x"] and box["x"] + box["width"] <= pane_box["x"] + pane_box["width"] + 1
        panes = page.eval_on_selector_all(".gp-pane", RECTS)
        cols = page.eval_on_selector_all("#gp-gallery .gp-strip-col", RECTS)
        assert len(cols) == 6 and all(abs(p[0] - c[0]) <= 2 and abs(p[1] - c[1]) <= 2 for p, c in zip(panes, cols))
        page.evaluate("() => window.scrollTo(0, 0)")
        shot(page, "pane-content-six-panes-1366x768-light")
        page.assert_no_script_errors()
    finally:
        page.context.close()
