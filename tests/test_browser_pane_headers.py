"""Pane headers at 1, 4 and 6 panes (1366×768 and 1920×1080, light and dark): every header
shows its model's short name whole ("270M local", "31B Gemini"); badges fold to icons first;
two panes of one model have different visible names in the header, the strip and the ranking.
Screenshots: artifacts/screenshots/surface-headers-*.png."""

from __future__ import annotations

import time
import uuid

import pytest

from test_browser import browser, restore  # noqa: F401  (fixture)
from test_browser_surface import API, app, fake, gemini_env, make_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOCAL = ("gemma-3-270m", "Gemma 3 270M (bundled, tiny stand-in — not Gemma 4)", "local")
G31 = ("gemini:gemma-4-31b-it", "Gemma 4 31B (Gemini API)", "gemini")
G26 = ("gemini:gemma-4-26b-a4b-it", "Gemma 4 26B-A4B (Gemini API)", "gemini")
SVG = ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120"><rect width="200" height="120" '
       'fill="#bde0f7"/><circle cx="60" cy="90" r="22" fill="none" stroke="#333" stroke-width="4"/></svg>\n```\n\n')
TEXT = SVG + "A pelican on a bicycle, drawn above.\n\n" * 4


def seed_panes(cache, prompt: str, panes: list[tuple]) -> str:
    """Record a comparison whose panes are (model, label, source, settings, text, finish); a
    finish of stop/length/loop is cached (a cached answer), "cancelled" is not (Stop)."""
    from playground.adapters.base import GenerationSettings
    from playground.result import Metrics, PaneResult

    record = []
    for model, label, source, settings, text, finish in panes:
        key = f"surface-{uuid.uuid4().hex}"
        full = GenerationSettings(**settings).model_dump()
        number = None
        if finish in ("stop", "length", "loop"):
            number = cache.add_sample(key, PaneResult(
                model=model, source=source, settings=full, text=text, finish_reason=finish,
                metrics=Metrics(tokens_per_s=40.0, ttft_s=0.2, completion_tokens=120, total_s=3.0),
                created_at=time.time()))
        record.append({"model": model, "label": label, "source": source, "settings": full, "key": key,
                       "sample": number, "finish_reason": finish, "error": None})
    return cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=record)


SIX = [LOCAL + ({"temperature": 0.2}, TEXT, "stop"), LOCAL + ({"temperature": 1.0}, TEXT, "length"),
       G31 + ({"thinking": False}, TEXT, "stop"), G31 + ({"thinking": True}, TEXT, "loop"),
       G26 + ({}, TEXT, "stop"), LOCAL + ({"temperature": 0.2, "max_tokens": 256}, "pelican " * 80, "loop")]

HEADERS = """() => {
  // The characters of an element's text that are on screen (before its ellipsis).
  const visible = el => {
    if (!el || !el.firstChild) return '';
    if (el.scrollWidth <= el.clientWidth) return el.textContent.replace(/^ · /, '');  // not cut at all
    const box = el.getBoundingClientRect(), text = el.firstChild, range = document.createRange();
    let shown = '';
    for (let i = 0; i < text.length; i++) {
      range.setStart(text, i); range.setEnd(text, i + 1);
      const r = range.getBoundingClientRect();
      if (r.right > box.right - 6) break;  // the ellipsis takes the last few pixels
      shown += text.data[i];
    }
    return shown.replace(/^ · /, '');
  };
  return [...document.querySelectorAll('#gp-panes .gp-pane')].map(pane => {
    const head = pane.querySelector('.gp-head').getBoundingClientRect();
    const short = pane.querySelector('.gp-name-short'), detail = pane.querySelector('.gp-name-detail');
    const s = short.getBoundingClientRect();
    const badges = [...pane.querySelectorAll('.gp-head .gp-badge')].map(b => {
        const r = b.getBoundingClientRect(); return {right: r.right, text: b.innerText.trim(), title: b.title}; });
    const state = pane.querySelector('.gp-head .gp-state').getBoundingClientRect();
    return {short: short.textContent, whole: short.scrollWidth <= short.clientWidth + 0.5,
            inside: s.left >= head.left - 0.5 && s.right <= head.right + 0.5,
            detail: detail ? detail.textContent.replace(/^ · /, '') : '', detailShown: visible(detail),
            badges, badgesInside: badges.every(b => b.right <= head.right + 0.5),
            stateShown: state.width > 8 && state.right <= head.right + 0.5,
            title: pane.querySelector('.gp-model').title};
  });
}"""


