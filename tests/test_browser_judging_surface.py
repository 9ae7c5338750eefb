"""Judging on screen: blind "+" copies the pane the person clicked (the shuffled one), "All
bad" reads as all bad (not a tie for best), and a one-vote leaderboard says "needs more votes"
instead of an interval. Screenshots: artifacts/screenshots/surface-judge-*.png."""

from __future__ import annotations

import pytest

from test_browser import browser  # noqa: F401  (fixture)
from test_browser_surface import API, app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OTHER = "gemini:gemma-4-26b-a4b-it"
LABELS = {API: "Gemma 4 31B (Gemini API)", OTHER: "Gemma 4 26B-A4B (Gemini API)"}


def run_blind(page, url: str) -> None:
    page.open(url)
    page.locator("#gp-run").click()
    page.wait_finished(2)
    page.locator("#gp-judge").wait_for()


def test_blind_plus_duplicates_the_clicked_pane_not_the_picker_at_its_place(app, make_page):
    page = make_page()
    # The shuffle may keep the picked order; run until it does not (1 in 2 each time), so the
    # picker at the pane's place and the pane's own model differ.
    for attempt in range(8):
        run_blind(page, f"{app.url}/?q=Blind+plus+{attempt}&m={API}&m={OTHER}&blind=1&mt=32")
        assert page.locator(".gp-pane .gp-model").all_inner_texts() == ["Model A", "Model B"]
        page.locator("#gp-duplicate-0").click()
        page.wait_for_function("() => !document.querySelector('#gp-model-2 input').value.startsWith('(no model)')")
        copied = page.locator("#gp-model-2 input").input_value()
        assert page.locator(".gp-pane .gp-model").all_inner_texts() == ["Model A", "Model B"]  # still blind
        # ...and the copy's picker does not say which model Model A is until the vote
        page.wait_for_function("() => document.getElementById('gp-model-2').classList.contains('gp-blind-copy')")
        masked = page.evaluate("() => { const p = document.getElementById('gp-model-2'), i = p.querySelector('input');"
                               " return [getComputedStyle(i).color, i.title, p.getAttribute('data-copy-of')]; }")
        assert masked[0] in ("rgba(0, 0, 0, 0)", "transparent") and masked[1] == masked[2] == "copy of Model A", masked
        page.shot("judge-blind-plus-masked")
        # ...nor does the link: the copy joins the address bar's m= list only after the vote
        # (what the link writer would write now, and what the address bar holds)
        params = page.evaluate("() => gp.formParams().filter(kv => kv[0] === 'm').map(kv => kv[1])")
        assert params == [API, OTHER], params
        page.wait_for_function("() => new URL(location.href).searchParams.getAll('m').length === 2")
        page.locator("#gp-judge-reveal").click()
        page.wait_for_function("() => !document.querySelector('.gp-pane .gp-blind-name')")
        page.wait_for_function("() => !document.getElementById('gp-model-2').classList.contains('gp-blind-copy')")
        page.wait_for_function("() => new URL(location.href).searchParams.getAll('m').length === 3")
        shown = page.locator('.gp-pane[data-pane="0"] .gp-model').get_attribute("title")
        assert shown.startswith(copied), f"+ on Model A ({shown}) copied {copied}"
        if copied != page.locator("#gp-model-0 input").input_value():
            page.shot("judge-blind-plus")
            return
    pytest.fail("eight blind runs kept the picked order: the shuffle is not shuffling")


def test_all_bad_reads_as_all_bad_not_a_tie_for_best(app, make_page):
    page = make_page()
    run_blind(page, f"{app.url}/?q=All+bad+please&m={API}&m={OTHER}&mt=32")
    page.locator("#gp-judge-all-bad").click()
    page.wait_for_function("() => /All bad — saved/.test(document.getElementById('gp-judge-note').textContent)")
    note = page.locator("#gp-judge-note").inner_text()
    assert "1." not in note and "Ranking saved" not in note, note
    assert page.locator("#gp-judge-ranks input[type=radio]:checked").count() == 0
    page.locator("#gp-judge").scroll_into_view_if_needed()
    page.shot("judge-all-bad")


def test_a_one_vote_leaderboard_says_it_needs_more_votes(app, make_page):
    page = make_page()
    run_blind(page, f"{app.url}/?q=One+vote&m={API}&m={OTHER}&mt=32")
    page.locator("#gp-rank-0").get_by_text("1st (best)", exact=True).click()
    page.locator("#gp-rank-1").get_by_text("2nd", exact=True).click()
    page.locator("#gp-judge-submit").click()
    page.wait_for_function("() => /Ranking saved/.test(document.getElementById('gp-judge-note').textContent)")
    page.get_by_role("tab", name="Leaderboard").click()
    page.locator("#gp-board .gp-board-summary").wait_for()
    cells = page.locator("#gp-board .gp-interval").all_inner_texts()
    assert cells and all(c == "needs more votes" for c in cells), cells
    assert page.locator("#gp-board .gp-ci").count() == 0  # no interval bar that looks certain
    from playground.judging.defaults import DEFAULT_RESAMPLES

    assert f"{DEFAULT_RESAMPLES} bootstrap resamples" in page.locator("#gp-board").inner_text()
    page.shot("judge-leaderboard-one-vote")
