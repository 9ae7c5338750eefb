"""Local GGUF files, run by llama-cpp-python in engine processes (one per loaded model).
Its panes share the cores."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from playground.adapters.base import Adapter
from playground.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    from playground.model_spec import ModelSpec
    from playground.runtime import Runtime


class LocalSource(Source):
    kind = "llama"
    name = "local"
    is_local = True

    def __init__(self, runtime: "Runtime") -> None:
        super().__init__(runtime)
        from playground.adapters.llama_pool import LlamaPool

        config = runtime.config
        # Local panes decode `local_slots` at a time: split the cores between them so they
        # never oversubscribe the CPU (more threads than cores only adds contention).
        threads = config.n_threads or max(1, (os.cpu_count() or 1) // config.local_slots)
        self.pool = LlamaPool(max_loaded=config.max_loaded_models, n_ctx=config.n_ctx,
                              n_threads=threads, n_gpu_layers=config.n_gpu_layers,
                              repack=getattr(config, "repack", None))

    def availability(self, spec: "ModelSpec") -> tuple[bool, str]:
        if spec.path is None:
            size = f" (≈{spec.entry.size_gb:g} GB)" if spec.entry.size_gb else ""
            return False, f"not downloaded{size}: run `gemma-playground download {spec.id}`"
        if not _is_file(spec.path):
            return False, f"file not found: {spec.path}"
        return True, "ready" + self.repack_words(spec)

    def repack_words(self, spec: "ModelSpec") -> str:
        """Said only when weights load without repacking (an AMX CPU, or the config): that is
        slower on some CPUs, and the person should know why."""
        from playground.adapters.llama_pool import decide_repack

        repack, how = decide_repack(self._repack_setting(spec))
        return "" if repack else f" · repack {how}"

    def _repack_setting(self, spec: "ModelSpec") -> bool | None:
        setting = getattr(spec.entry, "repack", None)
        return self.pool.repack if setting is None else setting

    def cache_identity(self, spec: "ModelSpec", with_image: bool) -> dict[str, Any] | None:
        from playground.cache import gguf_identity  # lazily: parsing the CLI loads no cache

        if not _is_file(spec.path):
            return None
        identity: dict[str, Any] = {"model": gguf_identity(spec.path)}
        if with_image and spec.mmproj_path is not None:
            identity["mmproj"] = gguf_identity(spec.mmproj_path)
        return identity

    def adapter(self, spec: "ModelSpec") -> Adapter:
        from playground.adapters.llama_local import LlamaLocalAdapter

        # cheap: the loaded weights live in the pool, shared by every pane of this model
        return LlamaLocalAdapter(self.pool, spec.path, family=spec.entry.family,
                                 mmproj=spec.mmproj_path, vision=spec.entry.vision,
                                 repack=getattr(spec.entry, "repack", None))

    def close(self) -> None:
        self.pool.close()


def _is_file(path) -> bool:
    """False (not an exception) for a name too long for the system or with a NUL byte."""
    try:
        return path is not None and path.is_file()
    except (OSError, ValueError):
        return False
