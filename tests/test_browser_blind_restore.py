"""A comparison restored from History with the Blind toggle on, in headless Chromium (dark
theme), against a real launch: it comes back blind (a new random order) with nothing left of the
named panes it replaced; "all bad" reveals the names and the Leaderboard counts it; with votes on
the Gemma 4 size ladder the board ranks, plots and filters them. One restore and one vote serve
the tests of the module (`restored`, `board`), one behaviour each. Dark screenshots of the blind
panes and the leaderboard in artifacts/screenshots/.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import LaunchedApp
from support.blind import (
    MODELS, PAGE_OUTSIDE_PICKERS, PICKERS, forbidden_words, launched_blind_app, seed_ladder_votes, wait_finished,
)
from support.browser import Page, browser, new_page, restore  # noqa: F401  (browser: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
QUERY = "Dark blind check"
NAMES_IN_HEADS = "() => document.querySelectorAll('.gp-head .gp-name-short').length"


@dataclass
class Restored:
    """The two API panes run with names shown, then Blind switched on and the comparison
    restored from History: what the page showed then, before any vote."""

    app: LaunchedApp
    page: Page
    names_before: int  # model names in the pane heads of the first, not blind, run
    names_after: int
    pane_names: list[str]
    leaked: list[str]  # forbidden words anywhere outside the pickers after the restore


@pytest.fixture(scope="module")
def restored(tmp_path_factory, browser):
    with launched_blind_app(tmp_path_factory.mktemp("blind-restore") / "cache") as app:
        page = new_page(browser, color_scheme="dark")
        try:
            query = "&".join(f"m={m}" for m in MODELS[1:])  # the two API panes: instant
            page.open(f"{app.url}/?q={QUERY.replace(' ', '+')}&{query}")
            page.wait_for_function("() => document.querySelector('#gp-prompt textarea').value !== ''")
            page.locator("#gp-run").click()
            wait_finished(page, 2)
            names_before = page.evaluate(NAMES_IN_HEADS)
            page.locator("#gp-blind label").click()
            page.wait_for_function("() => new URLSearchParams(location.search).get('blind') === '1'")
            restore(page, QUERY, panes=2)
            rest = page.evaluate(PAGE_OUTSIDE_PICKERS, list(PICKERS)).lower()
            state = Restored(
                app=app, page=page, names_before=names_before, names_after=page.evaluate(NAMES_IN_HEADS),
                pane_names=page.eval_on_selector_all(".gp-pane .gp-model", "els => els.map(e => e.textContent)"),
                leaked=[w for w in forbidden_words(app) if w.lower() in rest],
            )
            page.locator("#gp-judge").wait_for()
            page.locator(".gp-pane").first.scroll_into_view_if_needed()
            page.shot("blind-dark-before-vote")
            yield state
        finally:
            page.context.close()


@dataclass
class Board:
    """The Leaderboard after "all bad" on the restored panes, then with 60 ladder votes more."""

    names_after_vote: int
    after_the_vote: str  # the board's text with the one vote
    with_the_ladder: str  # ... and with the ladder's votes
    top_row: str
    plot_points: int


@pytest.fixture(scope="module")
def board(restored):
    page = restored.page
    page.locator("#gp-judge-all-bad").click()
    page.wait_for_function(f"() => ({NAMES_IN_HEADS})() === 2")
    names = page.evaluate(NAMES_IN_HEADS)
    page.get_by_role("tab", name="Leaderboard").click()
    page.locator("#gp-board .gp-board-summary").wait_for()
    after_the_vote = page.locator("#gp-board").inner_text()
    # Enough votes on the size ladder for the standings, the matrix and the plot.
    seed_ladder_votes(restored.app, 60)
    page.locator("#gp-board-refresh").click()
    page.wait_for_function("() => /61 votes/.test(document.getElementById('gp-board').textContent)")
    state = Board(
        names_after_vote=names, after_the_vote=after_the_vote,
        with_the_ladder=page.locator("#gp-board").inner_text(),
        top_row=page.locator("#gp-board table.gp-board:not(.gp-matrix) tbody tr").first.inner_text(),
        plot_points=page.locator("#gp-board .gp-sq-point").count(),
    )
    page.shot("leaderboard-dark")
    return state


def test_panes_are_named_while_blind_is_off(restored):
    assert restored.names_before == 2


def test_a_comparison_restored_with_blind_on_comes_back_blind(restored):
    assert restored.names_after == 0
    assert restored.pane_names == ["Model A", "Model B"]


def test_nothing_of_the_named_panes_is_left_after_the_blind_restore(restored):
    assert restored.leaked == []


def test_all_bad_reveals_the_names(board):
    assert board.names_after_vote == 2


def test_the_leaderboard_counts_an_all_bad_vote(board):
    assert "1 vote (1 all bad)" in board.after_the_vote


def test_the_leaderboard_puts_the_strongest_model_on_top(board):
    assert "61 votes" in board.with_the_ladder
    assert "gemma-4-31b" in board.top_row


def test_the_leaderboard_plots_every_model_twice(board):
    assert board.plot_points == 8  # 4 models × 2 plots


def test_the_leaderboard_filters_by_tag(restored, board):
    page = restored.page
    page.locator("#gp-board-tag input").click()
    page.get_by_role("option", name="svg").click()
    page.wait_for_function("() => /tag svg/.test(document.getElementById('gp-board').textContent)")
    # half the ladder's 60 votes are tagged svg; the all-bad vote has no tag
    assert "30 votes · tag svg" in page.locator("#gp-board").inner_text()


def test_the_restore_and_the_vote_raise_no_script_error(restored, board):
    restored.page.assert_no_script_errors()
