"""The engine process itself: `python -m playground.adapters.llama_engine_main FD`.

It loads one model, then answers "run" messages by streaming a :class:`LocalGeneration`'s events
back over the socket (the app side is :class:`~playground.adapters.llama_engine.EngineProcess`).
A thread reads the control messages, so a "cancel" sets the flag the abort callback and the
per-token check read even while the main thread is inside llama_decode. The process exits when
the app closes its end of the socket.

Test-only environment variables, read when the engine starts (never set them otherwise):
``GP_ENGINE_CRASH_AFTER_TOKENS=N`` — SIGSEGV itself after streaming N text/thought deltas;
``GP_ENGINE_CRASH_ON_LOAD=1`` — SIGABRT itself while loading (as a GGML_ASSERT would);
``GP_ENGINE_MEMORY_BYTES=N`` — the memory a batch of samples may size its context with (the
memory fallback test);
``GP_ENGINE_TEST_HOOK=/path/file.py:function`` — call function(llm) after loading (the tests
script the model's replies this way: tests/fixtures/engine_script.py).
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from playground.adapters.base import Cancelled, ModelError, StreamContext, TextDelta, ThoughtDelta
from playground.adapters.llama_batch import BatchGeneration
from playground.adapters.llama_load import load_llama
from playground.adapters.llama_local import LocalGeneration

# The flag Stop sets for the answer being generated (a test hook waits on it).
CHILD_CANCEL = threading.Event()


def _child_main(fd: int) -> None:  # runs in the engine process
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    work: queue.SimpleQueue = queue.SimpleQueue()
    current = {"run": None, "ended": 0}  # run ids grow: one at or below "ended" is over
    cancelled: set[int] = set()  # a cancel may overtake its run on the way in
    seq_cancelled: dict[int, set[int]] = {}  # run -> samples of a batch stopped on their own
    cancel = CHILD_CANCEL

    def read_control() -> None:
        """Cancel arrives while the main thread is busy inside llama.cpp: this thread sets the
        flag the abort callback and the per-token check read."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                os._exit(0)  # the app is gone: so is this engine
            if message[0] in ("cancel", "cancel_seq") and message[1] <= current["ended"]:
                continue  # it came after its run ended: nothing to stop, nothing to keep
            if message[0] == "cancel_seq":  # one sample of a batch (its loop stop, its limit)
                seq_cancelled.setdefault(message[1], set()).add(message[2])
            elif message[0] == "cancel":
                cancelled.add(message[1])
                if message[1] == current["run"]:
                    cancel.set()
            else:
                work.put(message)

    threading.Thread(target=read_control, name="engine-control", daemon=True).start()
    import llama_cpp  # noqa: F401  (now, while the app has no model for this engine yet)

    model = _child_load(conn, work.get())
    hook = os.environ.get("GP_ENGINE_TEST_HOOK")
    if hook:
        _run_test_hook(hook, model.llm)
    crash_after = int(os.environ.get("GP_ENGINE_CRASH_AFTER_TOKENS") or 0)

    while True:
        message = work.get()
        if message[0] == "quit":
            os._exit(0)
        kind, run_id, request, settings, family, mmproj = message
        current["run"] = run_id
        cancel.clear()
        if run_id in cancelled:
            cancel.set()
        generation = LocalGeneration(model, family=family, mmproj=Path(mmproj) if mmproj else None)
        if kind == "run_batch":  # settings: one per sample; events go out tagged with the sample
            stream = BatchGeneration(generation).stream(
                request, settings, cancel, seq_cancelled.setdefault(run_id, set()))
        else:
            stream = ((None, event) for event in
                      generation.stream(request, settings, StreamContext(cancel=cancel)))
        sent = 0
        try:
            for seq, event in stream:
                conn.send(("event", run_id, event) if seq is None else ("bevent", run_id, seq, event))
                if isinstance(event, (TextDelta, ThoughtDelta)):
                    sent += 1
                    if crash_after and sent >= crash_after:
                        os.kill(os.getpid(), signal.SIGSEGV)  # test-only: see the module doc
            end = ("done", None)
        except Cancelled:
            end = ("cancelled", None)
        except ModelError as exc:
            end = ("error", str(exc))
        except Exception as exc:  # a bug or a llama-cpp-python surprise: that pane's error
            end = ("internal", f"{type(exc).__name__}: {exc}")
        current["run"], current["ended"] = None, run_id
        seq_cancelled.pop(run_id, None)
        cancelled.discard(run_id)
        conn.send(("end", run_id, *end))


def _child_load(conn: Any, message: tuple) -> Any:
    if message[0] != "load":
        os._exit(0)
    spec = message[1]
    for key in [key for key in os.environ if key.startswith("GP_ENGINE_")]:
        del os.environ[key]
    os.environ.update(spec.get("env") or {})  # the app's test-only switches at load time
    if os.environ.get("GP_ENGINE_CRASH_ON_LOAD"):
        os.kill(os.getpid(), signal.SIGABRT)  # test-only: what a GGML_ASSERT does
    started = time.perf_counter()
    try:
        model = load_llama(Path(spec["path"]), Path(spec["mmproj"]) if spec["mmproj"] else None,
                           n_ctx=spec["n_ctx"], n_threads=spec["n_threads"],
                           n_gpu_layers=spec["n_gpu_layers"], repack=spec["repack"])
    except ModelError as exc:
        conn.send(("load_error", str(exc)))
        os._exit(0)
    llm = model.llm
    conn.send(("loaded", {
        "load_s": time.perf_counter() - started, "n_ctx": llm.n_ctx(),
        "n_gpu_layers": int(llm.model_params.n_gpu_layers),
        "use_extra_bufts": bool(llm.model_params.use_extra_bufts),
    }))
    return model


def _run_test_hook(spec: str, llm: Any) -> None:
    import importlib.util

    file, _, function = spec.rpartition(":")
    loader = importlib.util.spec_from_file_location("gp_engine_test_hook", file)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    getattr(module, function)(llm)


if __name__ == "__main__":
    # run from the imported module, not __main__: its globals (CHILD_CANCEL) are then the ones
    # `import playground.adapters.llama_engine` finds
    from playground.adapters.llama_engine_main import _child_main as child_main

    child_main(int(sys.argv[1]))
