"""The page URL is the comparison: prompt, system prompt, every pane's model and settings, the
shared parameters, samples and blind, e.g.

    ?q=<prompt>&sys=<system>&t=0.3&mt=256&th=0&n=3&m=<model>&m=<model>&t2=1.0&seed2=7[&blind=1][&run=1]

Per-pane keys carry the number of the pane among the `m`s (t2 = the second model's temperature).
In a blind comparison the `m`s list the SET of models in the order they were picked; which pane
shows which model is decided per comparison on the server (session.py) and is never in the URL.
An image cannot travel in a link: a link made with one says `img=1`, and opening it says so.

The browser keeps the URL in step with the form (static/url_state.js reads the fields named by
`url_fields()`, rendered into the page by app.py, and writes history.replaceState); this module
does the other direction: a page opened with such a URL gets every field filled in on the server
(`demo.load` reading `gr.Request.query_params`, the reliable way to set Gradio dropdowns), and
runs only when the URL says `run=1` and nothing had to be dropped.

Everything read from the URL is untrusted: model ids must be among the dropdown's choices,
unknown ones are reported in a visible note (escaped, shortened), never passed on; numbers and
short fields are cut to a few characters (the Run checks them like anything typed).
"""

# No `from __future__ import annotations`: Gradio finds gr.Request parameters by their
# evaluated annotation.

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import gradio as gr

from playground.door import web_model_allowed
from playground.settings_table import PER_PANE, SETTINGS
from playground.ui.form import MAX_PANES, pane_field

MAX_URL_MODELS = MAX_PANES
MAX_URL_CHARS = 4000  # a longer link is cut by some browsers and chat apps: the prompt stays out
MAX_URL_PROMPT_CHARS = MAX_URL_CHARS  # kept for older imports
TRUE_VALUES = {"1", "true", "yes", "on"}
SHORT_VALUE_CHARS = 24

# field name → (URL key, kind). Kinds: text (prompt, system), num (a text box holding a number),
# slider, check, choice (thinking per pane). Per-pane keys get the pane's number appended.
# The settings come from the settings table (playground/settings_table.py): its URL keys and
# element ids; only the prompt, the system prompt, blind and the models are not settings.
_URL_KIND = {"number": "num", "slider": "slider", "check": "check"}
SHARED_KEYS = {"prompt": ("q", "text"), "system": ("sys", "text"),
               **{row.name: (row.url_key, _URL_KIND[row.widget]) for row in SETTINGS},
               "blind": ("blind", "check")}
PANE_KEYS = {row.name: (row.url_key, "choice" if row.widget == "check" else "num") for row in PER_PANE}
ELEM_IDS = {"prompt": "gp-prompt", "system": "gp-system", **{row.name: row.elem for row in SETTINGS},
            "blind": "gp-blind"}
PANE_ELEM_IDS = {"model": "gp-model-{}", **{row.name: row.pane_elem for row in PER_PANE}}


def link_fields() -> list[str]:
    """The fields the link follows, in the order the page script receives their values."""
    from playground.ui.form import RESTORED_FIELDS

    return [*RESTORED_FIELDS, "blind", "image"]


def url_fields() -> dict[str, Any]:
    """What the page's JavaScript needs to write the link: the order of the values it receives
    (link_fields), and each field's URL key and kind (plus element ids, for the layout)."""
    # omit: the value at which the link leaves a field out (samples 1: every link would say n=1)
    omit = {row.name: row.default for row in SETTINGS if not row.generation}
    return {"order": link_fields(),
            "shared": [{"name": n, "key": k, "kind": kind, "elem": ELEM_IDS[n],
                        **({"omit": str(omit[n])} if n in omit else {})} for n, (k, kind) in SHARED_KEYS.items()],
            "pane": [{"name": n, "key": k, "kind": kind, "elem": PANE_ELEM_IDS[n]} for n, (k, kind) in PANE_KEYS.items()],
            "model": {"key": "m", "elem": PANE_ELEM_IDS["model"]},
            "image": {"key": "img", "elem": "gp-image"}}


