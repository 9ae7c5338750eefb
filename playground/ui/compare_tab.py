"""The Compare tab's layout: the band (prompt, Run/Stop, one model picker per pane, the menus,
status and Blind), the comparison toolbar (diff, sync, export), the pane slots with their action
icons, and the ranking, drawings and chart under them. Components only: compare_events.py wires
them, app.py puts the tab in the page."""

from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr

from playground.adapters.base import GenerationSettings
from playground.samples import MAX_SAMPLES
from playground.ui.examples import build_examples
from playground.ui.form import MAX_PANES, THINKING_CHOICES, pane_field
from playground.ui.judge import JudgeWidgets, build_judging
from playground.ui.page import ACTION_ICONS
from playground.ui.uploads import image_input

NO_MODEL = ""


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
    export_file: gr.File
    columns: list[gr.Column]
    htmls: list[gr.HTML]
    pane_buttons: list[dict[str, gr.Button]]  # per pane: action name (page.ACTION_ICONS) -> button
    judge: JudgeWidgets
    gallery: gr.HTML
    chart: gr.HTML

    @property
    def models(self) -> list[gr.Dropdown]:
        return [self.fields[pane_field("model", i)] for i in range(MAX_PANES)]


def build_compare_tab(choices: list[tuple[str, str]], defaults: GenerationSettings, default_models: list[str],
                      temperature_hint: Callable[[str | None], str]) -> CompareTab:
    """Create the Compare tab where it is called (inside the page's gr.Tabs)."""
    c: dict[str, Any] = {}
    with gr.Tab("Compare", id="compare", elem_id="gp-compare"):
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
                with gr.Row():
                    # Textboxes, not sliders: empty means "the model's own default".
                    c["temperature"] = gr.Textbox("", label="Temperature", placeholder="model default",
                                                  elem_id="gp-temperature", min_width=100)
                    c["top_p"] = gr.Textbox("", label="Top-p", placeholder="model default",
                                            elem_id="gp-top-p", min_width=100)
                    c["top_k"] = gr.Textbox("", label="Top-k (0 = off)", placeholder="model default",
                                            elem_id="gp-top-k", min_width=100)
                c["max_tokens"] = gr.Slider(16, 8192, value=defaults.max_tokens, step=16,
                                            label="Max tokens", elem_id="gp-max-tokens")
                with gr.Row():
                    # An empty gr.Number shows and sends 0: a Textbox says "empty = random".
                    c["seed"] = gr.Textbox("" if defaults.seed is None else str(defaults.seed),
                                           label="Seed (empty = random)", placeholder="random",
                                           elem_id="gp-seed", min_width=100)
                    c["samples"] = gr.Slider(1, MAX_SAMPLES, value=1, step=1, label="Samples per pane",
                                             elem_id="gp-samples", min_width=140)
                with gr.Row():
                    c["thinking"] = gr.Checkbox(value=defaults.thinking, label="Thinking",
                                                elem_id="gp-thinking")
                    c["bypass_cache"] = gr.Checkbox(value=False, label="Bypass cache for this run",
                                                    elem_id="gp-bypass")
            with gr.Accordion("Per-pane settings", open=False, elem_id="gp-pane-settings",
                              elem_classes=["gp-menu"]):
                gr.Markdown("Empty = as in Parameters (or the model's default).", elem_id="gp-pane-settings-note")
                for i in range(MAX_PANES):
                    with gr.Row(elem_classes=["gp-pane-settings-row"]):
                        c[pane_field("thinking", i)] = gr.Dropdown(
                            THINKING_CHOICES, value="default", label=f"Pane {i + 1} thinking",
                            min_width=90, elem_id=f"gp-thinking-{i}")
                        c[pane_field("temperature", i)] = gr.Textbox(
                            "", label="temperature", min_width=70, elem_id=f"gp-temp-{i}",
                            placeholder=temperature_hint(default_models[i]
                                                              if i < len(default_models) else None))
                        c[pane_field("top_p", i)] = gr.Textbox("", label="top-p", min_width=60,
                                                               elem_id=f"gp-top-p-{i}")
                        c[pane_field("top_k", i)] = gr.Textbox("", label="top-k", min_width=60,
                                                               elem_id=f"gp-top-k-{i}")
                        c[pane_field("max_tokens", i)] = gr.Textbox("", label="max tokens", min_width=70,
                                                                    elem_id=f"gp-max-tokens-{i}")
                        c[pane_field("seed", i)] = gr.Textbox("", label="seed", min_width=60,
                                                              elem_id=f"gp-seed-{i}")
                        c[pane_field("samples", i)] = gr.Textbox("", label="samples", min_width=60,
                                                                 elem_id=f"gp-samples-{i}")
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
            export_file = gr.File(label="Export", show_label=False, elem_id="gp-export-file", height=40,
                                  visible=False, scale=1)
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
                      pane_buttons=pane_buttons, judge=judge, gallery=gallery, chart=chart)
