"""Untrusted model output in a real browser: answers, thinking and drawings full of attack
payloads are restored into the page, and exported; nothing runs, nothing is fetched."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlparse

import pytest

from support.browser import MODEL, app, browser, new_page, restore  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVIL_HOST = "203.0.113.7"  # TEST-NET-3: never routed; any request to it is a failure of ours
MARKDOWN_PAYLOADS = f"""Answer with payloads.

<script>window.__pwned = "script"</script>
<img src=x onerror="window.__pwned = 'onerror'">
[click me](javascript:window.__pwned='link')
![tracker](http://{EVIL_HOST}/pixel.png)
<iframe src="http://{EVIL_HOST}/frame"></iframe>
<a href="http://{EVIL_HOST}/x" onclick="window.__pwned='onclick'">plain link</a>
"""
SVG_PAYLOAD = f"""```svg
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100"
     onload="window.__pwned='svg-onload'">
  <script>window.__pwned = 'svg-script'</script>
  <style>@import url(http://{EVIL_HOST}/x.css); rect {{ fill: url(http://{EVIL_HOST}/p.svg#g); }}</style>
  <rect width="100" height="100" fill="#bde0f7"/>
  <a xlink:href="javascript:window.__pwned='svg-link'"><circle cx="50" cy="50" r="20" fill="teal"/></a>
  <image href="http://{EVIL_HOST}/img.png" width="10" height="10"/>
  <foreignObject width="50" height="50"><iframe xmlns="http://www.w3.org/1999/xhtml" src="http://{EVIL_HOST}/fo"/></foreignObject>
  <set attributeName="href" to="javascript:window.__pwned='set'"/>
  <line x1="10" y1="10" x1="90" y2="90" stroke="black"/>
</svg>
```"""
THINKING = "<script>window.__pwned='thinking'</script> I should draw <b>carefully</b>."


def seed_payloads(cache) -> None:
    from playground.adapters.base import GenerationSettings
    from playground.result import Metrics, PaneResult

    panes = []
    for text in (MARKDOWN_PAYLOADS, SVG_PAYLOAD):
        key = f"browser-security-{uuid.uuid4().hex}"
        settings = GenerationSettings(max_tokens=256).model_dump()
        result = PaneResult(model=MODEL, source="local", settings=settings, text=text, thinking=THINKING,
                            finish_reason="stop", metrics=Metrics(tokens_per_s=50.0, total_s=2.0),
                            created_at=time.time())
        panes.append({"model": MODEL, "label": "Gemma 3 270M", "source": "local", "settings": settings,
                      "key": key, "sample": cache.add_sample(key, result)})
    cache.record_comparison(prompt="security payloads", system=None, image_sha=None, panes=panes)


def watch(page, base: str) -> dict:
    seen = {"requests": [], "dialogs": []}
    page.context.on("request", lambda request: seen["requests"].append(request.url))  # every tab
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    return seen


def foreign(urls: list[str], base: str | None) -> list[str]:
    allowed = {urlparse(base).netloc} if base else set()
    return [u for u in urls if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc not in allowed]


def test_payloads_in_answers_thinking_and_svgs_never_run_or_fetch(app, browser, tmp_path):  # noqa: F811
    base, cache = app
    seed_payloads(cache)
    page = new_page(browser)
    try:
        seen = watch(page, base)
        page.open(f"{base}/")
        restore(page, "security payloads", panes=2)
        page.locator(".gp-thinking summary").first.click()  # open the thinking too
        drawing = page.locator('.gp-pane[data-pane="1"] img.gp-svg')
        drawing.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=drawing.element_handle())
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__pwned") is None
        assert seen["dialogs"] == []
        assert page.locator(".gp-pane script, .gp-pane iframe, .gp-pane svg foreignObject").count() == 0
        assert page.locator('.gp-pane [onerror], .gp-pane [onclick], .gp-pane [onload]').count() == 0
        hrefs = page.eval_on_selector_all(".gp-pane a[href]", "els => els.map(a => a.getAttribute('href'))")
        assert not [h for h in hrefs if h.lower().startswith("javascript:")]
        # links a model wrote stay links (the reader decides), but open apart from the app
        rels = page.eval_on_selector_all(".gp-answer a[href^='http']", "els => els.map(a => a.rel + '|' + a.target)")
        assert rels and all(r == "noopener noreferrer nofollow|_blank" for r in rels), rels
        # the payload text is shown as text, for the reader to see what the model wrote
        assert "window.__pwned" in page.locator('.gp-pane[data-pane="0"] .gp-answer').inner_text()
        page.locator('.gp-pane[data-pane="1"] .gp-drawing-notes summary').first.click()  # fixes are folded
        fixes = page.locator('.gp-pane[data-pane="1"] .gp-fixes').first.inner_text()
        assert "script" in fixes and "x1" in fixes
        assert page.locator("#gp-gallery .gp-gallery-cell img").count() == 1
        assert foreign(seen["requests"], base) == []
        page.shot("security-payloads")

        # The exported file: opened offline from disk, it shows the drawing and runs nothing.
        page.locator("#gp-export-html").click()
        button = page.locator("#gp-export-file")  # the exported file: one button that downloads it
        page.wait_for_function("() => /\\.html/.test((document.getElementById('gp-export-file') || {}).innerText || '')")
        with page.expect_download() as download:
            button.click()
        exported = open(download.value.path(), encoding="utf-8").read()
        path = tmp_path / "export.html"
        path.write_text(exported, encoding="utf-8")
        offline = new_page(browser)
        try:
            seen_offline = watch(offline, None)
            offline.goto(path.as_uri())
            images = offline.locator("img.gp-svg")
            images.first.wait_for()
            offline.wait_for_function("() => [...document.querySelectorAll('img.gp-svg')]"
                                      ".every(i => i.complete && i.naturalWidth > 0)")
            assert offline.evaluate("() => window.__pwned") is None
            assert offline.locator("script").count() == 0
            assert "security payloads" in offline.content() and "I should draw" in offline.content()
            assert foreign(seen_offline["requests"], None) == []
            offline.shot("security-export")
        finally:
            offline.context.close()
    finally:
        page.context.close()