@dataclass
class UrlState:
    prompt: str | None = None  # None: the URL does not set the prompt
    models: list[str] | None = None  # None: the URL does not set the models
    run: bool = False
    blind: bool | None = None  # None: the URL does not say
    image: bool = False  # the link was made with an image, which it cannot carry
    shared: dict[str, Any] = field(default_factory=dict)  # field name → value, as the link gives it
    panes: dict[int, dict[str, Any]] = field(default_factory=dict)  # slot → field name → value
    problems: list[str] = field(default_factory=list)

    @property
    def should_run(self) -> bool:
        """Run on open only when asked and nothing in the URL had to be dropped."""
        return self.run and not self.problems

    def form_values(self, defaults: Any = None) -> dict[str, Any]:
        """Field name → value for every field the link sets (the rest is left as it is)."""
        values: dict[str, Any] = dict(self.shared)
        if self.prompt is not None:
            values["prompt"] = self.prompt
        if self.models is not None:
            for slot in range(MAX_PANES):
                values[pane_field("model", slot)] = self.models[slot] if slot < len(self.models) else ""
        for slot, fields in self.panes.items():
            for name, value in fields.items():
                values[pane_field(name, slot)] = value
        from playground.ui.form import fit_controls

        return fit_controls(values, range(len(self.models)) if self.models is not None else None)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _shown(value: str, limit: int = 60) -> str:
    """A URL value safe inside a markdown code span (shown literally there, markup included)."""
    value = " ".join(value.replace("`", "'").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _value(kind: str, raw: str) -> Any:
    raw = raw.strip()[:SHORT_VALUE_CHARS]
    if kind == "check":
        return raw.lower() in TRUE_VALUES
    if kind == "slider":
        try:
            return float(raw) if "." in raw else int(raw)
        except ValueError:
            return None
    if kind == "choice":
        return raw if raw in ("on", "off", "default") else None
    return raw  # a number in a text box: the Run checks it like anything typed


def parse_query(params: Mapping[str, str] | Any, known_models: Iterable[str]) -> UrlState:
    """Read the link's keys from query params (a dict, or Starlette's multi-dict with getlist)."""
    raw_getlist: Callable[[str], list[str]] = (params.getlist if hasattr(params, "getlist")
                                               else lambda key: [params[key]] if key in params else [])
    known = set(known_models)
    state = UrlState()

    def getlist(key: str) -> list[str]:
        # A lone surrogate (a JSON-escaped page URL can carry one) cannot be sent back to the
        # page: it would end the session's event stream. Replaced, and said once per key.
        values = [str(v) for v in raw_getlist(key)]
        clean = [_LONE_SURROGATE.sub("\ufffd", v) for v in values]
        if clean != values and f"lone surrogate in {key}" not in " ".join(state.problems):
            state.problems.append(f"the link's `{key}` is not valid text (a lone surrogate in {key}); "
                                  "the character was replaced by \ufffd")
        return clean
    prompts = getlist("q")
    if prompts:
        state.prompt = prompts[-1]
        if len(state.prompt) > 100_000:
            state.problems.append("the prompt in the link is too long and was cut")
            state.prompt = state.prompt[:100_000]
    for name, (key, kind) in SHARED_KEYS.items():
        found = getlist(key)
        if not found or name in ("prompt", "blind"):
            continue
        if name == "system":
            state.shared[name] = found[-1][:100_000]
            continue
        value = _value(kind, found[-1])
        if value is not None:
            state.shared[name] = value
    requested = [m.strip() for m in getlist("m") if m.strip()]
    if requested:
        if len(requested) > MAX_URL_MODELS:
            state.problems.append(f"the link names {len(requested)} models; only the first "
                                  f"{MAX_URL_MODELS} fit in the panes")
            requested = requested[:MAX_URL_MODELS]
        unknown = [m for m in requested if not web_model_allowed(m, known)]  # the door's rule
        if unknown:
            names = ", ".join(f"`{_shown(m)}`" for m in unknown)
            state.problems.append(f"unknown model{'s' if len(unknown) > 1 else ''} in the link: {names} "
                                  "(not in this playground's model list)")
        # Per-pane keys follow the model they were written for; an unknown model's are dropped.
        slot = 0
        chosen = []
        for number, model in enumerate(requested, start=1):
            if not web_model_allowed(model, known):
                continue
            chosen.append(model)
            fields = {}
            for name, (key, kind) in PANE_KEYS.items():
                found = getlist(f"{key}{number}")
                value = _value(kind, found[-1]) if found else None
                if value is not None:
                    fields[name] = value
            if fields:
                state.panes[slot] = fields
            slot += 1
        state.models = chosen or None  # nothing usable: keep the page's default models
    state.run = (getlist("run") or ["0"])[-1].strip().lower() in TRUE_VALUES
    blind = getlist("blind")
    if blind:
        state.blind = blind[-1].strip().lower() in TRUE_VALUES
    if (getlist("img") or ["0"])[-1].strip().lower() in TRUE_VALUES:
        state.image = True
        state.problems.append("this link was made with an image, and a link cannot carry one: add the image "
                              "under *System prompt and image*, then press Run")
    return state


def note_for(state: UrlState) -> str:
    if not state.problems:
        return ""
    lines = [f"⚠️ {problem}" for problem in state.problems]
    if state.run:
        lines.append("The link asked to run at once; check the form and press Run.")
    return "  \n".join(lines)


def wire_url_state(demo: gr.Blocks, *, form: Any, note: gr.Markdown, known_models: list[str], no_model: str,
                   run_outputs: list[Any], on_run: Callable, defaults: Any = None,
                   restore_values: Callable[[UrlState], dict[str, Any]] | None = None) -> None:
    """Fill the form from the URL on page load, run if asked; keep the URL in step (client side)."""
    from playground.ui.form import RESTORED_FIELDS, RUN_FIELDS

    run_flag = gr.State(False)
    filled = [*RESTORED_FIELDS, "blind"]

    def on_load(request: gr.Request):
        state = parse_query(request.query_params, known_models)
        values = restore_values(state) if restore_values is not None else state.form_values(defaults)
        if state.blind is not None:
            values["blind"] = state.blind
        updates = [values[name] if name in values else gr.skip() for name in filled]
        return [*updates, note_for(state), state.should_run]

    def run_if_asked(request: gr.Request, flag: bool, *values: Any):
        if not flag:
            return
        yield from on_run(request, *values)

    demo.load(on_load, inputs=None, outputs=[*form.inputs(filled), note, run_flag],
              api_visibility="private", queue=False).then(
        run_if_asked, inputs=[run_flag, *form.inputs(RUN_FIELDS)], outputs=run_outputs, show_progress="hidden",
        api_visibility="private", concurrency_limit=16, concurrency_id="run")

    # Browser side: every field's change hands its value to the page script (one input per
    # event, so it stays cheap while typing), which keeps the whole form (for the link, rewritten
    # with history.replaceState, and for Run) without a server round trip.
    import json

    for name in RUN_FIELDS:
        js = f"(value) => {{ if (window.gp) {{ window.gp.fieldChanged({json.dumps(name)}, value); }} }}"
        form[name].change(None, inputs=[form[name]], outputs=None, js=js, api_visibility="private", queue=False)
