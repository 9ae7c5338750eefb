"""The Gradio UI: wiring only. Pane state → HTML lives in render.py; the run itself in runner.py.

No module globals: every piece of state hangs off a PlaygroundApp instance (one per launch);
a browser session's running comparison is found by its session hash so Stop can reach it.
"""



import secrets
import sys
import threading
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterator

import gradio as gr
from pydantic import ValidationError

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.images import ImageError, image_from_path
from playground.runner import Comparison, PaneRequest, PaneState
from playground.runtime import Runtime
from playground.ui.render import Drawing, drawings_for, render_gallery, render_pane

MAX_PANES = 6
NO_MODEL = ""
THINKING_CHOICES = [("default", "default"), ("on", "on"), ("off", "off")]
SNAPSHOT_INTERVAL_S = 0.1  # UI updates at most 10×/s per run, never once per token
MAX_PROMPT_CHARS = 100_000


def static_text(name: str) -> str:
    return files("playground.static").joinpath(name).read_text(encoding="utf-8")


class PlaygroundApp:
    def __init__(self, runtime: Runtime, default_models: list[str] | None = None):
        self.runtime = runtime
        self.active: dict[str, Comparison] = {}
        self._active_lock = threading.Lock()
        self.default_models = default_models or ["gemma-3-270m", "gemma-3-270m"]

    # ---------------------------------------------------------------- model picker
    def model_choices(self) -> list[tuple[str, str]]:
        ready, unready = [], []
        for model_id in self.runtime.catalog.ids():
            spec = self.runtime.catalog.resolve(model_id)
            ok, reason = self.runtime.availability(spec)
            (ready if ok else unready).append((spec.label if ok else f"{spec.label} — {reason}", model_id))
        return [("(no model)", NO_MODEL)] + ready + unready

    # ---------------------------------------------------------------- handlers
    def parse_form(self, form: dict[str, Any]) -> tuple[ChatRequest, list[PaneRequest], bool]:
        prompt = (form["prompt"] or "").strip()
        if not prompt:
            raise gr.Error("The prompt is empty: type what to ask the models.")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise gr.Error(f"The prompt is {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}.")
        image = None
        if form["image"]:
            try:
                image = image_from_path(form["image"])
            except ImageError as exc:
                raise gr.Error(str(exc)) from None
        try:
            base = GenerationSettings(
                temperature=form["temperature"], top_p=form["top_p"], top_k=int(form["top_k"]),
                max_tokens=int(form["max_tokens"]),
                seed=None if form["seed"] in (None, "", -1) else int(form["seed"]),
                thinking=bool(form["thinking"]),
            )
        except (ValidationError, TypeError, ValueError) as exc:
            raise gr.Error(f"Bad parameter: {exc}") from None
        panes = []
        for i in range(MAX_PANES):
            model = form[f"model_{i}"]
            if not model:
                continue
            overrides: dict[str, Any] = {}
            if form[f"thinking_{i}"] in ("on", "off"):
                overrides["thinking"] = form[f"thinking_{i}"] == "on"
            if form[f"temperature_{i}"] not in (None, ""):
                overrides["temperature"] = form[f"temperature_{i}"]
            try:
                settings = GenerationSettings(**(base.model_dump() | overrides))
            except ValidationError as exc:
                raise gr.Error(f"Pane {i + 1}: {exc.errors()[0]['msg']}") from None
            panes.append(PaneRequest(model, settings))
        if not panes:
            raise gr.Error("No model picked: choose at least one model for a pane.")
        system = (form["system"] or "").strip() or None
        return ChatRequest(prompt=prompt, system=system, image=image), panes, bool(form["bypass_cache"])

    def run(self, form: dict[str, Any], session: str) -> Iterator[list[Any]]:
        request, panes, bypass = self.parse_form(form)
        comparison = Comparison(self.runtime, request, panes, use_cache=not bypass)
        with self._active_lock:
            previous = self.active.get(session)
            if previous is not None:
                previous.stop()
            self.active[session] = comparison
        shown: dict[int, int] = {}
        drawings: dict[int, list[Drawing]] = {}
        first = True
        try:
            comparison.start()
            for states in comparison.snapshots(SNAPSHOT_INTERVAL_S):
                yield self._outputs(states, shown, drawings, first, comparison.done)
                first = False
        finally:
            comparison.stop()  # the browser went away or the run ended: free the cores
            with self._active_lock:
                if self.active.get(session) is comparison:
                    del self.active[session]

    def _outputs(self, states: list[PaneState], shown: dict[int, int],
                 drawings: dict[int, list[Drawing]], first: bool, done: bool) -> list[Any]:
        panes: list[Any] = []
        changed_drawings = False
        for slot in range(MAX_PANES):
            if slot >= len(states):
                panes.append(gr.update(value="", visible=False) if first else gr.skip())
                continue
            state = states[slot]
            if not first and shown.get(slot) == state.version:
                panes.append(gr.skip())
                continue
            shown[slot] = state.version
            if state.finished and slot not in drawings:
                drawings[slot] = drawings_for(state.text, state.finish_reason, with_png=True)
                changed_drawings = True
            html = render_pane(state, drawings.get(slot))
            panes.append(gr.update(value=html, visible=True) if first else html)
        gallery = render_gallery(states, drawings) if (changed_drawings or first) else gr.skip()
        finished = sum(1 for s in states if s.finished)
        status = f"{finished} of {len(states)} panes finished" if not done else "all panes finished"
        return panes + [gallery, status]

    def stop(self, session: str) -> str:
        with self._active_lock:
            comparison = self.active.get(session)
        if comparison is None:
            return "nothing is running"
        comparison.stop()
        return "stopping…"

    # ---------------------------------------------------------------- layout
    def build(self) -> gr.Blocks:
        choices = self.model_choices()
        defaults = self.config_defaults()
        with gr.Blocks(title="Gemma playground") as demo:
            gr.Markdown("## Gemma playground · one prompt, several models, side by side",
                        elem_id="gp-title")
            with gr.Row():
                with gr.Column(scale=3):
                    prompt = gr.Textbox(label="Prompt", lines=4, elem_id="gp-prompt",
                                        placeholder="Generate an SVG of a pelican riding a bicycle   (Ctrl+Enter runs, Esc stops)")
                    with gr.Row():
                        run = gr.Button("Run", variant="primary", elem_id="gp-run")
                        stop = gr.Button("Stop", variant="stop", elem_id="gp-stop")
                    status = gr.Markdown("", elem_id="gp-run-status")
                    with gr.Accordion("System prompt and image", open=False):
                        system = gr.Textbox(label="System prompt", lines=2, elem_id="gp-system")
                        image = gr.Image(label="Image (sent to every model that can see)", type="filepath",
                                         elem_id="gp-image", height=200)
                with gr.Column(scale=2):
                    with gr.Accordion("Parameters (all panes)", open=False):
                        temperature = gr.Slider(0, 2, value=defaults.temperature, step=0.05, label="Temperature")
                        top_p = gr.Slider(0.01, 1, value=defaults.top_p, step=0.01, label="Top-p")
                        top_k = gr.Slider(0, 200, value=defaults.top_k, step=1, label="Top-k (0 = off)")
                        max_tokens = gr.Slider(16, 8192, value=defaults.max_tokens, step=16, label="Max tokens")
                        seed = gr.Number(value=defaults.seed, label="Seed (empty = random)", precision=0)
                        thinking = gr.Checkbox(value=defaults.thinking, label="Thinking")
                        bypass = gr.Checkbox(value=False, label="Bypass cache for this run")
            pane_controls: list[tuple[Any, Any, Any]] = []
            with gr.Accordion("Panes: models and per-pane settings", open=True):
                for row_start in (0, 3):
                    with gr.Row():
                        for i in range(row_start, row_start + 3):
                            with gr.Column(min_width=200):
                                default = self.default_models[i] if i < len(self.default_models) else NO_MODEL
                                model = gr.Dropdown(choices, value=default, label=f"Pane {i + 1} model",
                                                    elem_id=f"gp-model-{i}")
                                with gr.Row():
                                    pane_thinking = gr.Dropdown(THINKING_CHOICES, value="default", label="Thinking",
                                                                min_width=80, elem_id=f"gp-thinking-{i}")
                                    pane_temp = gr.Number(value=None, label="Temperature", minimum=0, maximum=2,
                                                          min_width=80, elem_id=f"gp-temp-{i}")
                                pane_controls.append((model, pane_thinking, pane_temp))
            with gr.Row(elem_id="gp-panes", equal_height=False):
                pane_html = [gr.HTML("", elem_id=f"gp-pane-{i}", elem_classes=["gp-pane-slot"],
                                     visible=False, js_on_load=None) for i in range(MAX_PANES)]
            gallery = gr.HTML("", elem_id="gp-gallery", js_on_load=None)

            named = {"prompt": prompt, "system": system, "image": image, "temperature": temperature,
                     "top_p": top_p, "top_k": top_k, "max_tokens": max_tokens, "seed": seed,
                     "thinking": thinking, "bypass_cache": bypass}
            for i, (model, pane_thinking, pane_temp) in enumerate(pane_controls):
                named |= {f"model_{i}": model, f"thinking_{i}": pane_thinking, f"temperature_{i}": pane_temp}
            names = list(named)

            def on_run(request: gr.Request, *values: Any):
                yield from self.run(dict(zip(names, values)), request.session_hash or "anonymous")

            def on_stop(request: gr.Request):
                return self.stop(request.session_hash or "anonymous")

            outputs = pane_html + [gallery, status]
            run_kwargs = dict(fn=on_run, inputs=list(named.values()), outputs=outputs,
                              show_progress="hidden", concurrency_limit=16, concurrency_id="run")
            run.click(api_name="run", **run_kwargs)
            prompt.submit(api_visibility="private", **run_kwargs)
            stop.click(on_stop, inputs=None, outputs=[status], api_name="stop", queue=False)
        return demo

    def config_defaults(self) -> GenerationSettings:
        return self.runtime.config.defaults


def launch(app: PlaygroundApp, host: str = "127.0.0.1", port: int | None = 7860,
           share: bool = False, auth: tuple[str, str] | None = None,
           open_browser: bool = False, block: bool = True):
    demo = app.build()
    demo.queue(max_size=64, default_concurrency_limit=16)
    result = demo.launch(server_name=host, server_port=port, share=share, auth=auth,
                         inbrowser=open_browser, prevent_thread_lock=not block, quiet=not block,
                         css=static_text("playground.css"), head=f"<script>{static_text('playground.js')}</script>",
                         footer_links=["api"], show_error=True)
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
    app = PlaygroundApp(runtime)
    demo, _ = launch(app, args.host, args.port, share=args.share, auth=auth,
                     open_browser=not args.no_browser, block=False)
    if args.share and not getattr(demo, "share_url", None):
        print("could not open the public share link (offline, or the tunnel was refused); "
              f"still serving locally at {demo.local_url}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


def local_url(demo) -> str:
    return getattr(demo, "local_url", "")


__all__ = ["PlaygroundApp", "launch", "serve", "MAX_PANES", "Path"]
