"""The Gradio UI: layout and event wiring only.

Pane state → HTML lives in render.py, session handlers in session.py, the run in runner.py.
No module globals: all state hangs off a PlaygroundApp (one per launch); a browser session is
found by its session hash so Stop, re-roll and History reach the right panes.
"""
# No `from __future__ import annotations` here: Gradio finds gr.Request parameters by their
# evaluated annotation.

import atexit
import contextlib
import os
import secrets
import sys
import time
from importlib.resources import files
from typing import Any

import gradio as gr
from pydantic import ValidationError

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.export import make_export_dir, remove_export_dir, sweep_stale_exports
from playground.runner import PaneRequest
from playground.runtime import Runtime
from playground.ui.examples import build_examples
from playground.ui.errors import quiet_every_event
from playground.ui.guard import AccessGuard
from playground.ui.limits import LoginThrottle, RateLimited, RateLimiter, trusted_address
from playground.ui.history_tab import build_history_tab
from playground.ui.judge import build_judging
from playground.ui.leaderboard_tab import build_leaderboard_tab
from playground.ui.models_tab import build_models_tab
from playground.ui.session import MAX_PANES, Sessions
from playground.ui.uploads import image_input, read_upload
from playground.ui.url_state import wire_url_state

NO_MODEL = ""
PANE_FIELDS = ("model", "thinking", "temperature", "max_tokens", "seed")  # per pane, in /run's order
LOGIN_NOTE = ("After 5 wrong logins within a minute, logins from your address pause for up to a minute "
              "(the form then says the credentials are incorrect).")
THINKING_CHOICES = [("default", "default"), ("on", "on"), ("off", "off")]


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


