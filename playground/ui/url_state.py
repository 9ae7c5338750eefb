"""The page URL as a shareable comparison: `?q=<prompt>&m=<model>&m=<model>[&blind=1][&run=1]`.

In a blind comparison the `m`s list the SET of models in the order they were picked; which pane
shows which model is decided per comparison on the server (session.py) and is never in the URL.

The browser keeps the URL in step with the form (static/playground.js, history.replaceState);
this module does the other direction: a page opened with such a URL gets its prompt and pane
models filled in on the server (`demo.load` reading `gr.Request.query_params`, which is the
reliable way to set Gradio dropdowns), and runs only when the URL says `run=1`.

Everything read from the URL is untrusted: model ids must be among the dropdown's choices,
unknown ones are reported in a visible note (escaped, shortened), never passed on.
"""

# No `from __future__ import annotations`: Gradio finds gr.Request parameters by their
# evaluated annotation.

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import gradio as gr

MAX_URL_MODELS = 6
MAX_URL_PROMPT_CHARS = 4000  # the JS side leaves longer prompts out of the URL (keep in step)
TRUE_VALUES = {"1", "true", "yes", "on"}


@dataclass
class UrlState:
    prompt: str | None = None  # None: the URL does not set the prompt
    models: list[str] | None = None  # None: the URL does not set the models
    run: bool = False
    blind: bool | None = None  # None: the URL does not say
    problems: list[str] = field(default_factory=list)

    @property
    def should_run(self) -> bool:
        """Run on open only when asked and nothing in the URL had to be dropped."""
        return self.run and not self.problems


def _shown(value: str, limit: int = 60) -> str:
    """A URL value safe inside a markdown code span (shown literally there, markup included)."""
    value = " ".join(value.replace("`", "'").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def parse_query(params: Mapping[str, str] | Any, known_models: Iterable[str]) -> UrlState:
    """Read q / m / run from query params (a dict, or Starlette's multi-dict with getlist)."""
    getlist: Callable[[str], list[str]] = (params.getlist if hasattr(params, "getlist")
                                           else lambda key: [params[key]] if key in params else [])
    known = set(known_models)
    state = UrlState()
    prompts = getlist("q")
    if prompts:
        state.prompt = prompts[-1]
        if len(state.prompt) > 100_000:
            state.problems.append("the prompt in the link is too long and was cut")
            state.prompt = state.prompt[:100_000]
    requested = [m.strip() for m in getlist("m") if m.strip()]
    if requested:
        if len(requested) > MAX_URL_MODELS:
            state.problems.append(f"the link names {len(requested)} models; only the first "
                                  f"{MAX_URL_MODELS} fit in the panes")
            requested = requested[:MAX_URL_MODELS]
        unknown = [m for m in requested if m not in known]
        if unknown:
            names = ", ".join(f"`{_shown(m)}`" for m in unknown)
            state.problems.append(f"unknown model{'s' if len(unknown) > 1 else ''} in the link: {names} "
                                  "(not in this playground's model list)")
        chosen = [m for m in requested if m in known]
        state.models = chosen or None  # nothing usable: keep the page's default models
    state.run = (getlist("run") or ["0"])[-1].strip().lower() in TRUE_VALUES
    blind = getlist("blind")
    if blind:
        state.blind = blind[-1].strip().lower() in TRUE_VALUES
    return state


def note_for(state: UrlState) -> str:
    if not state.problems:
        return ""
    lines = [f"⚠️ {problem}" for problem in state.problems]
    if state.run:
        lines.append("The link asked to run at once; check the form and press Run.")
    return "  \n".join(lines)


def wire_url_state(demo: gr.Blocks, *, prompt: gr.Textbox, models: Sequence[gr.Dropdown],
                   note: gr.Markdown, known_models: Sequence[str], no_model: str,
                   run_inputs: list[Any], run_outputs: list[Any], on_run: Callable,
                   blind: gr.Checkbox | None = None) -> None:
    """Fill the form from the URL on page load, run if asked; keep the URL in step (client side).
    `blind` is the blind-mode toggle (`&blind=1`)."""
    run_flag = gr.State(False)
    extra = [blind] if blind is not None else []

    def on_load(request: gr.Request):
        state = parse_query(request.query_params, known_models)
        prompt_update = state.prompt if state.prompt is not None else gr.skip()
        if state.models is None:
            model_updates = [gr.skip()] * len(models)
        else:
            model_updates = [state.models[i] if i < len(state.models) else no_model for i in range(len(models))]
        blind_update = [state.blind if state.blind is not None else gr.skip()] if extra else []
        return [prompt_update, *model_updates, note_for(state), state.should_run, *blind_update]

    def run_if_asked(request: gr.Request, flag: bool, *values: Any):
        if not flag:
            return
        yield from on_run(request, *values)

    demo.load(on_load, inputs=None, outputs=[prompt, *models, note, run_flag, *extra],
              api_visibility="private", queue=False).then(
        run_if_asked, inputs=[run_flag, *run_inputs], outputs=run_outputs, show_progress="hidden",
        api_visibility="private", concurrency_limit=16, concurrency_id="run")

    # Browser side: every edit rewrites the URL (no server round trip, no history entries).
    # With the blind toggle, it is the last value.
    url_js = ("(...values) => { if (window.gp) { window.gp.updateUrl(values[0], values.slice(1, "
              f"{1 + len(models)}), {'!!values[values.length - 1]' if extra else 'false'}); }} }}")
    for component in (prompt, *models, *extra):
        component.change(None, inputs=[prompt, *models, *extra], outputs=None, js=url_js,
                         api_visibility="private", queue=False)
