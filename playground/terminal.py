"""Text for a terminal: the one function every human-readable CLI output passes through.

Model ids, tags, prompts and answers come from other people (a vote file, a server's model list,
a model's own output). Printed raw, ``ESC]0;…BEL`` retitles the terminal, ``ESC[2J`` clears it,
a C1 ``CSI`` (U+009B) does the same on terminals that read 8-bit controls, and U+202E reverses
what follows. Bottom layer: pure, standard library only.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 and C1 controls, DEL, the bidirectional overrides and isolates, the line/paragraph
# separators, and lone surrogates (which cannot even be encoded to print).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str, keep: str = "\n") -> str:
    """`text` with every control character (except those in `keep`) written as ``\\uXXXX``.

    The escape is JSON's own, so JSON output passed through stays valid JSON with the same
    values (JSON escapes C0 controls itself, but not C1 ones or bidi overrides)."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else f"\\u{ord(m.group()):04x}", text)
