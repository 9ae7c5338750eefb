"""Every setting a comparison carries, declared once.

One row per setting: its type and bounds, its app default (and whether the model has its own),
label and help, the link's key, the page's element ids, the CLI flag, the config key, the value
that leaves the cache key unchanged, and the sources that cannot send it. The rest is derived:

- `GenerationSettings` (the validated settings every adapter receives; pydantic, extra=forbid),
- the form's widgets and field names (ui/form.py, ui/compare_tab.py), the link in both
  directions (ui/url_state.py, static/url_state.js through the page's gp-config JSON),
- the CLI flags and the config's [defaults] / [models.<id>.sampling] keys,
- the pane header's sampling line, History's restore, the cache key (cache/keys.py).

Adding a setting is one row here plus the adapters that send it. Give a new row a `neutral`
value (what "not set" meant before the row existed): at that value it stays out of the cache
key, so every answer cached before it was added keeps its key.

Bottom layer: imports nothing of the app (samples.py takes MAX_SAMPLES from here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, create_model


class _Always:
    """`neutral` of a setting that is always in the cache key (every setting older than the table's
    neutral rule: their values were always hashed, so leaving any out would change old keys)."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "ALWAYS_KEYED"


ALWAYS_KEYED: Any = _Always()


@dataclass(frozen=True)
class Setting:
    name: str  # the field name everywhere: form, /run, JSON, GenerationSettings
    kind: type  # float, int or bool
    default: Any  # the app's default (None: not set, the source's own default)
    label: str  # the Parameters control's label
    help: str  # one sentence: what it does
    url_key: str  # the link's key (per pane: the key + the pane's number)
    elem: str  # the Parameters control's element id
    pane_elem: str | None  # the per-pane control's element id ("…-{}"); None: not per pane
    pane_label: str = ""
    cli_flag: str | None = None  # "--top-p"; None: not a flag
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False  # top_p: above 0, not 0
    web_maximum: float | None = None  # the page's control stops here (a web request too)
    optional: bool = False  # None is a value ("empty = random", "not sent")
    model_default: bool = False  # empty = the model's own (config > GGUF > preset > app)
    gguf_key: str | None = None  # the GGUF metadata key of the model's recommended value
    neutral: Any = ALWAYS_KEYED  # at this value the setting stays out of the cache key
    generation: bool = True  # part of GenerationSettings (samples is a form field only)
    positional_tail: bool = False  # added after /run's positional order was published: goes last
    # source name (what a pane shows: local, gemini, openai) -> why it cannot send this setting
    not_sent: Mapping[str, str] = field(default_factory=dict)
    widget: str = "number"  # number (a text box; empty allowed), slider, check
    abbrev: str | None = None  # the pane header's short form ("t 0.7"); None: not in the header
    step: float | None = None  # a slider's step
    control_minimum: float | None = None  # a slider's low end, when above the bound (16 tokens)

    @property
    def config_key(self) -> str | None:
        """The config's [defaults] key (and [models.<id>.sampling] for a model_default)."""
        return self.name if self.generation else None

    @property
    def bounds_text(self) -> str:
        low = "above" if self.exclusive_minimum else "from"
        return f"{low} {_num(self.minimum)} to {_num(self.maximum)}"

    def web_bound(self) -> float | None:
        return self.web_maximum if self.web_maximum is not None else self.maximum

    def check(self, value: Any, where: str, web: bool = False) -> Any:
        """`value` (None, or a number/bool of this kind) within bounds, or a ValueError whose text
        names `where` and the allowed range."""
        if value is None:  # not set: the caller knows what that means (Parameters, the model's own)
            return None
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{where} must be true or false.")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where} must be a number.")
        if self.kind is int:
            if value != int(value):
                raise ValueError(f"{where} must be a whole number, not {value}.")
            value = int(value)
        else:
            value = float(value)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"{where} must be a finite number.")
        top = self.web_bound() if web else self.maximum
        low_ok = self.minimum is None or (value > self.minimum if self.exclusive_minimum else value >= self.minimum)
        if not low_ok or (top is not None and value > top):
            low = "above" if self.exclusive_minimum else "between"
            span = (f"above {_num(self.minimum)} and at most {_num(top)}" if low == "above"
                    else f"between {_num(self.minimum)} and {_num(top)}")
            more = ""
            if web and top != self.maximum:
                more = f" on this page (the command line and the config allow up to {_num(self.maximum)})"
            raise ValueError(f"{where} must be {span}{more}, not {_num(value)}.")
        return value


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)



MAX_SAMPLES = 8  # answers per model

