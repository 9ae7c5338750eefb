"""The Gradio app: one PlaygroundApp per launch holds every service the page uses (the runtime,
the browser sessions, the rate limit, the login throttle, the export folder) and builds the page
from its tabs; launch() puts it on a server with the page's CSS and scripts.

The Compare tab: layout in compare_tab.py, events in compare_events.py; the other tabs in their
*_tab.py. Pane state → HTML lives in render.py, session handlers in session.py, the run in
runner.py, the `serve` command's process in serve.py. No module globals: all state hangs off a
PlaygroundApp; a browser session is found by its session hash so Stop, re-roll and History reach
the right panes.
"""
# No `from __future__ import annotations` here: Gradio finds gr.Request parameters by their
# evaluated annotation.

import atexit
import contextlib
import json
import os
from importlib.resources import files
from typing import Any

import gradio as gr

from playground.runtime import Runtime
from playground.settings_table import table_json
from playground.status import PaneStatus
from playground.ui.compare_events import wire_compare
from playground.ui.compare_tab import NO_MODEL, build_compare_tab
from playground.ui.errors import quiet_every_event
from playground.ui.export_dir import make_export_dir, remove_export_dir
from playground.ui.form import MAX_PANES, Form
from playground.ui.guard import AccessGuard
from playground.ui.history_tab import build_history_tab
from playground.ui.leaderboard_tab import build_leaderboard_tab
from playground.ui.limits import LoginThrottle, RateLimited, RateLimiter, trusted_address
from playground.ui.models_tab import build_models_tab
from playground.ui.page import ACTION_TOOLTIPS, session_outputs
from playground.ui.session import Sessions
from playground.ui.suite_tab import build_suite_tab
from playground.ui.upload_gate import UploadGate
from playground.ui.url_state import MAX_URL_CHARS, url_fields

LOGIN_NOTE = ("After 5 wrong logins within a minute, logins from your address pause for up to a minute "
              "(the form then says the credentials are incorrect).")
# The page's scripts, run in this order as one <script> in <head>: playground.js makes window.gp,
# which the others extend (url_state.js before layout.js, whose duplicated() uses it).
PAGE_SCRIPTS = ("playground.js", "url_state.js", "layout.js", "diff_sync.js", "panes.js")
PAGE_STYLES = ("playground.css", "panes.css")


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
    """The browser session's hash; a call without one (a direct REST call) gets a session of its
    own, never one shared with other such calls (session.DIRECT_PREFIX)."""
    from playground.ui.session import direct_session

    found = request.session_hash if request is not None else None
    if found:
        return found
    if request is None:
        return direct_session()
    if not getattr(request, "_gp_direct", None):  # the same id for every look-up in one call
        request._gp_direct = direct_session()
    return request._gp_direct


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
        # uploads checked before Gradio stores them; serve sets bytes per hour on a shared link
        self.upload_gate = UploadGate(int(runtime.config.max_image_mb * 1024 * 1024))
        self.export_dir = make_export_dir()
        atexit.register(remove_export_dir, self.export_dir)

    def close(self) -> None:
        remove_export_dir(self.export_dir)

    def check_rate(self, request: gr.Request) -> None:
        address = client_address(request)
        try:
            self.limiter.check(address)
        except RateLimited as exc:
            raise gr.Error(str(exc)) from None
        self.sessions.client_seen(session_id(request), address)  # its hourly token budget

    # ---------------------------------------------------------------- model picker
    def model_choices(self) -> list[tuple[str, str]]:
        ready, unready = [], []
        served = self.runtime.served_models()  # each source's server's own list (OpenAI: /v1/models)
        for spec, ok, reason in self.runtime.model_statuses(served):
            (ready if ok else unready).append((spec.label if ok else f"{spec.label} — {reason}", spec.id))
        return [("(no model)", NO_MODEL)] + ready + unready

    # ---------------------------------------------------------------- form → request
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
            "settings": table_json(),  # the settings table: names, link keys, ids, bounds
            "tooltips": ACTION_TOOLTIPS,
            "initial": {k: v for k, v in getattr(self, "initial_form", {}).items() if k != "image"},
        }
        # `</` cannot end the script element early: JSON allows `<\/`.
        return json.dumps(config, ensure_ascii=True).replace("</", "<\\/")

    # ---------------------------------------------------------------- the page
    def build(self) -> gr.Blocks:
        choices = self.model_choices()
        # Uploads older than a day are removed hourly (and all of them when the server stops);
        # a refused one at once (forget_upload).
        with gr.Blocks(title="Gemma playground", delete_cache=(3600, 86400)) as demo:
            with gr.Tabs(elem_id="gp-tabs") as tabs:
                compare = build_compare_tab(choices, self.runtime.config.defaults, self.default_models,
                                            self.temperature_hint)
            form = Form(compare.fields)
            initial = form.initial_values()
            outputs = session_outputs(columns=compare.columns, htmls=compare.htmls, gallery=compare.gallery,
                                      chart=compare.chart, judge=compare.judge.outputs, status=compare.status)
            compare.judge.wire(self, session_id, outputs)
            self.known_models = [value for _, value in choices if value != NO_MODEL]
            wire_compare(self, session_id, demo, compare, form, outputs, initial=initial,
                         known_models=self.known_models, vision_models=self.vision_models(choices))
            with tabs:
                build_history_tab(self, session_id, outputs, form, tabs, blind=compare.fields["blind"])
                build_suite_tab(self, session_id, client_address, outputs, form, tabs)
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
    # api_open=False: a direct POST to /gradio_api/run/… may not skip the queue (its bound and
    # concurrency limits); it is refused with Gradio's sentence pointing at the queue.
    demo.queue(max_size=64, default_concurrency_limit=16, api_open=False)
    max_upload = int(app.runtime.config.max_image_mb * 1024 * 1024)  # the only uploads are images
    scripts = "\n".join(static_text(name) for name in PAGE_SCRIPTS)
    with peer_addresses_kept():
        result = demo.launch(server_name=host, server_port=port, share=share, auth=auth,
                             inbrowser=open_browser, prevent_thread_lock=not block, quiet=not block,
                             css="\n".join(static_text(name) for name in PAGE_STYLES),
                             head=demo.gp_head + f"<script>{scripts}</script>",
                             footer_links=["api"], show_error=True, max_file_size=max_upload,
                             auth_message=LOGIN_NOTE if auth else None,
                             app_kwargs={"middleware": [Middleware(AccessGuard, throttle=app.login_throttle,
                                                                   uploads=app.upload_gate)]})
    return demo, result
