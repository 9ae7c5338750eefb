"""The local engine runs in its own process: a native crash ends one pane, never the app.

Real processes and the real tiny GGUF. This machine has no AMX, so the crash is made with the
engine's test-only hooks (GP_ENGINE_CRASH_AFTER_TOKENS: SIGSEGV after N tokens;
GP_ENGINE_CRASH_ON_LOAD: SIGABRT while loading, as a GGML_ASSERT does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, LaunchedApp
from fake_gemini import FakeGemini, Scenario, text_chunks
from playground.adapters.base import (
    Cancelled, ChatRequest, GenerationSettings, ModelError, RequestSent, StreamContext, TextDelta,
)
from playground.adapters.llama_local import LlamaLocalAdapter
from playground.adapters.llama_pool import LlamaPool
from playground.runner import PaneRequest, run_comparison

pytestmark = pytest.mark.slow
KEY = "AIzaSy-fake-key-for-tests-0002"
HOOK = Path(__file__).resolve().parent / "fixtures" / "engine_script.py"
LONG = GenerationSettings(temperature=0, max_tokens=40, seed=1)
CRASH_WORDS = "the local engine crashed (signal 11, segmentation fault) while generating; the answer so far is kept"


@pytest.fixture
def fake_api(monkeypatch):
    with FakeGemini(Scenario(chunks=text_chunks(["The API ", "pane ", "finished."]))) as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
        monkeypatch.setenv("GEMINI_API_KEY", KEY)
        yield server


def engine_pids(runtime) -> list[int]:
    return [engine.proc.pid for engine in runtime.sources["llama"].pool.engines()]


def alive(pid: int) -> bool:
    """Running (a reaped or zombie process is not)."""
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


# ---- a crash mid-answer ---------------------------------------------------------------------

def test_a_crash_mid_answer_is_a_sentence_on_that_pane_and_the_api_pane_finishes(runtime, fake_api, monkeypatch):
    monkeypatch.setenv("GP_ENGINE_CRASH_AFTER_TOKENS", "5")
    panes = [PaneRequest("gemma-3-270m", LONG), PaneRequest("gemini:gemma-4-31b-it", LONG)]
    local, api = run_comparison(runtime, ChatRequest("Name three birds."), panes)
    assert CRASH_WORDS in local.error and "The next run starts a fresh engine." in local.error
    assert local.text  # the five tokens streamed before the crash are kept
    assert api.error is None and api.text == "The API pane finished."
    (crashed,) = runtime.sources["llama"].pool.engines()
    assert not crashed.alive() and crashed.proc.returncode == -11
    # the next run starts a fresh engine and answers
    monkeypatch.delenv("GP_ENGINE_CRASH_AFTER_TOKENS")
    (again,) = run_comparison(runtime, ChatRequest("Name three birds."), panes[:1])
    assert again.error is None and again.finish_reason == "length" and again.text
    assert engine_pids(runtime) != [crashed.proc.pid]


def test_the_server_survives_a_crash_and_answers_the_next_request(fake_api, monkeypatch):
    from gradio_client import Client
    from support.ui_client import pane_html, run_args

    monkeypatch.setenv("GP_ENGINE_CRASH_AFTER_TOKENS", "3")
    app = LaunchedApp(env={"GEMINI_API_KEY": KEY}, n_ctx=512)
    try:
        client = Client(app.url, verbose=False)
        models = ["gemma-3-270m", "gemini:gemma-4-31b-it"]
        job = client.submit(*run_args("Name three birds.", models, max_tokens=24), api_name="/run")
        job.result(timeout=180)
        local, api = pane_html(job.outputs(), 0), pane_html(job.outputs(), 1)
        assert "segmentation fault" in local and "answer so far is kept" in local
        assert "gp-status-done" in api and "finished." in api
        monkeypatch.delenv("GP_ENGINE_CRASH_AFTER_TOKENS")
        job = client.submit(*run_args("Name three birds.", models[:1], max_tokens=16, seed=2), api_name="/run")
        job.result(timeout=180)
        assert "gp-status-done" in pane_html(job.outputs(), 0)
    finally:
        app.close()


def test_compare_prints_the_other_panes_and_exits_1_after_a_crash(fake_api, tmp_path):
    env = dict(os.environ, GP_ENGINE_CRASH_AFTER_TOKENS="3")
    proc = subprocess.run(
        [sys.executable, "-m", "playground", "compare", "Name three birds.", "-m", "gemma-3-270m",
         "-m", "gemini:gemma-4-31b-it", "--max-tokens", "24", "--json", "--no-cache"],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])  # never 139
    local, api = json.loads(proc.stdout)["panes"]
    assert CRASH_WORDS in local["error"] and local["text"]
    assert api["error"] is None and api["text"] == "The API pane finished."


def test_a_successful_local_compare_writes_nothing_to_stderr(tmp_path):
    """The engine's llama.cpp log stays quiet on a normal run: its 'using full-size SWA cache'
    line (logged at error level on every Gemma load) used to land in the user's terminal, once
    for the model and once for the samples' own context."""
    proc = subprocess.run(
        [sys.executable, "-m", "playground", "compare", "Say hi.", "-m", "gemma-3-270m",
         "--max-tokens", "4", "--samples", "2", "--no-cache"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("GP_ENGINE_")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "=== gemma-3-270m (local)" in proc.stdout
    assert proc.stderr == ""


# ---- Stop ------------------------------------------------------------------------------------

LONG_PROMPT = " ".join(f"pelican{i} rides bicycle{i % 17} along harbour{i % 29}." for i in range(500))


def stop_after_the_prompt_is_sent(adapter, request, settings):
    """Run until the engine says what it is about to read (RequestSent), press Stop then, and
    return (the events seen, whether the stream ended with Cancelled)."""
    ctx = StreamContext()
    seen = []
    try:
        for event in adapter.stream(request, settings, ctx):
            seen.append(event)
            if isinstance(event, RequestSent):
                ctx.cancel.set()
    except Cancelled:
        return seen, True
    return seen, False


def test_stop_during_a_long_prefill_is_honoured_by_the_engine(tiny_gguf):
    """About 4,000 prompt tokens take seconds to read on a CPU and yield nothing: Stop reaches
    the engine's abort callback, which ends llama_decode before the kill deadline (the engine
    is the same process afterwards: it was not killed) and the model answers the next run."""
    pool = LlamaPool(max_loaded=1, n_ctx=8192)
    try:
        adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
        seen, cancelled = stop_after_the_prompt_is_sent(adapter, ChatRequest(LONG_PROMPT), LONG)
        (sent,) = [e.details for e in seen if isinstance(e, RequestSent)]
        assert sent["prompt_tokens"] > 3500
        assert cancelled and not any(isinstance(e, TextDelta) for e in seen)
        (engine,) = pool.engines()
        assert engine.alive()
        answer = list(adapter.stream(ChatRequest("Say hi."), LONG, StreamContext()))
        assert any(isinstance(e, TextDelta) for e in answer)
        assert pool.engines() == [engine]
    finally:
        pool.close()


def test_an_engine_that_ignores_stop_is_killed_and_replaced(tiny_gguf, tmp_path, monkeypatch):
    """A llama_decode that never checks the flag (the hook sleeps where the prompt is read):
    Stop still ends the answer, by ending the process; the next run starts a fresh engine."""
    script = tmp_path / "script.json"
    monkeypatch.setenv("GP_ENGINE_TEST_HOOK", f"{HOOK}:install")
    monkeypatch.setenv("GP_ENGINE_SCRIPT", str(script))
    pool = LlamaPool(max_loaded=1, n_ctx=512)
    try:
        adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
        script.write_text(json.dumps({"stall_s": 600}))
        seen, cancelled = stop_after_the_prompt_is_sent(adapter, ChatRequest("hi"), LONG)
        assert cancelled
        (stuck,) = pool.engines()
        assert not stuck.alive() and stuck.proc.returncode == -9 and not alive(stuck.proc.pid)
        script.unlink()
        answer = list(adapter.stream(ChatRequest("Say hi."), LONG, StreamContext()))
        assert any(isinstance(e, TextDelta) for e in answer)
        (fresh,) = pool.engines()
        assert fresh is not stuck and fresh.alive()
    finally:
        pool.close()


# ---- memory ----------------------------------------------------------------------------------

def test_evicting_a_model_ends_its_process_and_the_app_never_holds_the_weights(tiny_gguf, tmp_path):
    other = tmp_path / "copy.gguf"
    other.write_bytes(tiny_gguf.read_bytes())
    pool = LlamaPool(max_loaded=1, n_ctx=256)
    try:
        before = rss_mb()
        with pool.use(tiny_gguf) as (first, _):
            weights_mb = rss_mb(first.proc.pid)
        assert weights_mb > 200  # the 253 MB model lives in the engine process...
        assert rss_mb() - before < 50  # ...not in the app
        with pool.use(other) as (second, _):
            pass
        assert not alive(first.proc.pid)  # evicted: its process (and memory) is gone
        assert pool.loaded() == [str(other)] and second.alive()
    finally:
        pool.close()
    assert not alive(second.proc.pid)


# ---- repacking on AMX ------------------------------------------------------------------------

def fake_cpuinfo(tmp_path, amx: bool) -> Path:
    flags = "fpu vme sse avx2 avx512f" + (" amx_bf16 amx_tile amx_int8" if amx else "")
    path = tmp_path / ("cpuinfo-amx" if amx else "cpuinfo")
    path.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\n")
    return path


def test_repack_is_off_by_default_on_an_amx_cpu(tmp_path):
    from playground.adapters.llama_pool import cpu_has_amx, decide_repack

    amx, plain = fake_cpuinfo(tmp_path, True), fake_cpuinfo(tmp_path, False)
    assert cpu_has_amx(amx) and not cpu_has_amx(plain)
    assert decide_repack(None, amx) == (False, "off (AMX CPU detected)")
    assert decide_repack(None, plain) == (True, "on")
    assert decide_repack(True, amx) == (True, "on (set in config)")
    assert decide_repack(False, plain) == (False, "off (set in config)")


@pytest.mark.parametrize("setting, expected, words", [
    (None, False, "off (AMX CPU detected)"),
    (True, True, "on (set in config)"),
])
def test_an_amx_cpu_loads_without_extra_buffers_and_the_request_says_so(tiny_gguf, tmp_path, monkeypatch,
                                                                        setting, expected, words):
    from playground.adapters import llama_pool

    monkeypatch.setattr(llama_pool, "CPUINFO", fake_cpuinfo(tmp_path, True))
    pool = LlamaPool(max_loaded=1, n_ctx=256, repack=setting)
    try:
        adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
        events = list(adapter.stream(ChatRequest("hi"), GenerationSettings(max_tokens=4), StreamContext()))
        (sent,) = [e.details for e in events if isinstance(e, RequestSent)]
        assert sent["repack"] == words
        (engine,) = pool.engines()
        assert engine.info["use_extra_bufts"] is expected  # what llama.cpp really loaded with
    finally:
        pool.close()


def test_models_listing_says_when_repacking_is_off(runtime, tmp_path, monkeypatch):
    from playground.adapters import llama_pool

    spec = runtime.catalog.resolve("gemma-3-270m")
    assert runtime.availability(spec) == (True, "ready")
    monkeypatch.setattr(llama_pool, "CPUINFO", fake_cpuinfo(tmp_path, True))
    assert runtime.availability(spec) == (True, "ready · repack off (AMX CPU detected)")


# ---- a file llama.cpp cannot load --------------------------------------------------------------

def test_an_abort_while_loading_is_a_sentence_and_the_next_run_is_fine(tiny_gguf, monkeypatch):
    pool = LlamaPool(max_loaded=1, n_ctx=256)
    adapter = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
    try:
        monkeypatch.setenv("GP_ENGINE_CRASH_ON_LOAD", "1")
        with pytest.raises(ModelError, match=r"the local engine crashed \(signal 6, aborted\) while loading "
                                             r"gemma-3-270m-q4_k_m.gguf: the file may be damaged"):
            list(adapter.stream(ChatRequest("hi"), LONG, StreamContext()))
        assert pool.engines() == []  # nothing half-loaded is kept
        monkeypatch.delenv("GP_ENGINE_CRASH_ON_LOAD")
        answer = list(adapter.stream(ChatRequest("Say hi."), LONG, StreamContext()))
        assert any(isinstance(e, TextDelta) for e in answer)
    finally:
        pool.close()


def test_a_truncated_gguf_is_a_sentence_and_its_engine_is_gone(tiny_gguf, tmp_path):
    broken = tmp_path / "broken.gguf"
    with tiny_gguf.open("rb") as src:
        broken.write_bytes(src.read(1 << 20))  # a real header, cut after 1 MB
    pool = LlamaPool(max_loaded=2, n_ctx=256)
    try:
        with pytest.raises(ModelError, match="could not load broken.gguf"):
            list(LlamaLocalAdapter(pool, broken).stream(ChatRequest("hi"), LONG, StreamContext()))
        assert pool.engines() == []
        good = LlamaLocalAdapter(pool, tiny_gguf, family="gemma3")
        assert any(isinstance(e, TextDelta) for e in good.stream(ChatRequest("Say hi."), LONG, StreamContext()))
    finally:
        pool.close()


def test_no_repack_on_the_command_line_reaches_the_engine_and_the_listing(capsys):
    from playground.cli import main

    assert main(["models", "--no-repack", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["gemma-3-270m"]["status"] == "ready · repack off (set in config)"
    assert main(["compare", "hi", "-m", "gemma-3-270m", "--no-repack", "--max-tokens", "4",
                 "--json", "--no-cache"]) == 0
    (pane,) = json.loads(capsys.readouterr().out)["panes"]
    assert pane["error"] is None and pane["request"]["repack"] == "off (set in config)"


def test_a_model_entry_can_turn_repacking_off(tmp_path):
    from playground.catalog import Catalog
    from playground.config import parse_config
    from playground.runtime import Runtime

    config = parse_config(f'[models.mine]\npath = "{tmp_path / "m.gguf"}"\nrepack = false\n')
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    try:
        assert runtime.availability(runtime.catalog.resolve("mine")) == (True, "ready · repack off (set in config)")
        assert runtime.adapter_for(runtime.catalog.resolve("mine")).repack is False
    finally:
        runtime.close()


def test_a_local_compare_never_loads_llama_cpp_into_the_app_process(tmp_path):
    """Everything native runs in the engine: the app process does not even import llama_cpp."""
    code = ("import sys; from playground.cli import main\n"
            "status = main(['compare', 'Say hi.', '-m', 'gemma-3-270m', '--max-tokens', '4', '--no-cache'])\n"
            "print(status, 'llama_cpp' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.stdout.strip().splitlines()[-1] == "0 False", proc.stderr[-2000:]
