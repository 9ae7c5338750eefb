"""One Source per model kind, registered on the Runtime (see base.py for the contract).

Adding a kind: one new file here with a Source subclass, and one line in BUILTIN_SOURCES
(or `runtime.register(MySource(runtime))` from the code that builds the runtime).
"""

from __future__ import annotations

from playground.sources.base import Source
from playground.sources.gemini import GeminiSource
from playground.sources.local import LocalSource
from playground.sources.openai import OpenAISource

BUILTIN_SOURCES: tuple[type[Source], ...] = (LocalSource, GeminiSource, OpenAISource)

__all__ = ["BUILTIN_SOURCES", "GeminiSource", "LocalSource", "OpenAISource", "Source"]
