"""The Compare tab's events: Run (the /run API, every field by name; the page's Run, the form as
JSON) and Stop, the diff and sync toggles, the link, each pane's actions (stop, duplicate,
re-roll, samples, expand), export, and the image example's choice of models.

Handlers find the browser session by `session_id` and act through the app (app.py): its Sessions,
rate limit and model hints. The components are compare_tab.py's.
"""
# No `from __future__ import annotations` here: Gradio finds gr.Request parameters by their
# evaluated annotation.

from typing import Any, Callable

import gradio as gr

from playground.ui.compare_tab import NO_MODEL, CompareTab
from playground.door import RequestError, check_named, flatten
from playground.ui.form import MAX_PANES, PANE_FIELDS, RUN_API_FIELDS, RUN_FIELDS, Form, pane_field, parse_form
from playground.ui.page import image_example_models, with_true_status
from playground.ui.uploads import read_upload
from playground.ui.url_state import wire_url_state


def wire_compare(app: Any, session_id: Callable, demo: gr.Blocks, tab: CompareTab, form: Form,
                 outputs: list[Any], *, initial: dict[str, Any], known_models: list[str],
                 vision_models: list[str]) -> None:
    """Wire every Compare tab event; `outputs` is page.session_outputs for these components."""
    on_run = wire_run(app, session_id, tab, form, outputs, initial)
    wire_comparison_view(tab)
    wire_url_state(demo, form=form, note=tab.url_note, known_models=known_models, no_model=NO_MODEL,
                   run_outputs=outputs, on_run=on_run, defaults=app.runtime.config.defaults,
                   restore_values=app.link_values)
    wire_temperature_hints(app, tab)
    wire_pane_actions(app, session_id, tab, outputs)
    wire_export(app, session_id, tab)
    wire_image_example(tab, vision_models)
    wire_first_screen(app, demo, tab)


def wire_run(app: Any, session_id: Callable, tab: CompareTab, form: Form, outputs: list[Any],
             initial: dict[str, Any]) -> Callable:
    """Run and Stop; returns the run handler (every field by name), which a link runs too."""
    def on_run(request: gr.Request, *values: Any):
        parsed = parse_form(app.runtime, form.values(values), app.max_prompt_chars,
                            read_image=lambda path: read_upload(path, app.runtime.config),
                            allowed_models=app.known_models)  # the door: the picker's models only
        app.check_rate(request)
        session = session_id(request)
        stream = app.sessions.run(session, parsed.request, parsed.panes, parsed.bypass_cache,
                                  blind=parsed.blind)
        yield from with_true_status(stream, lambda: app.sessions.view(session).states)

    def on_stop(request: gr.Request):
        return app.sessions.stop(session_id(request))

    # /run (scripts, gradio_client): every field by name. The page's own Run sends two
    # inputs instead, the form as JSON (static/url_state.js keeps it from each field's change
    # event) and the image: Gradio's client spends ~1 ms per input gathering them on a
    # click, 50-90 ms for the whole form.
    # /run's positional inputs are frozen (RUN_API_FIELDS: what it took before the settings
    # table), so no script's inputs shift; a setting added later is set by name, /run_named.
    def on_run_api(request: gr.Request, *values: Any):
        named = dict(initial) | form.values(values, RUN_API_FIELDS)
        yield from on_run(request, *[named.get(name) for name in RUN_FIELDS])

    run_kwargs = dict(fn=on_run_api, inputs=form.inputs(RUN_API_FIELDS), outputs=outputs,
                      show_progress="hidden", concurrency_limit=16, concurrency_id="run")
    api_run = gr.Button("run", visible=False, elem_id="gp-api-run")
    api_run.click(api_name="run", **run_kwargs)

    # /run_named: one JSON object keyed by the settings table's names (the form's and the
    # link's field names): {"prompt": …, "temperature": 0.3, "panes": [{"model": …, "min_p": 0.05}]}.
    # A field left out is not set (the model's or the config's default); an unknown name is refused.
    def on_run_named(request: gr.Request, fields: Any):
        try:
            flat = flatten(check_named(fields))
        except RequestError as exc:
            raise gr.Error(str(exc)) from None
        yield from on_run(request, *[flat.get(name) for name in RUN_FIELDS])

    named_box = gr.JSON(None, visible=False, elem_id="gp-api-run-named")
    gr.Button("run_named", visible=False, elem_id="gp-api-run-named-button").click(
        on_run_named, inputs=[named_box], outputs=outputs, api_name="run_named", show_progress="hidden",
        concurrency_limit=16, concurrency_id="run")
    form_json = gr.Textbox("", visible=False, elem_id="gp-form-json")

    def on_run_page(request: gr.Request, text: str, image: Any):
        values = form.from_json(text, initial) | {"image": image}
        yield from on_run(request, *[values[name] for name in RUN_FIELDS])

    page_kwargs = dict(fn=on_run_page, inputs=[form_json, tab.fields["image"]], outputs=outputs,
                       js="(text, image) => [window.gp ? window.gp.formJson() : text, image]",
                       show_progress="hidden", concurrency_limit=16, concurrency_id="run",
                       api_visibility="private")
    tab.run.click(**page_kwargs)
    tab.fields["prompt"].submit(**page_kwargs)
    tab.stop.click(on_stop, inputs=None, outputs=[tab.status], api_name="stop", queue=False)
    return on_run


