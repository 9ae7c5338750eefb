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


def duplicate_pane(slot: int, *values: Any) -> list[Any]:
    """Copy a pane's model and settings into the first empty pane slot. `values` are every
    pane's PANE_FIELDS, pane after pane; so is the result."""
    panes = [dict(zip(PANE_FIELDS, values[i:i + len(PANE_FIELDS)]))
             for i in range(0, len(values), len(PANE_FIELDS))]
    if not panes[slot]["model"]:
        raise gr.Error(f"Pane {slot + 1} has no model to duplicate.")
    empty = [i for i, pane in enumerate(panes) if not pane["model"]]
    if not empty:
        raise gr.Error(f"All {MAX_PANES} panes are in use: clear one first.")
    panes[empty[0]] = dict(panes[slot])
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
        buttons["duplicate"].click(lambda *v, slot=slot: duplicate_pane(slot, *v), pane_inputs, pane_inputs,
                                   api_name=f"duplicate_{slot}", queue=False).then(
            None, None, None, js=f"() => window.gp && window.gp.duplicated({slot})", queue=False)
        buttons["reroll"].click(on_reroll, None, outputs, api_name=f"reroll_{slot}", show_progress="hidden",
                                concurrency_limit=16, concurrency_id="run")
        buttons["prev"].click(on_prev, None, outputs, api_name=f"sample_prev_{slot}", show_progress="hidden")
        buttons["next"].click(on_next, None, outputs, api_name=f"sample_next_{slot}", show_progress="hidden")
        buttons["expand"].click(None, None, None, js=f"() => window.gp && window.gp.expand({slot})",
                                queue=False, api_visibility="private")


def wire_export(app: Any, session_id: Callable, tab: CompareTab) -> None:
    def on_export_html(request: gr.Request):  # the file box appears once there is a file
        return gr.File(app.sessions.export(session_id(request), "html", app.export_dir), visible=True)

    def on_export_png(request: gr.Request):
        return gr.File(app.sessions.export(session_id(request), "png", app.export_dir), visible=True)

    tab.export_html.click(on_export_html, None, tab.export_file, api_name="export_html")
    tab.export_png.click(on_export_png, None, tab.export_file, api_name="export_png")


def wire_image_example(tab: CompareTab, vision_models: list[str]) -> None:
    """The image example asks models that can see: it picks them (or says none can)."""
    models = tab.models
    tab.examples.load_input_event.then(
        lambda picture, *picked: image_example_models(picture, list(picked), vision_models, NO_MODEL),
        inputs=[tab.fields["image"], *models], outputs=[*models, tab.url_note], queue=False,
        api_visibility="private")
