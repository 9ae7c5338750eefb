"""The Leaderboard tab: every model's strength fitted from the stored votes (playground.judging),
with its 95% interval, votes and first places; the win matrix; filters (blind votes only, tag,
date range); plain sentences where the votes are too thin; and the speed-vs-quality plot.

The HTML is built here from our own numbers and the model names (escaped): no model output is
ever shown on this tab.
"""

import html
from typing import Any

import gradio as gr

# One bootstrap size everywhere (the CLI, the README and this tab): the judging package's.
from playground.judging.defaults import DEFAULT_RESAMPLES as RESAMPLES
from playground.ui.chart import render_speed_quality

NEEDS_VOTES = "needs more votes"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_board(board: Any) -> str:
    """The standings table (best first) with each score's interval drawn as a bar."""
    if not board.models:
        return ""
    trusted = [m for m in board.models if not m.thin]
    low = min((m.ci_low for m in trusted), default=0.0)
    high = max((m.ci_high for m in trusted), default=1.0)
    span = (high - low) or 1.0
    rows = []
    for rank, m in enumerate(board.models, 1):
        if m.thin:  # an interval from a handful of votes looks certain ("1152 – 1152") and is not
            interval = f'<span class="gp-thin" title="{_esc(needs_votes_tip(m))}">{NEEDS_VOTES}</span>'
            bar = ""
        else:
            left = 100 * (m.ci_low - low) / span
            width = max(1.0, 100 * (m.ci_high - m.ci_low) / span)
            dot = 100 * (m.score - low) / span
            interval = f"{m.ci_low:.0f} – {m.ci_high:.0f}"
            bar = (f'<div class="gp-ci" title="95% interval {m.ci_low:.0f}–{m.ci_high:.0f}">'
                   f'<span class="gp-ci-range" style="left:{left:.1f}%;width:{width:.1f}%"></span>'
                   f'<span class="gp-ci-dot" style="left:{dot:.1f}%"></span></div>')
        rows.append(f"<tr><td>{rank}</td><td class='gp-board-model'>{_esc(m.model)}</td>"
                    f"<td class='gp-num'>{m.score:.0f}</td><td class='gp-num gp-interval'>{interval}</td>"
                    f"<td class='gp-ci-cell'>{bar}</td><td class='gp-num'>{m.rankings}</td>"
                    f"<td class='gp-num'>{m.first_places}</td></tr>")
    return ('<table class="gp-board"><thead><tr><th>#</th><th>model</th><th>score</th><th>95% interval</th>'
            '<th></th><th>votes</th><th>first places</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")


def needs_votes_tip(m: Any) -> str:
    from playground.judging.ranking import MIN_RANKINGS

    return (f"{m.rankings} ranking{'s' if m.rankings != 1 else ''} so far: the interval means something from "
            f"{MIN_RANKINGS} on")


# The win matrix on the page covers at most this many models (the best first): it has N×N cells,
# and 2,000 models would make a 160 MB page. `leaderboard --json` has every pair.
MATRIX_MODELS = 30


def render_win_matrix(board: Any) -> str:
    """Row model against column model: wins–losses (and ties), over pairs of panes."""
    matrix = board.win_matrix
    if len(matrix.models) < 2:
        return ""
    shown = matrix.models[:MATRIX_MODELS]
    head = "".join(f"<th>{_esc(m)}</th>" for m in shown)
    cut = (f'<div class="gp-chart-note">the {MATRIX_MODELS} best of {len(matrix.models)} models; '
           "every pair: <code>gemma-playground leaderboard --json</code></div>"
           if len(matrix.models) > MATRIX_MODELS else "")
    rows = []
    for a in shown:
        cells = []
        for b in shown:
            if a == b:
                cells.append('<td class="gp-self">—</td>')
                continue
            wins, losses, ties = matrix.record(a, b)
            tie = f" ({ties} tie{'s' if ties != 1 else ''})" if ties else ""
            cls = "gp-win" if wins > losses else "gp-loss" if losses > wins else ""
            cells.append(f'<td class="gp-num {cls}">{wins}–{losses}{tie}</td>')
        rows.append(f"<tr><th>{_esc(a)}</th>{''.join(cells)}</tr>")
    return ('<h3>Win matrix</h3><div class="gp-chart-note">row against column: pairs of answers won–lost '
            '(ties)</div>' + cut + '<div class="gp-matrix-scroll"><table class="gp-board gp-matrix"><thead>'
            '<tr><th></th>' + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def grouped_unseparated(board: Any) -> str:
    """The pairs the votes cannot tell apart, one clause per model (best first), so six models
    give six clauses, not fifteen pairs. Thousands of thin models make millions of pairs: the
    first MAX_LISTED_PAIRS are grouped, the rest counted (as the CLI's notes do)."""
    import itertools

    from playground.judging.ranking import MAX_LISTED_PAIRS

    partners: dict[str, list[str]] = {}
    for better, worse in itertools.islice(board.unseparated, MAX_LISTED_PAIRS):
        partners.setdefault(better, []).append(worse)
    order = {m.model: rank for rank, m in enumerate(board.models)}
    clauses = []
    for model in sorted(partners, key=lambda m: order.get(m, len(order))):
        others = partners[model]
        joined = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " or " + others[-1]
        clauses.append(f"{model} from {joined}")
    more = len(board.unseparated) - MAX_LISTED_PAIRS
    return ("Too thin to separate (intervals overlap or too few votes): " + "; ".join(clauses)
            + (f"; and {more} more pairs." if more > 0 else "."))


def render_leaderboard(board: Any, points: list[Any] | None = None) -> str:
    """The whole tab body: summary line, notes, standings, win matrix, speed vs quality."""
    filters = board.filters or {}
    applied = []
    if filters.get("blind_only"):
        applied.append("blind votes only")
    if filters.get("tag"):
        applied.append(f"tag {filters['tag']}")
    if filters.get("since"):
        applied.append(f"from {filters['since']}")
    if filters.get("until"):
        applied.append(f"until {filters['until']}")
    summary = (f"{board.votes} vote{'s' if board.votes != 1 else ''}"
               + (f" ({board.all_bad_votes} all bad)" if board.all_bad_votes else "")
               + (f" · {', '.join(applied)}" if applied else ""))
    said = [grouped_unseparated(board) if n.startswith("Too thin to separate") and len(board.unseparated) > 3
            else n for n in board.notes()]
    if board.votes and not board.models and not board.unranked:
        said = ["The votes so far never rank two different models against each other "
                "(the same model in every pane): nothing to compare yet."]
    notes = "".join(f"<li>{_esc(n)}</li>" for n in said)
    explain = ("Score: Bradley–Terry strength on the Elo scale (+400 = 10:1 odds of being ranked higher). "
               f"The 95% interval comes from {board.resamples} bootstrap resamples of the votes: "
               "where two intervals overlap, the votes do not yet say which model is better.")
    return (f'<div class="gp-leaderboard"><div class="gp-board-summary">{_esc(summary)}</div>'
            + (f'<ul class="gp-board-notes">{notes}</ul>' if notes else "")
            + render_board(board)
            + (f'<div class="gp-chart-note">{_esc(explain)}</div>' if board.models else "")
            + render_win_matrix(board)
            + (render_speed_quality(points, [m.model for m in board.models if m.thin]) if points else "")
            + "</div>")


def compute(app: Any, blind_only: bool, tag: str | None, since: str | None, until: str | None,
            resamples: int = RESAMPLES) -> str:
    """Fit the leaderboard of the stored votes passing the filters and render the tab."""
    from playground.judging import VoteError, VoteStoreError, leaderboard, speed_quality

    tag = (tag or "").strip() or None
    since = (since or "").strip() or None
    until = (until or "").strip() or None
    try:
        store = app.sessions.vote_store()
        board = leaderboard(store, tag=tag, blind_only=bool(blind_only), since=since, until=until,
                            resamples=resamples)
        points = speed_quality(store, app.runtime.cache, board=board, tag=tag, blind_only=bool(blind_only),
                               since=since, until=until)
    except VoteError as exc:  # a bad date in the filters
        return f'<div class="gp-leaderboard"><div class="gp-error">{_esc(exc)}</div></div>'
    except VoteStoreError as exc:
        return f'<div class="gp-leaderboard"><div class="gp-error">votes unavailable: {_esc(exc)}</div></div>'
    return render_leaderboard(board, points)


def build_leaderboard_tab(app: Any) -> None:
    """Create the tab (call inside the gr.Tabs block) and wire its events."""
    with gr.Tab("Leaderboard", id="leaderboard") as tab:
        with gr.Row(equal_height=False, elem_id="gp-board-filters"):
            blind_only = gr.Checkbox(False, label="Blind votes only", elem_id="gp-board-blind", scale=1)
            tag = gr.Dropdown([], value=None, label="Tag", allow_custom_value=True, elem_id="gp-board-tag",
                              scale=1)
            since = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1, elem_id="gp-board-since", scale=1)
            until = gr.Textbox(label="Until (YYYY-MM-DD)", max_lines=1, elem_id="gp-board-until", scale=1)
            refresh = gr.Button("Refresh", elem_id="gp-board-refresh", scale=1, min_width=100)
        board = gr.HTML("", elem_id="gp-board", js_on_load=None)

    def on_refresh(blind_value: bool, tag_value: str, since_value: str, until_value: str):
        return compute(app, blind_value, tag_value, since_value, until_value)

    def on_open(blind_value: bool, tag_value: str, since_value: str, until_value: str):
        """Opening the tab (or Refresh): the tags of every stored vote become the tag filter's choices."""
        try:
            tags = sorted({t for v in app.sessions.vote_store().list() for t in v.tags}, key=str.casefold)
        except Exception:  # noqa: BLE001 - the board itself says what is wrong with the store
            tags = []
        choices = [("(any tag)", "")] + [(t, t) for t in tags]
        return on_refresh(blind_value, tag_value, since_value, until_value), gr.update(choices=choices)

    inputs = [blind_only, tag, since, until]
    tab.select(on_open, inputs, [board, tag], api_visibility="private")
    refresh.click(on_open, inputs, [board, tag], api_name="leaderboard")
    for control in (blind_only, tag):
        control.change(on_refresh, inputs, [board], api_visibility="private")
    for control in (since, until):
        control.submit(on_refresh, inputs, [board], api_visibility="private")
