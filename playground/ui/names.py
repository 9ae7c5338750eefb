"""What a pane is called, wherever a pane is named: its header, the strip and grid titles, the
ranking labels, the speed chart, the PNG card and the export all take their names from
`pane_names()`, so one comparison names its panes the same way everywhere.

A pane's name is its model's short name, size and source ("E4B local", "31B Gemini", "270M
local"): it stays readable in six panes on a laptop, where the long label ("Gemma 3 270M
(bundled, tiny stand-in — not Gemma 4)") cannot; the long label goes to tooltips and the Models
tab. Two panes of one model are told apart by what differs between them ("270M local · t 0.2",
"31B Gemini · thinking off"). The size comes from the model's own name (gguf_info.model_key,
the same reading the catalog uses to match files to presets), so a new preset or a found GGUF
is named without a table to keep in step.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any, Iterable, Mapping

from playground.gguf_info import model_key
from playground.pane import PaneState

SOURCE_WORDS = {"local": "local", "llama": "local", "gemini": "Gemini", "openai": "OpenAI"}
MAX_FALLBACK_CHARS = 18  # a model that is no Gemma: its label, cut to about a size + source


def _words(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# The settings that can tell two panes of one model apart, in the order they are named, each as
# the header's line 2 writes it (ui/format.py). A setting not listed is named "key value".
SETTING_WORDS: tuple[tuple[str, Any], ...] = (
    ("thinking", lambda v: "thinking on" if v else "thinking off"),
    ("temperature", lambda v: f"t {_words(v)}"),
    ("top_p", lambda v: f"p {_words(v)}"),
    ("top_k", lambda v: f"k {_words(v)}"),
    ("max_tokens", lambda v: f"max {_words(v)}"),
    ("seed", lambda v: "seed random" if v is None else f"seed {_words(v)}"),
)
_KNOWN = {key for key, _ in SETTING_WORDS}


class PaneName(str):
    """A pane's name ("270M local · t 0.2") that also knows its parts: the model's short name
    and what tells the pane apart from another of the same model. A header shows the detail in
    a smaller hand that gives way first; every other view uses the whole string."""

    short: str
    detail: str

    def __new__(cls, short: str, detail: str = "") -> "PaneName":
        name = super().__new__(cls, f"{short} · {detail}" if detail else short)
        name.short, name.detail = short, detail
        return name


def short_name(model: str, label: str = "", source: str = "") -> str:
    """A model's size and source: "E4B local", "31B Gemini", "26B-A4B Gemini", "270M local";
    a quantization picked by name stays ("E4B Q8_0 local"). A model that is no Gemma keeps its
    label (or id), cut short."""
    base, _, quant = model.partition("@")
    key = None
    for text in (base.split(":", 1)[-1], label, PurePath(base).name):
        key = model_key(text)
        if key is not None:
            break
    if key is not None:
        size = key.size.upper()
    else:
        size = re.sub(r"\s*\(.*?\)\s*", " ", label or base.split(":", 1)[-1]).strip() or model
        if len(size) > MAX_FALLBACK_CHARS:
            size = size[:MAX_FALLBACK_CHARS - 1].rstrip() + "…"
    word = SOURCE_WORDS.get(source, source)
    return " ".join(p for p in (size, quant, word) if p)


def settings_words(settings: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """The named settings among `keys`, in SETTING_WORDS order."""
    keys = set(keys)
    words = [fmt(settings.get(key)) for key, fmt in SETTING_WORDS if key in keys]
    words += [f"{key} {_words(settings.get(key))}" for key in sorted(keys - _KNOWN)]
    return words


def _differing(group: list[Mapping[str, Any]]) -> set[str]:
    keys = {k for s in group for k in s}
    return {k for k in keys if len({repr(s.get(k)) for s in group}) > 1}


def pane_names(states: list[PaneState]) -> dict[int, PaneName]:
    """pane index → its name in this comparison. Panes whose short names collide are told
    apart by the settings that differ among them, else by their full label (two models of one
    size), else by their pane number (the same model twice with the same settings)."""
    names = {s.index: PaneName(short_name(s.model, s.label, s.source)) for s in states}
    groups: dict[str, list[PaneState]] = {}
    for s in states:
        groups.setdefault(names[s.index], []).append(s)
    for short, group in groups.items():
        if len(group) < 2:
            continue
        if len({s.model for s in group}) > 1:  # two models of one size (Gemma 3n E4B, Gemma 4 E4B)
            for s in group:
                names[s.index] = PaneName(short, s.label or s.model)
            continue
        differ = _differing([s.settings or {} for s in group])
        for s in group:
            words = settings_words(s.settings or {}, differ)
            names[s.index] = PaneName(short, " · ".join(words) if words else f"pane {s.index + 1}")
    return names


def long_name(state: PaneState) -> str:
    """The tooltip's name: the full label, source and id."""
    label = state.label or state.model
    return f"{label} · {state.source} · {state.model}" if state.source else f"{label} · {state.model}"
