"""OpenAI-compatible servers (llama.cpp server, vLLM, Ollama, LM Studio): `openai:MODEL` on
--openai-base-url, or a config entry with its own base_url and key variable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playground.adapters.base import Adapter, ModelError
from playground.config import ModelEntry
from playground.sources.base import ServerOption, Source

if TYPE_CHECKING:  # pragma: no cover
    from playground.model_spec import ModelSpec


class OpenAISource(Source):
    kind = "openai"
    name = "openai"
    prefix = "openai:"
    prefix_example = "'openai:' needs a model name, e.g. openai:gemma-4-31b"
    prefix_form = "openai:MODEL"
    slash_ids, server_words = True, "an OpenAI-compatible server"
    server_options = (ServerOption("base_url", flag="--openai-base-url", env="GEMMA_PLAYGROUND_OPENAI_BASE_URL",
                                   help="OpenAI-compatible server for openai:MODEL", metavar="URL"),)

    @classmethod
    def entry_for(cls, model: str, catalog: Any) -> ModelEntry:
        return ModelEntry(label=f"{model} (OpenAI-compatible)", kind=cls.kind, model=model,
                          base_url=cls.option(catalog, "base_url"))

    @classmethod
    def finish_entry(cls, entry: ModelEntry, catalog: Any) -> ModelEntry:
        base_url = cls.option(catalog, "base_url")
        if not entry.base_url and base_url:  # --openai-base-url serves entries without one
            return entry.model_copy(update={"base_url": base_url})
        return entry

    def served_models(self) -> list[str]:
        """The server's own /v1/models, so people pick what it actually serves."""
        base_url = self.option(self.runtime.catalog, "base_url")
        if not base_url:
            return []
        from playground.adapters.openai_compat import list_models

        return [f"{self.prefix}{name}" for name in list_models(base_url)]

    def availability(self, spec: "ModelSpec") -> tuple[bool, str]:
        if not spec.entry.base_url:
            return False, "no server: pass --openai-base-url URL or set base_url in the config"
        return True, "ready"

    def model_name(self, spec: "ModelSpec") -> str:
        return spec.entry.model or spec.id.split(":", 1)[-1]

    def cache_identity(self, spec: "ModelSpec", with_image: bool) -> dict[str, Any]:
        from playground.cache import api_identity  # lazily: parsing the CLI loads no cache

        return api_identity(spec.entry.base_url, self.model_name(spec))

    def adapter(self, spec: "ModelSpec") -> Adapter:
        from playground.adapters.openai_compat import OpenAICompatAdapter

        key_env = spec.entry.api_key_env
        key = self.runtime.env.get(key_env) if key_env else None
        if key_env and not key:
            raise ModelError(f"{spec.label}: set {key_env} (the key for {spec.entry.base_url})")
        return OpenAICompatAdapter(self.model_name(spec), spec.entry.base_url, key)

    def adapter_key(self, spec: "ModelSpec") -> tuple:
        return (self.kind, spec.id, spec.entry.base_url)

    def secrets(self) -> list[str]:
        from playground.keys import secrets_in

        names = [entry.api_key_env for entry in self.runtime.catalog.entries.values()]
        return secrets_in(self.runtime.env, names)
