"""Images on the tiny Gemma 4 (tests/fixtures/tiny_gemma4.py): its `gemma4v` projector behind
llama-cpp-python's Gemma4ChatHandler, through our local adapter and the CLI; Stop while the image
is read; an image prompt longer than the context.
"""

from __future__ import annotations

import json
import threading

import pytest

from playground.adapters.base import Cancelled, ChatRequest, Finish, ImageInput, ModelError, RequestSent, StreamContext
from playground.adapters.llama_local import LlamaLocalAdapter
from playground.adapters.llama_pool import LlamaPool
from support.gemma4 import GREEDY, engine_script, loaded_llm, png, pool, run, scripted, tiny_gemma4  # noqa: F401

pytestmark = pytest.mark.slow


def test_an_image_goes_through_the_gemma4v_projector(pool, tiny_gemma4, capfd):
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4",
                                mmproj=tiny_gemma4.mmproj, vision=True)
    llm = loaded_llm(pool, tiny_gemma4.model, tiny_gemma4.mmproj)
    request = ChatRequest("What colour is this?", image=ImageInput(png(64, 48), "image/png"))
    with scripted(llm, "<|channel>thought\nIt looks red.<channel|>Red.<turn|>") as seen:
        events, answer, thinking, usage = run(adapter, request, GREEDY.model_copy(update={"thinking": True}))
    assert (answer, thinking) == ("Red.", "It looks red.")
    assert events[-1] == Finish("stop")
    text_only = len(llm.tokenize(b"What colour is this?", add_bos=False))
    # gemma4v gives an image at least 70 tokens (llama.cpp's limit for this projector)
    assert usage["prompt_tokens"] >= text_only + 70
    (prompt,) = seen["prompts"]
    assert usage["prompt_tokens"] == len(prompt)
    assert usage["completion_tokens"] == len(seen["ids"]) - 1  # all but <turn|>
    (sent,) = [e.details for e in events if isinstance(e, RequestSent)]
    assert sent["prompt"] == ("<bos><|turn>system\n<|think|><turn|>\n<|turn>user\n"
                              "<__media__>What colour is this?<turn|>\n<|turn>model\n")
    assert sent["stop"] == [] and sent["stop_tokens"] == ["<turn|>", "<eos>"]
    assert sent["image"] == {"mime_type": "image/png", "bytes": len(request.image.data),
                             "marker": "<__media__>", "projector_file": tiny_gemma4.mmproj.name}
    assert sent["prompt_tokens"] == usage["prompt_tokens"]
    # llama.cpp's multimodal debug log ("add_text: <the prompt>") stays out of stderr
    assert "What colour" not in capfd.readouterr().err


def test_compare_with_an_image_on_the_found_gemma4_preset(tiny_gemma4, tmp_path, capsys):
    """`compare -m gemma-4-e2b --models-dir DIR --image FILE`: the preset finds the file and its
    projector in DIR, and the image reaches the model (its tokens are in the prompt count)."""
    from playground.cli import main

    image = tmp_path / "red.png"
    image.write_bytes(png(64, 48))
    status = main(["compare", "What colour is this?", "-m", "gemma-4-e2b", "--models-dir",
                   str(tiny_gemma4.model.parent), "--image", str(image), "--n-ctx", "512",
                   "--max-tokens", "4", "--seed", "3", "--json", "--no-cache"])
    assert status == 0
    (pane,) = json.loads(capsys.readouterr().out)["panes"]
    assert pane["error"] is None and not any("cannot see images" in n for n in pane["notes"])
    assert pane["request"]["image"]["projector_file"] == tiny_gemma4.mmproj.name
    assert pane["metrics"]["prompt_tokens"] >= 70 + 10


def test_a_gemma4_file_named_by_its_path_sees_images_through_the_projector_beside_it(tiny_gemma4, tmp_path, capsys):
    """`compare -m path/to/gemma-4-E2B-it-….gguf --image FILE`: the file is known as gemma-4-e2b by
    its metadata, so it gets that model's facts and vision through the projector next to it."""
    from playground.catalog import Catalog
    from playground.cli import main
    from playground.config import AppConfig

    spec = Catalog(AppConfig(), scan_disk=False).resolve(str(tiny_gemma4.model))
    assert spec.mmproj_path == tiny_gemma4.mmproj and spec.entry.vision
    assert "effective" in spec.facts() and "MB" in spec.facts() and "0.00 GB" not in spec.facts()
    image = tmp_path / "red.png"
    image.write_bytes(png(64, 48))
    status = main(["compare", "What colour is this?", "-m", str(tiny_gemma4.model), "--image", str(image),
                   "--n-ctx", "512", "--max-tokens", "4", "--seed", "3", "--json", "--no-cache"])
    assert status == 0
    (pane,) = json.loads(capsys.readouterr().out)["panes"]
    assert pane["error"] is None and not any("cannot see images" in n for n in pane["notes"])
    assert pane["metrics"]["prompt_tokens"] >= 70 + 10


def test_stop_while_the_image_is_read_cancels_and_the_model_stays_usable(pool, tiny_gemma4, engine_script):
    """The handler reads the prompt and the image before it returns its first chunk; Stop
    pressed then must still cancel (llama.cpp's abort callback), not run on to the answer, and
    in time: the engine that honoured it is the same process afterwards (not killed)."""
    adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4",
                                mmproj=tiny_gemma4.mmproj, vision=True)
    llm = loaded_llm(pool, tiny_gemma4.model, tiny_gemma4.mmproj)
    with pool.use(tiny_gemma4.model, tiny_gemma4.mmproj) as (engine, _):
        pid = engine.proc.pid
    ctx = StreamContext()
    reading = engine_script.with_name("reading-image")
    reading.unlink(missing_ok=True)

    def press_stop_while_reading():
        while not reading.exists():
            threading.Event().wait(0.02)
        ctx.cancel.set()  # as if the user pressed Stop right now

    presser = threading.Thread(target=press_stop_while_reading, daemon=True)
    presser.start()
    request = ChatRequest("What is this?", image=ImageInput(png(32, 32), "image/png"))
    with scripted(llm, "never<turn|>", wait_for_cancel_in_image=True, reading_flag=str(reading)) as seen, \
            pytest.raises(Cancelled):
        list(adapter.stream(request, GREEDY, ctx))
    presser.join(5)
    assert seen["prompts"] == []  # reading was interrupted: no completion was even set up
    for again in (ChatRequest("What is this?", image=ImageInput(png(32, 32), "image/png")),
                  ChatRequest("hi")):
        with scripted(llm, "ok<turn|>"):
            _, answer, _, _ = run(adapter, again)
        assert answer == "ok"
    with pool.use(tiny_gemma4.model, tiny_gemma4.mmproj) as (engine, _):
        assert engine.proc.pid == pid


def test_an_image_prompt_longer_than_the_context_gives_a_sentence(tiny_gemma4):
    pool = LlamaPool(max_loaded=1, n_ctx=256, n_threads=1)
    try:
        adapter = LlamaLocalAdapter(pool, tiny_gemma4.model, family="gemma4",
                                    mmproj=tiny_gemma4.mmproj, vision=True)
        request = ChatRequest("pelican " * 200, image=ImageInput(png(64, 64), "image/png"))
        with pytest.raises(ModelError, match="does not fit this model's context"):
            run(adapter, request)
        # the model is still usable afterwards
        llm = loaded_llm(pool, tiny_gemma4.model, tiny_gemma4.mmproj)
        with scripted(llm, "ok<turn|>"):
            _, answer, _, _ = run(adapter, ChatRequest("hi"))
        assert answer == "ok"
    finally:
        pool.close()
