"""API keys: one resolver whose error names the environment variables, and a scrubber.

Keys are looked up when a pane needs them, never stored in settings, cache keys or logs.
Every error text that leaves an API adapter goes through :func:`redact` first, because
HTTP libraries and servers sometimes echo a key back (in a URL, a header dump, a message).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Callable, Iterable, Mapping

from playground.errors import ModelError

GEMINI_ENV_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")

NO_GEMINI_KEY = (
    "No Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), "
    "or add gemini_api_key to the config file."
)

REDACTED = "[redacted]"

# Shapes that are secrets whoever they belong to: Google API keys, `key=` query parameters,
# bearer tokens. Exact secrets passed by the caller are removed first.
_PATTERNS = (
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"(?i)([?&](?:key|api_key|apikey)=)[^&\s'\"]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(r"(?i)((?:x-goog-api-key|authorization)['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"),
)


def resolve_gemini_key(config_key: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """The Gemini API key: GEMINI_API_KEY, then GOOGLE_API_KEY, then the config file value.

    Blank values count as missing. Raises :class:`ModelError` naming the variables when
    there is no key at all.
    """
    for name in GEMINI_ENV_VARS:
        value = (env.get(name) or "").strip()
        if value:
            return value
    if config_key and config_key.strip():
        return config_key.strip()
    raise ModelError(NO_GEMINI_KEY)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every given secret and every key-shaped string replaced by [redacted]."""
    out = str(text)
    # Longest first, so a key that contains another secret is removed whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= 4:  # a 1-3 character "key" would shred ordinary words
            out = out.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        if pattern.groups:
            out = pattern.sub(lambda m: m.group(1) + REDACTED, out)
        else:
            out = pattern.sub(REDACTED, out)
    return out


def secrets_in(env: Mapping[str, str], names: Iterable[str | None], config_key: str | None = None) -> list[str]:
    """The values of the named environment variables (plus a key from the config file): every
    secret this process may send somewhere, so that :func:`redact` can remove it by value even
    where it has no key shape (an OpenAI-compatible server's token, say)."""
    found = [config_key] + [env.get(name) for name in set(names) if name]
    return [value.strip() for value in found if value and value.strip()]


def redactor(secrets: Iterable[str | None]) -> Callable[[str], str]:
    """`redact` bound to a fixed set of secrets."""
    kept = [s for s in secrets if s]
    return lambda text: redact(text, kept)


class RedactingFilter(logging.Filter):
    """A logging filter that passes every record through :func:`redact` before any handler
    writes it: a server error that echoes a key must not reach a log file either."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._redact = redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is left to logging
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self._redact(message), None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        record.exc_info = None if record.exc_text else record.exc_info
        return True


def install_log_redaction(secrets: Iterable[str | None]) -> RedactingFilter:
    """Attach a :class:`RedactingFilter` to every handler that exists now (the root logger's and
    those libraries such as uvicorn set up on their own loggers). Call it after the server has
    configured its logging."""
    log_filter = RedactingFilter(secrets)
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if log_filter not in handler.filters:
                handler.addFilter(log_filter)
    return log_filter


# The start of something :func:`redact` would remove, cut off at the end of a streamed text:
# held back until the next chunk says whether it completes a key.
_PARTIAL_SHAPES = re.compile(
    r"(?:A(?:I(?:za?)?)?|AIza[0-9A-Za-z_\-]*|(?i:[?&](?:k(?:ey?)?|api(?:_(?:k(?:ey?)?)?)?|apik(?:ey?)?)=?[^&\s'\"]*"
    r"|b(?:e(?:a(?:r(?:e(?:r)?)?)?)?)?\s*[A-Za-z0-9._~+/\-]*=*))\Z")


class StreamRedactor:
    """Redaction of a text that arrives in chunks (a model's answer or thinking), the same as
    :func:`redact` of the whole text, at a cost per chunk that does not grow with the text.

    ``add(chunk)`` returns the text to show now: everything settled, redacted, minus a tail that
    may be the start of a secret (a key split across two chunks is never shown in part).
    ``text()`` is the whole text redacted, nothing held back (for the end of the stream).
    Settled text is redacted in windows cut where no match can straddle the cut."""

    WINDOW = 512  # characters kept unsettled: longer than any key a match could hide

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._hold = max([self.WINDOW, *(2 * len(s) for s in self._secrets)])
        self._settled = ""  # redacted
        self._tail = ""  # raw, not yet settled

    def add(self, chunk: str) -> str:
        self._tail += chunk
        if len(self._tail) > 2 * self._hold:
            cut = self._safe_cut(len(self._tail) - self._hold)
            self._settled += redact(self._tail[:cut], self._secrets)
            self._tail = self._tail[cut:]
        shown = redact(self._tail, self._secrets)
        return self._settled + shown[:len(shown) - self._partial(shown)]

    def text(self) -> str:
        return self._settled + redact(self._tail, self._secrets)

    def _safe_cut(self, cut: int) -> int:
        """`cut`, moved back to the start of any match that straddles it."""
        spans = [(m.start(), m.end()) for pattern in _PATTERNS for m in pattern.finditer(self._tail)]
        for secret in self._secrets:
            start = self._tail.find(secret, max(0, cut - len(secret)))
            if start != -1:
                spans.append((start, start + len(secret)))
        for start, end in sorted(spans):
            if start < cut < end:
                cut = start
        return cut

    def _partial(self, shown: str) -> int:
        """How many trailing characters of `shown` might begin a secret or a key shape."""
        held = 0
        for secret in self._secrets:
            for n in range(min(len(secret) - 1, len(shown)), held, -1):
                if shown.endswith(secret[:n]):
                    held = n
                    break
        match = _PARTIAL_SHAPES.search(shown[-self._hold:])
        if match:
            held = max(held, len(match.group()))
        return held
