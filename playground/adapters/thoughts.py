"""The thought splitter used wherever an answer is read.

:class:`ThoughtSplitter` separates a model's thinking from its answer when both arrive in one
text stream, marked with Gemma 4's ``<|channel>thought\\n…<channel|>`` or, at the start of the
output only, ``<think>…</think>`` (Qwen/DeepSeek style, many servers). :func:`split_all`
applies the same rules to a whole saved text.
"""

from __future__ import annotations

from playground.adapters.base import TextDelta, ThoughtDelta

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
GEMMA_OPEN = "<|channel>thought"
GEMMA_CLOSE = "<channel|>"
CHANNEL = "<|channel>"  # Gemma 4's channel opener; only "thought" follows it in a chat answer

_GEMMA_MARKERS = (GEMMA_OPEN, CHANNEL, GEMMA_CLOSE)
_THINK_MARKERS = (THINK_OPEN, THINK_CLOSE)


class ThoughtSplitter:
    """Split a streamed completion into answer text and thought text.

    ``feed`` returns the deltas that are certain so far; only text that could still turn out
    to be a marker is held back, so answer text streams with no added latency and nothing is
    held past ``flush``. Any split of the same text into chunks gives the same result.

    Rules:

    * Gemma 4's ``<|channel>thought\\n…<channel|>`` is a thought wherever it appears: its
      markers are special tokens, so they never come from an answer's own words;
    * ``<think>…</think>`` (Qwen/DeepSeek style, many servers) opens a thought only at the
      very start of the output (leading whitespace allowed) and only with ``think_tags=True``:
      an answer that *mentions* ``<think>`` keeps every word. Pass ``think_tags=False`` for
      models that never think in ``<think>`` tags (Gemma);
    * a bare ``<|channel>`` not followed by ``thought`` is consumed, not shown (as llama.cpp's
      own Gemma 4 parser does);
    * a closing marker with no opening one is dropped: a lone ``<channel|>`` anywhere (Gemma 4
      may end its answer with one), a ``</think>`` only at the start (the template pre-filled
      the opener in the prompt; pass ``start_in_thought=True`` when you know the prompt ends
      inside a thought, so the text before the closer counts as thought);
    * the newline right after an opening marker, the whitespace right after a closing marker
      and whitespace before a marker at the start of the output are layout, not content;
    * empty thought blocks (Gemma's pre-filled ``<|channel>thought\\n<channel|>`` with thinking
      off, or the extra one Gemma 4 may add at the end) yield nothing;
    * an unclosed thought at the end of the stream stays thought (the model ran out of
      tokens while thinking).
    """

    def __init__(self, *, start_in_thought: bool = False, think_tags: bool = True) -> None:
        self.think_tags = think_tags
        self._in_thought = start_in_thought
        # which closers end the current thought: a <think> block ends only at </think>, a
        # Gemma block only at <channel|>; a thought begun in the prompt at either
        self._closers: tuple[str, ...] = ()
        if start_in_thought:
            self._closers = ((THINK_CLOSE,) if think_tags else ()) + (GEMMA_CLOSE,)
        self._buf = ""
        self._at_start = True  # no answer text (other than whitespace) released yet
        self._strip_thought_nl = start_in_thought
        self._strip_answer_ws = False
        self.saw_thought = start_in_thought

    @property
    def in_thought(self) -> bool:
        return self._in_thought

    def feed(self, chunk: str) -> list[TextDelta | ThoughtDelta]:
        out: list[TextDelta | ThoughtDelta] = []
        if chunk:
            self._buf += chunk
            self._drain(out, final=False)
        return out

    def flush(self) -> list[TextDelta | ThoughtDelta]:
        out: list[TextDelta | ThoughtDelta] = []
        self._drain(out, final=True)
        return out

    # -- the state machine --

    def _markers(self) -> tuple[str, ...]:
        if self._in_thought:
            # inside a Gemma thought a nested opener or a bare <|channel> is consumed too
            return self._closers + ((GEMMA_OPEN, CHANNEL) if GEMMA_CLOSE in self._closers else ())
        if self.think_tags and self._at_start:
            return _GEMMA_MARKERS + _THINK_MARKERS
        return _GEMMA_MARKERS

    def _find(self, final: bool) -> tuple[int, str | None]:
        """The next marker that is certain: its position and text, or (-1, None)."""
        buf = self._buf
        best, found = len(buf) + 1, None
        for marker in self._markers():
            pos = buf.find(marker)
            if pos == -1 or pos > best or (pos == best and len(marker) <= len(found or "")):
                continue
            if not self._in_thought and marker in _THINK_MARKERS and buf[:pos].strip():
                continue  # <think> counts only at the start of the output, not mid-answer
            best, found = pos, marker
        if found == CHANNEL and not final and GEMMA_OPEN.startswith(buf[best:]):
            return -1, None  # "<|channel>" + part of "thought": wait for the rest
        return (best, found) if found else (-1, None)

    def _hold(self) -> int:
        """How many trailing characters could still become a marker: held back."""
        buf = self._buf
        keep = _partial_suffix(buf, self._markers() if self._in_thought else _GEMMA_MARKERS)
        if not self._in_thought and self._at_start:
            rest = buf.lstrip()
            if not rest.strip():
                return len(buf)  # only whitespace so far: layout if a marker follows
            if self.think_tags and any(m.startswith(rest) for m in _THINK_MARKERS):
                return len(buf)  # "  <thi": could still open a thought
            if len(buf) - keep <= len(buf) - len(rest):
                return len(buf)  # whitespace + part of a Gemma marker: keep them together
        return keep

    def _drain(self, out: list[TextDelta | ThoughtDelta], final: bool) -> None:
        while self._buf:
            pos, marker = self._find(final)
            if marker is None:
                keep = 0 if final else self._hold()
                ready = self._buf[: len(self._buf) - keep]
                self._buf = self._buf[len(ready):]
                self._emit(ready, out)
                return
            before, self._buf = self._buf[:pos], self._buf[pos + len(marker):]
            if not self._in_thought and self._at_start and not before.strip():
                before = ""  # whitespace before a marker at the start is layout
            self._emit(before, out)
            self._on_marker(marker)

    def _on_marker(self, marker: str) -> None:
        if self._in_thought:
            if marker in self._closers:
                self._in_thought = False
                self._strip_answer_ws = True
            return  # a nested opener or bare <|channel> inside a thought: consumed
        if marker == GEMMA_OPEN or marker == THINK_OPEN:
            self._in_thought = True
            self.saw_thought = True
            self._strip_thought_nl = True
            self._closers = (GEMMA_CLOSE,) if marker == GEMMA_OPEN else (THINK_CLOSE,)
        elif marker == THINK_CLOSE:
            self._strip_answer_ws = True  # a pre-filled <think> closed at the start
        # a bare <|channel> or a stray <channel|> in the answer: consumed, nothing else

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
            if text.strip():
                self._at_start = False
            _append(out, TextDelta(text))


def split_all(text: str, *, think_tags: bool = True,
              start_in_thought: bool = False) -> tuple[str, str]:
    """(answer, thoughts) of a complete text, by the same rules as the stream: for saved
    answers read back (``gemma-playground svg``), cached replays and tests."""
    splitter = ThoughtSplitter(think_tags=think_tags, start_in_thought=start_in_thought)
    answer, thought = [], []
    for delta in splitter.feed(text) + splitter.flush():
        (thought if isinstance(delta, ThoughtDelta) else answer).append(delta.text)
    return "".join(answer), "".join(thought)


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
