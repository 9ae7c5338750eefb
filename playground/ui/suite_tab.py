"""The Suite tab: pick a bundled suite (or paste / load one), pick models and samples, Run.

The suite runs in the background (playground.suites.run.SuiteRun, one per browser session): leaving
the tab or running a comparison does not stop it, Stop does. A timer redraws the progress bar and
the grid (a row per prompt, a column per model) while it runs; a click on a row opens that prompt
in the Compare tab through History's Restore (every pane, every setting, from the cache). "Judge
blind" walks the finished prompts one by one as blind comparisons (shuffled per prompt); each vote
carries the prompt's tags and the tag `suite:NAME`, so the Leaderboard's tag filter is also its
suite filter. "Export gallery" writes the gallery page and the contact sheet (blind until every
prompt is judged).

On a shared link a suite is charged like the comparisons it is made of: every prompt must fit the
per-run token budget and reserves its tokens from the address's hourly budget before it starts
(the suite stops with the budget's sentence when one does not fit); at most
`suite_max_prompts_shared` prompts run. A pasted suite may name only the page's models and the
bundled example image, never a file on the server.
"""

# No `from __future__ import annotations` here: Gradio finds gr.Request parameters by their
# evaluated annotation.

import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr

from playground.ui.form import RESTORED_FIELDS
from playground.ui.history_tab import add_facts, restored_form
from playground.ui.limits import OverBudget, check_run_budget
from playground.ui.suite_grid import CellCache, blind_html, grid_html, progress_html

PASTED = "(pasted or loaded below)"
MAX_PASTE_CHARS = 1_000_000
MAX_SUITE_SESSIONS = 64
MAX_JUDGE_PANES = 6
SUITE_TAG_PREFIX = "suite:"
TICK_S = 1.0

OPEN_ROW_JS = """
element.addEventListener('click', function (event) {
  const row = event.target.closest('tr[data-row]');
  if (!row) return;
  const box = document.querySelector('#gp-suite-open-row textarea, #gp-suite-open-row input');
  const button = document.querySelector('#gp-suite-open-btn');
  if (!box || !button) return;
  box.value = row.dataset.row;
  box.dispatchEvent(new Event('input', {bubbles: true}));
  setTimeout(function () { button.click(); }, 60);
});
"""
LOAD_FILE_HTML = ("<label class='gp-suite-load'>Load a suite file (.jsonl or .txt, read in your browser): "
                  "<input type='file' accept='.jsonl,.txt,.json,text/plain'></label>")
# The file is read by the browser into the paste box: nothing is uploaded (the page's upload
# route takes images only), and the server sees the same text a paste would send.
LOAD_FILE_JS = f"""
const input = element.querySelector('input[type=file]');
input.addEventListener('change', function () {{
  const file = input.files && input.files[0];
  if (!file) return;
  if (file.size > {MAX_PASTE_CHARS}) {{ alert('This suite file is larger than {MAX_PASTE_CHARS // 1000} kB.'); return; }}
  file.text().then(function (text) {{
    const box = document.querySelector('#gp-suite-paste textarea');
    box.value = text;
    box.dispatchEvent(new Event('input', {{bubbles: true}}));
  }});
}});
"""


@dataclass
class TabState:
    """One browser session's suite: the run, and where its blind judging stands."""

    run: Any = None
    title: str = ""
    problems: list[str] = field(default_factory=list)
    orders: dict[int, list[int]] = field(default_factory=dict)  # row -> blind shuffle
    judged: dict[int, str] = field(default_factory=dict)  # row -> vote id
    cursor: int | None = None  # the row being judged


class SuiteSessions:
    """Per-session suite state, least recently used dropped (and its run stopped) past the bound."""

    def __init__(self):
        self._states: "OrderedDict[str, TabState]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: str) -> TabState:
        with self._lock:
            state = self._states.pop(session, None) or TabState()
            self._states[session] = state
            while len(self._states) > MAX_SUITE_SESSIONS:
                _, old = self._states.popitem(last=False)
                if old.run is not None:
                    old.run.stop()
            return state


