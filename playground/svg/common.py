"""Helpers every stage shares: the sentence collector, short quotes, the strict XML parser."""

from __future__ import annotations

import threading

from lxml import etree


class Report:
    """Collects human sentences in order; a repeated sentence becomes one line with a count,
    so 200 identical fixes read as one line, yet nothing goes unreported."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def __call__(self, sentence: str) -> None:
        self._counts[sentence] = self._counts.get(sentence, 0) + 1

    def extend(self, sentences: list[str]) -> None:
        for sentence in sentences:
            self(sentence)

    def sentences(self) -> list[str]:
        return [s if n == 1 else f"{s} ({n} times)" for s, n in self._counts.items()]


def short(text: str, limit: int = 40) -> str:
    """Quote model text in a sentence: whitespace collapsed, long text cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_local = threading.local()


def strict_parser() -> etree.XMLParser:
    """A non-recovering parser that loads nothing (no DTD, no entities, no network).
    One per thread: lxml parsers must not be shared between threads."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            recover=False, resolve_entities=False, no_network=True, load_dtd=False,
            huge_tree=False,
        )
    return parser
