"""Blind judging in headless Chromium, against a real launch: a blind comparison of three panes
(the tiny local model and two Gemini models answered by a loopback fake, one answer naming
itself) shows no pane's model anywhere in the page — panes, their attributes, the drawing strip,
the speed chart, the ranking widget, the status line, the title — not even while streaming;
the self-name is masked; ranking the panes stores the vote and reveals every name in place;
the Leaderboard tab shows it. Screenshots at 1366×768, light and dark, in artifacts/screenshots/.
"""

from __future__ import annotations

import time

import pytest

from conftest import LaunchedApp
from fake_gemini import FakeGemini, Scenario, text_chunks
from support.browser import FINISHED, SCREENSHOTS, browser, new_page, restore, set_parameter  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "blind-test-key-0123456789"
LOCAL = "gemma-3-270m"
API_31B = "gemini:gemma-4-31b-it"
API_26B = "gemini:gemma-4-26b-a4b-it"
MODELS = [LOCAL, API_31B, API_26B]
PROMPT = "Who are you? Draw yourself as an SVG."
SVG = ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" '
       'fill="#dbeafe"/><circle cx="50" cy="50" r="30" fill="#f59e0b"/><text x="20" y="95">Gemini</text></svg>\n```')
SELF_NAMING = "I'm Gemma 4, a model made by Google DeepMind. Here I am:\n\n" + SVG
OTHER = "As Gemini, I would draw a pelican. Here it is:\n\n" + SVG.replace("#f59e0b", "#10b981")

# Everything inside these is allowed to name models: the pickers list the SET of models.
PICKERS = ("#gp-pane-models", "#gp-pane-settings")
JUDGED_AREAS = "#gp-panes, #gp-gallery, #gp-chart, #gp-judge, #gp-run-status"

WATCH = """(forbidden) => {
    window.__gpLeaks = [];
    const check = () => {
        const parts = [...document.querySelectorAll('%s')].map(e => e.outerHTML);
        parts.push(document.title);
        const text = parts.join('\\n').toLowerCase();
        for (const word of forbidden) {
            if (text.includes(word.toLowerCase()) && !window.__gpLeaks.includes(word)) window.__gpLeaks.push(word);
        }
    };
    window.__gpCheck = check;
    new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                        attributes: true});
}""" % JUDGED_AREAS

PAGE_OUTSIDE_PICKERS = """(pickers) => {
    const clone = document.documentElement.cloneNode(true);
    for (const sel of pickers) clone.querySelectorAll(sel).forEach(e => e.remove());
    // Gradio keeps the other tabs' content out of the DOM until opened; the Compare tab is what
    // a person judging sees. Scripts and styles are ours (static), not the comparison.
    clone.querySelectorAll('script, style').forEach(e => e.remove());
    return clone.outerHTML;
}"""


@pytest.fixture
def blind_app(tmp_path, monkeypatch):
    with FakeGemini(Scenario(chunks=text_chunks(["unused"]))) as fake:
        fake.scenarios["gemma-4-31b-it"] = Scenario(chunks=text_chunks([SELF_NAMING[:40], SELF_NAMING[40:]]))
        fake.scenarios["gemma-4-26b-a4b-it"] = Scenario(chunks=text_chunks([OTHER]))
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        app = LaunchedApp(cache_dir=tmp_path / "cache", env={"GEMINI_API_KEY": KEY}, n_ctx=512)
        try:
            yield app
        finally:
            app.close()


def forbidden_words(app) -> list[str]:
    """Every string that would tell which pane holds which model."""
    words = {"data-model", "tok/s", "TTFT", "gp-cached", ">local<", ">gemini<", "Google", "DeepMind",
             "Gemma 4", "Gemma 3", "Gemini"}
    for model in MODELS:
        spec = app.runtime.catalog.resolve(model)
        words |= {model, model.split(":")[-1], spec.label}
        if spec.facts():
            words.add(spec.facts())
    return sorted(words)


LADDER = {"gemma-4-e2b": (1.0, 45.0, 0.2), "gemma-4-e4b": (2.0, 30.0, 0.3),
          "gemma-4-26b-a4b": (4.0, 18.0, 0.6), "gemma-4-31b": (6.0, 6.0, 1.5)}  # strength, tok/s, TTFT


