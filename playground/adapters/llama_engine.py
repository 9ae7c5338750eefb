"""The local engine: one child process per loaded model, and its app-side handle.

The app (:class:`EngineProcess`) starts `python -m playground.adapters.llama_engine_main FD` with
one end of a socket pair; the child (:mod:`.llama_engine_main`) loads the model and answers "run"
messages by streaming the adapter's typed events back (small frozen dataclasses, pickled). A
thread in the child reads the control messages, so a "cancel" reaches the flag the abort callback
and the per-token check read even while the main thread is inside llama_decode.

When the child dies (a segfault in ggml, a GGML_ASSERT abort, the OOM killer), the app sees the
socket close, reads the exit signal and raises a :class:`ModelError` sentence: the pane ends with
it and keeps what it streamed; the next run starts a fresh engine. Stop that the engine does not
honour within `KILL_AFTER_S` (one long llama_decode) ends the process the same way.

The child reads test-only environment variables (crash hooks): see :mod:`.llama_engine_main`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from playground.adapters.base import Cancelled, ModelError, StreamContext

# Stop must end a local generation within 1 s: the engine gets this long to notice the cancel
# (it checks per token, and llama.cpp's abort callback during a prompt), then it is killed.
KILL_AFTER_S = 0.7
# Starting Python, importing llama_cpp and reading a big GGUF: minutes on a slow disk.
LOAD_TIMEOUT_S = 600.0
POLL_S = 0.05


def describe_exit(returncode: int | None) -> str:
    """'signal 11, segmentation fault' / 'exit status 1' / 'signal 9, killed (…)'."""
    if returncode is None:
        return "no exit status"
    if returncode < 0:
        number = -returncode
        try:
            name = (signal.strsignal(number) or f"signal {number}").lower()
        except ValueError:
            name = "unknown signal"
        if number == signal.SIGKILL:
            name += ", often the system running out of memory"
        return f"signal {number}, {name}"
    return f"exit status {returncode}"


class EngineCrashed(ModelError):
    """The engine process died: the sentence names the signal and what to do."""


class EngineProcess:
    """The app's handle on one engine process holding one loaded model."""

    def __init__(self, proc: subprocess.Popen, conn: Any):
        self.proc = proc
        self.conn = conn
        self.path = Path()
        self.repack = True
        self.repack_note = ""
        self.amx = False
        self.info: dict[str, Any] = {}
        self._runs = itertools.count(1)
        self._dead = False

    # -- life --
    @classmethod
    def spawn(cls) -> "EngineProcess":
        """Start an engine process with no model yet. It imports llama_cpp at once, so one
        started ahead (the pool keeps a spare) loads a model without that wait."""
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "playground.adapters.llama_engine_main", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                stdout=2,  # llama.cpp's prints must never mix into `compare --json` on stdout
                start_new_session=True)  # Ctrl+C is for the app, which then ends its engines
        except OSError as exc:
            ours.close()
            raise ModelError(f"could not start the local engine process: {exc}") from None
        finally:
            theirs.close()
        return cls(proc, Connection(ours.detach()))

    @classmethod
    def start(cls, path: Path, mmproj: Path | None, *, n_ctx: int, n_threads: int,
              n_gpu_layers: int, repack: bool, repack_note: str = "", amx: bool = False,
              spare: "EngineProcess | None" = None) -> "EngineProcess":
        """Load the model in `spare` (an engine started ahead, if it is still alive) or in a new
        engine process. Raises ModelError (a load failure, or the engine dying while loading)
        after making sure the process is gone."""
        engine = spare if spare is not None and spare.alive() else cls.spawn()
        if engine is not spare and spare is not None:
            spare.close()
        engine.path, engine.repack, engine.repack_note, engine.amx = Path(path), repack, repack_note, amx
        # the test-only switches as they are now, not as they were when a spare started
        test_env = {k: v for k, v in os.environ.items() if k.startswith("GP_ENGINE_")}
        engine._send(("load", {"path": str(path), "mmproj": str(mmproj) if mmproj else None,
                               "n_ctx": n_ctx, "n_threads": n_threads,
                               "n_gpu_layers": n_gpu_layers, "repack": repack, "env": test_env}))
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        try:
            while True:
                message = engine._recv(deadline - time.monotonic(), "loading")
                if message is None:
                    raise ModelError(f"the local engine did not load {path.name} within "
                                     f"{LOAD_TIMEOUT_S:.0f} s.")
                if message[0] == "loaded":
                    engine.info = message[1]
                    return engine
                if message[0] == "load_error":
                    raise ModelError(message[1])
        except BaseException:
            engine.close()
            raise

    def alive(self) -> bool:
        return not self._dead and self.proc.poll() is None

    def kill(self) -> None:
        self._dead = True
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process stuck in the kernel
            pass
        self.conn.close()

    def close(self) -> None:
        """End the process (asking first when it holds a model); its memory goes back to the
        system. A spare that never loaded one has nothing to finish: it is just ended."""
        if self.info and self.proc.poll() is None and not self._dead:
            try:
                self.conn.send(("quit",))
                self.proc.wait(2)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        self.kill()

    # -- messages --
    def _send(self, message: tuple) -> None:
        try:
            self.conn.send(message)
        except (OSError, ValueError):
            self._crashed("starting the answer")

    def _recv(self, timeout: float, doing: str) -> tuple | None:
        """The next message, None after `timeout`; raises EngineCrashed if the process died."""
        try:
            if not self.conn.poll(max(0.0, timeout)):
                if self.proc.poll() is not None:
                    self._crashed(doing)
                return None
            return self.conn.recv()
        except (EOFError, OSError, ValueError):
            self._crashed(doing)

    def _crashed(self, doing: str) -> None:
        try:
            code = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        what = describe_exit(code)
        if doing == "loading":
            raise EngineCrashed(
                f"the local engine crashed ({what}) while loading {self.path.name}: the file may be "
                "damaged or its architecture unsupported by this llama.cpp. Pick another file or "
                "upgrade llama-cpp-python.") from None
        hint = ""
        if self.repack and self.amx:
            hint = " This CPU has AMX: set repack = false (or --no-repack) for this model."
        raise EngineCrashed(f"the local engine crashed ({what}) while {doing}; the answer so far "
                            f"is kept. The next run starts a fresh engine.{hint}") from None

    # -- one answer --
    def stream(self, request: Any, settings: Any, family: str, mmproj: Path | None,
               ctx: StreamContext) -> Iterator[Any]:
        """The events of one answer, relayed from the engine. Stop (ctx.cancel, or closing this
        generator early) is sent to the engine; one that does not end the answer within
        KILL_AFTER_S is killed, and the next run starts a fresh one."""
        run_id = next(self._runs)
        self._send(("run", run_id, request, settings, family, str(mmproj) if mmproj else None))
        with contextlib.closing(self._relay(run_id, ctx.cancel.is_set)) as messages:
            for message in messages:
                if message[0] == "event":
                    yield message[2]

    def stream_batch(self, request: Any, settings_list: list[Any], family: str,
                     mmproj: Path | None, ctxs: list[StreamContext]) -> Iterator[tuple[int, Any]]:
        """(sample index, event) pairs of k samples the engine decodes together. A sample whose
        ctx is cancelled alone (its loop stop) leaves the batch; all cancelled is Stop."""
        run_id = next(self._runs)
        self._send(("run_batch", run_id, request, list(settings_list), family,
                    str(mmproj) if mmproj else None))
        dropped: set[int] = set()

        def all_stopped() -> bool:
            for i, ctx in enumerate(ctxs):
                if ctx.cancel.is_set() and i not in dropped:
                    dropped.add(i)
                    try:
                        self.conn.send(("cancel_seq", run_id, i))
                    except (OSError, ValueError):
                        pass  # dead: the next receive says so
            return len(dropped) == len(ctxs)

        with contextlib.closing(self._relay(run_id, all_stopped)) as messages:
            for message in messages:
                if message[0] == "bevent" and message[2] not in dropped:
                    yield message[2], message[3]

    def _relay(self, run_id: int, stopped: Callable[[], bool]) -> Iterator[tuple]:
        """The run's messages up to its end (returned or raised by _run_ended). Stop (stopped()
        turns true) is sent once; an engine that has not ended KILL_AFTER_S later is killed:
        it is stuck in one long llama_decode, and Stop must be real. Closed early (loop stop,
        time limit), the engine is asked to drop the run."""
        cancel_sent: float | None = None
        ended = False
        try:
            while True:
                if cancel_sent is None and stopped():
                    cancel_sent = self._cancel(run_id)
                if cancel_sent is not None and time.monotonic() - cancel_sent > KILL_AFTER_S:
                    self.kill()
                    ended = True
                    raise Cancelled()
                message = self._recv(POLL_S, "generating")
                if message is None or message[1] != run_id:
                    continue
                if message[0] == "end":
                    ended = True
                    return _run_ended(message)
                yield message
        finally:
            if not ended and self.alive():
                self._finish_early(run_id, cancel_sent)

    def _cancel(self, run_id: int) -> float:
        try:
            self.conn.send(("cancel", run_id))
        except (OSError, ValueError):
            pass  # dead: the next receive says so
        return time.monotonic()

    def _finish_early(self, run_id: int, cancel_sent: float | None) -> None:
        """The reader stopped early (loop stop, Stop, time limit): make the engine drop this
        answer, so the model is free for the next one, or end the engine if it cannot."""
        cancel_sent = cancel_sent or self._cancel(run_id)
        try:
            while time.monotonic() - cancel_sent < KILL_AFTER_S:
                message = self._recv(POLL_S, "stopping")
                if message is not None and message[0] == "end" and message[1] == run_id:
                    return
        except EngineCrashed:
            return
        self.kill()

    def describe(self) -> dict[str, Any]:
        return {"pid": self.proc.pid, "repack": self.repack_note, **self.info}


def _run_ended(message: tuple) -> None:
    """The engine's last word on a run ("end", id, kind, detail): done returns; anything else
    raises what the pane shows."""
    kind, detail = message[2], message[3]
    if kind == "done":
        return
    if kind == "cancelled":
        raise Cancelled()
    raise ModelError(detail) if kind == "error" else RuntimeError(detail)
