"""The Gradio UI: layout and event wiring only.

Pane state → HTML lives in render.py, session handlers in session.py, the run in runner.py.
No module globals: all state hangs off a PlaygroundApp (one per launch); a browser session is
found by its session hash so Stop, re-roll and History reach the right panes.
"""
# No `from __future__ import annotations` here: Gradio finds gr.Request parameters by their
# evaluated annotation.

import atexit
import contextlib
import json
import os
import secrets
import sys
import time
from importlib.resources import files
from typing import Any

import gradio as gr

from playground.adapters.base import ChatRequest
from playground.ui.export import make_export_dir, remove_export_dir, sweep_stale_exports
from playground.runner import PaneRequest
from playground.runtime import Runtime
from playground.samples import MAX_SAMPLES
from playground.status import PaneStatus
from playground.ui.examples import build_examples
from playground.ui.form import (MAX_PANES, PANE_FIELDS, RUN_FIELDS, THINKING_CHOICES, Form, pane_field,
                                parse_form)
from playground.ui.errors import quiet_every_event
from playground.ui.guard import AccessGuard
from playground.ui.limits import LoginThrottle, RateLimited, RateLimiter, trusted_address
from playground.ui.history_tab import build_history_tab
from playground.ui.judge import build_judging
from playground.ui.leaderboard_tab import build_leaderboard_tab
from playground.ui.models_tab import build_models_tab
from playground.ui.page import (ACTION_ICONS, ACTION_TOOLTIPS, image_example_models, session_outputs,
                                with_true_status)
from playground.ui.session import Sessions
from playground.ui.uploads import image_input, read_upload
from playground.ui.url_state import MAX_URL_CHARS, url_fields, wire_url_state

NO_MODEL = ""
LOGIN_NOTE = ("After 5 wrong logins within a minute, logins from your address pause for up to a minute "
              "(the form then says the credentials are incorrect).")


def static_text(name: str) -> str:
    return files("playground.static").joinpath(name).read_text(encoding="utf-8")


def client_address(request: gr.Request) -> str:
    """Who is asking, for the rate limit: the direct peer, or behind the share tunnel (whose
    client connects from loopback) the last X-Forwarded-For entry, the one the tunnel appended.
    Earlier entries are the client's own words (limits.trusted_address)."""
    headers = getattr(request, "headers", None) or {}
    if hasattr(headers, "getlist"):  # starlette Headers: every X-Forwarded-For line
        forwarded = headers.getlist("x-forwarded-for")
    else:  # gr.Request of a queued event: a plain dict
        value = headers.get("x-forwarded-for") if hasattr(headers, "get") else None
        forwarded = [value] if isinstance(value, str) else []
    client = getattr(request, "client", None)
    return trusted_address(getattr(client, "host", None), forwarded)


def session_id(request: gr.Request) -> str:
    return (request.session_hash if request is not None else None) or "anonymous"


