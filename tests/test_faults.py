"""Model faults and bad input give a sentence in the pane, and the app keeps serving."""

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings, ModelError, StreamContext
from playground.adapters import llama_pool
from playground.adapters.llama_local import LlamaLocalAdapter
from playground.adapters.llama_pool import LlamaPool, check_memory
from playground.images import ImageError, image_from_bytes
from playground.runner import PaneRequest, run_comparison
from playground.ui.limits import RateLimited, RateLimiter

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_not_enough_memory_is_refused_before_loading(tmp_path, monkeypatch):
    model = tmp_path / "big.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 4096)
    monkeypatch.setattr(llama_pool, "available_memory_bytes", lambda: 1024)
    with pytest.raises(ModelError, match=r"not enough memory to load big.gguf: needs about .* GB available"):
        check_memory(model, n_ctx=4096)


@pytest.mark.slow
def test_bad_mmproj_gives_a_sentence(tiny_gguf, tmp_path):
    mmproj = tmp_path / "mmproj-broken.gguf"
    mmproj.write_text("not a projector")
    pool = LlamaPool(max_loaded=1, n_ctx=256)
    adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3", mmproj=mmproj, vision=True)
    request = ChatRequest("What is this?", image=image_from_bytes(PNG_1PX))
    with pytest.raises(ModelError, match="mmproj-broken.gguf is not a GGUF model file"):
        list(adapter.stream(request, GenerationSettings(max_tokens=4), StreamContext()))
    pool.close()


@pytest.mark.slow
def test_model_without_vision_says_so_and_answers_from_text(runtime):
    request = ChatRequest("Describe the picture.", image=image_from_bytes(PNG_1PX))
    result = run_comparison(runtime, request, [PaneRequest("gemma-3-270m", GenerationSettings(max_tokens=8))])[0]
    assert result.error is None and result.text
    assert "this model cannot see images: it answered from the text alone" in result.notes


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"GIF89a\x01\x00\x01\x00" + b"\0" * 6, None),  # a 1×1 GIF header
    (b"RIFF\0\0\0\0WEBPVP8X" + b"\0" * 4 + b"\0" * 10, None),  # a 1×1 WebP (VP8X) header
    (b"GIF89a" + b"\0" * 10, "declares 0×0 pixels"),
    (b"RIFF\0\0\0\0WEBPVP8 ", "header is damaged"),
    (b"%PDF-1.7 ...", "is not a PNG, JPEG, WebP or GIF image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024), "the limit is 2 MB"),
])
def test_uploads_are_checked_by_content_and_size(data, message):
    if message is None:
        assert image_from_bytes(data, max_bytes=2 * 1024 * 1024).mime in ("image/gif", "image/webp")
    else:
        with pytest.raises(ImageError, match=message):
            image_from_bytes(data, max_bytes=2 * 1024 * 1024)


def test_rate_limiter_allows_n_runs_per_window_then_says_when():
    now = [0.0]
    limiter = RateLimiter(runs_per_minute=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("10.0.0.1")
    with pytest.raises(RateLimited, match=r"3 per minute\): try again in 60 s"):
        limiter.check("10.0.0.1")
    limiter.check("10.0.0.2")  # another client is not affected
    now[0] = 61.0
    limiter.check("10.0.0.1")  # the window moved on


def test_rate_limit_off_by_default():
    limiter = RateLimiter()
    for _ in range(1000):
        limiter.check("127.0.0.1")
