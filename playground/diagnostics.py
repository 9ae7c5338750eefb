"""What an odd-looking answer likely means: one sentence per symptom, for the pane and `notes`.

:func:`diagnose` is pure and fast (linear in the text; a megabyte takes milliseconds) and is
called once when a pane finishes. Every symptom here is one Gemma users report from llama.cpp,
LM Studio and Ollama when a chat template, stop strings or a quantization are wrong:

* runs of placeholder tokens (``<unused49>`` ×N, ``<pad>``): wrong template or broken weights;
* turn markers (``<|turn>``, ``<turn|>``, ``<start_of_turn>``, ``<end_of_turn>``) in the text:
  the runtime did not stop at the end of the turn;
* an empty answer while the thinking is not: the answer stayed in the thought channel;
* no output at all; the token limit reached while still thinking.

No false alarms on ordinary answers: an answer *about* chat templates quotes these markers in
code, so text inside closed code fences and inline code spans is not searched, and a turn
marker counts only where a leak puts it (before a role name, another marker or the end of the
text), not mid-sentence. A fence left open to the end of the text is searched: a model that
degenerates inside a code block never closes it. Placeholder tokens count from three in a row.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["diagnose"]

# Finish reasons where the model itself ended the output. After a stop, an error, a timeout or
# a loop the text is cut short by us, so "empty" says nothing about the model or its template.
_ENDED_BY_MODEL = {"stop", "length", "unknown", None}

_PLACEHOLDER = r"(?:<unused\d{1,4}>|<pad>)"
_PLACEHOLDER_RUN = re.compile(rf"{_PLACEHOLDER}(?:\s*{_PLACEHOLDER}){{2,}}")
_PLACEHOLDER_ONE = re.compile(_PLACEHOLDER)

_TURN = r"(?:<\|turn>|<turn\|>|<start_of_turn>|<end_of_turn>)"
# A leaked marker is followed by a role name, another marker or the end of the text.
_TURN_LEAK = re.compile(rf"{_TURN}(?=\s*(?:(?:user|model|system|assistant)\b|{_TURN}|\Z))")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"``[^\n]*?``|`[^`\n]+`")


def diagnose(text: str, thinking: str, finish_reason: str | None, *,
             thinking_requested: bool | None = None) -> list[str]:
    """Sentences saying what is likely wrong with one finished pane's output ([] if nothing).

    ``text`` is the answer, ``thinking`` the thought text (both after thought splitting),
    ``finish_reason`` the pane's (``stop``, ``length``, ``loop``, ``cancelled``, …).
    ``thinking_requested``: whether thinking was asked for (None: unknown); it sharpens the
    sentence about an answer left in the thought channel.
    """
    text, thinking = text or "", thinking or ""
    notes: list[str] = []
    for where, body in (("answer", text), ("thinking", thinking)):
        searched = _outside_code(body)
        placeholders = _placeholder_runs(searched)
        if placeholders:
            notes.append(f"The {where} contains runs of placeholder tokens ({placeholders}): "
                         "this usually means a wrong chat template or a broken quantization.")
        markers = sorted(set(_TURN_LEAK.findall(searched)))
        if markers:
            notes.append(f"The {where} contains the turn marker{'s' if len(markers) > 1 else ''} "
                         f"{', '.join(markers)}: the runtime did not stop at the end-of-turn "
                         "token, so its chat template or stop strings are wrong.")
    if finish_reason not in _ENDED_BY_MODEL or text.strip():
        return notes
    if not thinking.strip():
        if finish_reason == "length":
            notes.append("There is no text at all although the token limit was reached: the "
                         "model wrote only tokens the runtime does not show, which points to a "
                         "wrong chat template or a broken quantization.")
        else:
            notes.append("The model returned no text at all: it ended its turn at once, which "
                         "usually means the prompt ends where the model sees a finished turn "
                         "(a chat template problem) or a stop string matched right away.")
    elif finish_reason == "length":
        fix = ("raise max tokens (it thought although thinking was off)"
               if thinking_requested is False else "raise max tokens or turn thinking off")
        notes.append("The token limit was reached while the model was still thinking, so no "
                     f"answer was written: {fix}.")
    else:
        off = (" although thinking was off, so the chat template or the runtime's thinking "
               "switch is not doing its job" if thinking_requested is False else "")
        notes.append("The answer is empty but the thinking is not: the whole answer stayed in "
                     f"the thought channel{off}; the answer may be at the end of the thinking.")
    return notes


def _outside_code(text: str) -> str:
    """The text without closed fenced code blocks and inline code spans (each becomes a
    blank line or a space, so no marker is glued together across a removed span)."""
    if "`" not in text and "~~~" not in text:
        return text
    kept: list[str] = []
    block: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        if not fence:
            match = _FENCE.match(line)
            if match:
                fence, block = match.group(1), [line]
            else:
                kept.append(_INLINE_CODE.sub(" ", line))
            continue
        block.append(line)
        stripped = line.strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            kept.append("\n")  # a closed block: quoted code, not output
            fence, block = "", []
    if fence:
        kept.extend(block)  # never closed: searched like the rest (see the module docstring)
    return "".join(kept)


def _placeholder_runs(text: str) -> str:
    """"<unused49> ×57" (the most common tokens first) for runs of three or more; "" if none."""
    if "<unused" not in text and "<pad>" not in text:
        return ""
    counts: Counter[str] = Counter()
    for run in _PLACEHOLDER_RUN.finditer(text):
        counts.update(_PLACEHOLDER_ONE.findall(run.group()))
    return ", ".join(f"{token} ×{n}" for token, n in counts.most_common(3))
