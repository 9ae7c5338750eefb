"""min_p (a settings-table row added after the link existed) travels through the link in a real
page both ways: a link's mp/mp1 fill Parameters and pane 1's field, the page's Run form carries
them, and typing one writes it into the URL. Nothing in static/url_state.js names min_p: it reads
the table from the server-rendered gp-config."""

from __future__ import annotations

import json

import pytest

from support.browser import MODEL, app, browser, page, set_parameter  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_link_fills_min_p_and_an_edit_writes_it_back(app, page):
    base, _ = app
    page.open(f"{base}/?q=Name+a+bird&m={MODEL}&mp=0.05&mp1=0.1")
    page.wait_for_function("() => JSON.parse(window.gp.formJson()).min_p === '0.05'")
    form = json.loads(page.evaluate("() => window.gp.formJson()"))
    assert form["min_p"] == "0.05" and form["min_p_0"] == "0.1" and form["model_0"] == MODEL
    set_parameter(page, "gp-min-p", "0.2")
    page.wait_for_function("() => new URLSearchParams(location.search).get('mp') === '0.2'")
    params = page.evaluate("() => [...new URLSearchParams(location.search)]")
    assert ["mp1", "0.1"] in params  # pane 1's own value follows its model
    page.assert_no_script_errors()