def optional_seed(value: Any) -> int | None:
    """The seed field: empty means random; anything else must be a whole number."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise gr.Error(f"Seed must be a whole number (or empty for random), not {text[:20]!r}.") from None


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
        prompt = (form["prompt"] or "").strip()
        if not prompt:
            raise gr.Error("The prompt is empty: type what to ask the models.")
        if len(prompt) > self.max_prompt_chars:
            raise gr.Error(f"The prompt is {len(prompt):,} characters; the limit is {self.max_prompt_chars:,}.")
        image = read_upload(form["image"], self.runtime.config) if form["image"] else None
        try:
            base = GenerationSettings(
                temperature=form["temperature"], top_p=form["top_p"], top_k=int(form["top_k"]),
                max_tokens=int(form["max_tokens"]),
                seed=optional_seed(form["seed"]),
                thinking=bool(form["thinking"]),
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            raise gr.Error(f"Parameter {first['loc'][0]}: {first['msg']}") from None
        except (TypeError, ValueError) as exc:
            raise gr.Error(f"Bad parameter: {exc}") from None
        panes = []
        for i in range(MAX_PANES):
            model = form[f"model_{i}"]
            if not model:
                continue
            overrides: dict[str, Any] = {}
            if form[f"thinking_{i}"] in ("on", "off"):
                overrides["thinking"] = form[f"thinking_{i}"] == "on"
            for name in ("temperature", "max_tokens", "seed"):  # empty = as in Parameters
                value = form.get(f"{name}_{i}")
                value = value.strip() if isinstance(value, str) else value
                if value not in (None, ""):
                    overrides[name] = value
            try:
                settings = GenerationSettings(**(base.model_dump() | overrides))
            except ValidationError as exc:
                first = exc.errors()[0]
                raise gr.Error(f"Pane {i + 1} {first['loc'][0]}: {first['msg']}") from None
            panes.append(PaneRequest(model, settings))
        if not panes:
            raise gr.Error("No model picked: choose at least one model for a pane.")
        system = (form["system"] or "").strip() or None
        return ChatRequest(prompt=prompt, system=system, image=image), panes, bool(form["bypass_cache"])

    # ---------------------------------------------------------------- layout
    def build(self) -> gr.Blocks:
        choices = self.model_choices()
        defaults = self.runtime.config.defaults
        # Uploads older than a day are removed hourly (and all of them when the server stops);
        # a refused one at once (forget_upload).
        with gr.Blocks(title="Gemma playground", delete_cache=(3600, 86400)) as demo:
            gr.Markdown("## Gemma playground · one prompt, several models, side by side", elem_id="gp-title")
            with gr.Tabs() as tabs:
                with gr.Tab("Compare", id="compare"):
                    with gr.Row():
                        with gr.Column(scale=3):
                            prompt = gr.Textbox(label="Prompt", lines=4, elem_id="gp-prompt",
                                                placeholder="Generate an SVG of a pelican riding a bicycle"
                                                            "   (Ctrl+Enter runs, Esc stops)")
                            with gr.Row():
                                run = gr.Button("Run", variant="primary", elem_id="gp-run")
                                stop = gr.Button("Stop", variant="stop", elem_id="gp-stop")
                                blind = gr.Checkbox(False, label="Blind (names hidden until you rank)", elem_id="gp-blind")
                            status = gr.Markdown("", elem_id="gp-run-status")
                            url_note = gr.Markdown("", elem_id="gp-url-note")
                            with gr.Accordion("System prompt and image", open=False) as image_panel:
                                system = gr.Textbox(label="System prompt", lines=2, elem_id="gp-system")
                                image = image_input(label="Image (sent to every model that can see)",
                                                    elem_id="gp-image", height=200)
                            with gr.Group(elem_id="gp-examples"):
                                build_examples(prompt, image, image_panel)
                        with gr.Column(scale=2):
                            # The pane pickers sit beside the prompt, one line each, so the panes
                            # themselves start within the first screen of a laptop.
                            pane_models = []
                            with gr.Group(elem_id="gp-pane-models"):
                                for row_start in range(0, MAX_PANES, 2):
                                    with gr.Row():
                                        for i in range(row_start, row_start + 2):
                                            default = (self.default_models[i] if i < len(self.default_models)
                                                       else NO_MODEL)
                                            pane_models.append(gr.Dropdown(choices, value=default, min_width=160,
                                                                           label=f"Pane {i + 1}",
                                                                           elem_id=f"gp-model-{i}"))
                            with gr.Accordion("Parameters (all panes)", open=False):
                                temperature = gr.Slider(0, 2, value=defaults.temperature, step=0.05, label="Temperature",
                                                        elem_id="gp-temperature")
                                top_p = gr.Slider(0.01, 1, value=defaults.top_p, step=0.01, label="Top-p")
                                top_k = gr.Slider(0, 200, value=defaults.top_k, step=1, label="Top-k (0 = off)")
                                max_tokens = gr.Slider(16, 8192, value=defaults.max_tokens, step=16, label="Max tokens",
                                                       elem_id="gp-max-tokens")
                                # Textboxes, not Numbers, for "empty = …" fields: an empty gr.Number
                                # shows and sends 0 (seed 0 on every run, temperature 0 per pane).
                                seed = gr.Textbox("" if defaults.seed is None else str(defaults.seed),
                                                  label="Seed (empty = random)", placeholder="random",
                                                  elem_id="gp-seed")
                                thinking = gr.Checkbox(value=defaults.thinking, label="Thinking")
                                bypass = gr.Checkbox(value=False, label="Bypass cache for this run")
                            pane_controls = []
                            with gr.Accordion("Per-pane settings (empty = as in Parameters)", open=False,
                                              elem_id="gp-pane-settings"):
                                for i, model in enumerate(pane_models):
                                    with gr.Row():
                                        pane_thinking = gr.Dropdown(THINKING_CHOICES, value="default",
                                                                    label=f"Pane {i + 1} thinking", min_width=70,
                                                                    elem_id=f"gp-thinking-{i}")
                                        # Textboxes: an empty gr.Number would send 0, not "as above"
                                        pane_temp = gr.Textbox("", label="temperature", min_width=60,
                                                               elem_id=f"gp-temp-{i}")
                                        pane_max = gr.Textbox("", label="max tokens", min_width=60,
                                                              elem_id=f"gp-max-tokens-{i}")
                                        pane_seed = gr.Textbox("", label="seed", min_width=60,
                                                               elem_id=f"gp-seed-{i}")
                                    pane_controls.append((model, pane_thinking, pane_temp, pane_max, pane_seed))
                    with gr.Row(elem_id="gp-compare-tools", equal_height=True):
                        baseline = gr.Radio([(f"Pane {i + 1}", i) for i in range(MAX_PANES)], value=0,
                                            label="Diff baseline", elem_id="gp-diff-baseline", scale=3)
                        diff_on = gr.Checkbox(False, label="Diff vs baseline", elem_id="gp-diff-toggle", scale=1)
                        sync_on = gr.Checkbox(False, label="Sync scrolling", elem_id="gp-sync-toggle", scale=1)
                    columns, htmls, pane_buttons = [], [], []
                    with gr.Row(elem_id="gp-panes", equal_height=False):
                        for i in range(MAX_PANES):
                            with gr.Column(visible=False, min_width=150, elem_classes=["gp-pane-slot"]) as column:
                                htmls.append(gr.HTML("", elem_id=f"gp-pane-{i}", js_on_load=None))
                                with gr.Row(elem_classes=["gp-pane-actions"]):
                                    pane_buttons.append((
                                        gr.Button("↻ re-roll", size="sm", elem_id=f"gp-reroll-{i}"),
                                        gr.Button("■ stop", size="sm", elem_id=f"gp-stop-{i}"),
                                        gr.Button("+ duplicate", size="sm", elem_id=f"gp-duplicate-{i}"),
                                        gr.Button("◀ sample", size="sm", elem_id=f"gp-prev-{i}"),
                                        gr.Button("sample ▶", size="sm", elem_id=f"gp-next-{i}"),
                                    ))
                            columns.append(column)
                    judge = build_judging()  # rank the panes; shown once a comparison has finished panes
                    gallery = gr.HTML("", elem_id="gp-gallery", js_on_load=None)
                    chart = gr.HTML("", elem_id="gp-chart", js_on_load=None)
                    with gr.Row():
                        export_html = gr.Button("Export HTML", size="sm", elem_id="gp-export-html")
                        export_png = gr.Button("Export PNG card", size="sm", elem_id="gp-export-png")
                        export_file = gr.File(label="Export", elem_id="gp-export-file", height=60, visible=False)

            named = {"prompt": prompt, "system": system, "image": image, "temperature": temperature,
                     "top_p": top_p, "top_k": top_k, "max_tokens": max_tokens, "seed": seed,
                     "thinking": thinking, "bypass_cache": bypass}
            for i, controls in enumerate(pane_controls):
                named |= {f"{field}_{i}": control for field, control in zip(PANE_FIELDS, controls)}
            named["blind"] = blind  # last, so /run's earlier inputs keep their positions
            names = list(named)
            outputs = columns + htmls + [gallery, chart] + judge.outputs + [status]  # = Sessions.outputs
            judge.wire(self, session_id, outputs)

            def on_run(request: gr.Request, *values: Any):
                form = dict(zip(names, values))
                chat, panes, bypass_cache = self.parse_form(form)
                self.check_rate(request)
                yield from self.sessions.run(session_id(request), chat, panes, bypass_cache,
                                             blind=bool(form.get("blind")))

            def on_stop(request: gr.Request):
                return self.sessions.stop(session_id(request))

            run_kwargs = dict(fn=on_run, inputs=list(named.values()), outputs=outputs,
                              show_progress="hidden", concurrency_limit=16, concurrency_id="run")
            run.click(api_name="run", **run_kwargs)
            prompt.submit(api_visibility="private", **run_kwargs)
            stop.click(on_stop, inputs=None, outputs=[status], api_name="stop", queue=False)

            # Comparison view: diff and synced scrolling are pure browser work (static/playground.js).
            for control, js in ((baseline, "(v) => window.gp && window.gp.setBaseline(v)"),
                                (diff_on, "(v) => window.gp && window.gp.setDiff(v)"),
                                (sync_on, "(v) => window.gp && window.gp.setSync(v)")):
                control.change(None, inputs=[control], outputs=None, js=js, queue=False, api_visibility="private")
            models = [controls[0] for controls in pane_controls]
            known = [value for _, value in choices if value != NO_MODEL]
            wire_url_state(demo, prompt=prompt, models=models, note=url_note, known_models=known,
                           no_model=NO_MODEL, run_inputs=list(named.values()), run_outputs=outputs, on_run=on_run,
                           blind=blind)

            pane_inputs = [c for controls in pane_controls for c in controls]

            def on_duplicate(slot: int, *values: Any):
                """Copy a pane's model and settings into the first empty pane slot."""
                width = len(PANE_FIELDS)
                panes = [list(values[i:i + width]) for i in range(0, len(values), width)]
                empty = [i for i, pane in enumerate(panes) if not pane[0]]  # pane[0] is its model
                if not panes[slot][0]:
                    raise gr.Error(f"Pane {slot + 1} has no model to duplicate.")
                if not empty:
                    raise gr.Error(f"All {MAX_PANES} panes are in use: clear one first.")
                panes[empty[0]] = list(panes[slot])
                return [value for pane in panes for value in pane]

            for slot, (reroll, stop_one, duplicate, prev, nxt) in enumerate(pane_buttons):
                def on_stop_one(request: gr.Request, slot=slot):
                    return self.sessions.stop_pane(session_id(request), slot)

                stop_one.click(on_stop_one, None, [status], api_name=f"stop_{slot}", queue=False)
                duplicate.click(lambda *v, slot=slot: on_duplicate(slot, *v), pane_inputs, pane_inputs,
                                api_name=f"duplicate_{slot}", queue=False)
                def on_reroll(request: gr.Request, slot=slot):
                    self.check_rate(request)
                    yield from self.sessions.reroll(session_id(request), slot)

                def on_prev(request: gr.Request, slot=slot):
                    return self.sessions.show_sample(session_id(request), slot, -1)

                def on_next(request: gr.Request, slot=slot):
                    return self.sessions.show_sample(session_id(request), slot, +1)

                reroll.click(on_reroll, None, outputs, api_name=f"reroll_{slot}", show_progress="hidden",
                             concurrency_limit=16, concurrency_id="run")
                prev.click(on_prev, None, outputs, api_name=f"sample_prev_{slot}", show_progress="hidden")
                nxt.click(on_next, None, outputs, api_name=f"sample_next_{slot}", show_progress="hidden")

            def on_export_html(request: gr.Request):  # the file box appears once there is a file
                return gr.File(self.sessions.export(session_id(request), "html", self.export_dir), visible=True)

            def on_export_png(request: gr.Request):
                return gr.File(self.sessions.export(session_id(request), "png", self.export_dir), visible=True)

            export_html.click(on_export_html, None, export_file, api_name="export_html")
            export_png.click(on_export_png, None, export_file, api_name="export_png")

            with tabs:
                build_history_tab(self, session_id, outputs, models, prompt, tabs, known, NO_MODEL, blind=blind)
                build_leaderboard_tab(self)
                build_models_tab(self)
        quiet_every_event(demo)
        return demo


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
                             head=f"<script>{static_text('playground.js')}\n{static_text('panes.js')}</script>",
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
    from playground.runner import runtime_secrets

    install_log_redaction(runtime_secrets(runtime))
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
