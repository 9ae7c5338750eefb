"""History rows of one prompt look different: each says its samples and the settings that set
it apart, and the time to the minute. Screenshot: artifacts/screenshots/surface-history-rows.png."""

from __future__ import annotations

import re

import pytest

from test_browser import browser  # noqa: F401  (fixture)
from test_browser_pane_headers import G31, LOCAL, TEXT, seed_panes
from test_browser_surface import app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_history_rows_of_one_prompt_show_what_sets_them_apart(app, make_page):
    for settings in ({"max_tokens": 256}, {"max_tokens": 512}, {"max_tokens": 512, "thinking": True}):
        seed_panes(app.cache, "Rows pelican", [LOCAL + (settings, TEXT, "stop"), G31 + (settings, TEXT, "stop")])
    page = make_page()
    page.open(f"{app.url}/")
    page.get_by_role("tab", name="History").click()
    page.locator("#gp-history-query input, #gp-history-query textarea").first.fill("Rows pelican")
    page.locator("#gp-history-search").click()
    page.get_by_text("3 comparison(s)").wait_for()
    page.locator("#gp-history-pick input").click()
    options = page.get_by_role("option").all_inner_texts()
    rows = [o.strip(" ✓\n") for o in options if "Rows pelican" in o]
    assert len(rows) == 3 and len(set(rows)) == 3, rows
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d · Rows pelican", r) for r in rows), rows
    assert sum("max 256" in r for r in rows) == 1 and sum("thinking on" in r for r in rows) == 1, rows
    page.shot("history-rows")