def seed_ladder_votes(app, count: int) -> None:
    """Votes of 2–4 panes of the Gemma 4 ladder, ranked by known strengths (Plackett–Luce)."""
    import random

    from playground.judging import VoteStore

    rng = random.Random(7)
    store = VoteStore(app.cache.directory)
    for n in range(count):
        models = rng.sample(sorted(LADDER), rng.randint(2, 4))
        order, pool = [], list(range(len(models)))
        while pool:
            weights = [LADDER[models[i]][0] for i in pool]
            pick = rng.choices(pool, weights)[0]
            order.append([pick])
            pool.remove(pick)
        panes = [{"model": m, "metrics": {"tokens_per_s": LADDER[m][1] * rng.uniform(0.9, 1.1),
                                          "ttft_s": LADDER[m][2] * rng.uniform(0.9, 1.1)}} for m in models]
        store.add(prompt=f"ladder {n}", panes=panes, ranking=order, blind=True, tags=["svg"] if n % 2 else ["code"])


def pane_html(page) -> list[str]:
    return page.eval_on_selector_all(".gp-pane", "els => els.map(e => e.outerHTML)")


def wait_finished(page, count: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        statuses = page.eval_on_selector_all(".gp-pane .gp-state", "els => els.map(e => e.dataset.status)")
        if len(statuses) == count and all(s in FINISHED for s in statuses):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"panes did not finish: {statuses}")


def test_blind_comparison_names_no_model_until_the_vote_then_reveals_and_ranks(blind_app, browser):
    from playground.judging import VoteStore

    app = blind_app
    forbidden = forbidden_words(app)
    page = new_page(browser)
    try:
        query = "&".join(f"m={m}" for m in MODELS)
        page.open(f"{app.url}/?q={PROMPT.replace(' ', '+').replace('?', '%3F')}&{query}&blind=1")
        page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
        assert page.locator("#gp-blind input[type=checkbox]").is_checked()  # from &blind=1
        page.wait_for_function("() => new URLSearchParams(location.search).get('blind') === '1'")
        set_parameter(page, "gp-max-tokens", "16")
        page.evaluate(WATCH, forbidden)
        page.locator("#gp-prompt textarea").click()
        page.keyboard.press("Control+Enter")
        wait_finished(page, 3)
        page.wait_for_function("() => document.querySelector('#gp-judge') &&"
                               " document.querySelector('#gp-judge').offsetParent !== null")
        page.evaluate("() => window.__gpCheck()")

        # Nothing in the judged areas named a model at any moment of the run.
        assert page.evaluate("() => window.__gpLeaks") == []
        # The whole page outside the pickers: no model id, label, source badge or facts.
        rest = page.evaluate(PAGE_OUTSIDE_PICKERS, list(PICKERS)).lower()
        assert [w for w in forbidden if w.lower() in rest] == []
        assert page.title() == "Gemma playground"
        # The link lists the set of models (as picked), never which pane is which.
        assert page.evaluate("() => new URLSearchParams(location.search).getAll('m')") == MODELS
        panes = pane_html(page)
        assert [p.count("gp-blind-name") for p in panes] == [1, 1, 1]
        names = page.eval_on_selector_all(".gp-pane .gp-model", "els => els.map(e => e.textContent)")
        assert names == ["Model A", "Model B", "Model C"]
        answers = " ".join(page.eval_on_selector_all(".gp-answer", "els => els.map(e => e.textContent)"))
        assert "I'm «name hidden», a model made by «name hidden»" in answers  # the self-name is masked
        assert page.locator("#gp-chart").inner_text().count("hidden until you vote") == 1
        # The strip: one column per pane, named by letter; the local pane drew nothing.
        assert page.locator("#gp-gallery .gp-strip-name").all_inner_texts() == ["Model A", "Model B", "Model C"]
        assert page.locator("#gp-gallery .gp-strip-empty").count() == 1
        assert page.locator("#gp-gallery .gp-gallery-cell img").count() == 2
        assert page.locator(".gp-pane .gp-request").count() == 0  # the request names the model: not while blind
        page.locator("#gp-judge").scroll_into_view_if_needed()
        page.shot("blind-before-vote")
        page.locator(".gp-pane").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SCREENSHOTS / "blind-panes-1366x768.png"))  # what one laptop screen shows

        # Rank: Model B best, A and C tied second. One click submits and reveals in place.
        for slot, word in ((0, "2nd"), (1, "1st (best)"), (2, "2nd")):
            page.locator(f"#gp-rank-{slot}").get_by_text(word, exact=True).click()
        page.locator("#gp-judge-tags input, #gp-judge-tags textarea").first.fill("svg, identity")
        page.locator("#gp-judge-submit").click()
        page.wait_for_function("() => /Ranking saved/.test(document.getElementById('gp-judge-note').textContent)")
        revealed = page.eval_on_selector_all(".gp-pane .gp-model", "els => els.map(e => e.textContent)")
        from playground.ui.names import short_name  # a pane is named by its model's short name

        labels = {short_name(s.id, s.label, s.source): m for m in MODELS for s in [app.runtime.catalog.resolve(m)]}
        assert sorted(revealed) == sorted(labels)  # every name, in place
        letters = page.eval_on_selector_all(".gp-pane .gp-letter", "els => els.map(e => e.textContent)")
        assert letters == ["Model A", "Model B", "Model C"]
        assert all("TTFT" in p for p in pane_html(page))  # the speed is back in every pane
        assert "Gemma 4" in " ".join(page.eval_on_selector_all(".gp-answer", "els => els.map(e => e.textContent)"))
        assert page.locator("#gp-chart rect[data-metric]").count() >= 3

        votes = VoteStore(app.cache.directory).list()
        assert len(votes) == 1
        vote = votes[0]
        assert vote.blind and vote.tags == ("svg", "identity") and vote.prompt == PROMPT
        shown = [labels[name] for name in revealed]  # the page's pane order, as models
        assert vote.models == shown  # the store has the panes in the order they were judged
        assert vote.model_ranking() == [[shown[1]], [shown[0], shown[2]]]
        page.locator("#gp-judge").scroll_into_view_if_needed()
        page.shot("blind-after-vote")

        # The Leaderboard tab shows the vote.
        page.get_by_role("tab", name="Leaderboard").click()
        page.locator("#gp-board .gp-board-summary").wait_for()
        board = page.locator("#gp-board").inner_text()
        assert "1 vote" in board and all(m in board for m in MODELS)
        seed_ladder_votes(app, 60)
        page.locator("#gp-board-refresh").click()
        page.wait_for_function("() => /61 votes/.test(document.getElementById('gp-board').textContent)")
        page.shot("leaderboard-light")

        # History shows the vote and can delete it.
        page.get_by_role("tab", name="History").click()
        page.locator("#gp-history-search").click()
        page.wait_for_function("() => document.querySelector('#gp-history-pick input').value.includes('✓ ranked')")
        page.locator("#gp-history-vote").get_by_text("blind").wait_for()
        page.assert_no_script_errors()
    finally:
        page.context.close()


