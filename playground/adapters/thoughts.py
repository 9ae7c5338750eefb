"""Streaming helpers shared by the API adapters.

* :class:`ThoughtSplitter` separates a model's thinking from its answer when both arrive in
  one text stream, marked with ``<think>…</think>`` (Qwen/DeepSeek style, many servers) or
  Gemma 4's ``<|channel>thought\\n…<channel|>``.
* :func:`pull_cancellable` drains a blocking iterator on a helper thread, so the adapter can
  notice a cancel request within ``poll_s`` even while the network is silent (a thinking
  model can go quiet for many seconds before its first byte).
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator, TypeVar

from playground.adapters.base import StreamContext, TextDelta, ThoughtDelta

T = TypeVar("T")

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
GEMMA_OPEN = "<|channel>thought"
GEMMA_CLOSE = "<channel|>"

_OPENERS = (THINK_OPEN, GEMMA_OPEN)
_CLOSERS = (THINK_CLOSE, GEMMA_CLOSE)


class ThoughtSplitter:
    """Split a streamed completion into answer text and thought text.

    ``feed`` returns the deltas that are certain so far; only a suffix that could be the
    start of a marker is held back (at most one marker length minus one), so answer text
    streams with no added latency. ``flush`` releases what is held at the end.

    Rules:

    * text between an opening and a closing marker is thought; the rest is answer;
    * the newline right after an opening marker (``thought\\n``) and the whitespace right
      after a closing marker are layout, not content, and are dropped;
    * a closing marker with no opening one (the template pre-filled the opening marker in
      the prompt) is dropped rather than shown; pass ``start_in_thought=True`` when you
      know the prompt ends inside a thought, so the text before it counts as thought;
    * Gemma 4's empty pre-filled block ``<|channel>thought\\n<channel|>`` (thinking off)
      yields nothing;
    * an unclosed thought at the end of the stream stays thought (the model ran out of
      tokens while thinking).
    """

    def __init__(self, *, start_in_thought: bool = False) -> None:
        self._in_thought = start_in_thought
        self._buf = ""
        self._strip_thought_nl = start_in_thought
        self._strip_answer_ws = False
        self.saw_thought = start_in_thought

    @property
    def in_thought(self) -> bool:
        return self._in_thought

    def feed(self, chunk: str) -> list[TextDelta | ThoughtDelta]:
        out: list[TextDelta | ThoughtDelta] = []
        if not chunk:
            return out
        self._buf += chunk
        while True:
            markers = _CLOSERS if self._in_thought else _OPENERS + _CLOSERS
            pos, marker = _earliest(self._buf, markers)
            if marker is None:
                break
            self._emit(self._buf[:pos], out)
            self._buf = self._buf[pos + len(marker) :]
            if marker in _OPENERS:
                self._in_thought = True
                self.saw_thought = True
                self._strip_thought_nl = True
            else:
                # A closer ends a thought; a stray closer in answer mode is dropped.
                self._in_thought = False
                self._strip_answer_ws = True
        markers = _CLOSERS if self._in_thought else _OPENERS + _CLOSERS
        keep = _partial_suffix(self._buf, markers)
        ready, self._buf = self._buf[: len(self._buf) - keep], self._buf[len(self._buf) - keep :]
        self._emit(ready, out)
        return out

    def flush(self) -> list[TextDelta | ThoughtDelta]:
        out: list[TextDelta | ThoughtDelta] = []
        rest, self._buf = self._buf, ""
        self._emit(rest, out)
        return out

    def _emit(self, text: str, out: list[TextDelta | ThoughtDelta]) -> None:
        if not text:
            return
        if self._in_thought:
            if self._strip_thought_nl:
                if text.startswith("\n"):
                    text = text[1:]
                self._strip_thought_nl = False
            if text:
                _append(out, ThoughtDelta(text))
        else:
            if self._strip_answer_ws:
                text = text.lstrip()
                if not text:
                    return  # still inside the layout whitespace; keep stripping
                self._strip_answer_ws = False
            _append(out, TextDelta(text))


def split_all(text: str) -> tuple[str, str]:
    """(answer, thoughts) of a complete text: a convenience for tests and cached replays."""
    splitter = ThoughtSplitter()
    answer, thought = [], []
    for delta in splitter.feed(text) + splitter.flush():
        (thought if isinstance(delta, ThoughtDelta) else answer).append(delta.text)
    return "".join(answer), "".join(thought)


def _earliest(buf: str, markers: tuple[str, ...]) -> tuple[int, str | None]:
    best, found = len(buf) + 1, None
    for marker in markers:
        pos = buf.find(marker)
        if pos != -1 and pos < best:
            best, found = pos, marker
    return best, found


def _partial_suffix(buf: str, markers: tuple[str, ...]) -> int:
    """Length of the longest suffix of buf that is a proper prefix of some marker."""
    longest = 0
    for marker in markers:
        for n in range(min(len(marker) - 1, len(buf)), longest, -1):
            if buf.endswith(marker[:n]):
                longest = n
                break
    return longest


def _append(out: list[TextDelta | ThoughtDelta], delta: TextDelta | ThoughtDelta) -> None:
    if out and type(out[-1]) is type(delta):
        out[-1] = type(delta)(out[-1].text + delta.text)
    else:
        out.append(delta)


# ---- cancellable pulling --------------------------------------------------------------

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
