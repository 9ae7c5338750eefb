"""The one door: every way in (the page's Run, /run and the other web routes, a link, History's
Restore, `compare`, the config file, `votes import`) becomes one validated request here.

What each field may hold comes from the settings table (playground/settings_table.py); who may
name which model comes from who is asking (`Trust`):

- `Trust.OWNER` — the machine owner's command line and config file: any model the catalog can
  resolve, a path to a .gguf anywhere or a new `gemini:`/`openai:` id included.
- `Trust.WEB` — the page, its API routes and links (possibly a stranger behind `--share`): only
  the models the page offers (the catalog's entries, as the model picker lists them). Anything
  else is refused with a sentence naming the field and nothing about the name's file: not its
  bytes, its size, nor whether it exists — the name is never resolved, so no file is ever read.

Numbers are held to the table's bounds; on the web to the bound of the page's control (a per-pane
max_tokens of 32768 is refused there: the slider stops at 8192, and a request the page cannot
make is not silently clamped into one it did not ask for). Text is checked as in request.py.
A refused field is a :class:`RequestError` whose message names the field.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from pydantic import ValidationError

from playground.adapters.base import ChatRequest, GenerationSettings, ImageInput
from playground.catalog import UnknownModel
from playground.pane import PaneRequest
from playground.request import RequestError, build_request, check_model_name
from playground.settings_table import BY_NAME, GENERATION, PER_PANE, SETTINGS, Setting

MAX_PANES = 6
THINKING_WORDS = {"on": True, "off": False, "default": None, "": None}


class Trust(enum.Enum):
    OWNER = "owner"  # the machine owner's CLI and config
    WEB = "web"  # the page, its API routes, links: maybe a stranger


def pane_field(name: str, slot: int) -> str:
    return f"{name}_{slot}"


@dataclass
class Parsed:
    """A validated request: the prompt (and image), each pane's model, settings and samples."""

    request: ChatRequest
    panes: list[PaneRequest]
    bypass_cache: bool = False
    blind: bool = False


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: str, limit: int = 40) -> str:
    """A refused value quoted back: printable ASCII only, short (it may be a stranger's)."""
    text = "".join(c if 32 <= ord(c) < 127 and c not in "`<>&\"'\\" else "?" for c in value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(row: Setting, value: Any, where: str, web: bool) -> Any:
    """A field's value as the table's type within its bounds; None when empty (not set)."""
    if _blank(value):
        return None
    if row.kind is bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True
        if word in ("0", "false", "no", "off"):
            return False
        raise RequestError(f"{where} must be on or off, not {_shown(str(value), 12)!r}.")
    if isinstance(value, bool):
        raise RequestError(f"{where} must be a number, not true/false.")
    if isinstance(value, (int, float)):
        parsed: Any = value
    elif isinstance(value, str):
        text = value.strip()[:40]
        try:
            parsed = float(text)
        except ValueError:
            raise RequestError(f"{where} must be a {'whole ' if row.kind is int else ''}number"
                               f" (or empty), not {_shown(text, 20)!r}.") from None
    else:
        raise RequestError(f"{where} must be a number (or empty), not {type(value).__name__}.")
    if isinstance(parsed, float) and not math.isfinite(parsed):
        raise RequestError(f"{where} must be a finite number.")
    if row.kind is int and parsed != int(parsed):
        raise RequestError(f"{where} must be a whole number (or empty), not {parsed:g}.")
    parsed = int(parsed) if row.kind is int else float(parsed)
    # A generation setting's own bounds are GenerationSettings' (pydantic names the field when the
    # settings are built); here only what is stricter on the web: the page's control's bound.
    stricter = web and row.web_maximum is not None and parsed > row.web_maximum
    if row.generation and not stricter:
        return parsed
    try:
        return row.check(parsed, where, web=web)
    except ValueError as exc:
        raise RequestError(str(exc)) from None


def _first_error(exc: ValidationError, where: str) -> RequestError:
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "settings"
    return RequestError(f"{where} {name}: {first['msg']}")


def web_model_allowed(name: str, allowed: Iterable[str], aliases: Mapping[str, str] | None = None) -> bool:
    """The web's rule for a model id: one the page offers (or an older id of one, kept as an
    alias so old links and History entries still open). Nothing is resolved to decide it."""
    allowed = allowed if isinstance(allowed, (set, frozenset)) else set(allowed)
    return name in allowed or (aliases or {}).get(name) in allowed


class Door:
    """Parses what someone sent into a :class:`Parsed` request, or a sentence naming the field."""

    def __init__(self, runtime: Any, trust: Trust, *, allowed_models: Iterable[str] | None = None,
                 max_prompt_chars: int | None = None):
        self.runtime = runtime
        self.trust = trust
        self.web = trust is Trust.WEB
        if self.web and allowed_models is None:
            # what the page offers: every catalog entry (and each quantization row)
            allowed_models = [spec.id for spec, _, _ in runtime.model_statuses()]
        self.allowed = frozenset(allowed_models) if allowed_models is not None else None
        self.max_prompt_chars = max_prompt_chars or runtime.config.max_prompt_chars

    # -- one field at a time ------------------------------------------------------------------
    def model(self, value: Any, where: str) -> str:
        """A model id this asker may run. On the web: one the page offers, never resolved
        otherwise (no file is read for a refused name); for the owner: anything the catalog can
        resolve (its own message when it cannot)."""
        if not isinstance(value, str):
            raise RequestError(f"{where}: a model is named by text (its id in the model list), "
                               f"not by {type(value).__name__}.")
        name = value.strip()
        if self.web:
            aliases = getattr(getattr(self.runtime, "catalog", None), "aliases", {})
            if web_model_allowed(name, self.allowed or (), aliases):
                return name
            raise RequestError(f"{where}: {_shown(name)!r} is not one of this playground's models. "
                               "Pick a model from the list (models are added on the machine running "
                               "the playground, by its command line or config).")
        try:
            name = check_model_name(name)
            self.runtime.catalog.resolve(name)
        except (UnknownModel, RequestError) as exc:
            raise RequestError(f"{where}: {exc}") from None
        return name

    def settings(self, model: str, explicit: Mapping[str, Any], where: str) -> GenerationSettings:
        """The settings a pane runs with: its model's defaults under the values set explicitly."""
        try:
            return self.runtime.settings_for(model, explicit)
        except ValidationError as exc:
            raise _first_error(exc, where) from None
        except (UnknownModel, ValueError):  # the owner's odd name: the pane says so when it runs
            try:
                return GenerationSettings(**{k: v for k, v in explicit.items() if v is not None})
            except ValidationError as exc:
                raise _first_error(exc, where) from None

    def panes(self, models: Iterable[Any], explicit: Mapping[str, Any], samples: int,
              where: str = "-m") -> list[PaneRequest]:
        """One pane per model named on a command line (`compare`, `suite run`), each with the
        same explicit values and sample count."""
        return [PaneRequest(name, self.settings(name, explicit, where), samples=samples)
                for name in (self.model(value, where) for value in models)]

    # -- a whole request ------------------------------------------------------------------------
    def parse(self, values: Mapping[str, Any], image: ImageInput | None = None) -> Parsed:
        """Named fields (the table's names; each pane's as `name_slot`, or a "panes" list of
        objects) → the request and its panes. Parameters (shared) apply to every pane; a pane's
        own value wins; an empty one means "as in Parameters", then the model's own default."""
        values = flatten(values)
        request = build_request(values.get("prompt"), values.get("system"), image,
                                max_prompt_chars=self.max_prompt_chars)
        shared: dict[str, Any] = {}
        for row in GENERATION:
            shared[row.name] = number(row, values.get(row.name), f"Parameter {row.label.split(' (')[0]}", self.web)
        if shared.get("thinking") is None:
            shared["thinking"] = False  # the page's checkbox: unticked = off
        samples = number(BY_NAME["samples"], values.get("samples"), "Samples", self.web) or 1
        try:  # a bad shared value is named as a parameter, not as pane 1's
            GenerationSettings(**{k: v for k, v in shared.items() if v is not None})
        except ValidationError as exc:
            raise _first_error(exc, "Parameter") from None
        panes = []
        for slot in range(MAX_PANES):
            raw = values.get(pane_field("model", slot))
            if _blank(raw):
                continue
            where = f"Pane {slot + 1}"
            model = self.model(raw, f"{where} model")
            explicit = dict(shared)
            own_samples = None
            for row in PER_PANE:
                value = values.get(pane_field(row.name, slot))
                label = f"{where} {row.pane_label}"
                if row.name == "thinking":
                    if isinstance(value, bool):
                        explicit["thinking"] = value
                        continue
                    word = "" if value is None else str(value).strip().lower()
                    if word not in THINKING_WORDS:
                        raise RequestError(f"{label} must be on, off or default, not {_shown(word, 12)!r}.")
                    if THINKING_WORDS[word] is not None:
                        explicit["thinking"] = THINKING_WORDS[word]
                    continue
                parsed = number(row, value, label, self.web)
                if parsed is None:
                    continue
                if row.generation:
                    explicit[row.name] = parsed
                elif row.name == "samples":
                    own_samples = parsed
            settings = self.settings(model, explicit, where)
            panes.append(PaneRequest(model, settings, samples=own_samples or samples))
        if not panes:
            raise RequestError("No model picked: choose at least one model for a pane.")
        return Parsed(request, panes, _flag(values.get("bypass_cache")), _flag(values.get("blind")))


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """Named fields with the panes as a list ({"panes": [{"model": …, "temperature": …}]}) →
    the flat form (model_0, temperature_0, …). A flat form is returned as it is."""
    out = {k: v for k, v in values.items() if k != "panes"}
    panes = values.get("panes")
    if panes is None:
        return out
    if not isinstance(panes, list) or not all(isinstance(p, Mapping) for p in panes):
        raise RequestError('"panes" must be a list of objects, one per pane: [{"model": …}, …].')
    if len(panes) > MAX_PANES:
        raise RequestError(f'"panes" lists {len(panes)} panes; at most {MAX_PANES} fit.')
    known = {"model"} | {row.name for row in PER_PANE}
    for slot, pane in enumerate(panes):
        unknown = sorted(set(map(str, pane)) - known)
        if unknown:
            raise RequestError(f"pane {slot + 1}: unknown field {_shown(unknown[0])!r} "
                               f"(known: {', '.join(sorted(known))}).")
        for name, value in pane.items():
            out[pane_field(name, slot)] = value
    return out


NAMED_FIELDS: tuple[str, ...] = ("prompt", "system", *(s.name for s in SETTINGS), "bypass_cache", "blind", "panes")


def check_named(values: Any) -> dict[str, Any]:
    """/run's one JSON object: its keys must be known names (a typo is refused, not ignored)."""
    if not isinstance(values, Mapping):
        raise RequestError('/run takes one JSON object: {"prompt": …, "panes": [{"model": …}], …}.')
    pane_names = {pane_field(n, s) for s in range(MAX_PANES) for n in ("model", *(r.name for r in PER_PANE))}
    unknown = sorted(k for k in map(str, values) if k not in NAMED_FIELDS and k not in pane_names)
    if unknown:
        raise RequestError(f"unknown field {_shown(unknown[0])!r} (known: {', '.join(NAMED_FIELDS)}).")
    return dict(values)


def owner_door(runtime: Any) -> Door:
    return Door(runtime, Trust.OWNER)


def web_door(runtime: Any, allowed_models: Iterable[str] | None,
             max_prompt_chars: int | None = None) -> Door:
    return Door(runtime, Trust.WEB, allowed_models=allowed_models, max_prompt_chars=max_prompt_chars)


ReadImage = Callable[[Any], ImageInput]
