"""The pool of loaded GGUF models: loading through llama-cpp-python, and keeping them.

One `Llama` per model file (and projector), used under that model's lock (a Llama is not
thread-safe). Loaded models live in an LRU pool bounded by `max_loaded`; a model in use is
never evicted. Before llama.cpp sees a file, it is checked here (GGUF magic, a rough memory
estimate), so the hopeless cases end in a sentence rather than a C-level log or the OS killing
the app. The adapter that streams from these models is :mod:`.llama_local`.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from playground.adapters.base import ModelError

GGUF_MAGIC = b"GGUF"
# llama.cpp pads the context to a multiple of this; llama-cpp-python 0.3.36 then reports the
# padded size from n_ctx() but sizes its token buffer with the requested one, so a prompt in
# between passes every length check and fails with a numpy broadcast error. Asking for a
# padded size keeps the two equal.
N_CTX_PAD = 256


def padded_n_ctx(n_ctx: int) -> int:
    return -(-n_ctx // N_CTX_PAD) * N_CTX_PAD


def check_gguf_file(path: Path) -> None:
    """Refuse early, with a sentence, what llama.cpp would refuse with a C-level log."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}. Check the path, or download the model.")
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a .gguf file.")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"{path.name} is not a GGUF model file (it starts with {magic!r}, not b'GGUF'). "
            "Download the .gguf again or pick another file."
        )


def available_memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(path: Path, n_ctx: int) -> None:
    """A rough RAM estimate before loading: the weights (file size, +10%), a KV cache allowance
    of 64 KiB per context token (small models need less, 30B-class models at long contexts
    more) and 300 MB for buffers. It only has to catch the hopeless cases before llama.cpp
    tries and the OS kills the whole app."""
    needed = path.stat().st_size * 1.1 + n_ctx * 64 * 1024 + 300 * 1024**2
    free = available_memory_bytes()
    if free is not None and needed > free:
        raise ModelError(
            f"not enough memory to load {path.name}: needs about {needed / 1e9:.1f} GB, "
            f"{free / 1e9:.1f} GB available. Close other models (lower --max-loaded-models) "
            "or pick a smaller quantization."
        )


def route_mtmd_logs() -> None:
    """Send llama.cpp's multimodal (mtmd/clip) log through llama-cpp-python's logger.

    Its default logger prints everything to stderr whatever `verbose` says, debug lines
    included: "add_text: <the user's prompt>" for every image request. llama-cpp-python's own
    callback prints only errors unless the Llama is verbose."""
    try:
        import ctypes

        import llama_cpp._logger as llama_logger
        import llama_cpp.mtmd_cpp as mtmd

        mtmd.mtmd_log_set(llama_logger.llama_log_callback, ctypes.c_void_p(0))
        mtmd.mtmd_helper_log_set(llama_logger.llama_log_callback, ctypes.c_void_p(0))
    except Exception:  # other bindings: their logs are noisy, not wrong
        pass


@dataclass
class LoadedModel:
    llm: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0
    vision_handler: Any = None


class LlamaPool:
    """Loaded models, least recently used evicted first once more than `max_loaded` are held."""

    def __init__(self, max_loaded: int = 2, n_ctx: int = 4096, n_threads: int | None = None,
                 n_gpu_layers: int = 0):
        self.max_loaded = max_loaded
        self.n_ctx = n_ctx
        # Local panes run one at a time by default, so one model may use every core;
        # more threads than cores only adds contention.
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.n_gpu_layers = n_gpu_layers
        self._models: OrderedDict[tuple, LoadedModel] = OrderedDict()
        self._guard = threading.Lock()
        self._loading: dict[tuple, threading.Lock] = {}

    def _load(self, path: Path, mmproj: Path | None) -> LoadedModel:
        check_gguf_file(path)
        check_memory(path, self.n_ctx)
        from llama_cpp import Llama

        handler = None
        if mmproj is not None:
            check_gguf_file(mmproj)
            route_mtmd_logs()
            try:
                from llama_cpp.llama_chat_format import Gemma4ChatHandler

                handler = Gemma4ChatHandler(clip_model_path=str(mmproj), verbose=False)
            except Exception as exc:
                raise ModelError(f"cannot load the image projector {mmproj.name}: {exc}") from None
        try:
            llm = Llama(model_path=str(path), n_ctx=padded_n_ctx(self.n_ctx), n_threads=self.n_threads,
                        n_gpu_layers=self.n_gpu_layers, chat_handler=handler, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"llama.cpp could not load {path.name} ({exc}). The file may be damaged, or its "
                "architecture is newer than this llama-cpp-python: upgrade it or pick another file."
            ) from None
        return LoadedModel(llm=llm, vision_handler=handler)

    @contextmanager
    def use(self, path: Path, mmproj: Path | None = None) -> Iterator[tuple[LoadedModel, float]]:
        """Yield (loaded model, seconds spent loading) with the model's lock held."""
        key = (str(path), str(mmproj) if mmproj else None)
        with self._guard:
            loading_lock = self._loading.setdefault(key, threading.Lock())
        load_s = 0.0
        with loading_lock:  # two panes asking for one cold model load it once
            with self._guard:
                model = self._models.get(key)
                if model is not None:
                    self._models.move_to_end(key)
                    model.users += 1  # counted in the same critical section: never evicted now
            if model is None:
                started = time.perf_counter()
                model = self._load(path, mmproj)
                load_s = time.perf_counter() - started
                with self._guard:
                    model.users += 1
                    self._models[key] = model
            with self._guard:
                self._evict_unused()
        try:
            with model.lock:
                yield model, load_s
        finally:
            with self._guard:
                model.users -= 1

    def _evict_unused(self) -> None:
        for key in list(self._models):
            if len(self._models) <= self.max_loaded:
                break
            if self._models[key].users == 0:
                evicted = self._models.pop(key)
                try:
                    evicted.llm.close()
                except Exception:
                    pass

    def loaded(self) -> list[str]:
        with self._guard:
            return [key[0] for key in self._models]

    def close(self) -> None:
        with self._guard:
            for model in self._models.values():
                try:
                    model.llm.close()
                except Exception:
                    pass
            self._models.clear()
