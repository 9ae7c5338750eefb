"""What one model kind is: the Source contract every kind implements.

A Source says everything the rest of the app needs to know about one kind of model (a local
GGUF file, the Gemini API, an OpenAI-compatible server): the word a config entry names it by
(`kind`), the word a pane shows (`name`), the prefix a model id may carry (`gemini:…`),
whether its panes share the local cores (`is_local`), whether a model can run now and why
not, what identifies its answers in the cache, and how to build its adapter. Its own
resources (the local model pool) live on it.

Sources are found through the `gemma_playground.sources` entry-point group (the built-ins
too; `playground.sources.discover_sources`) and registered on each Runtime; code that builds a
runtime may `register()` more. Nothing else in the app branches on a kind string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from playground.adapters.base import Adapter
from playground.config import ModelEntry

if TYPE_CHECKING:  # pragma: no cover
    from playground.model_spec import ModelSpec
    from playground.runtime import Runtime


@dataclass(frozen=True)
class ServerOption:
    """A setting of a source's server that the owner gives on the command line, in the config or
    in the environment (most specific first): `--openai-base-url URL`, `[sources.openai]
    base_url = "…"`, `$OPENAI_BASE_URL`. cli.py adds the flag, config.py reads the key, and the
    source reads the value with `option(name)`; none of them names a kind."""

    name: str  # the key under [sources.<kind>] and in option(name)
    flag: str | None = None  # "--openai-base-url"
    env: str | None = None  # "GEMMA_PLAYGROUND_OPENAI_BASE_URL"
    help: str = ""
    metavar: str = "VALUE"

    def dest(self, kind: str) -> str:
        """The argparse destination of the flag (unique across sources)."""
        return f"source_{kind}_{self.name}".replace("-", "_")


def resolve_options(kind: str, options: tuple[ServerOption, ...], given: Mapping[str, Any] | None,
                    config_values: Mapping[str, Any] | None, env: Mapping[str, str]) -> dict[str, Any]:
    """Each option's value: the flag given (`given`), else the environment variable, else the
    config's [sources.<kind>] key, else None."""
    out: dict[str, Any] = {}
    for option in options:
        value = (given or {}).get(option.name)
        if value is None and option.env:
            value = env.get(option.env) or None
        if value is None:
            value = (config_values or {}).get(option.name)
        out[option.name] = value
    return out


class Source:
    """One model kind. Subclasses set the class facts and implement the methods that raise.

    Registered through the `gemma_playground.sources` entry-point group (the built-ins in this
    package's pyproject.toml; any installed package can add one), or `Runtime.register()`."""

    kind: ClassVar[str]  # the config word: [models.x] kind = "…"; also the cache key's adapter
    name: ClassVar[str]  # what a pane header, `models` and History show as the source
    prefix: ClassVar[str | None] = None  # a model id "PREFIX:MODEL" names a model of this kind
    prefix_example: ClassVar[str] = ""  # said when the prefix comes without a model
    is_local: ClassVar[bool] = False  # local panes share the cores: they queue for a slot
    prefix_form: ClassVar[str] = ""  # how a message names the form: "gemini:MODEL_ID"
    server_options: ClassVar[tuple[ServerOption, ...]] = ()  # base URL flag, config key, env var
    slash_ids: ClassVar[bool] = False  # its model ids often hold a "/" (suggested for a slash name)
    server_words: ClassVar[str] = ""  # "an OpenAI-compatible server", in that suggestion

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime

    @classmethod
    def option(cls, catalog: Any, name: str) -> Any:
        """This source's server option `name` as the catalog resolved it (flag > env > config)."""
        return catalog.source_option(cls.kind, name)

    def served_models(self) -> list[str]:
        """Model ids this source's server serves now (as a pane names them: "openai:NAME"), for
        the model picker; [] when it has no server or it cannot be reached."""
        return []

    @classmethod
    def entry_for(cls, model: str, catalog: Any) -> ModelEntry:
        """The catalog entry of a model named by the prefix (`gemini:gemma-4-31b-it`)."""
        raise NotImplementedError(f"{cls.__name__} has no prefix")

    @classmethod
    def finish_entry(cls, entry: ModelEntry, catalog: Any) -> ModelEntry:
        """The entry as this kind runs it, given the catalog's settings (say, a default server)."""
        return entry

    def availability(self, spec: "ModelSpec") -> tuple[bool, str]:
        """(True, "ready") or (False, the reason and what to do)."""
        raise NotImplementedError

    def model_name(self, spec: "ModelSpec") -> str:
        """The model's name at its source: what the adapter asks for and the cache key holds."""
        return spec.id

    def cache_identity(self, spec: "ModelSpec", with_image: bool) -> dict[str, Any] | None:
        """What makes this model's answers this model's answers (which file, which endpoint);
        None when there is nothing to run either (the pane will report why)."""
        raise NotImplementedError

    def adapter(self, spec: "ModelSpec") -> Adapter:
        """A new adapter for `spec` (the runtime keeps it when `adapter_key` is not None)."""
        raise NotImplementedError

    def adapter_key(self, spec: "ModelSpec") -> tuple | None:
        """Adapters with equal keys are one adapter, kept for the runtime's life (what it learned
        about its server holds for the next run); None makes a new one per pane."""
        return None

    def secrets(self) -> list[str]:
        """Every key this source may send, so error texts and logs can be scrubbed of them."""
        return []

    def close(self) -> None:
        """Free this source's own resources (loaded models)."""
