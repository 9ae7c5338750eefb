"""Reading an adapter's stream in tests: every event, and the exception that ended it (if any)."""

from __future__ import annotations

from typing import Any

from playground.adapters.base import ChatRequest, GenerationSettings, StreamContext, TextDelta


def collect(adapter: Any, request: ChatRequest | None = None, settings: GenerationSettings | None = None,
            ctx: StreamContext | None = None, *, prompt: str = "hi") -> tuple[list[Any], Exception | None]:
    """(events, the exception that ended the stream or None). A test that does not expect an
    error should say so: `events, err = collect(...); assert err is None, err`."""
    events: list[Any] = []
    try:
        for event in adapter.stream(request or ChatRequest(prompt), settings or GenerationSettings(),
                                    ctx or StreamContext()):
            events.append(event)
    except Exception as exc:  # noqa: BLE001 - returned for the test to assert on
        return events, exc
    return events, None


def joined(events: list[Any], kind: type = TextDelta) -> str:
    """The text of every event of `kind` (TextDelta by default), in order."""
    return "".join(e.text for e in events if isinstance(e, kind))