def check_headers(page, count: int) -> list[dict]:
    page.wait_for_timeout(200)  # the width marks follow the layout (a 50 ms timer)
    heads = page.evaluate(HEADERS)
    assert len(heads) == count
    for h in heads:
        assert h["whole"] and h["inside"], f"short name cut: {h}"
        assert h["badgesInside"] and h["stateShown"], h
        assert "(" not in h["short"] and len(h["short"]) <= 16, h  # the long label is the tooltip's
        assert " · " in h["title"], h
    return heads


@pytest.mark.parametrize("size,scheme", [("laptop", "light"), ("laptop", "dark"), ("desktop", "light")])
def test_six_panes_name_every_model_whole_and_tell_twins_apart(app, make_page, size, scheme):
    seed_panes(app.cache, f"Six headers {size} {scheme}", SIX)
    page = make_page(size, scheme)
    page.open(f"{app.url}/")
    restore(page, f"Six headers {size} {scheme}", panes=6)
    heads = check_headers(page, 6)
    assert [h["short"] for h in heads] == ["270M local", "270M local", "31B Gemini", "31B Gemini",
                                           "26B-A4B Gemini", "270M local"]
    assert heads[2]["detail"].endswith("thinking off") and heads[3]["detail"].endswith("thinking on")
    assert len({h["detail"] for h in heads if h["short"] == "270M local"}) == 3
    for short in ("270M local", "31B Gemini"):  # what tells twins apart is on screen, not only in the tooltip
        shown = [h["detailShown"] for h in heads if h["short"] == short]
        assert len(set(shown)) == len(shown) and all(len(s) >= 3 for s in shown), heads
    if size == "laptop":  # six panes on a laptop: the "cached" badge is its icon, its words the tooltip
        assert all(b["text"] == "↺" and "cached" in b["title"] for h in heads for b in h["badges"]), heads
    # The strip and the ranking call the panes the same.
    strip = page.locator("#gp-gallery .gp-strip-name").all_inner_texts()
    assert strip[2:4] == ["31B Gemini · thinking off", "31B Gemini · thinking on"]
    assert len(set(strip)) == 6
    page.locator("#gp-judge").scroll_into_view_if_needed()
    ranks = [page.locator(f"#gp-rank-{i} [data-testid='block-info'], #gp-rank-{i} .block-title, #gp-rank-{i} span")
             .first.inner_text() for i in range(6)]
    assert len(set(ranks)) == 6 and "31B Gemini · thinking on" in ranks[3], ranks
    page.locator(".gp-pane").first.scroll_into_view_if_needed()
    page.page.evaluate("() => window.scrollTo(0, 0)")
    page.shot(f"headers-6-{size}-{scheme}")


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize("size,scheme", [("laptop", "light"), ("desktop", "dark")])
def test_one_and_four_streaming_panes_name_their_model_whole(app, make_page, count, size, scheme):
    page = make_page(size, scheme)
    models = "&".join(f"m={API}" for _ in range(count))
    temps = "&".join(f"t{i + 1}={0.2 + 0.2 * i:.1f}" for i in range(count)) if count > 1 else ""
    page.open(f"{app.url}/?q=Header+{count}+{size}+{scheme}&{models}&mt=128&{temps}")
    page.locator("#gp-run").click()
    page.wait_for_function(f"() => document.querySelectorAll('.gp-pane .gp-answer').length === {count}", timeout=20_000)
    heads = check_headers(page, count)
    assert all(h["short"] == "31B Gemini" for h in heads)
    if count > 1:
        assert len({h["detail"] for h in heads}) == count and all(h["detail"].startswith("t ") for h in heads)
    page.wait_finished(count)
    check_headers(page, count)
    page.shot(f"headers-{count}-{size}-{scheme}")
