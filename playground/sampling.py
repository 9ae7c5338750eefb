"""A model's sampling when the user sets nothing, and the settings a pane runs with.

The order of the sources lives here; which file and which preset a model has is the catalog's
to say (it passes them in), so this stays pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from playground.adapters.base import GenerationSettings
from playground.settings_table import BY_NAME, MODEL_DEFAULT_NAMES

if TYPE_CHECKING:
    from playground.config import AppConfig

# the settings whose empty field means "the model's own value": rows of the settings table
SAMPLING_FIELDS = MODEL_DEFAULT_NAMES
# where a default sampling value came from, most specific first
SAMPLING_SOURCES = ("config", "gguf", "preset", "app")


@dataclass(frozen=True)
class SamplingDefaults:
    """A model's sampling when the user sets nothing: per value, the most specific of
    config (the user's [models.<id>.sampling], then [defaults]) > gguf (the file's
    general.sampling.*) > preset (models.toml: this model's preset, or the preset it is
    identified with) > app (GenerationSettings' own defaults). One value per SAMPLING_FIELDS
    (temperature, top_p, top_k, min_p; min_p None = not sent)."""

    sampled: dict[str, Any]  # field -> value
    sources: dict[str, str]  # field -> "config" | "gguf" | "preset" | "app"
    origins: dict[str, str]  # field -> where exactly ("gemma-4-E4B-it-Q8_0.gguf metadata", ...)

    def __getattr__(self, name: str) -> Any:  # defaults.temperature, defaults.min_p, ...
        if name in SAMPLING_FIELDS:
            return self.__dict__["sampled"].get(name)
        raise AttributeError(name)

    @property
    def source(self) -> str:
        """The most specific source any of the values came from."""
        return next(s for s in SAMPLING_SOURCES if s in self.sources.values() or s == "app")

    def values(self) -> dict[str, Any]:
        """The values set somewhere (min_p None = set nowhere: not sent, left out)."""
        return {k: v for k, v in self.sampled.items() if v is not None}

    def hint(self, field_name: str) -> str:
        """What an empty settings field means for this model: "model default (1.0)"."""
        value = self.sampled.get(field_name)
        return "model default" if value is None else f"model default ({value})"

    def to_json(self) -> dict[str, Any]:
        return self.values() | {"source": self.source, "sources": dict(self.sources),
                                "origins": dict(self.origins)}


def sampling_defaults(config: AppConfig, model_id: str,
                      gguf: tuple[str, Mapping[str, Any]] | None = None,
                      preset: tuple[str, Mapping[str, Any]] | None = None) -> SamplingDefaults:
    """Each value from the most specific source that sets it (see SamplingDefaults for the
    order). `gguf` and `preset` are (origin, values): the file's metadata and the preset the
    model shares its sampling with, when it has them."""
    layers: list[tuple[str, str, Mapping[str, Any]]] = []
    user_entry = config.models.get(model_id)
    if user_entry is not None and user_entry.sampling is not None:
        layers.append(("config", f"config [models.{model_id}.sampling]",
                       user_entry.sampling.model_dump(exclude_none=True)))
    user_defaults = config.defaults
    layers.append(("config", "config [defaults]",
                   {k: getattr(user_defaults, k) for k in SAMPLING_FIELDS if k in user_defaults.model_fields_set}))
    if gguf is not None:
        layers.append(("gguf", *gguf))
    if preset is not None:
        layers.append(("preset", *preset))
    app = GenerationSettings()
    layers.append(("app", "app default", {k: getattr(app, k) for k in SAMPLING_FIELDS}))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    origins: dict[str, str] = {}
    for field_name in SAMPLING_FIELDS:
        for source, origin, layer in layers:
            if layer.get(field_name) is not None:  # None (min_p's app default): set nowhere, not sent
                values[field_name] = layer[field_name]
                sources[field_name], origins[field_name] = source, origin
                break
    for field_name, value in values.items():  # a GGUF's 64.0 is the integer 64
        if BY_NAME[field_name].kind is int and value is not None:
            values[field_name] = int(value)
    return SamplingDefaults(values, sources, origins)


def settings_with(config: AppConfig, defaults: SamplingDefaults,
                  explicit: Mapping[str, Any] | None = None) -> GenerationSettings:
    """The config's [defaults] for everything, the model's sampling defaults for
    SAMPLING_FIELDS (temperature, top_p, top_k, min_p), then every value the user set explicitly (`explicit`; None = not
    set). Raises pydantic's ValidationError on a bad explicit value: the caller names its field."""
    chosen = {k: v for k, v in (explicit or {}).items() if v is not None}
    values = config.defaults.model_dump() | defaults.values() | chosen
    return GenerationSettings(**values)