def shared_link(app: Any) -> bool:
    """Strangers may be asking: `serve --share` sets an hourly token budget and turns downloads off."""
    return not getattr(app, "allow_downloads", True) or getattr(app.sessions.hourly, "limit", 0) > 0


def load_web_suite(app: Any, source: str, pasted: str):
    """The suite a page asks for, parsed as a stranger's (no server files), capped on a shared link."""
    from playground.suites.parse import bundled_names, load_bundled, parse_suite

    config = app.runtime.config
    options = dict(allow_files=False, max_prompt_chars=min(config.max_prompt_chars, app.max_prompt_chars),
                   max_image_bytes=int(config.max_image_mb * 1024 * 1024))
    if source and source != PASTED:
        if source not in bundled_names():
            raise gr.Error(f"There is no bundled suite {str(source)[:40]!r}: pick one from the list.")
        suite = load_bundled(source, **options)
    else:
        text = pasted or ""
        if not isinstance(text, str) or len(text) > MAX_PASTE_CHARS:
            raise gr.Error(f"The pasted suite is larger than {MAX_PASTE_CHARS // 1000} kB.")
        suite = parse_suite(text, "pasted", source="pasted", **options)
    if not suite.prompts:
        detail = "; ".join(suite.problems[:3]) or "the suite is empty"
        raise gr.Error(f"No prompt to run ({detail}). Paste one prompt per line, or JSONL lines like "
                       '{"prompt": "..."}.')
    if shared_link(app):
        suite = suite.limited(config.suite_max_prompts_shared)
    return suite


def budget_hooks(hourly: Any, address: str, planned: int):
    """A suite charged like the comparisons it is made of: before each prompt starts, its most
    tokens are reserved from the address's hourly budget (the suite stops with the budget's
    sentence when they do not fit); when it ends, the reservation settles to what was generated
    (a cached replay costs nothing)."""
    from playground.suites.run import SuiteHalted

    tickets: dict[int, Any] = {}

    def before_prompt(item) -> None:
        try:
            tickets[id(item)] = hourly.reserve(address, planned)
        except OverBudget as exc:
            raise SuiteHalted(str(exc)) from None

    def prompt_done(item) -> None:
        ticket = tickets.pop(id(item), None)
        if ticket is not None and item.states is not None:
            generated = sum((s.metrics.completion_tokens or 0) + (s.metrics.thinking_tokens or 0)
                            for group in item.states for s in group if not s.cached)
            hourly.settle(ticket, generated)

    return before_prompt, prompt_done


