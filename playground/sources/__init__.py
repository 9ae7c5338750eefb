"""One Source per model kind (see base.py for the contract), found through the Python
entry-point group `gemma_playground.sources`.

The built-ins register there in this package's pyproject.toml (local, gemini, openai); any
installed package can add a kind the same way:

    [project.entry-points."gemma_playground.sources"]
    ollama = "my_package.ollama_source:OllamaSource"

`discover_sources()` loads them once per process: built-ins first, then the others by name. A
plugin that fails to load is reported on stderr and left out; the app runs without it.
"""

from __future__ import annotations

import sys
from functools import lru_cache

from playground.sources.base import ServerOption, Source, resolve_options
from playground.sources.gemini import GeminiSource
from playground.sources.local import LocalSource
from playground.sources.openai import OpenAISource

ENTRY_POINT_GROUP = "gemma_playground.sources"
# Used when the package's entry points are not installed (running from a source tree).
BUILTIN_SOURCES: tuple[type[Source], ...] = (LocalSource, GeminiSource, OpenAISource)


@lru_cache(maxsize=1)
def discover_sources() -> tuple[type[Source], ...]:
    """Every Source class registered in the entry-point group, built-ins first."""
    from importlib.metadata import entry_points

    found: dict[str, type[Source]] = {}
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            source = point.load()
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not stop the app
            print(f"warning: model source {point.name!r} ({point.value}) cannot be loaded: {exc}", file=sys.stderr)
            continue
        if not (isinstance(source, type) and issubclass(source, Source)) or not getattr(source, "kind", None):
            print(f"warning: model source {point.name!r} ({point.value}) is not a Source subclass with a kind; "
                  "left out", file=sys.stderr)
            continue
        found.setdefault(source.kind, source)
    builtin = [s for s in BUILTIN_SOURCES if s.kind not in found or found[s.kind] is s]
    for s in builtin:
        found.pop(s.kind, None)
    return tuple(builtin) + tuple(found.values())


__all__ = ["BUILTIN_SOURCES", "ENTRY_POINT_GROUP", "GeminiSource", "LocalSource", "OpenAISource", "ServerOption",
           "Source", "discover_sources", "resolve_options"]
