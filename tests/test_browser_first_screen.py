"""The first screen says what this is: a one-line title, a "Try: pelican on a bicycle across
sizes" start that fills the prompt and models of different sizes, a grey Stop until something
runs, per-pane settings rows named by their model, and semibold text in a face that draws B
and A as capitals. Screenshots: artifacts/screenshots/surface-first-*.png."""

from __future__ import annotations

import pytest

from test_browser import browser  # noqa: F401  (fixture)
from test_browser_surface import API, app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size,scheme", [("laptop", "light"), ("laptop", "dark"), ("desktop", "light")])
def test_the_first_screen_says_what_this_is_and_stop_is_grey(app, make_page, size, scheme):
    page = make_page(size, scheme)
    page.open(f"{app.url}/")
    title = page.locator("#gp-title")
    assert "Gemma playground" in title.inner_text() and "side by side" in title.inner_text()
    box = title.bounding_box()
    assert box["y"] < 120 and box["height"] < 32, box  # one line, on top
    stop = page.locator("#gp-stop")
    page.wait_for_function("() => document.getElementById('gp-stop').classList.contains('gp-idle')")
    assert stop.get_attribute("aria-disabled") == "true"
    colour = stop.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = [int(float(v)) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    assert max(red, green, blue) - min(red, green, blue) < 40, f"Stop is not grey: {colour}"
    assert page.evaluate("() => getComputedStyle(document.querySelector('#gp-title strong, #gp-title b'))"
                         ".fontFamily").startswith('"GP Sans"')
    page.shot(f"first-{size}-{scheme}")


def test_try_fills_a_pelican_across_sizes_and_names_the_settings_rows(app, make_page):
    from playground.ui.examples import PELICAN_PROMPT

    page = make_page()
    page.open(f"{app.url}/")
    page.locator("#gp-try").click()
    page.wait_for_function(f"() => document.querySelector('#gp-prompt textarea').value === {PELICAN_PROMPT!r}")
    page.wait_for_timeout(300)
    picked = [page.locator(f"#gp-model-{i} input").input_value() for i in range(6)]
    chosen = [p for p in picked if p != "(no model)"]
    # Here: the bundled 270M and the two Gemini sizes (the fake API), smallest first.
    assert chosen[0].startswith("Gemma 3 270M") and len(set(chosen)) == len(chosen) >= 3, picked
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('m').length >= 3")
    page.locator("#gp-pane-settings > button.label-wrap").click()
    page.locator("#gp-pane-row-name-0").wait_for()
    page.wait_for_timeout(300)
    rows = [page.locator(f"#gp-pane-row-name-{i}").inner_text() for i in range(3)]
    assert rows[0] == "Pane 1 · 270M local" and all(r.startswith(f"Pane {i + 1} · ") for i, r in enumerate(rows)), rows
    page.shot("first-try-settings")


def test_stop_comes_alive_while_a_run_streams(app, make_page):
    page = make_page()
    page.open(f"{app.url}/?q=Stop+alive&m={API}&mt=512")
    page.locator("#gp-run").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-pane .gp-answer').length === 1")
    assert "gp-idle" not in (page.locator("#gp-stop").get_attribute("class") or "")
    page.locator("#gp-stop").click()
    page.wait_finished(1, 15)
    page.wait_for_function("() => document.getElementById('gp-stop').classList.contains('gp-idle')", timeout=6_000)
