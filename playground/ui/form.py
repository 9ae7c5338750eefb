"""The Compare form by name: its fields, the order of the /run endpoint's inputs, the form →
request (through the shared request builder and the runtime's per-model settings), and the
other direction: a comparison (History, a link) → the values every field must show so that Run
means that comparison again (and replays from the cache).

No slot counting anywhere else: the page, the link, Restore and the tests use these names.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import gradio as gr

from playground.adapters.base import ChatRequest
from playground.door import MAX_PANES, Parsed, RequestError, pane_field, web_door  # noqa: F401  (re-exported)
from playground.settings_table import BY_NAME, MODEL_DEFAULT_NAMES, PER_PANE, SETTINGS

# Every field is a row of the settings table (playground/settings_table.py) or one of the few
# that are not settings (prompt, system, image, bypass_cache, blind, each pane's model).
# /run's positional order: the shared fields, then each pane's, then blind; a row added later
# (positional_tail) after all of them, so scripts that send the older fields keep working.
_HEAD = tuple(s.name for s in SETTINGS if not s.positional_tail)
_TAIL = tuple(s.name for s in SETTINGS if s.positional_tail)
CORE_FIELDS = ("prompt", "system", "image", *_HEAD, "bypass_cache")
PANE_FIELDS = ("model", *(s.name for s in PER_PANE))
SAMPLING = MODEL_DEFAULT_NAMES  # empty = the model's own default
THINKING_CHOICES = [("default", "default"), ("on", "on"), ("off", "off")]

RUN_FIELDS: tuple[str, ...] = (
    CORE_FIELDS
    + tuple(pane_field(name, slot) for slot in range(MAX_PANES) for name in PANE_FIELDS if name not in _TAIL)
    + ("blind",)
    + _TAIL
    + tuple(pane_field(name, slot) for name in _TAIL for slot in range(MAX_PANES) if BY_NAME[name].pane_elem))
# /run's positional inputs, frozen as they were before the settings table: every field up to blind.
RUN_API_FIELDS: tuple[str, ...] = RUN_FIELDS[:RUN_FIELDS.index("blind") + 1]
# What a link or Restore sets (an image cannot travel; bypass is per run).
RESTORED_FIELDS: tuple[str, ...] = tuple(n for n in RUN_FIELDS if n not in ("image", "bypass_cache", "blind"))


def parse_form(runtime: Any, form: Mapping[str, Any], max_prompt_chars: int,
               read_image: Any = None, allowed_models: Iterable[str] | None = None) -> Parsed:
    """Form values by name → the request and its panes, through the one door (playground/door.py)
    as a web request: models only from `allowed_models` (the picker's list; by default every
    catalog entry), numbers within the table's bounds and the page's controls, text checked once.
    A refused field is a gr.Error naming it."""
    door = web_door(runtime, allowed_models, max_prompt_chars)
    try:
        parsed = door.parse(form)
    except RequestError as exc:
        raise gr.Error(str(exc)) from None
    if form.get("image") and read_image is not None:
        request = parsed.request
        parsed.request = ChatRequest(prompt=request.prompt, system=request.system, image=read_image(form["image"]))
    return parsed


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(value)  # 1.0 stays "1.0": the same number either way
    return str(value)


def fit_controls(values: dict[str, Any], slots: Iterable[int] | None = None) -> dict[str, Any]:
    """`values` with a shared setting below its slider's low end (max tokens 8 under a slider that
    starts at 16) moved to each pane's own field, which takes every value in the table's bounds:
    Gradio refuses a slider value under its minimum, so a link with mt=8 and run=1 (or a restored
    8-token comparison run again from its link) was refused before anything ran. `slots`: the
    panes to give it (default: every pane); a pane's own value already set is kept."""
    for row in SETTINGS:
        low, value = row.control_minimum, values.get(row.name)
        if low is None or not row.pane_elem or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if value < low:
            del values[row.name]
            for slot in (range(MAX_PANES) if slots is None else slots):
                if values.get(pane_field(row.name, slot)) in (None, ""):
                    values[pane_field(row.name, slot)] = _text(value)
    return values