def wire_comparison_view(tab: CompareTab) -> None:
    """Diff and synced scrolling are pure browser work (static/diff_sync.js)."""
    for control, js in ((tab.baseline, "(v) => window.gp && window.gp.setBaseline(v)"),
                        (tab.diff_on, "(v) => window.gp && window.gp.setDiff(v)"),
                        (tab.sync_on, "(v) => window.gp && window.gp.setSync(v)")):
        control.change(None, inputs=[control], outputs=None, js=js, queue=False, api_visibility="private")


def wire_temperature_hints(app: Any, tab: CompareTab) -> None:
    """A pane's empty temperature says what it means for the model picked."""
    for i, model in enumerate(tab.models):
        model.change(lambda m: gr.update(placeholder=app.temperature_hint(m)), [model],
                     [tab.fields[pane_field("temperature", i)]], api_visibility="private", queue=False)


def shown_pane_picker(view: Any, slot: int, pickers: list[dict[str, Any]]) -> int:
    """The picker that pane `slot` on screen came from. A blind run shuffles its panes (the
    view knows the order, the page does not), so pane k is not picker k: it is the picker with
    the pane's model whose own settings match the pane's best. Without a comparison on screen,
    pane k is picker k."""
    panes = getattr(view, "panes", None) or []
    if slot >= len(panes):
        return slot
    shown = panes[slot]
    settings = shown.settings.model_dump()
    candidates = [i for i, p in enumerate(pickers) if p.get("model") == shown.model]
    if not candidates:
        return slot

    def agreement(i: int) -> int:  # a per-pane field that is set and says what the pane ran with
        score = 0
        for name, value in pickers[i].items():
            if name in ("model",) or value in (None, "", "default"):
                continue
            ran = settings.get(name, shown.samples if name == "samples" else None)
            if name == "thinking":
                score += (value == "on") == bool(ran)
            else:
                score += str(value) == str(ran)
        return score

    return max(candidates, key=lambda i: (agreement(i), i == slot))


def duplicate_pane(slot: int, *values: Any, view: Any = None) -> list[Any]:
    """Copy the model and settings of the pane shown at `slot` (for a blind comparison: the
    shuffled pane's, see shown_pane_picker) into the first empty pane slot. `values` are every
    pane's PANE_FIELDS, pane after pane; so is the result."""
    panes = [dict(zip(PANE_FIELDS, values[i:i + len(PANE_FIELDS)]))
             for i in range(0, len(values), len(PANE_FIELDS))]
    source = shown_pane_picker(view, slot, panes)
    if not panes[source]["model"]:
        raise gr.Error(f"Pane {slot + 1} has no model to duplicate.")
    empty = [i for i, pane in enumerate(panes) if not pane["model"]]
    if not empty:
        raise gr.Error(f"All {MAX_PANES} panes are in use: clear one first.")
    panes[empty[0]] = dict(panes[source])
    return [pane[name] for pane in panes for name in PANE_FIELDS]


def wire_pane_actions(app: Any, session_id: Callable, tab: CompareTab, outputs: list[Any]) -> None:
    """Each pane's icon buttons (page.ACTION_ICONS)."""
    pane_inputs = [tab.fields[pane_field(name, i)] for i in range(MAX_PANES) for name in PANE_FIELDS]
    for slot, buttons in enumerate(tab.pane_buttons):
        def on_stop_one(request: gr.Request, slot=slot):
            return app.sessions.stop_pane(session_id(request), slot)

        def on_reroll(request: gr.Request, slot=slot):
            app.check_rate(request)
            session = session_id(request)
            yield from with_true_status(app.sessions.reroll(session, slot),
                                        lambda: app.sessions.view(session).states[slot:slot + 1])

        def on_prev(request: gr.Request, slot=slot):
            return app.sessions.show_sample(session_id(request), slot, -1)

        def on_next(request: gr.Request, slot=slot):
            return app.sessions.show_sample(session_id(request), slot, +1)

        buttons["stop"].click(on_stop_one, None, [tab.status], api_name=f"stop_{slot}", queue=False)
        # The copy lands in the first empty picker; the page then shows where (static/layout.js).
        def on_duplicate(request: gr.Request, *values: Any, slot=slot):
            return duplicate_pane(slot, *values, view=app.sessions.view(session_id(request)))

        buttons["duplicate"].click(on_duplicate, pane_inputs, pane_inputs,
                                   api_name=f"duplicate_{slot}", queue=False).then(
            None, None, None, js=f"() => window.gp && window.gp.duplicated({slot})", queue=False)
        buttons["reroll"].click(on_reroll, None, outputs, api_name=f"reroll_{slot}", show_progress="hidden",
                                concurrency_limit=16, concurrency_id="run")
        buttons["prev"].click(on_prev, None, outputs, api_name=f"sample_prev_{slot}", show_progress="hidden")
        buttons["next"].click(on_next, None, outputs, api_name=f"sample_next_{slot}", show_progress="hidden")
        buttons["expand"].click(None, None, None, js=f"() => window.gp && window.gp.expand({slot})",
                                queue=False, api_visibility="private")


