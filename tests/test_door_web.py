"""The one door on the web (playground/door.py): through the real launch, the page's own Run (the
form as JSON, sent as raw HTTP the way the browser's queue does) and /run (gradio_client) take
only the models the page offers. A name that is a file (~/.bashrc, /proc/self/environ, a GGUF
outside the models folders) or a new API id (gemini:x#y) is refused with a sentence naming the
field, and nothing about the file is shown: not its bytes, not its size, not whether it exists.
Numbers are held to the page's controls (max tokens stops at 8192)."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import LaunchedApp

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def launched():
    app = LaunchedApp()
    yield app
    app.close()


def _fn_index(demo, name: str) -> int:
    for index, block_fn in demo.fns.items():
        if getattr(block_fn.fn, "__name__", "") == name:
            return index
    raise AssertionError(f"no event runs {name}")


def page_run(launched, form: dict) -> dict:
    """What the browser does on Run: queue/join with the form as JSON (+ no image), then read the
    event stream to its end. Returns the completion message."""
    session = uuid.uuid4().hex[:10]
    body = {"data": [json.dumps(form), None], "fn_index": _fn_index(launched.demo, "on_run_page"),
            "session_hash": session, "event_data": None, "trigger_id": None}
    join = urllib.request.Request(f"{launched.url}/gradio_api/queue/join", data=json.dumps(body).encode(),
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(join, timeout=30) as reply:
        assert reply.status == 200
    with urllib.request.urlopen(f"{launched.url}/gradio_api/queue/data?session_hash={session}", timeout=60) as stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError("the run never completed")


def file_facts(text: str, path: Path | None = None) -> list[str]:
    """What a refusal must never say about a file."""
    found = []
    if re.search(r"\bbytes?\b|\bsize\b|\bGB\b|\bMB\b|\bKB\b", text):
        found.append("a size")
    if re.search(r"not found|no such file|does not exist|exists|starts with|not a GGUF|magic", text, re.I):
        found.append("whether it exists / its first bytes")
    if path is not None and path.exists():
        head = path.read_bytes()[:8].decode("latin-1")
        if head.strip() and head in text:
            found.append("its first bytes")
    return found


def test_the_page_run_refuses_a_file_or_a_new_api_id_as_a_model_and_says_nothing_about_the_file(launched, tmp_path):
    outside = tmp_path / "elsewhere" / "evil.gguf"  # a GGUF outside every models folder
    outside.parent.mkdir()
    outside.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 4096)
    names = {str(Path("~/.bashrc")): Path.home() / ".bashrc", "/proc/self/environ": Path("/proc/self/environ"),
             str(outside): outside, "gemini:x#y": None, "/no/such/file.gguf": None}
    for name, path in names.items():
        done = page_run(launched, {"prompt": "hi", "model_0": name})
        assert done.get("success") is False, f"{name} was run"
        error = (done.get("output") or {}).get("error") or ""
        assert "Pane 1 model" in error and "is not one of this playground's models" in error, error
        assert file_facts(error, path) == [], f"{name}: {error}"
    # one refused pane refuses the run: nothing ran, and the catalog model alone would have
    done = page_run(launched, {"prompt": "hi", "model_0": "gemma-3-270m", "model_1": "/proc/self/environ"})
    assert "Pane 2 model" in done["output"]["error"]


def test_the_page_run_refuses_max_tokens_beyond_the_slider(launched):
    done = page_run(launched, {"prompt": "hi", "model_0": "gemma-3-270m", "max_tokens_0": "32768"})
    assert done.get("success") is False
    assert "Pane 1 max tokens must be between 1 and 8192 on this page" in done["output"]["error"]
    done = page_run(launched, {"prompt": "hi", "model_0": "gemma-3-270m", "max_tokens": 32768})
    assert "Parameter Max tokens must be between 1 and 8192" in done["output"]["error"]


def test_the_run_api_refuses_a_path_as_a_model_too(launched, tmp_path):
    from playground.ui.form import RUN_FIELDS

    client = gradio_client.Client(launched.url, verbose=False)
    outside = tmp_path / "other.gguf"
    outside.write_bytes(b"GGUF" + b"\x00" * 64)
    for name in ("/proc/self/environ", str(outside), "gemini:x#y"):
        values = {field: None for field in RUN_FIELDS} | {"prompt": "hi", "model_0": name, "thinking": False,
                                                           "samples": 1, "max_tokens": 64, "bypass_cache": False,
                                                           "blind": False}
        values |= {f"thinking_{slot}": "default" for slot in range(6)}
        values |= {field: "" for field in RUN_FIELDS if values[field] is None and field != "image"}
        with pytest.raises(Exception) as refused:
            client.predict(*[values[field] for field in RUN_FIELDS], api_name="/run")
        message = str(refused.value)
        assert file_facts(message, outside if name == str(outside) else None) == [], message


def pane_titles(outputs) -> str:
    return " ".join(re.findall(r'title="([^"]*)"', json.dumps(outputs).replace('\\"', '"')))


def test_run_named_takes_one_object_of_the_tables_names_and_says_what_a_source_cannot_send(launched):
    client = gradio_client.Client(launched.url, verbose=False)
    job = client.submit({"prompt": "hi", "max_tokens": 32, "panes": [{"model": "gemini:gemma-4-31b-it", "min_p": 0.05}]},
                        api_name="/run_named")
    job.result()
    titles = pane_titles(job.outputs())
    assert "min-p: 0.05" in titles and titles.count("min_p not sent: the Gemini API has no such setting") >= 1
    with pytest.raises(Exception, match="unknown field 'tempreature'"):
        client.predict({"prompt": "hi", "tempreature": 1, "panes": [{"model": "gemma-3-270m"}]}, api_name="/run_named")
    with pytest.raises(Exception, match="Pane 1 model: '/proc/self/environ' is not one of this playground's models"):
        client.predict({"prompt": "hi", "panes": [{"model": "/proc/self/environ"}]}, api_name="/run_named")
    with pytest.raises(Exception, match="Pane 1 max tokens must be between 1 and 8192 on this page"):
        client.predict({"prompt": "hi", "panes": [{"model": "gemma-3-270m", "max_tokens": 32768}]},
                       api_name="/run_named")


def test_the_download_route_takes_catalog_entries_only(launched, tmp_path):
    """Gradio's dropdown refuses names it does not list; the door says the same behind it."""
    client = gradio_client.Client(launched.url, verbose=False)
    for name in ("/proc/self/environ", str(tmp_path / "x.gguf"), "gemini:x#y"):
        with pytest.raises(Exception) as refused:
            client.predict(name, api_name="/download")
        message = str(refused.value)
        assert "not in the list of choices" in message or "is not one of this playground's models" in message
        assert file_facts(message) == [], message
