"""The Suite tab in headless Chromium at 1366×768, against a real launch with two Gemini models
answered by a loopback fake: run the pelican suite in the background (progress, then the grid with
a drawing per cell and finish marks), leave the tab and come back, open a row as a full comparison
in Compare (restored from the cache), judge three prompts blind (the names stay hidden, the
votes are stored with the prompt's tags and `suite:pelican`, the Leaderboard tag filter finds them)
and export the gallery. Screenshots in artifacts/screenshots/suite-*.png.
"""

from __future__ import annotations

import pytest

from conftest import LaunchedApp
from fake_gemini import FakeGemini, Scenario, text_chunks
from support.browser import browser, new_page  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "suite-test-key-0123456789"
A, B = "gemini:gemma-4-31b-it", "gemini:gemma-4-26b-a4b-it"
SVG = ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" '
       'fill="#dbeafe"/><circle cx="50" cy="50" r="30" fill="{color}"/></svg>\n```')


@pytest.fixture
def suite_app(tmp_path, monkeypatch):
    with FakeGemini(Scenario(chunks=text_chunks(["unused"]))) as fake:
        # slow enough that the run is seen in progress, quick enough for a test
        fake.scenarios["gemma-4-31b-it"] = Scenario(chunks=text_chunks(["I am Gemma 4. ", SVG.format(color="#f59e0b")]),
                                                    chunk_delay_s=0.4)
        fake.scenarios["gemma-4-26b-a4b-it"] = Scenario(chunks=text_chunks(["Here: ", SVG.format(color="#10b981")]),
                                                        chunk_delay_s=0.4)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        app = LaunchedApp(cache_dir=tmp_path / "cache", env={"GEMINI_API_KEY": KEY}, n_ctx=512)
        try:
            yield app, fake
        finally:
            app.close()


def pick_models(page, app, models: list[str]) -> None:
    """Replace the suite's model picks with `models` (Gradio's multiselect dropdown, by label)."""
    box = page.locator("#gp-suite-models")
    while box.locator(".token:not(.remove-all) .token-remove").count():
        box.locator(".token:not(.remove-all) .token-remove").first.click()
    field = box.locator("input").first
    for model in models:
        label = app.runtime.catalog.resolve(model).label
        field.click()
        field.fill(label)
        page.locator("li[data-testid=dropdown-option]", has_text=label).first.click()
    page.keyboard.press("Escape")


def progress(page) -> tuple[int, int, bool]:
    info = page.eval_on_selector("#gp-suite-progress .gp-suite-progress",
                                 "e => [e.dataset.done, e.dataset.total, e.dataset.finished]")
    return int(info[0]), int(info[1]), info[2] == "1"


def test_suite_tab_runs_in_the_background_opens_a_row_judges_blind_and_exports(suite_app, browser):
    from playground.judging import VoteStore

    app, fake = suite_app
    page = new_page(browser)
    try:
        page.open(app.url)
        page.get_by_role("tab", name="Suite").click()
        page.wait_for_selector("#gp-suite-run")
        pick_models(page, app, [A, B])
        page.locator("#gp-suite-run").click()
        page.wait_for_selector("#gp-suite-progress progress")
        done, total, finished = progress(page)
        assert total == 8 and not finished
        page.shot("suite-running")
        # leave the tab while it runs: it goes on
        page.get_by_role("tab", name="Compare").click()
        page.wait_for_timeout(1500)
        page.get_by_role("tab", name="Suite").click()
        page.wait_for_function("() => document.querySelector('#gp-suite-progress .gp-suite-progress')"
                               ".dataset.finished === '1'", timeout=90_000)
        assert progress(page)[:2] == (8, 8)
        assert len(fake.requests) == 8

        rows = page.locator("#gp-suite-grid tr.gp-suite-row")
        assert rows.count() == 4
        assert page.locator("#gp-suite-grid img[src^='data:image/svg+xml;base64,']").count() == 8
        assert page.locator("#gp-suite-grid svg").count() == 0  # drawings are images, never inline markup
        assert page.locator("#gp-suite-grid .gp-suite-mark", has_text="stop").count() == 8
        headers = page.eval_on_selector_all("#gp-suite-grid th", "els => els.map(e => e.textContent)")
        assert headers[1:] == [A, B]
        page.shot("suite-grid")

        # a row opens as a full comparison in Compare, replayed from the cache
        rows.nth(2).click()
        page.wait_for_function("() => document.querySelectorAll('.gp-pane .gp-state').length === 2")
        page.wait_for_function("() => [...document.querySelectorAll('.gp-pane .gp-state')]"
                               ".every(e => e.dataset.status === 'cached')")
        assert "unicycle" in page.locator("#gp-prompt textarea").input_value()
        assert len(fake.requests) == 8
        page.shot("suite-opened-in-compare")

        # judge blind: three prompts, names hidden, votes carry the suite and tags
        page.get_by_role("tab", name="Suite").click()
        page.locator("#gp-suite-judge").click()
        page.wait_for_selector("#gp-suite-judge-view .gp-suite-blind")
        assert "0 of 4 judged" in page.locator("#gp-suite-judge-status").inner_text()
        page.shot("suite-judge")
        for step in range(3):
            view = page.locator("#gp-suite-judge-view").inner_html()
            assert A not in view and B not in view and "Gemma 4" not in view  # names and self-names hidden
            if step == 1:
                page.locator("#gp-suite-all-bad").click()
            else:
                for i, rank in enumerate(("1", "2")):
                    page.locator(f"#gp-suite-rank-{i} input").click()
                    page.locator("li[data-testid=dropdown-option]", has_text=rank).first.click()
                page.locator("#gp-suite-vote").click()
            page.wait_for_function(f"() => document.querySelector('#gp-suite-judge-status').innerText"
                                   f".includes('{step + 1} of 4 judged')")
        votes = VoteStore(app.cache.directory).list(tag="suite:pelican")
        assert len(votes) == 3 and all(v.blind for v in votes)
        assert sum(v.all_bad for v in votes) == 1
        assert all("svg" in v.tags for v in votes) and {m for v in votes for m in v.models} == {A, B}
        assert all(v.comparison_id for v in votes)

        page.get_by_role("tab", name="Leaderboard").click()
        page.locator("#gp-board-tag input").click()
        page.locator("li[data-testid=dropdown-option]", has_text="suite:pelican").first.click()
        page.wait_for_function("() => document.querySelector('#gp-board').innerText.includes('suite:pelican')")
        page.shot("suite-leaderboard")

        page.get_by_role("tab", name="Suite").click()
        page.locator("#gp-suite-export").click()
        link = page.locator("#gp-suite-download a").first
        link.wait_for()
        names = page.eval_on_selector_all("#gp-suite-download a", "els => els.map(e => e.getAttribute('download') || e.href)")
        assert any(".html" in n for n in names) and any(".png" in n for n in names), names
        page.assert_no_script_errors()
    finally:
        page.context.close()