def build_suite_tab(app: Any, session_id: Callable, client_address: Callable, pane_outputs: list,
                    form: Any, tabs: Any) -> None:
    """Create the tab (call inside the gr.Tabs block) and wire its events. `pane_outputs`,
    `form` and `tabs` are the Compare tab's, for opening a prompt there (as History's Restore)."""
    from playground.suites.parse import bundled_names

    states = SuiteSessions()
    cells = CellCache()
    choices = [(label, value) for label, value in app.model_choices() if value and " — " not in label]
    with gr.Tab("Suite", id="suite"):
        with gr.Row(equal_height=True):
            source = gr.Dropdown([*bundled_names(), PASTED], value="pelican", label="Suite", scale=1,
                                 elem_id="gp-suite-source")
            models = gr.Dropdown(choices, value=[v for _, v in choices[:2]], multiselect=True,
                                 max_choices=MAX_JUDGE_PANES, label="Models", scale=3, elem_id="gp-suite-models")
            samples = gr.Slider(1, 8, value=1, step=1, label="Samples", scale=1, elem_id="gp-suite-samples")
        with gr.Accordion("Paste or load a suite", open=False, elem_id="gp-suite-paste-panel"):
            pasted = gr.Textbox(label="One prompt per line, or JSONL ({\"prompt\": …, \"id\": …, \"tags\": […]})",
                                lines=5, max_lines=12, elem_id="gp-suite-paste")
            gr.HTML(LOAD_FILE_HTML, js_on_load=LOAD_FILE_JS, elem_id="gp-suite-load")
        with gr.Row():
            run_button = gr.Button("Run suite", variant="primary", elem_id="gp-suite-run", scale=2)
            stop_button = gr.Button("Stop", variant="stop", elem_id="gp-suite-stop", scale=1)
            judge_button = gr.Button("Judge blind", elem_id="gp-suite-judge", scale=1)
            export_button = gr.Button("Export gallery", elem_id="gp-suite-export", scale=1)
        progress = gr.HTML(progress_html(None), elem_id="gp-suite-progress", js_on_load=None)
        problems = gr.Markdown("", elem_id="gp-suite-problems")
        download = gr.File(label="Gallery", visible=False, elem_id="gp-suite-download")
        with gr.Column(visible=False, elem_id="gp-suite-judge-panel") as judge_panel:
            judge_status = gr.Markdown("", elem_id="gp-suite-judge-status")
            judge_html = gr.HTML("", elem_id="gp-suite-judge-view", js_on_load=None)
            with gr.Row():
                ranks = [gr.Dropdown(["1", "2", "3", "4", "5", "6"], value=None, label=f"Model {chr(65 + i)}",
                                     min_width=80, elem_id=f"gp-suite-rank-{i}", visible=False)
                         for i in range(MAX_JUDGE_PANES)]
            with gr.Row():
                vote_button = gr.Button("Save ranking, next", variant="primary", elem_id="gp-suite-vote")
                bad_button = gr.Button("All bad, next", elem_id="gp-suite-all-bad")
                skip_button = gr.Button("Skip", elem_id="gp-suite-skip")
        grid = gr.HTML(grid_html(None, cells), elem_id="gp-suite-grid-box", js_on_load=OPEN_ROW_JS)
        open_row = gr.Textbox(visible="hidden", elem_id="gp-suite-open-row")
        open_button = gr.Button("open", visible="hidden", elem_id="gp-suite-open-btn")
        timer = gr.Timer(TICK_S, active=False)

    # ------------------------------------------------------------------ run, stop, refresh
    def view(state: TabState) -> list:
        run = state.run
        note = "\n".join(f"- {p}" for p in state.problems[:20])
        return [progress_html(run.progress() if run else None, state.title), grid_html(run, cells),
                f"**Skipped lines** (the other prompts run):\n{note}" if note else ""]

    def on_run(request: gr.Request, source_value: str, pasted_value: str, model_values: list, k: float):
        from playground.door import web_door
        from playground.pane import PaneRequest
        from playground.request import RequestError
        from playground.suites.run import SuiteRun

        app.check_rate(request)  # a suite is one run for the per-minute limit
        session = session_id(request)
        state = states.get(session)
        if state.run is not None and not state.run.done:
            raise gr.Error("A suite is still running in this tab: Stop it first.")
        suite = load_web_suite(app, source_value, pasted_value)
        names = [m for m in (model_values or []) if m]
        if not names:
            raise gr.Error("Pick at least one model for the suite.")
        door = web_door(app.runtime, app.known_models)
        try:
            panes = [PaneRequest(door.model(m, f"Model {i + 1}"), door.settings(m, {}, f"Model {i + 1}"),
                                 samples=int(k or 1)) for i, m in enumerate(names[:MAX_JUDGE_PANES])]
            planned = check_run_budget(panes, app.sessions.run_budget)  # each prompt is one run
        except (RequestError, ValueError) as exc:
            raise gr.Error(str(exc)) from None
        except OverBudget as exc:
            raise gr.Error(f"Each prompt of the suite is one run: {exc}") from None
        before_prompt, prompt_done = budget_hooks(app.sessions.hourly, client_address(request), planned)
        state.run = SuiteRun(app.runtime, suite, panes, before_prompt=before_prompt, on_prompt_done=prompt_done)
        state.title = f"{suite.name} × {len(panes)} model{'s' if len(panes) != 1 else ''}"
        state.problems, state.orders, state.judged, state.cursor = list(suite.problems), {}, {}, None
        state.run.start()
        return view(state) + [gr.Timer(active=True)]

    def on_stop(request: gr.Request):
        state = states.get(session_id(request))
        if state.run is not None:
            state.run.stop()
        return view(state)

    def on_tick(request: gr.Request):
        state = states.get(session_id(request))
        running = state.run is not None and not state.run.done
        return view(state) + [gr.Timer(active=running)]

    def on_open(request: gr.Request, row: str):
        state = states.get(session_id(request))
        item = _item(state, row)
        entry = getattr(item.comparison, "history_id", None) if item is not None else None
        if entry is None:
            raise gr.Error("This prompt has not finished yet (or the cache is off): open it when its row is done.")
        session = session_id(request)
        outputs, _ = app.sessions.restore(session, entry, blind=False, vote=None)
        pane_view = app.sessions.view(session)
        if add_facts(app, pane_view):
            outputs = app.sessions.outputs(pane_view, True, outputs[-1])
        values = restored_form(app, pane_view, None)
        return outputs + [values[name] for name in RESTORED_FIELDS] + [gr.Tabs(selected="compare")]

    # ------------------------------------------------------------------ judge blind
    def judge_view(state: TabState, note: str = "") -> list:
        run = state.run
        judgeable = _judgeable(state)
        total = len(judgeable)
        counted = f"{len(state.judged)} of {total} judged"
        if state.cursor is None:
            done = "All prompts judged: see the Leaderboard (tag filter `suite:…`)." if total else ""
            return ([gr.Column(visible=True), f"**{counted}** {note} {done}", ""]
                    + [gr.Dropdown(visible=False, value=None) for _ in ranks])
        item = run.items[state.cursor]
        order = state.orders.setdefault(state.cursor, _shuffled(len(run.panes)))
        n = len(order)
        header = f"**{counted}** · prompt {judgeable.index(state.cursor) + 1} of {total} {note}"
        return ([gr.Column(visible=True), header, blind_html(item, order, [p.model for p in run.panes])]
                + [gr.Dropdown(visible=i < n, value=None, choices=[str(r) for r in range(1, n + 1)])
                   for i in range(len(ranks))])

    def on_judge(request: gr.Request):
        state = states.get(session_id(request))
        if state.run is None or not _judgeable(state):
            raise gr.Error("Run a suite first: prompts can be judged once their answers are in.")
        state.cursor = _next_unjudged(state, None)
        return judge_view(state)

    def on_vote(request: gr.Request, *values, all_bad: bool = False):
        from playground.judging import VoteError, VoteStoreError

        state = states.get(session_id(request))
        if state.run is None or state.cursor is None:
            raise gr.Error("Nothing to judge: press Judge blind.")
        run, row = state.run, state.cursor
        item, order = run.items[row], state.orders[row]
        n = len(order)
        if all_bad:
            groups = [list(range(n))]
        else:
            shown = list(values)[:n]
            missing = [f"Model {chr(65 + i)}" for i, v in enumerate(shown) if v in (None, "")]
            if missing:
                raise gr.Error(f"Give every model a rank (1 = best, the same number for a tie): {', '.join(missing)}.")
            ranked = [int(v) for v in shown]
            # ranks are given per letter; the vote ranks pane indices (the letters' real panes)
            groups = [[order[i] for i, r in enumerate(ranked) if r == v] for v in sorted(set(ranked))]
        states_first = [group[0] for group in item.states]
        panes = [_pane_record(s) for s in states_first]
        tags = [*item.prompt.tags, f"{SUITE_TAG_PREFIX}{run.suite.name}"]
        try:
            vote = app.sessions.vote_store().add(prompt=item.request.prompt, panes=panes, ranking=groups,
                                                 all_bad=all_bad, blind=True, tags=tags,
                                                 comparison_id=getattr(item.comparison, "history_id", None))
        except (VoteError, VoteStoreError) as exc:
            raise gr.Error(f"The vote was not saved: {exc}") from None
        state.judged[row] = vote.id
        names = " > ".join(" = ".join(states_first[i].model for i in group) for group in groups)
        state.cursor = _next_unjudged(state, row)
        return judge_view(state, f"· saved: {'all bad' if all_bad else names}")

    def on_all_bad(request: gr.Request, *values):
        return on_vote(request, *values, all_bad=True)

    def on_skip(request: gr.Request):
        state = states.get(session_id(request))
        if state.cursor is not None:
            state.cursor = _next_unjudged(state, state.cursor)
        return judge_view(state)

    # ------------------------------------------------------------------ export
    def on_export(request: gr.Request):
        from pathlib import Path

        from playground.ui.suite_gallery import write_gallery

        state = states.get(session_id(request))
        if state.run is None:
            raise gr.Error("Run a suite first.")
        judgeable = _judgeable(state)
        blind = bool(judgeable) and len(state.judged) < len(judgeable)  # names once judged
        folder = Path(app.export_dir) / f"suite-{abs(hash(session_id(request))) % 10**8}"
        folder.mkdir(parents=True, exist_ok=True)
        written = write_gallery(state.run, folder / f"suite-{state.run.suite.name}.html", blind=blind)
        return gr.File(value=[str(p) for p in written], visible=True)

    view_outputs = [progress, grid, problems]
    run_button.click(on_run, [source, pasted, models, samples], view_outputs + [timer], api_name="suite_run")
    stop_button.click(on_stop, None, view_outputs, api_name="suite_stop")
    timer.tick(on_tick, None, view_outputs + [timer], api_visibility="private")
    open_button.click(on_open, [open_row], pane_outputs + form.inputs(RESTORED_FIELDS) + [tabs],
                      api_visibility="private")
    judge_outputs = [judge_panel, judge_status, judge_html] + ranks
    judge_button.click(on_judge, None, judge_outputs, api_visibility="private")
    vote_button.click(on_vote, ranks, judge_outputs, api_visibility="private")
    bad_button.click(on_all_bad, ranks, judge_outputs, api_visibility="private")
    skip_button.click(on_skip, None, judge_outputs, api_visibility="private")
    export_button.click(on_export, None, [download], api_visibility="private")