def form_values(runtime: Any, *, prompt: str, system: str | None, panes: Iterable[tuple[str, Mapping[str, Any], int]],
                defaults: Any) -> dict[str, Any]:
    """The value of every field in RESTORED_FIELDS that makes Run mean this comparison again:
    a setting every pane shares goes to Parameters, one that differs to the panes' own fields,
    and a sampling value equal to the pane's model default stays empty ("model default").
    `panes` are (model, settings dict, samples)."""
    panes = list(panes)[:MAX_PANES]
    values: dict[str, Any] = {"prompt": prompt, "system": system or ""}
    per_pane: list[dict[str, Any]] = []
    for model, settings, _ in panes:
        own = dict(settings)
        try:
            model_defaults = runtime.sampling_defaults(model).values()
        except Exception:  # noqa: BLE001 - an unknown model keeps every value explicit
            model_defaults = {}
        for name in SAMPLING:
            if name in own and model_defaults.get(name) == own[name]:
                own[name] = None  # the model's default: shown empty, resolved the same way on Run
        per_pane.append(own)

    def shared_value(name: str) -> tuple[bool, Any]:
        seen = {repr(p.get(name)) for p in per_pane}
        return (len(seen) == 1, per_pane[0].get(name)) if per_pane else (True, None)

    for name in (row.name for row in SETTINGS if row.generation):
        same, value = shared_value(name)
        if name == "thinking":
            values["thinking"] = bool(value) if same else bool(defaults.thinking)
        elif name == "max_tokens":
            values["max_tokens"] = value if same and value is not None else defaults.max_tokens
        else:
            values[name] = _text(value) if same else ""
        for slot in range(MAX_PANES):
            field = pane_field(name, slot)
            if slot >= len(per_pane) or same:
                values[field] = "default" if name == "thinking" else ""
            elif name == "thinking":
                values[field] = "on" if per_pane[slot].get(name) else "off"
            else:
                values[field] = _text(per_pane[slot].get(name))
    counts = [k for _, _, k in panes]
    common = counts[0] if counts and len(set(counts)) == 1 else 1
    values["samples"] = common
    for slot in range(MAX_PANES):
        values[pane_field("model", slot)] = panes[slot][0] if slot < len(panes) else ""
        values[pane_field("samples", slot)] = str(counts[slot]) if slot < len(panes) and counts[slot] != common else ""
    fit_controls(values, range(len(panes)))
    for row in SETTINGS:  # a value moved to the panes: the slider shows the app default
        if row.control_minimum is not None and row.name not in values:
            values[row.name] = getattr(defaults, row.name)
    return values


class Form:
    """The form's components by field name; /run takes them in RUN_FIELDS order."""

    def __init__(self, components: Mapping[str, Any]):
        missing = set(RUN_FIELDS) - set(components)
        if missing:
            raise ValueError(f"the form lacks {sorted(missing)}")
        self.components = dict(components)

    def __getitem__(self, name: str) -> Any:
        return self.components[name]

    def inputs(self, names: Iterable[str] = RUN_FIELDS) -> list[Any]:
        return [self.components[name] for name in names]

    @staticmethod
    def values(values: Iterable[Any], names: Iterable[str] = RUN_FIELDS) -> dict[str, Any]:
        return dict(zip(names, values))

    def initial_values(self) -> dict[str, Any]:
        """Every field's value as the page starts (the components' own values)."""
        return {name: getattr(self.components[name], "value", None) for name in RUN_FIELDS}

    @staticmethod
    def from_json(text: Any, initial: Mapping[str, Any]) -> dict[str, Any]:
        """The page's form as JSON ({field: value}) over the initial values. Unknown names and
        anything that is not a JSON object are ignored; parse_form checks every value."""
        import json

        values = dict(initial)
        try:
            sent = json.loads(text) if isinstance(text, str) and text else {}
        except ValueError:
            sent = {}
        if isinstance(sent, dict):
            values.update({k: v for k, v in sent.items() if k in initial and k != "image"})
        return values


def setting_widget(name: str, defaults: Any, slot: int | None = None, placeholder: str | None = None) -> Any:
    """The control of one settings-table row, in Parameters (`slot` None) or in a pane's row:
    a text box for numbers (empty = the model's default, or "as in Parameters" in a pane), a
    slider where the table says so, a checkbox (a default/on/off choice per pane)."""
    row = BY_NAME[name]
    if slot is not None:
        elem = row.pane_elem.format(slot)
        if row.widget == "check":
            return gr.Dropdown(THINKING_CHOICES, value="default", label=f"Pane {slot + 1} {row.pane_label}",
                               min_width=90, elem_id=elem)
        return gr.Textbox("", label=row.pane_label, min_width=70 if len(row.pane_label) > 6 else 60,
                          elem_id=elem, placeholder=placeholder or "")
    value = getattr(defaults, name, row.default) if row.generation else row.default
    if row.widget == "check":
        return gr.Checkbox(value=bool(value), label=row.label, elem_id=row.elem)
    if row.widget == "slider":
        low = row.control_minimum if row.control_minimum is not None else row.minimum
        return gr.Slider(low, row.web_bound(), value=value, step=row.step or 1, label=row.label,
                         elem_id=row.elem, min_width=140)
    if row.model_default:  # empty = the model's own default
        return gr.Textbox("", label=row.label, placeholder="model default", elem_id=row.elem, min_width=100)
    # An empty gr.Number shows and sends 0: a Textbox says what empty means.
    return gr.Textbox("" if value is None else str(value), label=row.label,
                      placeholder="random" if name == "seed" else "", elem_id=row.elem, min_width=100)
