"""Reading a GGUF header without loading the model: metadata, quantization and identity."""

import pytest

from catalog_ggufs import write_gguf
from playground.gguf_info import GGUFFormatError, gguf_info, model_key, quant_from_name, read_gguf_metadata


def test_reader_returns_scalars_and_strings_and_skips_arrays(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", general__name="Gemma 4 E4B It", general__file_type=7,
                      general__sampling__top_p=0.95, pad_bytes=4096)
    meta = read_gguf_metadata(path)
    assert meta["general.architecture"] == "gemma4" and meta["general.name"] == "Gemma 4 E4B It"
    assert meta["general.file_type"] == 7 and abs(meta["general.sampling.top_p"] - 0.95) < 1e-6
    assert "tokenizer.ggml.tokens" not in meta


def test_reader_reads_the_bundled_model(tiny_gguf):
    info = gguf_info(tiny_gguf)
    assert info.architecture == "gemma3" and info.quant == "Q4_K_M" and str(info.key()) == "gemma-3-270m"


@pytest.mark.parametrize("data", [b"", b"GGML" + b"\0" * 20, b"GGUF\x03\0\0\0\0", b"GGUF\x01\0\0\0" + b"\0" * 16])
def test_a_file_that_is_not_a_readable_gguf_header_is_a_format_error(tmp_path, data):
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(GGUFFormatError):
        read_gguf_metadata(path)


def test_a_header_whose_string_runs_past_the_end_is_a_format_error(tmp_path):
    good = write_gguf(tmp_path / "m.gguf", general__name="x" * 100).read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(good[:60])
    assert gguf_info(cut).error is not None


def test_quantization_comes_from_file_type_when_the_name_has_none(tmp_path):
    assert gguf_info(write_gguf(tmp_path / "model.gguf", general__file_type=15)).quant == "Q4_K_M"


@pytest.mark.parametrize("stem, quant", [
    ("gemma-4-E4B-it-Q8_0", "Q8_0"), ("gemma-4-26B-A4B-it-UD-Q4_K_XL", "UD-Q4_K_XL"),
    ("gemma-4-E2B-it-IQ4_XS", "IQ4_XS"), ("gemma-4-31B-it-bf16", "BF16"), ("gemma-4-E4B-it", None),
])
def test_quantization_is_read_from_the_file_name(stem, quant):
    assert quant_from_name(stem) == quant


@pytest.mark.parametrize("name, key", [
    ("gemma-4-E4B-it-Q8_0", "gemma-4-e4b-it"), ("google_gemma-4-26B-A4B-it", "gemma-4-26b-a4b-it"),
    ("Gemma 4 E4B It", "gemma-4-e4b-it"), ("gemma-3-270m", "gemma-3-270m"), ("gemma-3n-E4B-it", "gemma-3n-e4b-it"),
])
def test_names_of_the_same_model_give_the_same_key(name, key):
    assert str(model_key(name)) == key


def test_a_name_of_no_gemma_model_has_no_key():
    assert model_key("qwen3-8b-instruct") is None
