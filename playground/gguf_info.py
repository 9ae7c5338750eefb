"""What a GGUF file says about itself, read without loading it: its metadata (architecture,
name, size label, quantization, recommended sampling) and which model it is.

Only the header's key/value section is read (a memory map, no tensor data, no llama.cpp and no
`gguf` package needed at run time), so listing a folder of multi-GB files stays cheap: the cost is
dominated by skipping the tokenizer's vocabulary, ~0.1 s for Gemma's 262k tokens.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# GGUF value types (gguf spec): scalar type id -> struct format
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_SCALAR_SIZES = {kind: struct.calcsize(fmt) for kind, fmt in _SCALARS.items()}
_STRING, _ARRAY = 8, 9
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_MAX_KV = 1_000_000  # a header claiming more is damaged, not big

# llama.cpp's LlamaFileType (general.file_type) -> the quantization name people use
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M",
    30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
}

# a quantization at the end of a file name: gemma-4-E4B-it-Q8_0, …-UD-Q4_K_XL, …-IQ4_XS, …-bf16
_QUANT_SUFFIX = re.compile(
    r"[-_.]((?:UD-)?(?:I?Q\d(?:_[A-Z0-9]+)*|T?Q\d_\d|BF16|F16|F32|MXFP4(?:_MOE)?))$", re.IGNORECASE)
# which Gemma: generation (4, 3, 3n), size (e4b, 31b, 26b-a4b, 270m); "-it" = instruction tuned
_GEMMA = re.compile(r"gemma[-_ ]?(\d+n?)[-_ ]+(e?\d+(?:\.\d+)?[mb])(?:[-_ ]+(a\d+(?:\.\d+)?b))?(.*)")
_INSTRUCT = re.compile(r"(?:^|[-_ ])it(?:$|[-_ ])")

SAMPLING_KEYS = {"temperature": "general.sampling.temp", "top_p": "general.sampling.top_p",
                 "top_k": "general.sampling.top_k", "min_p": "general.sampling.min_p"}


class GGUFFormatError(ValueError):
    """The file is not a readable GGUF header."""


def read_gguf_metadata(path: str | Path) -> dict[str, Any]:
    """Every scalar and string key of a GGUF header (arrays are skipped: tokenizer tables)."""
    with open(path, "rb") as handle:
        try:
            buf = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            raise GGUFFormatError("empty file") from None
        with buf:
            try:
                return _parse_header(buf)
            except struct.error:
                raise GGUFFormatError("the header is cut short") from None


def _parse_header(buf: mmap.mmap) -> dict[str, Any]:
    end = len(buf)

    def string_end(pos: int) -> tuple[int, int]:
        length = _U64.unpack_from(buf, pos)[0]
        if pos + 8 + length > end:
            raise GGUFFormatError("a string runs past the end of the file")
        return pos + 8, pos + 8 + length

    if buf[:4] != b"GGUF":
        raise GGUFFormatError("not a GGUF file")
    version = _U32.unpack_from(buf, 4)[0]
    if version < 2:
        raise GGUFFormatError(f"GGUF version {version} is too old")
    count = _U64.unpack_from(buf, 16)[0]
    if count > _MAX_KV:
        raise GGUFFormatError("implausible number of keys")
    pos = 24
    out: dict[str, Any] = {}
    for _ in range(count):
        start, pos = string_end(pos)
        key = bytes(buf[start:pos]).decode("utf-8", "replace")
        kind = _U32.unpack_from(buf, pos)[0]
        pos += 4
        if kind == _STRING:
            start, pos = string_end(pos)
            out[key] = bytes(buf[start:pos]).decode("utf-8", "replace")
        elif kind in _SCALARS:
            out[key] = struct.unpack_from(_SCALARS[kind], buf, pos)[0]
            pos += _SCALAR_SIZES[kind]
        elif kind == _ARRAY:
            item, n = _U32.unpack_from(buf, pos)[0], _U64.unpack_from(buf, pos + 4)[0]
            pos += 12
            if item == _STRING:
                unpack = _U64.unpack_from
                for _ in range(n):
                    pos += 8 + unpack(buf, pos)[0]
            elif item in _SCALAR_SIZES:
                pos += n * _SCALAR_SIZES[item]
            else:
                raise GGUFFormatError(f"unsupported array of type {item} under {key}")
            if pos > end:
                raise GGUFFormatError("an array runs past the end of the file")
        else:
            raise GGUFFormatError(f"unknown value type {kind} under {key}")
    return out


@dataclass(frozen=True)
class ModelKey:
    """Which model a name or a file is, independent of its quantization:
    gemma-4-E4B-it-Q8_0.gguf and a file whose metadata says gemma-4 / E4B / it are the same."""

    generation: str  # "4", "3", "3n"
    size: str  # "e4b", "31b", "26b-a4b", "270m"
    instruct: bool

    def __str__(self) -> str:
        return f"gemma-{self.generation}-{self.size}{'-it' if self.instruct else ''}"


def model_key(text: str | None) -> ModelKey | None:
    """The Gemma model a name describes (`google/gemma-4-E4B-it-Q8_0`, `Gemma 4 E4B It`), or None."""
    if not text:
        return None
    lowered = text.lower().replace("_", "-")
    match = _GEMMA.search(lowered)
    if not match:
        return None
    generation, size, active, rest = match.groups()
    if active:
        size = f"{size}-{active}"
    return ModelKey(generation, size, bool(_INSTRUCT.search(rest)))


def quant_from_name(stem: str) -> str | None:
    match = _QUANT_SUFFIX.search(stem)
    return match.group(1).upper() if match else None


def strip_quant(stem: str) -> str:
    return _QUANT_SUFFIX.sub("", stem)


@dataclass
class GGUFInfo:
    """What the catalog uses from one file: identity, quantization, facts, sampling."""

    path: Path
    size_bytes: int
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # unreadable header: the file is listed, loading will say why

    @property
    def architecture(self) -> str | None:
        return self.metadata.get("general.architecture")

    @property
    def quant(self) -> str | None:
        """From the file name when it says (LM Studio shows that name), else general.file_type."""
        named = quant_from_name(self.path.stem)
        if named:
            return named
        file_type = self.metadata.get("general.file_type")
        return FILE_TYPES.get(file_type) if isinstance(file_type, int) else None

    @property
    def size_label(self) -> str | None:
        value = self.metadata.get("general.size_label")
        return value if isinstance(value, str) and value else None

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return value if isinstance(value, int) and value > 0 else None

    def keys(self) -> list[ModelKey]:
        """Every model this file may be, most trusted first: metadata (basename + size label +
        finetune, then general.name), then the file name. Converters guess size labels from
        parameter counts (E4B can become "7.5B"), so a caller tries each against what it knows."""
        meta = self.metadata
        parts = [meta.get("general.basename"), meta.get("general.size_label"), meta.get("general.finetune")]
        candidates = []
        if all(isinstance(p, str) and p for p in parts[:2]):
            candidates.append("-".join(p for p in parts if isinstance(p, str) and p))
        candidates += [meta.get("general.name"), strip_quant(self.path.stem)]
        keys: list[ModelKey] = []
        for text in candidates:
            key = model_key(text) if isinstance(text, str) else None
            if key is not None and key not in keys:
                keys.append(key)
        return keys

    def key(self) -> ModelKey | None:
        keys = self.keys()
        return keys[0] if keys else None

    def sampling(self) -> dict[str, float | int]:
        """The file's recommended sampling (general.sampling.*), only values in the app's bounds."""
        out: dict[str, float | int] = {}
        for name, key in SAMPLING_KEYS.items():
            value = self.metadata.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if name == "top_k":
                if float(value).is_integer() and 0 <= value <= 1000:
                    out[name] = int(value)
            elif name == "temperature" and 0 <= value <= 2:
                out[name] = round(float(value), 6)
            elif name in ("top_p", "min_p") and 0 < value <= 1:
                out[name] = round(float(value), 6)
        return out


def gguf_info(path: Path) -> GGUFInfo:
    """Never raises for a bad file: the error is kept and the file is still listed."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return GGUFInfo(path, 0, error=str(exc))
    try:
        return GGUFInfo(path, size, read_gguf_metadata(path))
    except (OSError, GGUFFormatError) as exc:
        return GGUFInfo(path, size, error=str(exc))
