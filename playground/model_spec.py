"""A model as the catalog resolved it: its entry, the file it will load, the preset it shares
its sampling with, and the one-line facts its pane header shows.

Plain data: the catalog (playground/catalog.py) makes these; the runner, the sources and the UI
read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.config import ModelEntry
from playground.model_files import QuantOption, is_file


@dataclass
class ModelSpec:
    id: str
    entry: ModelEntry
    # resolved on disk (local models), filled by locate()
    path: Path | None = None
    mmproj_path: Path | None = None
    extra: dict = field(default_factory=dict)
    # the catalog id this is (for `gemma-4-e4b@Q8_0`: gemma-4-e4b), and the built-in preset whose
    # recommended sampling it shares (openai:google/gemma-4-31b-it -> gemma-4-31b)
    base_id: str | None = None
    preset_id: str | None = None
    quant: str | None = None  # the quantization it will load (local models)
    quants: list[QuantOption] = field(default_factory=list)  # every file of this model found

    # the Source class (or registered instance) of this kind, set by the catalog; None when no
    # source is registered for the entry's kind
    source_info: Any = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def label(self) -> str:
        return self.entry.label or self.id

    @property
    def is_local(self) -> bool:
        """Its panes share the local cores (they queue for a slot)."""
        return bool(self.source_info is not None and self.source_info.is_local)

    @property
    def source(self) -> str:
        """The source's name as panes, `models` and History show it (local, gemini, openai)."""
        return self.source_info.name if self.source_info is not None else self.entry.kind

    def facts(self) -> str:
        """One line for the pane header: parameters, quantization, file size."""
        e = self.entry
        parts = []
        if e.effective_params and e.total_params and e.effective_params != e.total_params:
            parts.append(f"{e.effective_params} effective / {e.total_params} total")
        elif e.total_params:
            parts.append(f"{e.total_params} params")
        if e.active_params:
            parts.append(f"{e.active_params} active")
        if e.quantization and self.is_local:
            parts.append(e.quantization)
        if is_file(self.path):
            size = self.path.stat().st_size
            parts.append(f"{size / 1e9:.2f} GB" if size >= 1e8 else f"{size / 1e6:.1f} MB")
        elif e.size_gb:
            parts.append(f"≈{e.size_gb:g} GB")
        if e.vision:
            parts.append("vision")
        return " · ".join(parts)
