"""The thread pump the API adapters read their streams through.

:func:`pull_cancellable` drains a blocking iterator on a helper thread, so the adapter can
notice a cancel request within ``poll_s`` even while the network is silent (a thinking model
can go quiet for many seconds before its first byte).
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator, TypeVar

from playground.adapters.base import StreamContext

T = TypeVar("T")

_ITEM, _END, _ERROR = 0, 1, 2


def pull_cancellable(
    open_stream: Callable[[], Iterator[T]],
    ctx: StreamContext,
    *,
    poll_s: float = 0.1,
    name: str = "stream-pump",
) -> Iterator[T]:
    """Yield the items of ``open_stream()``, opened and drained on a daemon thread.

    The consumer wakes every ``poll_s`` to call ``ctx.check()``, so a cancel raises
    :class:`~playground.adapters.base.Cancelled` promptly even while the helper thread is
    blocked in a network read. Exceptions from opening or iterating are re-raised here,
    in the consumer. When the consumer stops early (cancel, error, ``close()``), the helper
    closes the source iterator after its next item, or leaves with its read timeout.
    """
    q: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()

    def pump() -> None:
        source = None
        try:
            source = open_stream()
            for item in source:
                if stop.is_set():
                    break
                q.put((_ITEM, item))
            q.put((_END, None))
        except BaseException as exc:  # handed to the consumer, which decides
            q.put((_ERROR, exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # closing a half-read HTTP stream may fail; nothing to do
                    pass

    thread = threading.Thread(target=pump, name=name, daemon=True)
    thread.start()
    try:
        while True:
            ctx.check()
            try:
                kind, value = q.get(timeout=poll_s)
            except queue.Empty:
                continue
            if kind == _ITEM:
                ctx.check()
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
        stop.set()