class PlaygroundApp:
    def __init__(self, runtime: Runtime, default_models: list[str] | None = None,
                 runs_per_minute: int = 0, allow_downloads: bool = True):
        self.runtime = runtime
        self.limiter = RateLimiter(runs_per_minute)
        self.max_prompt_chars = runtime.config.max_prompt_chars
        self.allow_downloads = allow_downloads  # off on a shared link: strangers must not fill the disk
        self.sessions = Sessions(runtime)
        self.default_models = default_models or ["gemma-3-270m", "gemma-3-270m"]
        self.login_throttle = LoginThrottle(max_failures=5, window_s=60.0)
        self.export_dir = make_export_dir()
        atexit.register(remove_export_dir, self.export_dir)

    def close(self) -> None:
        remove_export_dir(self.export_dir)

    def check_rate(self, request: gr.Request) -> None:
        try:
            self.limiter.check(client_address(request))
        except RateLimited as exc:
            raise gr.Error(str(exc)) from None

    # ---------------------------------------------------------------- model picker
    def model_choices(self) -> list[tuple[str, str]]:
        ready, unready = [], []
        served = []
        base_url = self.runtime.catalog.openai_base_url
        if base_url:
            from playground.adapters.openai_compat import list_models

            try:  # the server's own /v1/models, so users pick what it actually serves
                served = [f"openai:{m}" for m in list_models(base_url)]
            except Exception as exc:
                print(f"warning: cannot list models at {base_url}: {exc}", file=sys.stderr)
        for spec, ok, reason in self.runtime.model_statuses(served):
            (ready if ok else unready).append((spec.label if ok else f"{spec.label} — {reason}", spec.id))
        return [("(no model)", NO_MODEL)] + ready + unready

    # ---------------------------------------------------------------- form → request
    def parse_form(self, form: dict[str, Any]) -> tuple[ChatRequest, list[PaneRequest], bool]:
        parsed = parse_form(self.runtime, form, self.max_prompt_chars,
                            read_image=lambda path: read_upload(path, self.runtime.config))
        return parsed.request, parsed.panes, parsed.bypass_cache

    def vision_models(self, choices: list[tuple[str, str]]) -> list[str]:
        """The picker's models that can see an image now (a vision model, with its projector
        when it runs locally), in the picker's order."""
        seeing = []
        for _, model in choices:
            if not model:
                continue
            try:
                spec = self.runtime.catalog.resolve(model)
            except Exception:  # noqa: BLE001 - a listed model the catalog no longer knows
                continue
            if (spec.entry.vision and (not spec.is_local or spec.mmproj_path is not None)
                    and self.runtime.availability(spec)[0]):
                seeing.append(model)
        return seeing

    def temperature_hint(self, model: str | None) -> str:
        """The placeholder of a pane's empty temperature field: what empty means for its model."""
        if not model:
            return "as in Parameters"
        try:
            return self.runtime.sampling_defaults(model).hint("temperature")
        except Exception:  # noqa: BLE001 - unknown model: the run will say so
            return "model default"

    def page_config(self, choices: list[tuple[str, str]]) -> str:
        """The values the page's JavaScript shares with the server, rendered from the Python
        constants (never copied by hand): status words, limits, field ids for the link."""
        config = {
            "maxPanes": MAX_PANES,
            "maxUrlChars": MAX_URL_CHARS,
            "maxPromptChars": self.max_prompt_chars,
            "activeStatuses": [s.value for s in PaneStatus if not s.finished],
            "finishedStatuses": [s.value for s in PaneStatus if s.finished],
            "models": [[label, value] for label, value in choices],
            "fields": url_fields(),
            "tooltips": ACTION_TOOLTIPS,
            "initial": {k: v for k, v in getattr(self, "initial_form", {}).items() if k != "image"},
        }
        # `</` cannot end the script element early: JSON allows `<\/`.
        return json.dumps(config, ensure_ascii=True).replace("</", "<\\/")

    # ---------------------------------------------------------------- layout
    def build(self) -> gr.Blocks:
        choices = self.model_choices()
        defaults = self.runtime.config.defaults
        c: dict[str, Any] = {}  # the form's components by field name (form.RUN_FIELDS)
        # Uploads older than a day are removed hourly (and all of them when the server stops);
        # a refused one at once (forget_upload).
        with gr.Blocks(title="Gemma playground", delete_cache=(3600, 86400)) as demo:
            with gr.Tabs(elem_id="gp-tabs") as tabs:
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
                            default = self.default_models[i] if i < len(self.default_models) else NO_MODEL
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
                                        placeholder=self.temperature_hint(self.default_models[i]
                                                                          if i < len(self.default_models) else None))
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

            form = Form(c)
            outputs = session_outputs(columns=columns, htmls=htmls, gallery=gallery, chart=chart,
                                      judge=judge.outputs, status=status)
            judge.wire(self, session_id, outputs)

            def on_run(request: gr.Request, *values: Any):
                parsed = parse_form(self.runtime, form.values(values), self.max_prompt_chars,
                                    read_image=lambda path: read_upload(path, self.runtime.config))
                self.check_rate(request)
                session = session_id(request)
                stream = self.sessions.run(session, parsed.request, parsed.panes, parsed.bypass_cache,
                                           blind=parsed.blind)
                yield from with_true_status(stream, lambda: self.sessions.view(session).states)

            def on_stop(request: gr.Request):
                return self.sessions.stop(session_id(request))

            # /run (scripts, gradio_client): every field by name. The page's own Run sends two
            # inputs instead, the form as JSON (playground.js keeps it from each field's change
            # event) and the image: Gradio's client spends ~1 ms per input gathering them on a
            # click, 50-90 ms for the whole form.
            run_kwargs = dict(fn=on_run, inputs=form.inputs(), outputs=outputs,
                              show_progress="hidden", concurrency_limit=16, concurrency_id="run")
            api_run = gr.Button("run", visible=False, elem_id="gp-api-run")
            api_run.click(api_name="run", **run_kwargs)
            form_json = gr.Textbox("", visible=False, elem_id="gp-form-json")
            initial = form.initial_values()

            def on_run_page(request: gr.Request, text: str, image: Any):
                values = form.from_json(text, initial) | {"image": image}
                yield from on_run(request, *[values[name] for name in RUN_FIELDS])

            page_kwargs = dict(fn=on_run_page, inputs=[form_json, c["image"]], outputs=outputs,
                               js="(text, image) => [window.gp ? window.gp.formJson() : text, image]",
                               show_progress="hidden", concurrency_limit=16, concurrency_id="run",
                               api_visibility="private")
            run.click(**page_kwargs)
            c["prompt"].submit(**page_kwargs)
            stop.click(on_stop, inputs=None, outputs=[status], api_name="stop", queue=False)

            # Comparison view: diff and synced scrolling are pure browser work (static/playground.js).
            for control, js in ((baseline, "(v) => window.gp && window.gp.setBaseline(v)"),
                                (diff_on, "(v) => window.gp && window.gp.setDiff(v)"),
                                (sync_on, "(v) => window.gp && window.gp.setSync(v)")):
                control.change(None, inputs=[control], outputs=None, js=js, queue=False, api_visibility="private")
            models = [c[pane_field("model", i)] for i in range(MAX_PANES)]
            known = [value for _, value in choices if value != NO_MODEL]
            self.known_models = known
            wire_url_state(demo, form=form, note=url_note, known_models=known, no_model=NO_MODEL,
                           run_outputs=outputs, on_run=on_run, defaults=defaults,
                           restore_values=lambda state: self.link_values(state))

            # A pane's empty temperature says what it means for the model picked.
            for i, model in enumerate(models):
                model.change(lambda m: gr.update(placeholder=self.temperature_hint(m)), [model],
                             [c[pane_field("temperature", i)]], api_visibility="private", queue=False)

            pane_inputs = [c[pane_field(name, i)] for i in range(MAX_PANES) for name in PANE_FIELDS]

            def on_duplicate(slot: int, *values: Any):
                """Copy a pane's model and settings into the first empty pane slot."""
                panes = [dict(zip(PANE_FIELDS, values[i:i + len(PANE_FIELDS)]))
                         for i in range(0, len(values), len(PANE_FIELDS))]
                if not panes[slot]["model"]:
                    raise gr.Error(f"Pane {slot + 1} has no model to duplicate.")
                empty = [i for i, pane in enumerate(panes) if not pane["model"]]
                if not empty:
                    raise gr.Error(f"All {MAX_PANES} panes are in use: clear one first.")
                panes[empty[0]] = dict(panes[slot])
                return [pane[name] for pane in panes for name in PANE_FIELDS]

            for slot, buttons in enumerate(pane_buttons):
                def on_stop_one(request: gr.Request, slot=slot):
                    return self.sessions.stop_pane(session_id(request), slot)

                def on_reroll(request: gr.Request, slot=slot):
                    self.check_rate(request)
                    session = session_id(request)
                    yield from with_true_status(self.sessions.reroll(session, slot),
                                                lambda: self.sessions.view(session).states[slot:slot + 1])

                def on_prev(request: gr.Request, slot=slot):
                    return self.sessions.show_sample(session_id(request), slot, -1)

                def on_next(request: gr.Request, slot=slot):
                    return self.sessions.show_sample(session_id(request), slot, +1)

                buttons["stop"].click(on_stop_one, None, [status], api_name=f"stop_{slot}", queue=False)
                # The copy lands in the first empty picker; the page then shows where (playground.js).
                buttons["duplicate"].click(lambda *v, slot=slot: on_duplicate(slot, *v), pane_inputs, pane_inputs,
                                           api_name=f"duplicate_{slot}", queue=False).then(
                    None, None, None, js=f"() => window.gp && window.gp.duplicated({slot})", queue=False)
                buttons["reroll"].click(on_reroll, None, outputs, api_name=f"reroll_{slot}", show_progress="hidden",
                                        concurrency_limit=16, concurrency_id="run")
                buttons["prev"].click(on_prev, None, outputs, api_name=f"sample_prev_{slot}", show_progress="hidden")
                buttons["next"].click(on_next, None, outputs, api_name=f"sample_next_{slot}", show_progress="hidden")
                buttons["expand"].click(None, None, None, js=f"() => window.gp && window.gp.expand({slot})",
                                        queue=False, api_visibility="private")

            def on_export_html(request: gr.Request):  # the file box appears once there is a file
                return gr.File(self.sessions.export(session_id(request), "html", self.export_dir), visible=True)

            def on_export_png(request: gr.Request):
                return gr.File(self.sessions.export(session_id(request), "png", self.export_dir), visible=True)

            export_html.click(on_export_html, None, export_file, api_name="export_html")
            export_png.click(on_export_png, None, export_file, api_name="export_png")

            # The image example asks models that can see: it picks them (or says none can).
            vision = self.vision_models(choices)
            examples.load_input_event.then(
                lambda picture, *picked: image_example_models(picture, list(picked), vision, NO_MODEL),
                inputs=[c["image"], *models], outputs=[*models, url_note], queue=False,
                api_visibility="private")

            with tabs:
                build_history_tab(self, session_id, outputs, form, tabs, blind=c["blind"])
                build_leaderboard_tab(self)
                build_models_tab(self)
        quiet_every_event(demo)
        self.initial_form = initial
        demo.gp_head = f'<script type="application/json" id="gp-config">{self.page_config(choices)}</script>'
        return demo

    def link_values(self, state: Any) -> dict[str, Any]:
        """What a link (url_state.UrlState) sets in the form: every field it names."""
        return state.form_values(self.runtime.config.defaults)


