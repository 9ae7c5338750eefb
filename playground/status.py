"""The one vocabulary for a pane's status, shared by the runner, the HTML and the JavaScript.

A member is a `str` (equal to its word, JSON-encodes as its word), so pages and JSON carry
"done", "cached", ... and code compares against members, never against copies of the words.
"""

from __future__ import annotations

from enum import Enum

try:  # Python 3.11+
    from enum import StrEnum
except ImportError:  # pragma: no cover - Python 3.10
    class StrEnum(str, Enum):  # type: ignore[no-redef]
        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


class PaneStatus(StrEnum):
    QUEUED = "queued"  # waiting for a local slot (or an API sample gate)
    LOADING = "loading"  # a local model is being read into memory
    RUNNING = "running"  # streaming
    DONE = "done"  # the stream ended (finish_reason says how)
    ERROR = "error"  # failed; `error` says why, the text so far is kept
    STOPPED = "stopped"  # Stop, the loop detector or a time limit ended it
    CACHED = "cached"  # replayed from the response cache

    @property
    def finished(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({PaneStatus.DONE, PaneStatus.ERROR, PaneStatus.STOPPED, PaneStatus.CACHED})
