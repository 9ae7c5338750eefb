"""Blind judging in headless Chromium, against a real launch: a blind comparison of three panes
(the tiny local model and two Gemini models answered by a loopback fake, one answer naming
itself) shows no pane's model anywhere in the page — panes, their attributes, the drawing strip,
the speed chart, the ranking widget, the status line, the title — not even while streaming;
the self-name is masked; ranking the panes stores the vote and reveals every name in place;
the Leaderboard and History tabs show it. One comparison and one vote serve the tests of the
module (`blind_run`, `voted`), one behaviour each. Screenshots at 1366×768 in artifacts/screenshots/.
A comparison restored blind, in dark theme: test_browser_blind_restore.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import LaunchedApp
from support.blind import (
    MODELS, PAGE_OUTSIDE_PICKERS, PICKERS, PROMPT, WATCH, forbidden_words, launched_blind_app, pane_html,
    seed_ladder_votes, wait_finished,
)
from support.browser import SCREENSHOTS, Page, browser, new_page, set_parameter  # noqa: F401  (browser)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# ---------------------------------------------------------------- one blind comparison, then its vote
@dataclass
class BlindRun:
    """One blind comparison of the three panes, run to the end in a page that watched it: what
    the page showed once every pane had finished, before any vote (the tests read this, so
    they hold whichever order they run in; the vote is `voted`)."""

    app: LaunchedApp
    page: Page
    forbidden: list[str]
    blind_box_checked: bool  # the Blind toggle, from &blind=1 in the link
    leaks: list[str]  # forbidden words the judged areas showed at any moment of the run
    outside_pickers: str  # the page's HTML without the model pickers, scripts and styles
    title: str
    link_models: list[str]  # the &m= of the address bar
    blind_names_per_pane: list[int]
    pane_names: list[str]
    answers: str
    chart: str
    strip_names: list[str]
    strip_empty: int
    strip_drawings: int
    request_panels: int


@pytest.fixture(scope="module")
def blind_run(tmp_path_factory, browser):
    with launched_blind_app(tmp_path_factory.mktemp("blind") / "cache") as app:
        forbidden = forbidden_words(app)
        page = new_page(browser)
        try:
            query = "&".join(f"m={m}" for m in MODELS)
            page.open(f"{app.url}/?q={PROMPT.replace(' ', '+').replace('?', '%3F')}&{query}&blind=1")
            page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
            checked = page.locator("#gp-blind input[type=checkbox]").is_checked()
            page.wait_for_function("() => new URLSearchParams(location.search).get('blind') === '1'")
            set_parameter(page, "gp-max-tokens", "16")
            page.evaluate(WATCH, forbidden)
            page.locator("#gp-prompt textarea").click()
            page.keyboard.press("Control+Enter")
            wait_finished(page, 3)
            page.wait_for_function("() => document.querySelector('#gp-judge') &&"
                                   " document.querySelector('#gp-judge').offsetParent !== null")
            page.evaluate("() => window.__gpCheck()")
            texts = "els => els.map(e => e.textContent)"
            run = BlindRun(
                app=app, page=page, forbidden=forbidden, blind_box_checked=checked,
                leaks=page.evaluate("() => window.__gpLeaks"),
                outside_pickers=page.evaluate(PAGE_OUTSIDE_PICKERS, list(PICKERS)).lower(),
                title=page.title(),
                link_models=page.evaluate("() => new URLSearchParams(location.search).getAll('m')"),
                blind_names_per_pane=[p.count("gp-blind-name") for p in pane_html(page)],
                pane_names=page.eval_on_selector_all(".gp-pane .gp-model", texts),
                answers=" ".join(page.eval_on_selector_all(".gp-answer", texts)),
                chart=page.locator("#gp-chart").inner_text(),
                strip_names=page.locator("#gp-gallery .gp-strip-name").all_inner_texts(),
                strip_empty=page.locator("#gp-gallery .gp-strip-empty").count(),
                strip_drawings=page.locator("#gp-gallery .gp-gallery-cell img").count(),
                request_panels=page.locator(".gp-pane .gp-request").count(),
            )
            page.locator("#gp-judge").scroll_into_view_if_needed()
            page.shot("blind-before-vote")
            page.locator(".gp-pane").first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(SCREENSHOTS / "blind-panes-1366x768.png"))  # what one laptop screen shows
            yield run
        finally:
            page.context.close()


@dataclass
class Voted:
    """The same page after ranking Model B best and A and C tied second, in one click."""

    labels: dict[str, str]  # a pane's revealed name → its model
    revealed: list[str]  # the panes' names after the vote, in page order
    letters: list[str]
    panes_with_speed: list[bool]
    answers: str
    chart_bars: int


@pytest.fixture(scope="module")
def voted(blind_run):
    from playground.ui.names import short_name  # a pane is named by its model's short name

    page, catalog = blind_run.page, blind_run.app.runtime.catalog
    for slot, word in ((0, "2nd"), (1, "1st (best)"), (2, "2nd")):
        page.locator(f"#gp-rank-{slot}").get_by_text(word, exact=True).click()
    page.locator("#gp-judge-tags input, #gp-judge-tags textarea").first.fill("svg, identity")
    page.locator("#gp-judge-submit").click()
    page.wait_for_function("() => /Ranking saved/.test(document.getElementById('gp-judge-note').textContent)")
    texts = "els => els.map(e => e.textContent)"
    after = Voted(
        labels={short_name(s.id, s.label, s.source): m for m in MODELS for s in [catalog.resolve(m)]},
        revealed=page.eval_on_selector_all(".gp-pane .gp-model", texts),
        letters=page.eval_on_selector_all(".gp-pane .gp-letter", texts),
        panes_with_speed=["TTFT" in p for p in pane_html(page)],
        answers=" ".join(page.eval_on_selector_all(".gp-answer", texts)),
        chart_bars=page.locator("#gp-chart rect[data-metric]").count(),
    )
    page.locator("#gp-judge").scroll_into_view_if_needed()
    page.shot("blind-after-vote")
    return after


def test_blind_in_the_link_turns_blind_mode_on(blind_run):
    assert blind_run.blind_box_checked


def test_no_model_is_named_in_the_judged_areas_at_any_moment_of_the_run(blind_run):
    """Panes, strip, chart, ranking widget and status line, watched while the answers streamed."""
    assert blind_run.leaks == []


def test_the_page_outside_the_pickers_names_no_model(blind_run):
    """No model id, label, source badge or facts anywhere else, the title included."""
    assert [w for w in blind_run.forbidden if w.lower() in blind_run.outside_pickers] == []
    assert blind_run.title == "Gemma playground"


def test_the_link_lists_the_set_of_models_not_which_pane_holds_which(blind_run):
    assert blind_run.link_models == MODELS  # as picked, whatever order the panes are in


def test_panes_are_named_by_letter(blind_run):
    assert blind_run.pane_names == ["Model A", "Model B", "Model C"]
    assert blind_run.blind_names_per_pane == [1, 1, 1]


def test_an_answer_naming_its_own_model_is_masked(blind_run):
    assert "I'm «name hidden», a model made by «name hidden»" in blind_run.answers
    assert "Gemma 4" not in blind_run.answers and "DeepMind" not in blind_run.answers


def test_the_speed_chart_is_hidden_until_the_vote(blind_run):
    assert blind_run.chart.count("hidden until you vote") == 1


def test_the_drawing_strip_names_its_columns_by_letter(blind_run):
    """One column per pane, named by letter; the local pane drew nothing, the two others did."""
    assert blind_run.strip_names == ["Model A", "Model B", "Model C"]
    assert (blind_run.strip_empty, blind_run.strip_drawings) == (1, 2)


def test_the_request_is_not_shown_while_blind(blind_run):
    assert blind_run.request_panels == 0  # the request names the model


def test_the_vote_reveals_every_name_in_place(voted):
    assert sorted(voted.revealed) == sorted(voted.labels)
    assert voted.letters == ["Model A", "Model B", "Model C"]  # the panes did not move


def test_the_speed_and_the_self_name_come_back_after_the_vote(voted):
    assert voted.panes_with_speed == [True, True, True]
    assert voted.chart_bars >= 3
    assert "Gemma 4" in voted.answers


def test_the_vote_is_stored_with_the_panes_in_the_order_they_were_judged(blind_run, voted):
    from playground.judging import VoteStore

    (vote,) = VoteStore(blind_run.app.cache.directory).list()
    assert vote.blind and vote.tags == ("svg", "identity") and vote.prompt == PROMPT
    shown = [voted.labels[name] for name in voted.revealed]  # the page's pane order, as models
    assert vote.models == shown
    assert vote.model_ranking() == [[shown[1]], [shown[0], shown[2]]]  # B best, A and C tied


def test_the_leaderboard_counts_the_blind_vote(blind_run, voted):
    page = blind_run.page
    page.get_by_role("tab", name="Leaderboard").click()
    page.locator("#gp-board .gp-board-summary").wait_for()
    board = page.locator("#gp-board").inner_text()
    assert "1 vote" in board and all(m in board for m in MODELS)
    seed_ladder_votes(blind_run.app, 60)
    page.locator("#gp-board-refresh").click()
    page.wait_for_function("() => /61 votes/.test(document.getElementById('gp-board').textContent)")
    page.shot("leaderboard-light")


def test_history_shows_the_comparison_as_ranked_and_blind(blind_run, voted):
    page = blind_run.page
    page.get_by_role("tab", name="History").click()
    page.locator("#gp-history-search").click()
    page.wait_for_function("() => document.querySelector('#gp-history-pick input').value.includes('✓ ranked')")
    page.locator("#gp-history-vote").get_by_text("blind").wait_for()


def test_the_blind_run_and_the_vote_raise_no_script_error(blind_run, voted):
    blind_run.page.assert_no_script_errors()
