"""Export is one visible click away: after Export HTML or Export PNG card, a button with the
file's name sits in full view beside them, nothing covers it, and a click downloads the file.
Screenshots: artifacts/screenshots/surface-export-*.png."""

from __future__ import annotations

import pytest

from test_browser import browser  # noqa: F401  (fixture)
from test_browser_surface import API, app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IN_VIEW = """() => {
    const el = document.getElementById('gp-export-file'), r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, vw: innerWidth, vh: innerHeight,
            clips: [...function* () { for (let a = el.parentElement; a; a = a.parentElement) yield a; }()]
                .filter(a => getComputedStyle(a).overflow !== 'visible')
                .some(a => { const q = a.getBoundingClientRect(); return r.top < q.top - 0.5 || r.bottom > q.bottom + 0.5
                                                                         || r.left < q.left - 0.5 || r.right > q.right + 0.5; }),
            onTop: !!top && (top === el || el.contains(top)), text: el.innerText};
}"""


@pytest.mark.parametrize("size,scheme", [("laptop", "light"), ("desktop", "dark")])
def test_the_exported_file_downloads_in_one_visible_click(app, make_page, size, scheme):
    page = make_page(size, scheme)
    page.open(f"{app.url}/?q=Export+me+{size}&m={API}&m={API}&t2=0.3&mt=64")
    page.locator("#gp-run").click()
    page.wait_finished(2)
    for button, suffix, magic in (("#gp-export-html", ".html", b"<!doctype html>"),
                                  ("#gp-export-png", ".png", b"\x89PNG")):
        page.locator(button).click()
        page.wait_for_function(f"() => (document.getElementById('gp-export-file') || {{}}).innerText?.includes('{suffix}')")
        box = page.evaluate(IN_VIEW)
        assert 0 <= box["left"] and box["right"] <= box["vw"] and 0 <= box["top"] and box["bottom"] <= box["vh"], box
        assert box["onTop"] and not box["clips"], f"the file's button is covered or clipped: {box}"
        with page.expect_download(timeout=20_000) as download:
            page.locator("#gp-export-file").click()
        path = download.value.path()
        assert download.value.suggested_filename.endswith(suffix)
        data = open(path, "rb").read()
        assert data[:len(magic)].lower() == magic.lower()
        if suffix == ".html":
            assert b"31B Gemini" in data and b"t 0.3" in data  # the panes as the page names them
        page.shot(f"export-{suffix[1:]}-{size}-{scheme}")
