"""Loading a GGUF with llama-cpp-python, inside the engine process (never in the app).

:func:`check_gguf_file` and :func:`padded_n_ctx` are also used by the app before it starts an
engine (playground.adapters.llama_pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def load_without_repack() -> None:
    """Every model this process loads from now on loads without llama.cpp's extra (repacked)
    buffers. `Llama` has no keyword for llama.cpp's --no-repack: it takes its model params from
    llama_model_default_params(), so the engine (one model per process) wraps that."""
    import llama_cpp.llama_cpp as llama_lib

    default_params = llama_lib.llama_model_default_params

    def no_repack_params():
        params = default_params()
        params.use_extra_bufts = False
        return params

    llama_lib.llama_model_default_params = no_repack_params


def load_llama(path: Path, mmproj: Path | None, n_ctx: int, n_threads: int, n_gpu_layers: int,
               repack: bool) -> "LoadedModel":
    """Load a model with llama-cpp-python. Runs in the engine process, never in the app."""
    import llama_cpp

    quiet_known_log_lines()
    if not repack:
        load_without_repack()
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
        llm = llama_cpp.Llama(model_path=str(path), n_ctx=padded_n_ctx(n_ctx), n_threads=n_threads,
                              n_gpu_layers=n_gpu_layers, chat_handler=handler, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(
            f"llama.cpp could not load {path.name} ({exc}). The file may be damaged, or its "
            "architecture is newer than this llama-cpp-python: upgrade it or pick another file."
        ) from None
    return LoadedModel(llm=llm, vision_handler=handler)


# llama.cpp lines that are not news to the person at the terminal: Gemma 3 and 4 print this one (at
# error level) on every load, because llama-cpp-python keeps the sliding-window cache full size.
QUIET_LOG_LINES = (b"using full-size SWA cache",)
_LOG_CALLBACK: list = []  # the ctypes callback must outlive the call that installs it


def quiet_known_log_lines() -> None:
    """Route llama.cpp's log through llama-cpp-python's callback, minus QUIET_LOG_LINES."""
    import ctypes

    import llama_cpp
    import llama_cpp._logger as llama_logger

    if _LOG_CALLBACK:
        return

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if text and any(line in text for line in QUIET_LOG_LINES):
            return
        llama_logger.llama_log_callback(level, text, user_data)

    _LOG_CALLBACK.append(callback)
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


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
    """A model loaded in the engine process: its Llama and (for images) its chat handler."""

    llm: Any
    vision_handler: Any = None
