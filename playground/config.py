"""User configuration: a TOML file that adds models and sets defaults.

Looked up at `--config PATH`, else `$GEMMA_PLAYGROUND_CONFIG`, else
`<user config dir>/gemma-playground/config.toml`. A missing default file is fine; a file the user
named (flag or variable) that does not exist is an error naming the path and where it was named.
Everything is validated once, here; a bad file is reported with file, line and key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from playground.adapters.base import GenerationSettings
from playground.loop import LoopSettings
from playground.settings_table import SETTINGS, pydantic_bounds

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class ConfigError(Exception):
    """A config file problem, phrased for the user (file, line, key, what to do)."""


CONFIG_ENV = "GEMMA_PLAYGROUND_CONFIG"


def _preset_field(row):
    """A [models.<id>.sampling] key: the setting's own type and bounds, None = not set."""
    return row.kind | None, Field(None, **pydantic_bounds(row))


# A model's recommended sampling (models.toml, or a user's `[models.<id>.sampling]`): one key per
# settings-table row whose empty field means "the model's own value" (temperature, top_p, top_k,
# min_p). Keys left out fall through to the GGUF's metadata, then to the app's defaults.
SamplingPreset = create_model(  # type: ignore[call-overload]
    "SamplingPreset", __config__=ConfigDict(extra="forbid"), __module__=__name__,
    **{row.name: _preset_field(row) for row in SETTINGS if row.model_default})


class ModelEntry(BaseModel):
    """One model as written in models.toml or a user's config ([models.<id>])."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    # which Source runs it (playground/sources/): llama (a local GGUF), gemini, openai, or a
    # kind registered on the runtime; a kind with no source shows as unavailable, with why
    kind: str = Field("llama", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    family: Literal["gemma4", "gemma3", "auto"] = "auto"
    bundled: bool = False
    # facts shown in the pane header
    effective_params: str | None = None
    total_params: str | None = None
    active_params: str | None = None
    vision: bool = False
    context_length: int | None = Field(None, ge=256)
    quantization: str | None = None
    size_gb: float | None = Field(None, ge=0)
    note: str | None = None
    sampling: SamplingPreset | None = None  # the model's recommended sampling
    # local GGUF: either a path on disk, or a hub repo + file (+ mmproj for images)
    path: str | None = None
    mmproj_path: str | None = None
    repo: str | None = None
    file: str | None = None
    mmproj: str | None = None
    # load the weights repacked for this CPU; None = yes, except on AMX CPUs (llama_pool.decide_repack)
    repack: bool | None = None
    # API sources
    api_model: str | None = None  # Gemini model id
    base_url: str | None = None  # OpenAI-compatible server
    model: str | None = None  # model name on that server
    api_key_env: str | None = None  # env var holding that server's key


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: GenerationSettings = GenerationSettings()
    models: dict[str, ModelEntry] = {}
    models_dirs: list[str] = []
    gemini_api_key: str | None = Field(None, repr=False)
    n_ctx: int = Field(4096, ge=256, le=262144)
    n_threads: int | None = Field(None, ge=1, le=256)
    n_gpu_layers: int = Field(0, ge=-1)
    # repack local weights at load (llama.cpp's extra buffer types); None = yes, except on AMX
    # CPUs, where llama-cpp-python 0.3.36 segfaults in the repacked matmul (llama.cpp #20824)
    repack: bool | None = None
    max_loaded_models: int = Field(2, ge=1, le=16)
    local_slots: int = Field(1, ge=1, le=8)
    pane_total_s: float = Field(600.0, gt=0, description="a pane is stopped after this long")
    pane_idle_s: float = Field(120.0, gt=0, description="a pane with no token for this long is stopped")
    loop: LoopSettings = LoopSettings()
    max_image_mb: float = Field(10.0, gt=0, le=100)
    # pixels are checked from the file header before anything decodes the image
    max_image_megapixels: float = Field(40.0, gt=0, le=1000)
    max_prompt_chars: int = Field(100_000, ge=1)
    # web runs only (the command line is not limited): panes × samples × max tokens per run, and
    # on a shared link the tokens each address may have generated per hour; 0 = no limit
    max_run_tokens: int = Field(65_536, ge=0)
    shared_tokens_per_hour: int = Field(500_000, ge=0)
    # prompts a suite may hold when run from the page on a shared link (the command line: any number)
    suite_max_prompts_shared: int = Field(50, ge=1)
    cache_dir: str | None = None
    cache_size_gb: float = Field(2.0, gt=0)
    # History keeps every comparison unless the user sets a limit: then the newest N are kept.
    history_max: int | None = Field(None, ge=1)
    # each model source's server options ([sources.openai] base_url = "…"): the keys a source
    # declares (sources/base.py ServerOption); a flag or environment variable wins over them
    sources: dict[str, dict[str, str | int | float | bool]] = {}
    source_path: str | None = None  # where this config came from (not a TOML key users set)


def default_config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("gemma-playground")) / "config.toml"


def _too_deep(source: str) -> ConfigError:
    return ConfigError(f"{source}: nested too deeply to read (arrays or tables inside each other "
                       "hundreds of levels deep). Fix the file or pass --config with another path.")


def _line_of_key(text: str, key_path: tuple[Any, ...]) -> int | None:
    """Best-effort line number of the innermost key named in a validation error."""
    names = [str(k) for k in key_path if isinstance(k, str)]
    if not names:
        return None
    pattern = re.compile(rf'^\s*"?{re.escape(names[-1])}"?\s*=')
    section = names[-2] if len(names) >= 2 else None
    in_section = section is None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = section is None or section in stripped
            continue
        if in_section and pattern.match(line):
            return number
    return None


def parse_config(text: str, source: str = "<config>") -> AppConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}. Fix the file or pass --config with another path.") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise _too_deep(source) from None
    try:
        config = AppConfig.model_validate(data)
    except RecursionError:
        raise _too_deep(source) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        line = _line_of_key(text, tuple(first["loc"]))
        where = f"{source}, line {line}" if line else source
        raise ConfigError(f"{where}: key '{key}': {first['msg']}.") from None
    return config.model_copy(update={"source_path": source})


def load_config(path: str | Path | None = None) -> AppConfig:
    """Load the user's config. A file named by --config (`path`) or $GEMMA_PLAYGROUND_CONFIG
    must exist; the default one may be absent."""
    if path is not None:
        config_path = Path(path).expanduser()
        named_by, fix = "--config", "Check the path given to --config."
    elif os.environ.get(CONFIG_ENV):
        config_path = default_config_path()
        named_by, fix = f"${CONFIG_ENV}", f"Fix the path, or unset {CONFIG_ENV} to use the default config."
    else:
        config_path, named_by, fix = default_config_path(), None, ""
    if not config_path.exists():
        if named_by:
            raise ConfigError(f"{config_path}: config file not found (named by {named_by}). {fix}")
        return AppConfig()
    try:
        text = config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read the config file ({exc}).") from None
    return parse_config(text, str(config_path))
