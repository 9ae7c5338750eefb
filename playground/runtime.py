"""The app's long-lived services, built once per process and passed explicitly (no globals):
config, catalog, the sources (one per model kind, each with its own resources such as the
local model pool), the local-slot queue, the response cache.

Sources are registered on each Runtime: every one found through the `gemma_playground.sources`
entry-point group (playground.sources.discover_sources, the built-ins too) in __init__, others
with `register()`. Nothing here or in the runner
or the UI branches on a kind string.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from playground.adapters.base import Adapter, GenerationSettings, ModelError
from playground.catalog import Catalog
from playground.config import AppConfig
from playground.loop import LoopSettings
from playground.model_spec import ModelSpec
from playground.sampling import SamplingDefaults
from playground.sources import Source, discover_sources


class LocalSlots:
    """A fair FIFO of local panes: local models share the same cores and RAM, so only
    `slots` decode at once; the rest wait and can ask their position ("queued 2 of 3")."""

    def __init__(self, slots: int = 1):
        self.slots = slots
        self._cond = threading.Condition()
        self._waiting: list[object] = []
        self._running = 0

    def position(self, ticket: object) -> tuple[int, int]:
        """(place in line, panes in line) counting those already running: with one running and
        two waiting, the waiters are 2 of 3 and 3 of 3. (0, n) once this ticket runs."""
        with self._cond:
            total = self._running + len(self._waiting)
            if ticket in self._waiting:
                return self._running + self._waiting.index(ticket) + 1, total
            return 0, total

    def reserve(self, ticket: object) -> None:
        """Take a place in line now (in pane order, from the starting thread), wait later."""
        with self._cond:
            if ticket not in self._waiting:
                self._waiting.append(ticket)

    def discard(self, ticket: object) -> None:
        """Leave the line without running (the pane failed before it waited)."""
        with self._cond:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
                self._cond.notify_all()

    def acquire(self, ticket: object, cancel: threading.Event, poll_s: float = 0.1) -> bool:
        with self._cond:
            if ticket not in self._waiting:
                self._waiting.append(ticket)
            try:
                while not (self._running < self.slots and self._waiting[0] is ticket):
                    if cancel.is_set():
                        return False
                    self._cond.wait(poll_s)
                self._running += 1
                return True
            finally:
                self._waiting.remove(ticket)
                self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    def busy(self) -> int:
        with self._cond:
            return self._running + len(self._waiting)


@dataclass
class Limits:
    """Per-pane time limits and the loop detector settings."""

    total_s: float = 600.0
    idle_s: float = 120.0
    loop: LoopSettings = field(default_factory=LoopSettings)


class Runtime:
    def __init__(self, config: AppConfig | None = None, catalog: Catalog | None = None,
                 cache: Any = None, limits: Limits | None = None, env: dict | None = None):
        self.config = config or AppConfig()
        self.catalog = catalog or Catalog(self.config)
        self.env = env if env is not None else os.environ
        self.slots = LocalSlots(self.config.local_slots)
        self.cache = cache
        self._adapters: dict[tuple, Adapter] = {}
        self._adapters_lock = threading.Lock()
        self.limits = limits or Limits(total_s=self.config.pane_total_s, idle_s=self.config.pane_idle_s,
                                       loop=self.config.loop)
        if env is not None:  # the catalog reads server options from the same environment
            self.catalog.env = self.env
        self.sources: dict[str, Source] = {}
        for source_class in discover_sources():  # the gemma_playground.sources entry points
            self.register(source_class(self))

    def register(self, source: Source) -> None:
        """Run models of `source.kind` with `source` (replacing a source of the same kind)."""
        self.sources[source.kind] = source
        self.catalog.add_source(source)

    def source_of(self, spec: ModelSpec) -> Source:
        source = self.sources.get(spec.kind)
        if source is None:
            raise ModelError(f"{spec.label}: no source runs models of kind '{spec.kind}' "
                             f"(known: {', '.join(self.sources)})")
        return source

    def served_models(self) -> list[str]:
        """What every source's server serves now (for the model picker); a source whose server
        cannot be reached is skipped with a warning on stderr."""
        import sys

        served: list[str] = []
        for source in self.sources.values():
            try:
                served.extend(source.served_models())
            except Exception as exc:  # noqa: BLE001 - an unreachable server only loses its list
                print(f"warning: cannot list the models of the {source.name} source: {exc}", file=sys.stderr)
        return served

    def secrets(self) -> list[str]:
        """Every key this runtime may send (each source's), for scrubbing errors and logs."""
        return [secret for source in self.sources.values() for secret in source.secrets()]

    def availability(self, spec: ModelSpec) -> tuple[bool, str]:
        """Can this model run right now? (True, "ready") or (False, the reason and what to do)."""
        try:
            return self.source_of(spec).availability(spec)
        except ModelError as exc:
            return False, str(exc)

    def model_statuses(self, extra_ids: list[str] = ()) -> list[tuple[ModelSpec, bool, str]]:
        """Every catalog model (plus `extra_ids`) with whether it can run now and, if not, why:
        the one listing behind `gemma-playground models`, the UI's picker and its Models tab.
        A preset with several quantizations on disk is followed by one `id@QUANT` row each."""
        out = []
        for model_id in list(self.catalog.ids()) + list(extra_ids):
            spec = self.catalog.resolve(model_id)
            ok, reason = self.availability(spec)
            out.append((spec, ok, reason))
            if len(spec.quants) > 1:
                for option in spec.quants:
                    quant_spec = self.catalog.resolve(f"{model_id}@{option.quant}")
                    out.append((quant_spec, *self.availability(quant_spec)))
        return out

    def _spec(self, model: str | ModelSpec) -> ModelSpec:
        return model if isinstance(model, ModelSpec) else self.catalog.resolve(model)

    def sampling_defaults(self, model: str | ModelSpec) -> SamplingDefaults:
        """The model's own temperature / top_p / top_k and where each comes from
        (config > gguf > preset > app): what a field shows as "model default (1.0)"."""
        return self.catalog.sampling_defaults(self._spec(model))

    def settings_for(self, model: str | ModelSpec, explicit: Mapping[str, Any] | None = None) -> GenerationSettings:
        """The settings a pane runs with: the model's defaults under the values the user set
        explicitly (None = not set). Call before the pane's cache key is made. Raises UnknownModel
        for a bad name and pydantic's ValidationError for a bad value."""
        return self.catalog.settings_for(self._spec(model), explicit)

    def adapter_for(self, spec: ModelSpec) -> Adapter:
        ok, reason = self.availability(spec)
        if not ok:
            raise ModelError(f"{spec.label}: {reason}")
        source = self.source_of(spec)
        key = source.adapter_key(spec)
        if key is None:
            return source.adapter(spec)
        # API adapters are kept per model: what one learned about its server (this model rejects
        # system instructions, that server rejects stream_options) holds for the next run.
        with self._adapters_lock:
            if key not in self._adapters:
                self._adapters[key] = source.adapter(spec)
            return self._adapters[key]

    def cache_identity(self, spec: ModelSpec, with_image: bool) -> tuple[str, dict] | None:
        """(kind, identity) for a cache key, or None when the model has nothing to run."""
        source = self.sources.get(spec.kind)
        if source is None:
            return None
        identity = source.cache_identity(spec, with_image)
        return None if identity is None else (source.kind, identity)

    def close(self) -> None:
        for adapter in self._adapters.values():
            close = getattr(adapter, "close", None)
            if close is not None:
                close()
        self._adapters.clear()
        for source in self.sources.values():
            source.close()
        if self.cache is not None:
            self.cache.close()
