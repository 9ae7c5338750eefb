"""Blind judging in the browser (tests/test_browser_blind*.py): the models of a blind comparison,
the answers the loopback Gemini fake gives (one names its own model), the words that would tell
which pane holds which model, a watcher that records any of them appearing while the answers
stream, and votes on the Gemma 4 size ladder for the leaderboard.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import LaunchedApp
from fake_gemini import FakeGemini, Scenario, text_chunks
from support.browser import FINISHED, Page

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


@contextmanager
def launched_blind_app(cache_dir: Path):
    """The app, with the two Gemini models answered by a loopback fake: the 31B names itself."""
    with FakeGemini(Scenario(chunks=text_chunks(["unused"]))) as fake, pytest.MonkeyPatch.context() as patch:
        fake.scenarios["gemma-4-31b-it"] = Scenario(chunks=text_chunks([SELF_NAMING[:40], SELF_NAMING[40:]]))
        fake.scenarios["gemma-4-26b-a4b-it"] = Scenario(chunks=text_chunks([OTHER]))
        patch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        app = LaunchedApp(cache_dir=cache_dir, env={"GEMINI_API_KEY": KEY}, n_ctx=512)
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


def wait_finished(page: Page, count: int, timeout_s: float = 120) -> None:
    page.wait_statuses(lambda states: len(states) == count and all(s in FINISHED for s in states),
                       timeout_s, "panes did not finish")
