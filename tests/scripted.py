"""A scripted adapter for the fast test tier: the test writes the events and the delays.

The runner's thread logic (queue order, cache claims, time limits, abandon, loop stop) does not
need a model to be tested; it needs a stream whose timing the test controls. A script is a list
of steps:

* an event (``TextDelta("hi")``, ``Finish("stop")``, ``Status(...)``, ...) — yielded as is;
* ``Sleep(s)`` — a pause that notices Stop, as a well-behaved adapter between tokens does;
* ``Stuck(s)`` — a pause that ignores Stop, as a stream blocked inside a network read does;
* ``Raise(exc)`` — the adapter fails at this point.

`scripted_runtime` builds a real Runtime (real catalog, slots, limits, optionally a real cache)
whose adapters are scripts, keyed by model id: local models are named by a small file ending in
``.gguf`` (so the catalog calls them local and the cache keys them by file), API models by
``gemini:NAME``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.adapters.base import Cancelled, ChatRequest, Finish, GenerationSettings, StreamContext, TextDelta


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Stuck:
    seconds: float


@dataclass(frozen=True)
class Raise:
    exc: BaseException


def answer(text: str, *, chunk: int = 4, delay: float = 0.0, finish: str = "stop") -> list[Any]:
    """A script that streams `text` in chunks of `chunk` characters, then finishes."""
    steps: list[Any] = []
    for i in range(0, len(text), chunk):
        if delay:
            steps.append(Sleep(delay))
        steps.append(TextDelta(text[i:i + chunk]))
    steps.append(Finish(finish))
    return steps


@dataclass
class ScriptedAdapter:
    """`script` is a list of steps, or a function of the settings returning one (so that, say,
    each seed gives its own answer)."""

    script: Any
    is_local: bool = False
    calls: list[tuple[float, float | None]] = field(default_factory=list)  # (started, ended) per stream
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stream(self, request: ChatRequest, settings: GenerationSettings, ctx: StreamContext):
        started = time.monotonic()
        with self._lock:
            self.calls.append((started, None))
            index = len(self.calls) - 1
        script = self.script(settings) if callable(self.script) else self.script
        try:
            for step in script:
                ctx.check()
                if isinstance(step, Sleep):
                    if ctx.cancel.wait(step.seconds):
                        raise Cancelled()
                elif isinstance(step, Stuck):
                    time.sleep(step.seconds)  # deaf to Stop, like a blocked read
                elif isinstance(step, Raise):
                    raise step.exc
                else:
                    yield step
        finally:
            with self._lock:
                self.calls[index] = (started, time.monotonic())


def local_model(tmp_path: Path, name: str) -> str:
    """A model id the catalog treats as a local GGUF: a small file named `name`.gguf."""
    path = tmp_path / f"{name}.gguf"
    if not path.exists():
        path.write_bytes(b"GGUF" + name.encode() * 8)
    return str(path)


def scripted_runtime(scripts: dict[str, ScriptedAdapter], *, cache: Any = None, limits: Any = None):
    """A real Runtime whose adapters are `scripts` (by model id as the pane names it)."""
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime

    config = AppConfig()
    runtime = Runtime(config, Catalog(config, scan_disk=False), cache=cache, limits=limits)
    by_path = {str(Path(k).resolve()) if k.endswith(".gguf") else k: v for k, v in scripts.items()}

    def adapter_for(spec):
        key = str(Path(spec.path).resolve()) if spec.is_local else spec.id
        return by_path[key]

    runtime.adapter_for = adapter_for  # type: ignore[method-assign]
    return runtime
