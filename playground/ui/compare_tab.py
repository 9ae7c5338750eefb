"""The Compare tab's layout: the band (prompt, Run/Stop, one model picker per pane, the menus,
status and Blind), the comparison toolbar (diff, sync, export), the pane slots with their action
icons, and the ranking, drawings and chart under them. Components only: compare_events.py wires
them, app.py puts the tab in the page."""

from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr

from playground.adapters.base import GenerationSettings
from playground.ui.examples import build_examples
from playground.settings_table import PER_PANE, SETTINGS
from playground.ui.form import MAX_PANES, pane_field, setting_widget
from playground.ui.judge import JudgeWidgets, build_judging
from playground.ui.page import ACTION_ICONS
from playground.ui.uploads import image_input

NO_MODEL = ""
INTRO = ("**Gemma playground** — one prompt, several Gemma models side by side: answers, drawings and "
         "speed, then rank them (blind if you like).")
TRY_LABEL = "Try: pelican on a bicycle across sizes"


@dataclass
class CompareTab:
    """The Compare tab's components that events are wired to."""

    fields: dict[str, Any]  # the form's components by field name (form.RUN_FIELDS)
    run: gr.Button
    stop: gr.Button
    status: gr.Markdown
    url_note: gr.Markdown
    examples: gr.Examples
    diff_on: gr.Checkbox
    baseline: gr.Radio
    sync_on: gr.Checkbox
    export_html: gr.Button
    export_png: gr.Button
    export_file: gr.DownloadButton
    columns: list[gr.Column]
    htmls: list[gr.HTML]
    pane_buttons: list[dict[str, gr.Button]]  # per pane: action name (page.ACTION_ICONS) -> button
    judge: JudgeWidgets
    gallery: gr.HTML
    chart: gr.HTML
    try_start: gr.Button  # "Try: pelican on a bicycle across sizes"
    row_names: list[gr.HTML]  # each per-pane settings row's name: its pane and model

    @property
    def models(self) -> list[gr.Dropdown]:
        return [self.fields[pane_field("model", i)] for i in range(MAX_PANES)]


