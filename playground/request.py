"""The one door from a person's input to a :class:`ChatRequest`, shared by the CLI and the UI.

Text is checked here once, so nothing behind it (cache keys, adapters, logs) meets text it
cannot encode: a lone surrogate (``"\\ud800"`` in a JSON prompt) or invalid UTF-8 in a command
line argument (Python hands those over as surrogate escapes) is refused with a sentence saying
where it is, rather than crashing later as a ``UnicodeEncodeError``.
"""

from __future__ import annotations

import re

from playground.adapters.base import ChatRequest, ImageInput

_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestError(ValueError):
    """The input cannot become a request; the message says what was wrong and what to do."""


def check_text(value: object, what: str) -> str:
    """`value` if it is text that can be encoded as UTF-8; else a :class:`RequestError`."""
    if not isinstance(value, str):
        raise RequestError(f"The {what} must be text, not {type(value).__name__}.")
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise RequestError(
            f"The {what} is not valid text: character {bad.start() + 1} is a lone surrogate or an "
            "invalid UTF-8 byte. Save or paste it as UTF-8 and try again."
        )
    return value


MAX_NAME_CHARS = 4096  # the longest path most systems accept; no catalog or server id comes near


def check_model_name(value: object, what: str = "model name") -> str:
    """A model name as text every door takes (the catalog, the web door, `votes import`): valid
    UTF-8, not empty, at most MAX_NAME_CHARS, no control characters. Stripped. Which names may
    be *run* is the door's business (playground/door.py); this is only the text."""
    if not isinstance(value, str):
        raise RequestError(f"The {what} must be text, not {type(value).__name__}.")
    name = check_text(value, what).strip()
    if not name:
        raise RequestError(f"The {what} is empty.")
    if len(name) > MAX_NAME_CHARS:
        raise RequestError(f"The {what} has {len(name):,} characters; the limit is {MAX_NAME_CHARS:,}.")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise RequestError(f"The {what} cannot contain control characters (a line break, a tab, a NUL byte).")
    return name


def build_request(prompt: object, system: object = None, image: ImageInput | None = None, *,
                  max_prompt_chars: int) -> ChatRequest:
    """A stripped, checked request: the prompt is not empty and within `max_prompt_chars`,
    the system prompt (empty = none) is valid text too."""
    text = check_text("" if prompt is None else prompt, "prompt").strip()
    if not text:
        raise RequestError("The prompt is empty: type what to ask the models.")
    if len(text) > max_prompt_chars:
        raise RequestError(f"The prompt is {len(text):,} characters; the limit is {max_prompt_chars:,} "
                           "(max_prompt_chars in the config).")
    system_text = check_text("" if system is None else system, "system prompt").strip() or None
    return ChatRequest(prompt=text, system=system_text, image=image)
