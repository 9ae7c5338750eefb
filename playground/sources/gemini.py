"""The Gemini API (google-genai): `gemini:MODEL_ID`, a key from GEMINI_API_KEY / GOOGLE_API_KEY
or the config, and GOOGLE_GEMINI_BASE_URL honoured (it is part of the cache identity)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playground.adapters.base import Adapter, ModelError
from playground.config import ModelEntry
from playground.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    from playground.model_spec import ModelSpec

DEFAULT_ENDPOINT = "https://generativelanguage.googleapis.com"


class GeminiSource(Source):
    kind = "gemini"
    name = "gemini"
    prefix = "gemini:"
    prefix_example = "'gemini:' needs a model id, e.g. gemini:gemma-4-31b-it"
    prefix_form = "gemini:MODEL_ID"
    # no server options the app passes: google-genai reads GOOGLE_GEMINI_BASE_URL itself

    @classmethod
    def entry_for(cls, model: str, catalog: Any) -> ModelEntry:
        return ModelEntry(label=f"{model} (Gemini API)", kind=cls.kind, api_model=model)

    def key(self) -> str | None:
        """The API key (environment first, then the config file), or None."""
        from playground.keys import resolve_gemini_key

        try:
            return resolve_gemini_key(self.runtime.config.gemini_api_key, self.runtime.env)
        except ModelError:
            return None

    def availability(self, spec: "ModelSpec") -> tuple[bool, str]:
        if self.key() is None:
            return False, "set GEMINI_API_KEY to use the Gemini API"
        return True, "ready"

    def model_name(self, spec: "ModelSpec") -> str:
        return spec.entry.api_model or spec.id.split(":", 1)[-1]

    def cache_identity(self, spec: "ModelSpec", with_image: bool) -> dict[str, Any]:
        from playground.cache import api_identity  # lazily: parsing the CLI loads no cache

        endpoint = self.runtime.env.get("GOOGLE_GEMINI_BASE_URL") or DEFAULT_ENDPOINT
        return api_identity(endpoint, self.model_name(spec))

    def adapter(self, spec: "ModelSpec") -> Adapter:
        from playground.adapters.gemini import GeminiAdapter

        return GeminiAdapter(self.model_name(spec), self.key())

    def adapter_key(self, spec: "ModelSpec") -> tuple:
        return (self.kind, spec.id, self.key())

    def secrets(self) -> list[str]:
        key = self.key()
        return [key] if key else []
