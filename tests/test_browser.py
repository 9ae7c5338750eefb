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

import json
import time
import uuid

import pytest

from support.browser import (  # noqa: F401  (fixtures: browser, app, page; re-exported for other files)
    app,
    browser,
    browser_unavailable,
    CHROMIUM_ARGS,
    chromium_path,
    DIFF_WORDS_VS_ANSWER,
    edited_answer,
    FINISHED,
    INJECTED,
    long_answer,
    MODEL,
    new_page,
    open_examples,
    Page,
    page,
    PARAGRAPH,
    restore,
    SCREENSHOTS,
    seed,
    set_parameter,
    SVG_BLOCK,
    VIEWPORT,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# ---------------------------------------------------------------- tests
def open_link_without_running(page, url):
    page.open(url)
    page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")


def test_a_shared_link_fills_the_form_and_does_not_run(app, page):
    base, _ = app
    open_link_without_running(page, f"{base}/?q=Write+a+haiku+about+pelicans&m={MODEL}&m={MODEL}")
    assert page.locator("#gp-prompt textarea").input_value() == "Write a haiku about pelicans"
    for i in (0, 1):
        assert page.locator(f"#gp-model-{i} input").input_value().startswith("Gemma 3 270M")
    for i in range(2, 6):
        assert page.locator(f"#gp-model-{i} input").input_value() == "(no model)"
    assert "run" not in page.url  # opening the link did not run it
    page.assert_no_script_errors()


def test_ctrl_enter_streams_both_panes_and_the_diff_follows_them(app, page):
    base, _ = app
    open_link_without_running(page, f"{base}/?q=Write+a+haiku+about+pelicans&m={MODEL}&m={MODEL}")
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
    page.wait_statuses(lambda s: len(s) == 2 and all(x in FINISHED for x in s), 300, "both panes finish")
    seen = page.evaluate("() => window.__seen")
    assert "running" in seen["0"] and "running" in seen["1"], seen
    # The diff was re-applied as pane 2 streamed and matches its final answer.
    page.wait_for_function(f"() => {{ const [kept, own] = ({DIFF_WORDS_VS_ANSWER})(1);"
                           " return kept !== null && kept.join(' ') === own.join(' '); }", timeout=5_000)
    assert page.locator('.gp-pane[data-pane="0"] .gp-diff-mark').inner_text() == "diff baseline"
    page.shot("run-two-panes")
    page.assert_no_script_errors()


def test_a_finished_run_shows_speed_per_pane_and_in_the_chart(app, page):
    base, _ = app
    open_link_without_running(page, f"{base}/?q=Name+a+bird.&m={MODEL}&m={MODEL}")
    set_parameter(page, "gp-max-tokens", "16")
    page.locator("#gp-run").click()
    page.wait_statuses(lambda s: len(s) == 2 and all(x in FINISHED for x in s), 120, "both panes finish")
    metrics = page.eval_on_selector_all(".gp-pane .gp-metrics", "els => els.map(e => e.textContent)")
    assert len(metrics) == 2 and all("tok/s" in m for m in metrics), metrics
    page.wait_for_function("() => document.querySelectorAll('#gp-chart rect[data-metric=tokens_per_s]').length === 2")
    assert page.locator("#gp-chart rect[data-metric]").count() == 6  # 3 series × 2 panes
    page.assert_no_script_errors()


def watch_queue(page) -> list[str]:
    """What the page's Gradio client does with the server's event queue, in order: "join" when
    it queues an event, "done" when the queue's event stream ends (every queued event of the
    session finished). Waiting for "done" after a "join" is waiting for the events themselves."""
    seen: list[str] = []
    page.page.on("request", lambda r: seen.append("join") if "/gradio_api/queue/join" in r.url else None)
    page.page.on("requestfinished", lambda r: seen.append("done") if "/gradio_api/queue/data" in r.url else None)
    return seen


def wait_until(page, predicate, what: str, guard_s: float = 60) -> None:
    """Poll `predicate` (Python side) between page ticks; `guard_s` only keeps a broken app from
    hanging the run, it is not what the test measures."""
    deadline = time.monotonic() + guard_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen")
        page.wait_for_timeout(50)


def test_a_link_with_an_unknown_model_says_so_and_does_not_run(app, page):
    base, _ = app
    queue = watch_queue(page)
    page.open(f"{base}/?q=Name+a+bird&m={MODEL}&m=no-such-model%3Cb%3E&run=1")
    note = page.locator("#gp-url-note")
    note.get_by_text("unknown model in the link").wait_for()
    assert "no-such-model<b>" in note.inner_text()  # shown literally, not as markup
    assert "press Run" in note.inner_text()  # a link with problems does not run by itself
    assert page.locator("#gp-model-0 input").input_value().startswith("Gemma 3 270M")
    assert page.locator("#gp-model-1 input").input_value() == "(no model)"
    # The link's "run if asked" step is queued after the form is filled: once the queue's event
    # stream has ended, it has finished, and a run it started would have shown its panes.
    wait_until(page, lambda: "join" in queue and "done" in queue[queue.index("join"):], "the queued step ends")
    assert page.locator(".gp-pane").count() == 0
    page.shot("url-unknown-model")
    page.assert_no_script_errors()


def test_the_url_follows_edits_and_drops_run(app, page):
    base, _ = app
    page.open(f"{base}/?q=Name+a+bird&m={MODEL}&m=no-such-model&run=1")
    page.locator("#gp-url-note").get_by_text("unknown model in the link").wait_for()
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
    answer = "document.querySelector('.gp-pane[data-pane=\"0\"] .gp-answer')?.textContent.length || 0"
    state = "document.querySelector('.gp-pane[data-pane=\"0\"] .gp-state')?.dataset.status"
    # The tiny base model at temperature 1 now and then ends its "story" within a few words: such
    # a run says nothing about Esc, so ask again (a new prompt each time: no cached replay).
    for attempt in range(3):
        open_link_without_running(page, f"{base}/?q=Write+a+very+long+story+about+the+sea+{attempt}.&m={MODEL}&m={MODEL}")
        set_parameter(page, "gp-max-tokens", "4000")
        set_parameter(page, "gp-temperature", "1")
        page.locator("#gp-prompt textarea").click()
        page.keyboard.press("Control+Enter")
        page.wait_for_function(
            f"() => ({state} === 'running' && ({answer}) > 80) || {json.dumps(list(FINISHED))}.includes({state})",
            timeout=60_000)
        if page.evaluate(f"() => {state}") == "running":
            break
        page.keyboard.press("Escape")  # the other pane may have started its long story
        page.wait_statuses(lambda s: all(x in FINISHED for x in s), 60, "the short run ends")
    else:
        pytest.fail("three runs of a 4000-token story all ended within a few words")
    page.keyboard.press("Escape")
    at_esc = page.evaluate(f"() => {answer}")
    statuses = page.wait_statuses(lambda s: all(x in FINISHED for x in s), 60, "Esc stops the run")
    assert statuses == ["stopped", "stopped"]  # the queued pane is stopped too
    # stopped where it was: the tokens in flight at most, not the rest of a 4000-token story
    assert page.evaluate(f"() => {answer}") - at_esc < 400
    page.shot("esc-stopped")
    page.assert_no_script_errors()


def restored(app, page, name: str, texts=None) -> None:
    base, cache = app
    query = f"{name}-{uuid.uuid4().hex[:8]}"  # one comparison per test, found by its own word
    seed(cache, f"{query} pelicans", texts or [long_answer(), edited_answer()])
    page.open(f"{base}/")
    restore(page, query, panes=2)


def test_restored_drawings_show_in_the_gallery(app, page):
    restored(app, page, "gallery")
    gallery = page.locator("#gp-gallery .gp-gallery-cell img")
    gallery.first.wait_for()
    assert gallery.count() == 2 and gallery.first.is_visible()
    page.assert_no_script_errors()


def test_word_diff_counts_every_edit_against_the_baseline(app, page):
    restored(app, page, "diff")
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
    kept, own = page.evaluate(DIFF_WORDS_VS_ANSWER, 1)
    assert kept == own  # the diff shows the pane's own words (minus deletions), in order
    page.locator('.gp-pane[data-pane="1"]').scroll_into_view_if_needed()
    page.shot("diff-on")
    page.assert_no_script_errors()


def test_model_text_in_a_diff_stays_text(app, page):
    restored(app, page, "diff-text")
    page.locator("#gp-diff-toggle label").click()
    page.locator('.gp-pane[data-pane="1"] .gp-diff').wait_for()
    # The HTML-looking words are in the diff as characters, not elements.
    assert page.locator(".gp-diff img, .gp-diff b").count() == 0
    assert page.evaluate("() => window.__gpPwned") is None
    page.assert_no_script_errors()


def test_another_baseline_reverses_the_diff_and_off_restores_the_answers(app, page):
    restored(app, page, "baseline")
    page.locator("#gp-diff-toggle label").click()
    page.locator('.gp-pane[data-pane="1"] .gp-diff').wait_for()
    page.locator("#gp-diff-baseline").get_by_text("Pane 2").click()
    flipped = page.locator('.gp-pane[data-pane="0"] .gp-diff')
    flipped.wait_for()
    assert (flipped.get_attribute("data-added"), flipped.get_attribute("data-removed")) == ("2", "10")
    assert page.locator('.gp-pane[data-pane="1"] .gp-diff').count() == 0
    page.locator("#gp-diff-toggle label").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-diff, .gp-diff-mark, .gp-diffing').length === 0")
    assert page.locator('.gp-pane[data-pane="1"] .gp-answer > p').first.is_visible()
    page.assert_no_script_errors()


def two_frames(page) -> None:
    """Wait until the page has drawn twice: every scroll event of what was done before has run."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def test_synced_scrolling_moves_every_pane_to_the_same_place_until_switched_off(app, page):
    restored(app, page, "scroll")
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
    two_frames(page)  # the scroll events of that wheel have been handled (sync runs in them)
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
