"""The pool of loaded GGUF models, each in its own engine process (Ollama's runner pattern).

Native code (llama.cpp, its projector) can segfault, abort on an assert or be OOM-killed. So
every loaded model lives in a child process (:mod:`.llama_engine`): a crash ends that model's
engine and the pane that was using it, never the app or another loaded model. Loaded models
live in an LRU pool bounded by `max_loaded`; a model in use is never evicted, and evicting one
ends its process, so its memory goes back to the system for certain.

Before llama.cpp sees a file it is checked here, in the app (GGUF magic, a rough memory
estimate), so the hopeless cases end in a sentence before any process starts. The code that
loads a `Llama` (:mod:`.llama_load`) runs inside the engine process.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from playground.adapters.base import ModelError
from playground.adapters.llama_engine import EngineProcess
# re-exported: the checks the app makes before starting an engine, and what the engine loads
from playground.adapters.llama_load import (  # noqa: F401
    GGUF_MAGIC, N_CTX_PAD, LoadedModel, check_gguf_file, load_llama, padded_n_ctx,
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
    tries and the OS kills the engine."""
    needed = path.stat().st_size * 1.1 + n_ctx * 64 * 1024 + 300 * 1024**2
    free = available_memory_bytes()
    if free is not None and needed > free:
        raise ModelError(
            f"not enough memory to load {path.name}: needs about {needed / 1e9:.1f} GB, "
            f"{free / 1e9:.1f} GB available. Close other models (lower --max-loaded-models) "
            "or pick a smaller quantization."
        )


# ---- repacking and AMX --------------------------------------------------------------------

CPUINFO = Path("/proc/cpuinfo")


def cpu_has_amx(cpuinfo: Path | None = None) -> bool:
    """True on a CPU with AMX (Sapphire Rapids and later Xeons, common in cloud VMs), where
    llama-cpp-python 0.3.36's repacked AMX matrix multiply segfaults on the first decode of a
    quantized model (llama.cpp #20824)."""
    return _flags_have_amx(Path(cpuinfo or CPUINFO))


@functools.lru_cache(maxsize=8)
def _flags_have_amx(cpuinfo: Path) -> bool:
    # read once per file: the model listing asks for every local model, and a many-core
    # machine's /proc/cpuinfo is long
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as handle:
            return any("amx_int8" in line.split() for line in handle if line.startswith("flags"))
    except OSError:
        return False


def decide_repack(setting: bool | None, cpuinfo: Path | None = None) -> tuple[bool, str]:
    """(repack weights at load?, how it was decided) — the words shown by `models` and in the
    pane's request fold. A setting (model entry, config, --no-repack) beats the CPU check."""
    if setting is not None:
        return setting, f"{'on' if setting else 'off'} (set in config)"
    if cpu_has_amx(cpuinfo):
        return False, "off (AMX CPU detected)"
    return True, "on"


# ---- the pool (in the app) ----------------------------------------------------------------


@dataclass
class _Slot:
    engine: Any  # llama_engine.EngineProcess
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class LlamaPool:
    """Loaded models, one engine process each; least recently used ended first once more than
    `max_loaded` are held. `repack`: None = decide per CPU (off on AMX), or the config's word."""

    def __init__(self, max_loaded: int = 2, n_ctx: int = 4096, n_threads: int | None = None,
                 n_gpu_layers: int = 0, repack: bool | None = None):
        self.max_loaded = max_loaded
        self.n_ctx = n_ctx
        # Local panes run one at a time by default, so one model may use every core;
        # more threads than cores only adds contention.
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.n_gpu_layers = n_gpu_layers
        self.repack = repack
        self._models: OrderedDict[tuple, _Slot] = OrderedDict()
        # An engine process started ahead, with llama_cpp imported: the next load (another model,
        # after an eviction or a crash) skips starting Python and that import (seconds on a busy
        # machine). Started after the first load only, so an app that runs no local model has none.
        self._spare: EngineProcess | None = None
        self._guard = threading.Lock()
        self._loading: dict[tuple, threading.Lock] = {}

    def _start(self, path: Path, mmproj: Path | None, repack: bool | None) -> Any:
        check_gguf_file(path)
        if mmproj is not None:
            check_gguf_file(mmproj)
        check_memory(path, self.n_ctx)
        use_repack, repack_note = decide_repack(repack if repack is not None else self.repack)
        with self._guard:
            spare, self._spare = self._spare, None
        try:
            return EngineProcess.start(path, mmproj, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                       n_gpu_layers=self.n_gpu_layers, repack=use_repack,
                                       repack_note=repack_note, amx=cpu_has_amx(), spare=spare)
        finally:
            self._prepare_spare()

    def _prepare_spare(self) -> None:
        try:
            spare = EngineProcess.spawn()
        except ModelError:
            return  # no spare: the next load starts its own process
        with self._guard:
            old, self._spare = self._spare, spare
        if old is not None:
            old.close()

    @contextmanager
    def use(self, path: Path, mmproj: Path | None = None,
            repack: bool | None = None) -> Iterator[tuple[Any, float]]:
        """Yield (engine process with the model loaded, seconds spent loading) with the model's
        lock held. An engine that died since its last use is replaced here."""
        key = (str(path), str(mmproj) if mmproj else None, repack)
        with self._guard:
            loading_lock = self._loading.setdefault(key, threading.Lock())
        load_s = 0.0
        with loading_lock:  # two panes asking for one cold model load it once
            with self._guard:
                slot = self._models.get(key)
                if slot is not None and not slot.engine.alive():
                    self._models.pop(key)  # crashed or killed on Stop: start a fresh one
                    slot.engine.close()
                    slot = None
                if slot is not None:
                    self._models.move_to_end(key)
                    slot.users += 1  # counted in the same critical section: never evicted now
            if slot is None:
                started = time.perf_counter()
                slot = _Slot(self._start(path, mmproj, repack))
                load_s = time.perf_counter() - started
                with self._guard:
                    slot.users += 1
                    self._models[key] = slot
            with self._guard:
                evicted = self._evict_unused()
        for engine in evicted:  # outside the guard: ending a process may take a moment
            engine.close()
        try:
            with slot.lock:
                yield slot.engine, load_s
        finally:
            with self._guard:
                slot.users -= 1

    def _evict_unused(self) -> list[Any]:
        evicted = []
        for key in list(self._models):
            if len(self._models) <= self.max_loaded:
                break
            if self._models[key].users == 0:
                evicted.append(self._models.pop(key).engine)
        return evicted

    def loaded(self) -> list[str]:
        with self._guard:
            return [key[0] for key, slot in self._models.items() if slot.engine.alive()]

    def engines(self) -> list[Any]:
        with self._guard:
            return [slot.engine for slot in self._models.values()]

    def close(self) -> None:
        with self._guard:
            engines = [slot.engine for slot in self._models.values()]
            self._models.clear()
            if self._spare is not None:
                engines.append(self._spare)
                self._spare = None
        for engine in engines:
            engine.close()
