"""The Compare form by name: its fields, the order of the /run endpoint's inputs, the form →
request (through the shared request builder and the runtime's per-model settings), and the
other direction: a comparison (History, a link) → the values every field must show so that Run
means that comparison again (and replays from the cache).

No slot counting anywhere else: the page, the link, Restore and the tests use these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import gradio as gr
from pydantic import ValidationError

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.request import RequestError, build_request
from playground.runner import PaneRequest
from playground.samples import MAX_SAMPLES

MAX_PANES = 6
# Shared fields (Parameters, the prompt band), then each pane's, then blind: /run's input order.
# `blind` stays last so older clients that send everything before it keep working.
CORE_FIELDS = ("prompt", "system", "image", "temperature", "top_p", "top_k", "max_tokens", "seed",
               "thinking", "samples", "bypass_cache")
PANE_FIELDS = ("model", "thinking", "temperature", "top_p", "top_k", "max_tokens", "seed", "samples")
SAMPLING = ("temperature", "top_p", "top_k")  # empty = the model's own default
THINKING_CHOICES = [("default", "default"), ("on", "on"), ("off", "off")]


def pane_field(name: str, slot: int) -> str:
    return f"{name}_{slot}"


RUN_FIELDS: tuple[str, ...] = CORE_FIELDS + tuple(
    pane_field(name, slot) for slot in range(MAX_PANES) for name in PANE_FIELDS) + ("blind",)
# What a link or Restore sets (an image cannot travel; bypass is per run).
RESTORED_FIELDS: tuple[str, ...] = tuple(n for n in RUN_FIELDS if n not in ("image", "bypass_cache", "blind"))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, kind: type, where: str) -> Any:
    """A text or number field: None when empty, else `kind` (int or float), or a sentence."""
    if _blank(value):
        return None
    text = str(value).strip()
    try:
        number = float(text)
        if kind is int:
            if number != int(number):
                raise ValueError
            return int(number)
        return number
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"{where} must be a {'whole ' if kind is int else ''}number"
                       f" (or empty), not {text[:20]!r}.") from None


FIELD_KINDS = {"temperature": float, "top_p": float, "top_k": int, "max_tokens": int, "seed": int}


def _samples(value: Any, where: str) -> int | None:
    k = _number(value, int, where)
    if k is not None and not 1 <= k <= MAX_SAMPLES:
        raise gr.Error(f"{where} must be between 1 and {MAX_SAMPLES}, not {k}.")
    return k


def _first_error(exc: ValidationError, where: str) -> gr.Error:
    first = exc.errors()[0]
    return gr.Error(f"{where} {first['loc'][0]}: {first['msg']}")


@dataclass
class Parsed:
    request: ChatRequest
    panes: list[PaneRequest]
    bypass_cache: bool
    blind: bool


def parse_form(runtime: Any, form: Mapping[str, Any], max_prompt_chars: int,
               read_image: Any = None) -> Parsed:
    """Form values by name → the request and its panes. Text is checked once, by the shared
    request builder; each pane's settings are its model's defaults under the values the person
    set (Parameters, then the pane's own fields; empty = not set)."""
    try:
        request = build_request(form.get("prompt"), form.get("system"), None, max_prompt_chars=max_prompt_chars)
    except RequestError as exc:
        raise gr.Error(str(exc)) from None
    if form.get("image") and read_image is not None:
        request = ChatRequest(prompt=request.prompt, system=request.system, image=read_image(form["image"]))
    shared: dict[str, Any] = {name: _number(form.get(name), kind, f"Parameter {name}")
                              for name, kind in FIELD_KINDS.items()}
    shared["thinking"] = bool(form.get("thinking"))
    try:  # a bad shared value is named as a parameter, not as pane 1's
        GenerationSettings(**{k: v for k, v in shared.items() if v is not None})
    except ValidationError as exc:
        raise _first_error(exc, "Parameter") from None
    samples = _samples(form.get("samples"), "Samples") or 1
    panes = []
    for slot in range(MAX_PANES):
        model = form.get(pane_field("model", slot))
        if not model:
            continue
        where = f"Pane {slot + 1}"
        explicit = dict(shared)
        thinking = form.get(pane_field("thinking", slot))
        if thinking in ("on", "off"):
            explicit["thinking"] = thinking == "on"
        for name, kind in FIELD_KINDS.items():
            value = _number(form.get(pane_field(name, slot)), kind, f"{where} {name.replace('_', ' ')}")
            if value is not None:
                explicit[name] = value
        try:
            settings = runtime.settings_for(model, explicit)
        except ValidationError as exc:
            raise _first_error(exc, where) from None
        except ValueError:  # an unknown model: the pane says so when it runs
            try:
                settings = GenerationSettings(**{k: v for k, v in explicit.items() if v is not None})
            except ValidationError as exc:
                raise _first_error(exc, where) from None
        k = _samples(form.get(pane_field("samples", slot)), f"{where} samples") or samples
        panes.append(PaneRequest(model, settings, samples=k))
    if not panes:
        raise gr.Error("No model picked: choose at least one model for a pane.")
    return Parsed(request, panes, bool(form.get("bypass_cache")), bool(form.get("blind")))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(value)  # 1.0 stays "1.0": the same number either way
    return str(value)


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

    for name in ("temperature", "top_p", "top_k", "max_tokens", "seed", "thinking"):
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