def test_blind_restore_in_dark_theme_then_leaderboard(blind_app, browser):
    """A comparison restored from History with the blind toggle on comes back blind (a new
    random order); dark theme screenshots of the blind panes and the leaderboard."""
    app = blind_app
    page = new_page(browser, color_scheme="dark")
    try:
        query = "&".join(f"m={m}" for m in MODELS[1:])  # the two API panes: instant
        page.open(f"{app.url}/?q=Dark+blind+check&{query}")
        page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
        page.locator("#gp-run").click()
        wait_finished(page, 2)
        assert page.locator(".gp-head .gp-name-short").count() == 2  # not blind: names shown
        page.locator("#gp-blind label").click()
        page.wait_for_function("() => new URLSearchParams(location.search).get('blind') === '1'")
        restore(page, "Dark blind check", panes=2)
        assert page.locator(".gp-head .gp-name-short").count() == 0
        assert page.eval_on_selector_all(".gp-pane .gp-model", "els => els.map(e => e.textContent)") == [
            "Model A", "Model B"]
        # The panes were restored over the earlier, named ones: nothing of those is left either.
        rest = page.evaluate(PAGE_OUTSIDE_PICKERS, list(PICKERS)).lower()
        assert [w for w in forbidden_words(app) if w.lower() in rest] == []
        page.locator("#gp-judge").wait_for()
        page.locator(".gp-pane").first.scroll_into_view_if_needed()
        page.shot("blind-dark-before-vote")
        page.locator("#gp-judge-all-bad").click()
        page.wait_for_function("() => document.querySelectorAll('.gp-head .gp-name-short').length === 2")
        page.get_by_role("tab", name="Leaderboard").click()
        page.locator("#gp-board .gp-board-summary").wait_for()
        assert "1 vote (1 all bad)" in page.locator("#gp-board").inner_text()

        # Enough votes on the size ladder for the standings, the matrix and the plot.
        seed_ladder_votes(app, 60)
        page.locator("#gp-board-refresh").click()
        page.wait_for_function("() => /61 votes/.test(document.getElementById('gp-board').textContent)")
        first = page.locator("#gp-board table.gp-board:not(.gp-matrix) tbody tr").first.inner_text()
        assert "gemma-4-31b" in first  # the strongest model is on top
        assert page.locator("#gp-board .gp-sq-point").count() == 8  # 4 models × 2 plots
        page.shot("leaderboard-dark")
        page.locator("#gp-board-tag input").click()
        page.get_by_role("option", name="svg").click()
        page.wait_for_function("() => /tag svg/.test(document.getElementById('gp-board').textContent)")
        page.assert_no_script_errors()
    finally:
        page.context.close()