@contextlib.contextmanager
def peer_addresses_kept():
    """uvicorn (as Gradio starts it) replaces a loopback peer's address with an X-Forwarded-For
    entry of its choosing, which a local client can forge; the app makes that choice itself
    (limits.trusted_address), so uvicorn is told to trust no proxy while the server is created."""
    old = os.environ.get("FORWARDED_ALLOW_IPS")
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("FORWARDED_ALLOW_IPS", None)
        else:
            os.environ["FORWARDED_ALLOW_IPS"] = old


def launch(app: PlaygroundApp, host: str = "127.0.0.1", port: int | None = 7860,
           share: bool = False, auth: tuple[str, str] | None = None,
           open_browser: bool = False, block: bool = True):
    from starlette.middleware import Middleware

    demo = app.build()
    demo.queue(max_size=64, default_concurrency_limit=16)
    max_upload = int(app.runtime.config.max_image_mb * 1024 * 1024)  # the only uploads are images
    with peer_addresses_kept():
        result = demo.launch(server_name=host, server_port=port, share=share, auth=auth,
                             inbrowser=open_browser, prevent_thread_lock=not block, quiet=not block,
                             css=static_text("playground.css") + "\n" + static_text("panes.css"),
                             head=demo.gp_head + f"<script>{static_text('playground.js')}\n{static_text('panes.js')}</script>",
                             footer_links=["api"], show_error=True, max_file_size=max_upload,
                             auth_message=LOGIN_NOTE if auth else None,
                             app_kwargs={"middleware": [Middleware(AccessGuard, throttle=app.login_throttle)]})
    return demo, result


