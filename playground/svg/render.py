"""Stage 4: SVG -> PNG with cairosvg, in a warm worker process with a hard timeout.

Why a process: cairosvg loops forever on some path data ("M1 1 L9 9 Z;") and burns tens of
seconds on long <use> chains, and signal alarms do not work on Gradio's worker threads. Only a
process can be stopped. Why warm: starting Python and importing cairosvg costs ~0.3 s, while a
512 px drawing renders in ~10 ms, so the worker is started once and fed through a pipe.
Why spawn: the app has threads, and forking a threaded process can deadlock the child.
(Spawn re-imports the main module: a script that renders at import time needs the usual
``if __name__ == "__main__":`` guard, or render_png returns an error saying so.)

Threads share one worker under a lock (renders are ~10 ms; a pool would only add memory).
On timeout or crash the worker is killed and a new one starts on the next render.
The worker runs with an address-space limit, never fetches anything (a url_fetcher that
refuses), and never gets ``unsafe=True`` or ``url=``.
"""

from __future__ import annotations

import atexit
import base64
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass

from lxml import etree

from . import geometry
from .common import strict_parser

MAX_INPUT_BYTES = 2_000_000
MAX_SIDE = 2048  # output pixels per side, whatever the caller asks
MIN_SIDE = 16
MAX_ASPECT = 64  # a 100000 x 10 drawing is not a picture: refuse rather than render a line
WORKER_MEMORY_BYTES = 1 << 30  # address-space cap; the worker idles at ~60 MB
STARTUP_TIMEOUT_S = 60.0  # first start imports cairosvg; generous for a loaded machine


@dataclass
class RenderResult:
    png: bytes | None
    error: str | None  # a sentence for the user when png is None
    elapsed_s: float