def build_compare_tab(choices: list[tuple[str, str]], defaults: GenerationSettings, default_models: list[str],
                      temperature_hint: Callable[[str | None], str]) -> CompareTab:
    """Create the Compare tab where it is called (inside the page's gr.Tabs)."""
    c: dict[str, Any] = {}
    row_names: list[gr.HTML] = []
    with gr.Tab("Compare", id="compare", elem_id="gp-compare"):
        # The first screen says what this is and offers a start; it folds away once panes run.
        with gr.Row(elem_id="gp-intro", equal_height=True):
            gr.Markdown(INTRO, elem_id="gp-title")
            try_start = gr.Button(TRY_LABEL, size="sm", elem_id="gp-try", scale=0, min_width=0)
        # The band: prompt, Run/Stop, blind, then one picker per pane, then compact
        # menus. Everything else is for after a run; the panes own the screen.
        with gr.Row(elem_id="gp-band", equal_height=False):
            c["prompt"] = gr.Textbox(show_label=False, label="Prompt", lines=2, max_lines=8, scale=8,
                                     elem_id="gp-prompt", container=False,
                                     placeholder="Type a prompt, or pick an Example   "
                                                 "(Ctrl+Enter runs, Esc stops)")
            with gr.Column(scale=0, min_width=96, elem_id="gp-run-box"):
                run = gr.Button("▶ Run", variant="primary", size="sm", elem_id="gp-run")
                stop = gr.Button("■ Stop", variant="stop", size="sm", elem_id="gp-stop")
        with gr.Row(elem_id="gp-pane-models", equal_height=True):
            for i in range(MAX_PANES):
                default = default_models[i] if i < len(default_models) else NO_MODEL
                c[pane_field("model", i)] = gr.Dropdown(
                    choices, value=default, label=f"Pane {i + 1}", show_label=False, container=False,
                    min_width=120, elem_id=f"gp-model-{i}", elem_classes=["gp-model-pick"])
        with gr.Row(elem_id="gp-menus", equal_height=False):
            with gr.Accordion("System prompt and image", open=False, elem_id="gp-menu-system",
                              elem_classes=["gp-menu"]) as image_panel:
                c["system"] = gr.Textbox(label="System prompt", lines=2, elem_id="gp-system")
                c["image"] = image_input(label="Image (sent to every model that can see)",
                                         elem_id="gp-image", height=160)
            with gr.Accordion("Parameters", open=False, elem_id="gp-menu-params", elem_classes=["gp-menu"]):
                # One control per settings-table row (ui/form.setting_widget): text boxes (empty =
                # the model's own default), then sliders, then checkboxes.
                with gr.Row():
                    for row in SETTINGS:
                        if row.widget == "number":
                            c[row.name] = setting_widget(row.name, defaults)
                with gr.Row():
                    for row in SETTINGS:
                        if row.widget == "slider":
                            c[row.name] = setting_widget(row.name, defaults)
                with gr.Row():
                    for row in SETTINGS:
                        if row.widget == "check":
                            c[row.name] = setting_widget(row.name, defaults)
                    c["bypass_cache"] = gr.Checkbox(value=False, label="Bypass cache for this run",
                                                    elem_id="gp-bypass")
            with gr.Accordion("Per-pane settings", open=False, elem_id="gp-pane-settings",
                              elem_classes=["gp-menu"]):
                gr.Markdown("Empty = as in Parameters (or the model's default).", elem_id="gp-pane-settings-note")
                for i in range(MAX_PANES):
                    with gr.Row(elem_classes=["gp-pane-settings-row"]):
                        # named by its pane's model (compare_events.wire_pane_names keeps it current)
                        row_names.append(gr.HTML(f'<span class="gp-row-name">Pane {i + 1}</span>',
                                                 elem_id=f"gp-pane-row-name-{i}", elem_classes=["gp-row-name-box"],
                                                 min_width=90, js_on_load=None))
                        hint = temperature_hint(default_models[i] if i < len(default_models) else None)
                        for row in PER_PANE:
                            c[pane_field(row.name, i)] = setting_widget(
                                row.name, defaults, slot=i, placeholder=hint if row.name == "temperature" else None)
            with gr.Accordion("Examples", open=False, elem_id="gp-examples", elem_classes=["gp-menu"]):
                examples = build_examples(c["prompt"], c["image"], image_panel)
            with gr.Column(scale=1, min_width=120, elem_id="gp-status-row"):
                status = gr.Markdown("", elem_id="gp-run-status")
                url_note = gr.Markdown("", elem_id="gp-url-note")
            with gr.Column(scale=0, min_width=100, elem_id="gp-blind-box"):
                c["blind"] = gr.Checkbox(False, label="Blind", elem_id="gp-blind", container=False)
        # Comparison tools: shown (CSS) only once there are panes to act on.
        with gr.Row(elem_id="gp-compare-tools", equal_height=True):
            diff_on = gr.Checkbox(False, label="Diff", elem_id="gp-diff-toggle", scale=0, min_width=70)
            baseline = gr.Radio([(f"Pane {i + 1}", i) for i in range(MAX_PANES)], value=0,
                                label="vs", show_label=False, elem_id="gp-diff-baseline", scale=0,
                                min_width=0)
            sync_on = gr.Checkbox(False, label="Sync scrolling", elem_id="gp-sync-toggle", scale=0,
                                  min_width=130)
            export_html = gr.Button("Export HTML", size="sm", elem_id="gp-export-html", scale=0,
                                    min_width=100)
            export_png = gr.Button("Export PNG card", size="sm", elem_id="gp-export-png", scale=0,
                                   min_width=120)
            # The exported file, one click away: a button that downloads it (compare_events.wire_export).
            export_file = gr.DownloadButton("Download", elem_id="gp-export-file", visible=False, size="sm",
                                            scale=0, min_width=0)
        columns, htmls, pane_buttons = [], [], []
        with gr.Row(elem_id="gp-panes", equal_height=False):
            for i in range(MAX_PANES):
                with gr.Column(visible=False, min_width=150, elem_classes=["gp-pane-slot"],
                               elem_id=f"gp-slot-{i}") as column:
                    with gr.Row(elem_classes=["gp-pane-actions"]):
                        buttons = {action: gr.Button(icon_text, size="sm", elem_id=f"gp-{action}-{i}",
                                                     elem_classes=["gp-icon"], min_width=0, scale=0)
                                   for action, icon_text in ACTION_ICONS.items()}
                        pane_buttons.append(buttons)
                    htmls.append(gr.HTML("", elem_id=f"gp-pane-{i}", js_on_load=None))
                columns.append(column)
        judge = build_judging()  # rank the panes; shown once a comparison has finished panes
        gallery = gr.HTML("", elem_id="gp-gallery", js_on_load=None)
        chart = gr.HTML("", elem_id="gp-chart", js_on_load=None)
    return CompareTab(fields=c, run=run, stop=stop, status=status, url_note=url_note, examples=examples,
                      diff_on=diff_on, baseline=baseline, sync_on=sync_on, export_html=export_html,
                      export_png=export_png, export_file=export_file, columns=columns, htmls=htmls,
                      pane_buttons=pane_buttons, judge=judge, gallery=gallery, chart=chart,
                      try_start=try_start, row_names=row_names)