# The order is the form's, the header's and /run's positional one (rows with positional_tail go
# after every older field). Per pane the thinking choice leads the row (PER_PANE).
SETTINGS: tuple[Setting, ...] = (
    Setting("temperature", float, 0.7, "Temperature", "Sampling temperature: higher is more varied.",
            abbrev="t", url_key="t", elem="gp-temperature", pane_elem="gp-temp-{}", pane_label="temperature",
            cli_flag="--temperature", minimum=0.0, maximum=2.0, model_default=True,
            gguf_key="general.sampling.temp"),
    Setting("top_p", float, 0.95, "Top-p", "Nucleus sampling: keep the most likely tokens up to this mass.",
            abbrev="p", url_key="tp", elem="gp-top-p", pane_elem="gp-top-p-{}", pane_label="top-p", cli_flag="--top-p",
            minimum=0.0, maximum=1.0, exclusive_minimum=True, model_default=True,
            gguf_key="general.sampling.top_p"),
    Setting("top_k", int, 64, "Top-k (0 = off)", "Keep only the k most likely tokens (0 = off).",
            abbrev="k", url_key="tk", elem="gp-top-k", pane_elem="gp-top-k-{}", pane_label="top-k", cli_flag="--top-k",
            minimum=0, maximum=1000, model_default=True, gguf_key="general.sampling.top_k"),
    Setting("min_p", float, None, "Min-p (empty = off)",
            "Drop tokens less likely than this fraction of the most likely one (empty = not sent).",
            abbrev="min-p", url_key="mp", elem="gp-min-p", pane_elem="gp-min-p-{}", pane_label="min-p", cli_flag="--min-p",
            minimum=0.0, maximum=1.0, optional=True, model_default=True,
            gguf_key="general.sampling.min_p", neutral=None, positional_tail=True,
            not_sent={"gemini": "the Gemini API has no such setting"}),
    Setting("max_tokens", int, 1024, "Max tokens", "The most new tokens an answer may have.",
            abbrev="max", url_key="mt", elem="gp-max-tokens", pane_elem="gp-max-tokens-{}", pane_label="max tokens",
            cli_flag="--max-tokens", minimum=1, maximum=32768, web_maximum=8192, widget="slider",
            step=16, control_minimum=16),
    Setting("seed", int, None, "Seed (empty = random)", "The random seed (empty = random).",
            abbrev="seed", url_key="seed", elem="gp-seed", pane_elem="gp-seed-{}", pane_label="seed", cli_flag="--seed",
            minimum=0, maximum=2**31 - 1, optional=True),
    Setting("thinking", bool, False, "Thinking", "Ask the model to think before answering.",
            url_key="th", elem="gp-thinking", pane_elem="gp-thinking-{}", pane_label="thinking",
            cli_flag="--thinking", widget="check"),
    Setting("samples", int, 1, "Samples per pane", "Answers per model (with a seed: seed, seed+1, …).",
            url_key="n", elem="gp-samples", pane_elem="gp-samples-{}", pane_label="samples",
            cli_flag="--samples", minimum=1, maximum=MAX_SAMPLES, generation=False, widget="slider", step=1),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
# The pane header's sampling line: the sampling values, the seed, then the length limit.
HEADER: tuple[Setting, ...] = (tuple(s for s in SETTINGS if s.abbrev and s.name != "max_tokens")
                               + tuple(s for s in SETTINGS if s.name == "max_tokens"))
GENERATION: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.generation)
GENERATION_NAMES: tuple[str, ...] = tuple(s.name for s in GENERATION)
# empty = the model's own value (config > GGUF > preset > app: playground/sampling.py)
MODEL_DEFAULT_NAMES: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.model_default)
PER_PANE: tuple[Setting, ...] = (tuple(s for s in SETTINGS if s.pane_elem and s.widget == "check")
                                  + tuple(s for s in SETTINGS if s.pane_elem and s.widget != "check"))


def pydantic_bounds(setting: Setting) -> dict[str, Any]:
    """The row's bounds as pydantic Field keywords (ge/gt, le)."""
    bounds: dict[str, Any] = {}
    if setting.minimum is not None:
        bounds["gt" if setting.exclusive_minimum else "ge"] = setting.minimum
    if setting.maximum is not None:
        bounds["le"] = setting.maximum
    return bounds


def _field(setting: Setting) -> tuple[Any, Any]:
    bounds = pydantic_bounds(setting)
    annotation: Any = setting.kind | None if setting.optional else setting.kind
    return annotation, Field(setting.default, description=setting.help, **bounds)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


GenerationSettings = create_model(  # type: ignore[call-overload]
    "GenerationSettings", __base__=_Frozen, __module__=__name__,
    **{s.name: _field(s) for s in GENERATION})
GenerationSettings.__doc__ = ("Per-pane generation settings, validated once at the edge (UI, CLI, config); "
                              "one field per row of playground.settings_table.SETTINGS.")


def keyed_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as they enter a cache key: a setting at its neutral value is left out, so
    a row added later (at its neutral value) leaves every older key as it was. Anything that is not
    a mapping (odd stored data) is returned as it is."""
    if not isinstance(settings, Mapping):
        return settings  # type: ignore[return-value]
    out = {}
    for name, value in settings.items():
        row = BY_NAME.get(name)
        if row is not None and row.neutral is not ALWAYS_KEYED and value == row.neutral:
            continue
        out[name] = value
    return out


def not_sent(settings: Mapping[str, Any], source: str | None) -> list[str]:
    """What a pane on `source` was asked for but cannot send: "min_p not sent: the Gemini API has
    no such setting", once per setting that is set (not neutral or empty)."""
    notes = []
    for row in GENERATION:
        reason = row.not_sent.get(source or "")
        value = settings.get(row.name)
        if reason and value is not None and (row.neutral is ALWAYS_KEYED or value != row.neutral):
            notes.append(f"{row.name} not sent: {reason}")
    return notes


def table_json() -> list[dict[str, Any]]:
    """The table for the page's scripts (gp-config): names, link keys, element ids, widgets."""
    return [{"name": s.name, "key": s.url_key, "elem": s.elem, "paneElem": s.pane_elem, "widget": s.widget,
             "default": s.default, "min": s.minimum, "max": s.web_bound(), "optional": s.optional,
             "modelDefault": s.model_default} for s in SETTINGS]