def svg_data_uri(svg: str) -> str:
    """The drawing as an <img src> a browser shows in secure static mode (no script, no loads)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _refuse_fetch(url: str, resource_type: str) -> bytes:
    # cairosvg calls this for every href/url() it follows outside the document: load nothing.
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


def _watch_parent(parent_pid: int) -> None:
    # If the app dies hard (SIGKILL) while we spin in a hung render, nobody would ever kill
    # us. The render loop is Python, so this thread still gets the GIL and can end us.
    # (PR_SET_PDEATHSIG would fire when the *thread* that started us exits: app threads do.)
    import os

    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def _worker_main(conn, parent_pid: int) -> None:  # runs in the child process
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the app, which stops us
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        import resource  # POSIX only; elsewhere the timeout is the only bound

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass
    import cairosvg.surface

    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the app went away
        if job is None:
            return
        data, width, height = job
        try:
            # PNGSurface.convert, not svg2png: only convert forwards url_fetcher to the parser.
            png = cairosvg.surface.PNGSurface.convert(
                bytestring=data, output_width=width, output_height=height, unsafe=False,
                url_fetcher=_refuse_fetch)
            conn.send(("ok", png))
        except MemoryError:
            conn.send(("error", "the renderer ran out of memory"))
        except RecursionError:
            conn.send(("error", "the drawing nests or references itself too deeply"))
        except Exception as error:  # cairosvg raises many types; all become a sentence
            conn.send(("error", f"cairosvg failed: {type(error).__name__}: {error}"[:300]))


class _Renderer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        """Start a worker and wait for it to import cairosvg. Raises RuntimeError."""
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker_main, args=(child, os.getpid()), daemon=True,
                           name="svg-render")
        try:
            proc.start()
        except OSError as error:
            raise RuntimeError(str(error)) from error
        finally:
            child.close()
        try:
            if not parent.poll(STARTUP_TIMEOUT_S):
                raise RuntimeError("the render worker did not start in time")
            parent.recv()
        except (EOFError, OSError, RuntimeError) as error:
            proc.kill()
            proc.join(5)
            parent.close()
            if isinstance(error, RuntimeError):
                raise
            raise RuntimeError("the render worker exited while starting") from error
        self._proc, self._conn = proc, parent

    def _ensure(self) -> None:
        if self._proc is None or not self._proc.is_alive():
            self._stop(False)
            self._start()

    def _stop(self, graceful: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        if graceful and proc.is_alive():
            try:
                conn.send(None)
            except OSError:
                pass
            proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        conn.close()

    def warm_up(self) -> None:
        with self._lock:
            self._ensure()

    def render(self, data: bytes, width: int, height: int, timeout_s: float):
        with self._lock:
            self._ensure()
            try:
                self._conn.send((data, width, height))
            except OSError:  # the worker died since the check (killed from outside): retry once
                self._stop(False)
                self._ensure()
                self._conn.send((data, width, height))
            try:
                ready = self._conn.poll(timeout_s)
                if not ready:
                    self._stop(False)
                    return None, (f"rendering took longer than {timeout_s:g} s and was stopped "
                                  "(the drawing is too complex or makes the renderer loop)")
                status, payload = self._conn.recv()
            except (EOFError, OSError):
                self._stop(False)
                return None, "the renderer crashed on this drawing (probably out of memory)"
            return (payload, None) if status == "ok" else (None, payload)

    def shutdown(self) -> None:
        with self._lock:
            self._stop(True)


_renderer = _Renderer()


def warm_up() -> None:
    """Start the render worker now (optional: the first render_png starts it anyway)."""
    _renderer.warm_up()


def shutdown_renderer() -> None:
    """Stop the render worker. Registered with atexit; safe to call more than once."""
    _renderer.shutdown()


atexit.register(shutdown_renderer)


def output_size(svg: bytes, size: int) -> tuple[int, int] | str:
    """Pixel size for the PNG (longest side = size, aspect kept), or why we won't render.

    The aspect comes from width/height when both are absolute (that is the viewport a browser
    shows), else from the viewBox. Absurd sizes like width="100000" only set the aspect: the
    pixels are always capped at MAX_SIDE, so they cost nothing.
    """
    try:
        root = etree.fromstring(svg, strict_parser())
    except etree.XMLSyntaxError as error:
        return f"not well-formed XML ({error}); repair it with process_answer first"
    width = geometry.length_px(root.get("width"))
    height = geometry.length_px(root.get("height"))
    if not (width and height):
        box = geometry.parse_viewbox(root.get("viewBox"))
        if box is None:
            return "the drawing has no size (no viewBox, width or height)"
        width, height = box[2], box[3]
    if max(width / height, height / width) > MAX_ASPECT:
        return (f"the drawing is {geometry.fmt(width)}×{geometry.fmt(height)}: too elongated "
                f"to render (more than {MAX_ASPECT}:1)")
    side = max(MIN_SIDE, min(MAX_SIDE, int(size)))
    if width >= height:
        return side, max(1, round(side * height / width))
    return max(1, round(side * width / height)), side


def render_png(svg: str, size: int = 512, timeout_s: float = 5.0) -> RenderResult:
    """Render a (repaired, sanitized) SVG to PNG, longest side ``size`` px (16..2048).

    Never raises for a bad drawing and never blocks longer than ``timeout_s`` plus a worker
    start; every failure is a RenderResult with png None and a sentence in ``error``.
    """
    start = time.perf_counter()

    def done(png: bytes | None, error: str | None) -> RenderResult:
        return RenderResult(png, error, time.perf_counter() - start)

    data = svg.encode("utf-8")
    if len(data) > MAX_INPUT_BYTES:
        return done(None, f"the SVG is {len(data) / 1e6:.1f} MB; the limit is "
                          f"{MAX_INPUT_BYTES / 1e6:.0f} MB")
    dims = output_size(data, size)
    if isinstance(dims, str):
        return done(None, dims)
    try:
        png, error = _renderer.render(data, dims[0], dims[1], max(0.1, timeout_s))
    except (RuntimeError, OSError) as error:
        return done(None, f"could not start the renderer: {error}")
    return done(png, error)
