"""The band over the panes keeps its height: the run status and the link note are one line each
(the rest in their tooltip), and the prompt box grows only while it is being written, so a
20,000-character prompt does not push the panes down. Screenshots:
artifacts/screenshots/surface-band-*.png."""

from __future__ import annotations

import pytest

from test_browser import browser  # noqa: F401  (fixture)
from test_browser_surface import API, app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BAND = """() => ({panes: document.getElementById('gp-panes').getBoundingClientRect().top,
                 status: document.getElementById('gp-status-row').getBoundingClientRect().height,
                 prompt: document.querySelector('#gp-prompt textarea').getBoundingClientRect().height,
                 note: (document.getElementById('gp-link-note') || {}).title || ''})"""


@pytest.mark.parametrize("size,scheme", [("laptop", "light"), ("desktop", "dark")])
def test_a_huge_prompt_and_long_notes_leave_the_panes_where_they_are(app, make_page, size, scheme):
    page = make_page(size, scheme)
    page.open(f"{app.url}/?q=Short+prompt&m={API}&m={API}&mt=32")
    page.locator("#gp-run").click()
    page.wait_finished(2)
    short = page.evaluate(BAND)
    page.locator("#gp-prompt textarea").fill("pelican " * 2500)  # 20,000 characters
    focused = page.evaluate(BAND)
    page.locator("#gp-run").click()  # leaves the box: it folds back to two lines
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === null")
    page.wait_for_function("() => /too long for the link/.test((document.getElementById('gp-link-note') || {}).title)")
    page.wait_finished(2)
    page.wait_for_timeout(300)
    long = page.evaluate(BAND)
    assert focused["prompt"] > short["prompt"] + 20, "the prompt box does not grow while being written"
    assert abs(long["panes"] - short["panes"]) <= 2, (short, long)
    assert long["prompt"] <= short["prompt"] + 1 and long["status"] <= 42, long
    assert "too long for the link" in long["note"]  # the whole note, in its tooltip
    page.shot(f"band-long-prompt-{size}-{scheme}")
