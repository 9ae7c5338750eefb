"""Tiny GGUF files for catalog tests: a real GGUF header (written with the `gguf` package) with
the metadata a test needs, plus padding so files of different quantizations differ in size.
No weights a model could run: the catalog only reads headers."""

from __future__ import annotations

from pathlib import Path

import pytest


def write_gguf(path: Path, arch: str = "gemma4", pad_bytes: int = 0, **metadata) -> Path:
    """`metadata` keys use "__" for dots: general__basename="gemma-4" -> general.basename."""
    gguf = pytest.importorskip("gguf")
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), arch)
    for name, value in metadata.items():
        key = name.replace("__", ".")
        if isinstance(value, str):
            writer.add_string(key, value)
        elif isinstance(value, float):
            writer.add_float32(key, value)
        elif isinstance(value, int):
            writer.add_uint32(key, value)
        else:
            raise TypeError(f"unsupported metadata value for {key}: {value!r}")
    writer.add_token_list(["<pad>", "<eos>", "<bos>", "hello"])  # an array the reader must skip
    if pad_bytes:
        writer.add_tensor("pad", np.zeros(max(1, pad_bytes // 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def lmstudio_dir(tmp_path, monkeypatch) -> Path:
    """A folder standing in for LM Studio's models folder (the real one is never scanned)."""
    folder = tmp_path / "lmstudio-models"
    folder.mkdir()
    monkeypatch.setattr("playground.model_files.LM_STUDIO_DIRS", (str(folder),))
    return folder