def export_button(path: str) -> Any:
    """The exported file as one button beside the export buttons: a click downloads it."""
    from pathlib import Path

    name = Path(path).name
    return gr.DownloadButton(f"⬇ {name}", value=path, visible=True)


def wire_export(app: Any, session_id: Callable, tab: CompareTab) -> None:
    def on_export_html(request: gr.Request):  # the download button appears once there is a file
        return export_button(app.sessions.export(session_id(request), "html", app.export_dir))

    def on_export_png(request: gr.Request):
        return export_button(app.sessions.export(session_id(request), "png", app.export_dir))

    tab.export_html.click(on_export_html, None, tab.export_file, api_name="export_html")
    tab.export_png.click(on_export_png, None, tab.export_file, api_name="export_png")


def wire_image_example(tab: CompareTab, vision_models: list[str]) -> None:
    """The image example asks models that can see: it picks them (or says none can)."""
    models = tab.models
    tab.examples.load_input_event.then(
        lambda picture, *picked: image_example_models(picture, list(picked), vision_models, NO_MODEL),
        inputs=[tab.fields["image"], *models], outputs=[*models, tab.url_note], queue=False,
        api_visibility="private")


def sizes_to_try(app: Any, most: int = 4) -> list[str]:
    """Models that can run now, one per size, smallest first (at most `most`): the first
    screen's "Try: pelican on a bicycle across sizes"."""
    from playground.ui.names import short_name

    def weight(spec: Any) -> float:  # billions of parameters; unknown last
        e = spec.entry
        size = (e.total_params or e.effective_params or "").upper()
        for unit, scale in (("M", 1e-3), ("B", 1.0)):
            if size.endswith(unit):
                try:
                    return float(size[:-1]) * scale
                except ValueError:
                    break
        return float("inf")

    chosen: dict[str, Any] = {}
    for spec, ok, _ in app.runtime.model_statuses():
        if not ok or spec.id not in app.known_models or "@" in spec.id:
            continue
        size = short_name(spec.id, spec.label, "").split(" ")[0]
        chosen.setdefault(size, spec)
    ordered = sorted(chosen.values(), key=weight)[:most]
    return [spec.id for spec in ordered]


def pane_row_name(app: Any, slot: int, model: str | None) -> str:
    """A per-pane settings row's name: its pane and model ("Pane 2 · 31B Gemini")."""
    from html import escape

    from playground.ui.names import short_name

    name = f"Pane {slot + 1}"
    if model:
        try:
            spec = app.runtime.catalog.resolve(model)
            name += f" · {short_name(spec.id, spec.label, spec.source)}"
        except Exception:  # noqa: BLE001 - an unknown model: the run says so
            name += f" · {model}"
    return f'<span class="gp-row-name" title="{escape(name)}">{escape(name)}</span>'


def wire_first_screen(app: Any, demo: gr.Blocks, tab: CompareTab) -> None:
    """The first screen's start ("Try: pelican on a bicycle across sizes" fills the prompt and
    the pickers), and each per-pane settings row named by its pane's model."""
    from playground.ui.examples import PELICAN_PROMPT

    models = tab.models

    def on_try():
        picked = sizes_to_try(app)
        if len(picked) == 1:
            picked = picked * 2  # one size runs here: two samples of it are still a comparison
        note = ("" if len(picked) > 2 or not picked else
                "Only one model size can run here: add a model (Models tab) or a Gemini key for more sizes.")
        return [PELICAN_PROMPT] + [picked[i] if i < len(picked) else NO_MODEL for i in range(len(models))] + [note]

    tab.try_start.click(on_try, None, [tab.fields["prompt"], *models, tab.url_note], queue=False,
                        api_visibility="private")
    for slot, (model, row) in enumerate(zip(models, tab.row_names)):
        model.change(lambda m, slot=slot: pane_row_name(app, slot, m), [model], [row], queue=False,
                     api_visibility="private")
    demo.load(lambda *picked: [pane_row_name(app, i, m) for i, m in enumerate(picked)], models,
              tab.row_names, queue=False, api_visibility="private")
