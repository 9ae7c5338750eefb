"""A scripted adapter for the fast test tier: the test writes the events and the delays.

The runner's thread logic (queue order, cache claims, time limits, abandon, loop stop) does not
need a model to be tested; it needs a stream whose timing the test controls. A script is a list
of steps:

* an event (``TextDelta("hi")``, ``Finish("stop")``, ``Status(...)``, ...) — yielded as is;
* ``Sleep(s)`` — a pause that notices Stop, as a well-behaved adapter between tokens does;
* ``Stuck(s)`` — a pause that ignores Stop, as a stream blocked inside a network read does;
* ``Gate(event)`` — a pause that ignores Stop until the test sets `event` (a stuck read that
  ends when the test says so: no sleeps in the test);
* ``Raise(exc)`` — the adapter fails at this point.

`scripted_runtime` builds a real Runtime (real catalog, slots, limits, optionally a real cache)
with a fourth model kind registered on it: :class:`ScriptedSource` (``scripted:NAME``, run at
once like an API) and its local twin (``scripted-local:NAME``, queued for the local slots). The
adapters are the scripts, keyed by model id. This file plus the `register` lines in
`scripted_runtime` are all it takes to add a kind.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.adapters.base import Cancelled, ChatRequest, Finish, GenerationSettings, StreamContext, TextDelta
from playground.config import ModelEntry
from playground.sources import Source


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Stuck:
    seconds: float


@dataclass(frozen=True)
class Gate:
    opened: threading.Event

    def open(self) -> None:
        self.opened.set()


def gate() -> Gate:
    return Gate(threading.Event())


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
    is_local: bool = False  # which scripted kind runs it: scripted-local (queued) or scripted
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
                elif isinstance(step, Gate):
                    step.opened.wait(60)  # deaf to Stop until the test opens it (60 s: never hang CI)
                elif isinstance(step, Raise):
                    raise step.exc
                else:
                    yield step
        finally:
            with self._lock:
                self.calls[index] = (started, time.monotonic())


@dataclass
class ScriptedBatchAdapter(ScriptedAdapter):
    """A local script that also decodes "together", as the llama.cpp adapter does: one
    `stream_batch` call interleaves every member's script, one step each in turn, and records the
    settings it was handed (`batches`). A member whose ctx is cancelled leaves; all cancelled is
    Stop. `at_once` (0 = all) decodes them in groups of that many, one group after another, as the
    engine does when memory is short."""

    is_local: bool = True
    at_once: int = 0
    batches: list[list[GenerationSettings]] = field(default_factory=list)

    def stream_batch(self, request: ChatRequest, settings_list: list[GenerationSettings],
                     ctxs: list[StreamContext]):
        with self._lock:
            self.batches.append(list(settings_list))
        scripts = [iter(self.script(s) if callable(self.script) else self.script) for s in settings_list]
        size = self.at_once or len(scripts)
        for start in range(0, len(scripts), size):
            live = list(range(start, min(len(scripts), start + size)))
            while live:
                if all(ctx.cancel.is_set() for ctx in ctxs):
                    raise Cancelled()
                for i in list(live):
                    step = None if ctxs[i].cancel.is_set() else next(scripts[i], None)
                    if step is None:
                        live.remove(i)
                    elif isinstance(step, Sleep):
                        time.sleep(step.seconds)
                    else:
                        yield i, step


class ScriptedSource(Source):
    """A fourth model kind: `scripted:NAME`, whose adapter is the test's script for that id."""

    kind = "scripted"
    name = "scripted"
    prefix = "scripted:"
    prefix_example = "'scripted:' needs a name"

    def __init__(self, runtime: Any, scripts: dict[str, "ScriptedAdapter"]) -> None:
        super().__init__(runtime)
        self.scripts = scripts

    @classmethod
    def entry_for(cls, model: str, catalog: Any) -> ModelEntry:
        return ModelEntry(label=f"{model} (scripted)", kind=cls.kind)

    def availability(self, spec) -> tuple[bool, str]:
        return (True, "ready") if spec.id in self.scripts else (False, "no script for this model")

    def cache_identity(self, spec, with_image: bool) -> dict[str, Any]:
        return {"script": spec.id}

    def adapter(self, spec) -> "ScriptedAdapter":
        return self.scripts[spec.id]


class ScriptedLocalSource(ScriptedSource):
    """The same, as a local kind: its panes queue for the local slots."""

    kind = "scripted-local"
    name = "local"
    prefix = "scripted-local:"
    is_local = True


def local_model(tmp_path: Path, name: str) -> str:
    """A model id of the local scripted kind (queued for a local slot like a GGUF)."""
    return f"{ScriptedLocalSource.prefix}{name}"


def scripted_runtime(scripts: dict[str, ScriptedAdapter], *, cache: Any = None, limits: Any = None):
    """A real Runtime with the scripted kinds registered; `scripts` by model id as panes name it."""
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime

    config = AppConfig()
    runtime = Runtime(config, Catalog(config, scan_disk=False), cache=cache, limits=limits)
    runtime.register(ScriptedSource(runtime, {k: v for k, v in scripts.items() if not v.is_local}))
    runtime.register(ScriptedLocalSource(runtime, {k: v for k, v in scripts.items() if v.is_local}))
    return runtime


def availability(spec, gemini_key_present: bool = False) -> tuple[bool, str]:
    """What a runtime says about `spec`: with or without a Gemini key in its environment."""
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime

    env = {"GEMINI_API_KEY": "test-key-not-real"} if gemini_key_present else {}
    runtime = Runtime(AppConfig(), Catalog(AppConfig(), scan_disk=False), env=env)
    try:
        return runtime.availability(spec)
    finally:
        runtime.close()
