"""The one adapter contract every model source implements.

An adapter turns (request, settings) into a stream of typed events. Non-streaming use is
just joining the stream, so the streaming path is the only path and is always tested.

Adapters never catch-and-hide: a failure is raised as :class:`ModelError` (a sentence a
user can act on) or any other exception (shown as an internal error). The runner keeps
whatever text already arrived, so an error mid-stream never loses output.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator, Protocol, Union

# re-exported: the error every adapter raises lives in playground.errors, below the adapters,
# so keys.py (which the adapters use) can raise it without importing them
from playground.errors import ModelError  # noqa: F401
from playground.settings_table import GenerationSettings as _GenerationSettings


# Declared once, row by row, in playground/settings_table.py (form, link, CLI, config, cache key).
GenerationSettings = _GenerationSettings


@dataclass(frozen=True)
class ImageInput:
    """An uploaded image, already validated: raw bytes and its MIME type."""

    data: bytes
    mime: str  # image/png, image/jpeg, image/webp or image/gif

    def data_uri(self) -> str:
        import base64

        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class ChatRequest:
    """What the user asked: the same for every pane."""

    prompt: str
    system: str | None = None
    image: ImageInput | None = None


# ---- events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ThoughtDelta:
    text: str


@dataclass(frozen=True)
class Status:
    """A note for the person reading the pane, shown in its status line and kept in its notes:
    "system prompt folded into the user turn", "this model cannot see images: …"."""

    message: str


@dataclass(frozen=True)
class Loading:
    """The model is being loaded (a local model read into memory); `Loaded` follows."""

    message = "loading model"


@dataclass(frozen=True)
class Retrying:
    """A transient failure: the adapter waits `delay_s` then tries again (attempt `attempt` of
    `of`). Shown in the status line while it waits, not kept in the notes."""

    delay_s: float
    attempt: int
    of: int
    reason: str  # "429 RESOURCE_EXHAUSTED": short, no server prose

    @property
    def message(self) -> str:
        return f"retrying in {format_seconds(self.delay_s)} s ({self.attempt} of {self.of}): {self.reason}"


def format_seconds(seconds: float) -> str:
    """'0.5', '2', '12': three significant digits under ten seconds, whole seconds above."""
    return f"{seconds:.3g}" if seconds < 10 else f"{seconds:.0f}"


@dataclass(frozen=True)
class Loaded:
    """The model is ready; `load_s` is time spent loading (0 when it was already warm)."""

    load_s: float


@dataclass(frozen=True)
class Usage:
    """Token counts reported by the source. Fields left None are counted by the runner."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    thinking_tokens: int | None = None


@dataclass(frozen=True)
class Finish:
    """The stream ended normally. reason: stop, length, safety, ... (source words, lowercased)."""

    reason: str


@dataclass(frozen=True)
class RequestSent:
    """What the model was actually given, for the "what the model saw" fold: for a local model
    the rendered prompt text, its token count, the stop strings and the sampling values; for an
    API the request body (images as type and size, never bytes; never a key). JSON-able."""

    details: dict


def image_summary(image: "ImageInput | None") -> dict | None:
    """An image as it is described in a RequestSent: type and size, not the bytes."""
    if image is None:
        return None
    return {"mime_type": image.mime, "bytes": len(image.data)}


Event = Union[TextDelta, ThoughtDelta, Status, Loading, Retrying, Loaded, Usage, Finish, RequestSent]


class Cancelled(Exception):
    """Raised inside an adapter when the cancel flag is seen."""


@dataclass
class StreamContext:
    """What the runner hands an adapter besides the request: the cancel flag. Time limits are
    the runner's (it sets the flag when one is reached); an adapter only has to notice it."""

    cancel: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()


class Adapter(Protocol):
    """One model behind one source (whether its panes queue for the local cores is the
    source's business: playground.sources)."""

    def stream(
        self, request: ChatRequest, settings: GenerationSettings, ctx: StreamContext
    ) -> Iterator[Event]: ...