def resolve_auth(args) -> tuple[tuple[str, str] | None, str | None]:
    """(auth tuple, message to print). --share turns a login on unless --auth or --no-auth."""
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("--auth needs USER:PASS, e.g. --auth alice:s3cret")
        return (user, password), None
    if args.share and not args.no_auth:
        password = secrets.token_urlsafe(12)
        return ("gemma", password), f"login for the shared link: user 'gemma', password '{password}'"
    return None, None


def serve(args, runtime: Runtime) -> int:
    try:
        auth, message = resolve_auth(args)
    except ValueError as exc:
        print(f"gemma-playground: error: {exc}", file=sys.stderr)
        return 2
    if message:
        print(message, flush=True)
    sweep_stale_exports()  # folders left by launches that did not exit cleanly
    # A public link is reachable by anyone: rate-limit runs per address there.
    app = PlaygroundApp(runtime, runs_per_minute=20 if args.share else 0,
                        allow_downloads=not args.share)
    try:
        demo, _ = launch(app, args.host, args.port, share=args.share, auth=auth,
                         open_browser=not args.no_browser, block=False)
    except OSError:  # Gradio's message names its own launch() parameters, not ours
        app.close()
        runtime.close()
        print(f"gemma-playground: error: cannot listen on {args.host}:{args.port}: the port is in use (or the "
              "address is not this machine's). Choose another with --port.", file=sys.stderr)
        return 2
    # After launch: uvicorn has set up its log handlers by now, and they get the filter too.
    from playground.keys import install_log_redaction

    install_log_redaction(runtime.secrets())
    print(f"gemma-playground is running at {demo.local_url}", flush=True)
    if args.share:
        if getattr(demo, "share_url", None):
            print(f"shared link: {demo.share_url}", flush=True)
        else:
            print("could not open the public share link (offline, or the tunnel was refused); "
                  f"still serving locally at {demo.local_url}", flush=True)
    stop_on_sigterm()
    try:
        while demo.is_running:  # not demo.block_thread(): on Ctrl+C it stops only the HTTP server,
            time.sleep(0.1)     # which then waits on the queue's open streams past the process exit
    except KeyboardInterrupt:
        print("stopping", flush=True)
    finally:
        # The whole close (queue, streams, server): Gradio then removes this launch's uploads.
        demo.close(verbose=False)
        from gradio.tunneling import CURRENT_TUNNELS

        for tunnel in CURRENT_TUNNELS:
            tunnel.kill()
        app.close()
        runtime.close()
    return 0


def stop_on_sigterm() -> None:
    """SIGTERM (a service manager, `docker stop`) stops the server like Ctrl+C, so uploads and the
    export folder are removed instead of left in the temp dir."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        signal.signal(signal.SIGTERM, interrupt)