def _item(state: TabState, row: Any):
    try:
        index = int(str(row).strip())
    except ValueError:
        return None
    items = state.run.items if state.run is not None else []
    return items[index] if 0 <= index < len(items) else None


def _judgeable(state: TabState) -> list[int]:
    """Rows whose answers are all in (a blind comparison needs two answers or more)."""
    run = state.run
    if run is None:
        return []
    return [i for i, item in enumerate(run.items) if item.states is not None and len(item.states) >= 2]


def _next_unjudged(state: TabState, after: int | None) -> int | None:
    """The next judgeable row not judged yet after `after`, wrapping round (None: all judged)."""
    rows = [r for r in _judgeable(state) if r not in state.judged]
    later = [r for r in rows if after is None or r > after]
    return (later or rows or [None])[0]


def _shuffled(n: int) -> list[int]:
    order = list(range(n))
    random.SystemRandom().shuffle(order)
    return order


def _pane_record(state: Any) -> dict:
    """What the vote keeps of one pane, as the Compare tab's judge keeps it (judge.pane_record)."""
    from playground.result import KEPT_WITH_VOTES

    stored = bool(state.cache_key) and (state.cached or state.to_result().complete)
    metrics = {name: value for name in KEPT_WITH_VOTES if (value := getattr(state.metrics, name, None)) is not None}
    return {"model": state.model, "settings": dict(state.settings or {}), "metrics": metrics,
            "sample": state.sample if stored else None, "key": state.cache_key if stored else None}
