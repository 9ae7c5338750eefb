"""The model catalog: presets, the user's config, and GGUF files found on disk.

A model is named by a catalog id (`gemma-4-e4b`), a quantization of it (`gemma-4-e4b@Q8_0`), a
path to a `.gguf` file, `gemini:MODEL_ID` or `openai:MODEL` (with a base URL from the config or
`--openai-base-url`). `resolve()` turns a name into a ModelSpec; `sampling_defaults()` and
`settings_for()` give a model's own sampling and the settings a pane runs with (the order of
their sources is playground/sampling.py's).

Found files join their model: a GGUF whose metadata or name says it is a preset's model (any
quantization) makes that preset ready, instead of appearing as a separate bare entry. Where files
are looked for, and which quantization fits, is playground/model_files.py's.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any, Mapping

from playground.adapters.base import GenerationSettings
from playground.config import AppConfig, ModelEntry, parse_config
from playground.gguf_info import GGUFInfo, ModelKey, gguf_info, model_key, quant_from_name, strip_quant
from playground.model_files import (
    QuantOption, best_fit, bundled_model_path, family_of, find_file, found_ggufs, guess_family, is_file,
    model_folders, projector_next_to,
)
from playground.model_spec import ModelSpec
from playground.request import MAX_NAME_CHARS  # one bound for a model name's text (re-exported)
from playground.sampling import SamplingDefaults, sampling_defaults, settings_with
from playground.sources import LocalSource, discover_sources, resolve_options

# The kind whose models are GGUF files on disk: discovery, quantizations and locate() are for it.
GGUF_KIND = LocalSource.kind

BUNDLED_ID = "gemma-3-270m"


class UnknownModel(ValueError):
    """The user named a model the catalog cannot resolve."""


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


def _shown(name: str, limit: int = 80) -> str:
    """A user-supplied name, quoted in a message without flooding it."""
    return name if len(name) <= limit else name[:limit] + "…"


def _type_word(value: object) -> str:
    return {list: "a list", dict: "an object", tuple: "a list", type(None): "nothing (null)",
            bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


class Catalog:
    """Every model the user can pick, built once per process from presets + config + disk."""

    def __init__(self, config: AppConfig | None = None, models_dirs: list[str] | None = None,
                 openai_base_url: str | None = None, scan_disk: bool = True,
                 source_options: Mapping[str, Mapping[str, Any]] | None = None,
                 env: Mapping[str, str] | None = None):
        """`source_options`: the server options the owner gave on the command line, per kind
        ({"openai": {"base_url": …}}); the environment and the config's [sources.<kind>] fill in
        the rest (flag > env > config). `openai_base_url` is the older spelling of one of them."""
        self.config = config or AppConfig()
        self.env = env if env is not None else os.environ
        self.given_options: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (source_options or {}).items()}
        if openai_base_url is not None:
            self.given_options.setdefault("openai", {})["base_url"] = openai_base_url
        # kind -> its Source (class or the runtime's registered instance): prefixes, names
        self.sources: dict[str, Any] = {source.kind: source for source in discover_sources()}
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

    def source_option(self, kind: str, name: str) -> Any:
        """A source's server option (ServerOption): the flag given, else its environment
        variable, else the config's [sources.<kind>] key, else None."""
        source = self.sources.get(kind)
        options = getattr(source, "server_options", ())
        values = resolve_options(kind, options, self.given_options.get(kind),
                                 self.config.sources.get(kind), self.env)
        return values.get(name)

    @property
    def openai_base_url(self) -> str | None:
        """The OpenAI-compatible source's base URL (older name, kept for scripts and tests)."""
        return self.source_option("openai", "base_url")

    def prefix_forms(self) -> str:
        """How a model can be named by a source prefix, for messages: "gemini:MODEL_ID or openai:MODEL"."""
        forms = [getattr(s, "prefix_form", "") or f"{s.prefix}MODEL" for s in self.sources.values() if s.prefix]
        return " or ".join(forms)

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
        own_files = {e.file for e in self.entries.values() if e.file}
        for directory, path in found_ggufs(model_folders(self.search_dirs, hf_cache=True), own_files):
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
        options.append(QuantOption(quant, info.path, info.size_bytes, projector_next_to(info.path)))
        self.aliases.setdefault(info.path.stem.lower(), f"{preset_id}@{quant}")

    def _add_bare(self, path: Path, directory: Path, info: GGUFInfo) -> None:
        model_id = path.stem.lower()
        if model_id in self.entries or model_id in self.discovered:
            return
        self.discovered[model_id] = path
        projector = projector_next_to(path)
        context = info.context_length
        self.entries[model_id] = ModelEntry(
            label=f"{path.stem} (found in {directory})",
            kind=GGUF_KIND,
            family=family_of(info),
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
                f"a model is named by text (a catalog id, a .gguf path, {self.prefix_forms()}), "
                f"not by {_type_word(name)}."
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
            if not name.lower().endswith(".gguf") and not is_file(path):
                # server ids often hold a "/": the sources whose servers use them say how to name one
                hints = [f"For a model on {s.server_words} write {s.prefix}{_shown(name)}."
                         for s in self.sources.values() if getattr(s, "slash_ids", False) and s.prefix]
                raise UnknownModel(" ".join([f"unknown model '{_shown(name)}': not a catalog id and no such "
                                             ".gguf file.", *hints]))
            info = self.gguf_info(path) if is_file(path) else None
            spec = ModelSpec(str(path), ModelEntry(
                label=path.name, kind=GGUF_KIND, path=str(path),
                family=family_of(info) if info else guess_family(path.name),
                quantization=info.quant if info else quant_from_name(path.stem)), path=path)
            spec.quant = spec.entry.quantization
            self._as_preset_file(spec, info)
        else:
            close = [i for i in self.entries if name.lower() in i.lower()][:5]
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise UnknownModel(
                f"unknown model '{_shown(name)}'.{hint} Run `gemma-playground models` to list them, "
                f"or pass a path to a .gguf file, {self.prefix_forms()}."
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
        if spec.is_local and is_file(spec.path):
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
            chosen = best_fit(spec.quants, self.config.n_ctx)
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
        if is_file(own):
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

    def _as_preset_file(self, spec: ModelSpec, info: GGUFInfo | None) -> None:
        """A file named by its path that is a preset's model (by its metadata or name) gets that
        model's facts and, when its projector lies next to it, its vision — as a found file
        joining the preset does."""
        if info is None or info.error is not None:
            return
        preset_id = next((self._join_keys[k] for k in info.keys() if k in self._join_keys), None)
        if preset_id is None:
            return
        preset = self.entries[preset_id]
        projector = projector_next_to(spec.path)
        spec.preset_id = preset_id
        spec.mmproj_path = projector
        spec.entry = spec.entry.model_copy(update={
            "effective_params": preset.effective_params, "total_params": preset.total_params,
            "active_params": preset.active_params, "vision": preset.vision and projector is not None,
            "mmproj_path": str(projector) if projector else None})

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
        return find_file(repo, filename, model_folders(self.search_dirs), near)

    # ---- sampling ----------------------------------------------------------------------
    def sampling_defaults(self, spec: ModelSpec) -> SamplingDefaults:
        """What temperature / top_p / top_k a pane on this model uses when the user sets nothing
        in the UI, on the command line or for the pane: the config, its file's metadata, the
        preset it shares its sampling with (see SamplingDefaults for the order)."""
        gguf = preset = None
        if spec.is_local and is_file(spec.path):
            gguf = (f"{spec.path.name} metadata", self.gguf_info(spec.path).sampling())
        if spec.preset_id is not None:
            entry = self.builtins.get(spec.preset_id)
            if entry is not None and entry.sampling is not None:
                exact = spec.preset_id == (spec.base_id or spec.id) or self._sampling_preset_for(
                    self._spec_key(spec))[1]
                origin = f"preset {spec.preset_id}" + ("" if exact else " (same model family)")
                preset = (origin, entry.sampling.model_dump(exclude_none=True))
        return sampling_defaults(self.config, spec.base_id or spec.id, gguf, preset)

    def settings_for(self, spec: ModelSpec, explicit: Mapping[str, Any] | None = None) -> GenerationSettings:
        """The settings a pane on this model runs with (playground.sampling.settings_with).
        Resolve this before the cache key is made."""
        return settings_with(self.config, self.sampling_defaults(spec), explicit)
