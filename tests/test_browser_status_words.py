"""Status words that tell the truth, the same in the page, blind, and after Restore: samples that
looped say "stopped (loop)", a pane that hit max tokens says "done (max tokens)", a pane stopped
while queued says "stopped before it started", a restored pane that had been stopped says
"stopped", not "error". Screenshots: artifacts/screenshots/surface-status-*.png."""

from __future__ import annotations

import pytest

from test_browser import browser, restore  # noqa: F401  (fixture)
from test_browser_pane_headers import G31, LOCAL, TEXT, seed_panes
from test_browser_surface import app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def words(page) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(".gp-pane .gp-state", "els => els.map(e => [e.dataset.status, e.title])")


@pytest.mark.parametrize("blind", [False, True])
def test_restored_panes_say_loop_max_tokens_and_stopped(app, make_page, blind):
    prompt = f"Status words {'blind' if blind else 'named'}"
    seed_panes(app.cache, prompt, [G31 + ({}, "pelican " * 60, "loop"), G31 + ({"temperature": 0.3}, TEXT, "length"),
                                   LOCAL + ({}, "", "cancelled")])
    page = make_page(scheme="dark" if blind else "light")
    page.open(f"{app.url}/")
    if blind:
        page.locator("#gp-blind label").click()
        page.wait_for_function("() => new URLSearchParams(location.search).get('blind') === '1'")
    restore(page, prompt, panes=3)
    said = sorted(title for _, title in words(page))
    assert said == ["done (max tokens)", "stopped (loop)", "stopped (not kept)"], said
    assert "error" not in [status for status, _ in words(page)]
    page.shot(f"status-restored-{'blind' if blind else 'named'}")


def test_a_pane_stopped_while_queued_says_it_never_started(app, make_page):
    page = make_page()
    page.open(f"{app.url}/?q=Queue+then+stop&m={LOCAL[0]}&m={LOCAL[0]}&mt=96&t2=0.5")
    page.locator("#gp-run").click()
    # local panes run one at a time: the second waits in the queue while the first loads or runs
    page.wait_for_function("() => { const s = [...document.querySelectorAll('.gp-pane .gp-state')];"
                           " return s.length === 2 && s[1].dataset.status === 'queued'; }", timeout=60_000)
    page.locator("#gp-stop").click()
    page.wait_finished(2, 60)
    assert words(page)[1] == ["stopped", "stopped before it started"], words(page)
    page.shot("status-queued-stopped")
