"""`gemma-playground suite run|list` against the loopback Gemini fake (the real SDK): the JSON
shape (compare's pane objects), both file formats, bad lines, an empty file, answers cached like
a comparison, the gallery, `suite list`, and a run killed half way that resumes with only the
missing answers (counted at the fake server)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fake_gemini import FakeGemini, Scenario, text_chunks

from playground.cli import main

ROOT = Path(__file__).resolve().parent.parent
KEY = "AIzaSy-fake-key-for-suite-tests"
SVG = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><circle cx='5' cy='5' r='4' fill='teal'/></svg>"


@pytest.fixture
def fake(monkeypatch):
    with FakeGemini(Scenario(chunks=text_chunks(["Here you go:\n", SVG]))) as server:
        monkeypatch.setenv("GEMINI_API_KEY", KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
        yield server


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def prompts_sent(server) -> list[tuple[str, str]]:
    """(model, prompt text) of every generate request the fake received."""
    sent = []
    for request in server.requests:
        if request.model and request.body:
            text = "".join(p.get("text", "") for c in request.body["contents"] for p in c["parts"])
            sent.append((request.model, text))
    return sent


def test_json_is_the_suite_with_compare_pane_objects_and_answers_are_cached_like_compare(fake, tmp_path, capsys):
    suite = tmp_path / "three.jsonl"
    suite.write_text('{"prompt": "Draw a teal circle", "id": "circle", "tags": ["svg"]}\n'
                     '{"prompt": "Say hi"}\n{"prompt": "Count to three", "system": "Be brief"}\n')
    code, out, err = run(capsys, "suite", "run", str(suite), "-m", "gemini:a", "-m", "gemini:b", "--json",
                         "--temperature", "0.3")
    assert code == 0, err
    document = json.loads(out)  # progress went to stderr, not into the JSON
    assert set(document) == {"suite", "models", "prompts"}
    assert document["suite"] == "three" and document["models"] == ["gemini:a", "gemini:b"]
    assert [(p["id"], p["prompt"], p["tags"]) for p in document["prompts"]] == [
        ("circle", "Draw a teal circle", ["svg"]), ("2", "Say hi", []), ("3", "Count to three", [])]
    assert all(set(p) == {"id", "prompt", "tags", "panes"} for p in document["prompts"])
    panes = document["prompts"][0]["panes"]
    assert [p["model"] for p in panes] == ["gemini:a", "gemini:b"]
    assert all(p["settings"]["temperature"] == 0.3 and p["finish_reason"] == "stop" and not p["cached"] for p in panes)
    assert panes[0]["svgs"] and panes[0]["svgs"][0]["svg"]
    assert "6/6 answers" in err
    assert len(prompts_sent(fake)) == 6
    system = [r.body.get("systemInstruction") or r.body.get("system_instruction") for r in fake.requests
              if "three" in json.dumps(r.body)]
    assert system and "Be brief" in json.dumps(system)

    # the same prompt through compare: the same pane object, replayed from the suite's cache
    code, out, _ = run(capsys, "compare", "Draw a teal circle", "-m", "gemini:a", "-m", "gemini:b", "--json",
                       "--temperature", "0.3")
    compared = json.loads(out)["panes"]
    assert code == 0 and set(compared[0]) == set(panes[0])
    assert all(p["cached"] for p in compared) and compared[0]["text"] == panes[0]["text"]
    assert len(prompts_sent(fake)) == 6

    # a re-run replays everything
    code, out, err = run(capsys, "suite", "run", str(suite), "-m", "gemini:a", "-m", "gemini:b", "--json",
                         "--temperature", "0.3")
    assert code == 0 and len(prompts_sent(fake)) == 6 and "6 cached" in err
    assert all(p["cached"] for prompt in json.loads(out)["prompts"] for p in prompt["panes"])


def test_plain_text_suite_and_bad_lines_named_on_stderr_while_the_good_ones_run(fake, tmp_path, capsys):
    text = tmp_path / "mine.txt"
    text.write_text("first prompt\nsecond prompt\n")
    code, out, err = run(capsys, "suite", "run", str(text), "-m", "gemini:a", "--json")
    assert code == 0 and [p["prompt"] for p in json.loads(out)["prompts"]] == ["first prompt", "second prompt"]

    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"prompt": "good"}\n{"prompt": \n{"promt": "typo"}\n{"prompt": "also good"}\n')
    code, out, err = run(capsys, "suite", "run", str(mixed), "-m", "gemini:a", "--json")
    assert code == 0
    assert [p["id"] for p in json.loads(out)["prompts"]] == ["1", "4"]
    assert "mixed: line 2: not valid JSON" in err and "mixed: line 3: unknown field 'promt'" in err
    assert "the other prompts run" in err


def test_an_empty_suite_or_a_bad_name_is_exit_status_2_with_a_sentence(fake, tmp_path, capsys):
    (tmp_path / "empty.jsonl").write_text("\n")
    code, out, err = run(capsys, "suite", "run", str(tmp_path / "empty.jsonl"), "-m", "gemini:a")
    assert code == 2 and out == "" and "no prompt to run (the suite is empty)" in err
    (tmp_path / "allbad.jsonl").write_text('{"id": 1}\n')
    code, _, err = run(capsys, "suite", "run", str(tmp_path / "allbad.jsonl"), "-m", "gemini:a")
    assert code == 2 and "line 1:" in err and "every line had a problem" in err
    code, _, err = run(capsys, "suite", "run", "nope", "-m", "gemini:a")
    assert code == 2 and "neither a suite file nor a bundled suite" in err and "pelican" in err
    code, _, err = run(capsys, "suite", "run", "pelican", "-m", "gemini:a", "--samples", "9")
    assert code == 2 and "--samples must be between 1 and 8" in err
    code, _, err = run(capsys, "suite", "run", "pelican", "-m", "gemini:a", "--temperature", "7")
    assert code == 2 and "--temperature" in err
    assert prompts_sent(fake) == []


def test_html_gallery_and_contact_sheet(fake, tmp_path, capsys):
    out_html = tmp_path / "gallery.html"
    code, _, err = run(capsys, "suite", "run", "pelican", "-m", "gemini:a", "-m", "gemini:b", "--html", str(out_html))
    assert code == 0, err
    page = out_html.read_text()
    assert "Content-Security-Policy" in page and "<script" not in page.lower()
    assert page.count("data:image/svg+xml;base64,") == 8  # 4 prompts × 2 models, each drawing an <img>
    assert "<svg" not in page and "<circle" not in page  # never inline markup
    for suite_prompt in ("pelican riding a bicycle", "flamingo", "unicycle", "animated SVG"):
        assert suite_prompt in page
    assert page.count("gemini:a") >= 4 and "stop" in page and "tok/s" in page
    encoded = page.split("data:image/svg+xml;base64,", 1)[1].split("'", 1)[0]
    assert "teal" in base64.b64decode(encoded).decode()
    sheet = out_html.with_suffix(".png").read_bytes()
    assert sheet.startswith(b"\x89PNG")
    from PIL import Image
    import io

    image = Image.open(io.BytesIO(sheet)).convert("RGB")
    teal = sum(count for count, color in image.getcolors(1 << 24) if color == (0, 128, 128))
    assert teal > 1000  # the drawings are on the sheet, not only the labels


def test_blind_gallery_from_the_command_line_names_no_model(fake, tmp_path, capsys):
    out_html = tmp_path / "blind.html"
    code, _, err = run(capsys, "suite", "run", "pelican", "-m", "gemini:a", "-m", "gemini:b", "--html",
                       str(out_html), "--blind")
    assert code == 0, err
    page = out_html.read_text()
    assert "gemini:a" not in page and "gemini:b" not in page and "tok/s" not in page
    assert page.count("<h3>Model A</h3>") == 4 and page.count("<h3>Model B</h3>") == 4


def test_suite_list_shows_the_bundled_suites_and_past_runs(fake, tmp_path, capsys):
    code, out, _ = run(capsys, "suite", "list")
    assert code == 0 and "pelican" in out and "gemma4-vibes" in out and "No suite has run yet" in out
    run(capsys, "suite", "run", "pelican", "-m", "gemini:a", "--json")
    code, out, _ = run(capsys, "suite", "list", "--json")
    listing = json.loads(out)
    assert {"name": "pelican", "prompts": 4, "tags": ["animal", "animated", "pelican", "svg", "vehicle"]} in listing["bundled"]
    (last,) = listing["runs"]
    assert (last["suite"], last["models"], last["done"], last["total"], last["stopped"]) == ("pelican", ["gemini:a"], 4, 4, False)
    code, out, _ = run(capsys, "suite", "list")
    assert "pelican × gemini:a  4/4 answers" in out


@pytest.mark.slow
def test_a_run_killed_half_way_resumes_with_only_the_missing_answers(tmp_path):
    """The process is killed (SIGKILL, nothing to clean up) after some answers are done; the
    second run generates only what the cache lacks, the third generates nothing."""
    suite = tmp_path / "six.txt"
    suite.write_text("".join(f"Question number {i}\n" for i in range(6)) )
    scenario = Scenario(chunks=text_chunks([f"part {i} " for i in range(6)]), chunk_delay_s=0.15)
    with FakeGemini(scenario) as server:
        env = dict(os.environ, GEMINI_API_KEY=KEY, GOOGLE_GEMINI_BASE_URL=server.base_url,
                   GEMMA_PLAYGROUND_CACHE_DIR=str(tmp_path / "cache"))
        command = [sys.executable, "-m", "playground", "suite", "run", str(suite), "-m", "gemini:a", "-m", "gemini:b",
                   "--json"]
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: list[str] = []
        killed = threading.Event()

        def watch() -> None:
            for line in process.stderr:
                lines.append(line)
                done = line.split("/", 1)[0]
                if done.isdigit() and 4 <= int(done) < 12:
                    process.send_signal(signal.SIGKILL)
                    killed.set()
                    return

        reader = threading.Thread(target=watch, daemon=True)
        reader.start()
        process.wait(timeout=240)
        assert killed.is_set(), f"never half way: {lines}"
        first = len(prompts_sent(server))
        assert first < 12  # really interrupted: some answers were never asked for

        second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert second.returncode == 0, second.stderr
        panes = [(pane["model"], prompt["prompt"], pane["cached"])
                 for prompt in json.loads(second.stdout)["prompts"] for pane in prompt["panes"]]
        assert len(panes) == 12
        made_again = prompts_sent(server)[first:]
        cached = [p for p in panes if p[2]]
        assert len(cached) >= 3  # what finished before the kill was kept
        # exactly the answers the cache lacked were asked for, each once
        assert sorted((m.removeprefix("gemini:"), p) for m, p, c in panes if not c) == sorted(made_again)

        third = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert third.returncode == 0 and "12 cached" in third.stderr
        assert len(prompts_sent(server)) == first + len(made_again)


@pytest.mark.slow
def test_local_model_suite_runs_through_the_local_queue_and_replays(tmp_path, tiny_gguf):
    """The real path on the bundled GGUF: two prompts × the local model twice (two panes share the
    one local slot, in order), every answer cached; the re-run generates nothing."""
    suite = tmp_path / "two.txt"
    suite.write_text("Say one word\nName a colour\n")
    env = dict(os.environ, GEMMA_PLAYGROUND_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "playground", "suite", "run", str(suite), "-m", "gemma-3-270m",
               "-m", "gemma-3-270m", "--max-tokens", "8", "--seed", "3", "--n-ctx", "512", "--json"]
    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    panes = [pane for prompt in document["prompts"] for pane in prompt["panes"]]
    assert len(panes) == 4 and all(p["source"] == "local" and p["finish_reason"] in ("stop", "length", "loop")
                                   for p in panes)
    assert all(p["metrics"]["completion_tokens"] for p in panes) and "4/4 answers" in first.stderr
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0 and "4 cached" in second.stderr
    again = [pane for prompt in json.loads(second.stdout)["prompts"] for pane in prompt["panes"]]
    # two panes with one model and settings share a cache key: each replays one of its samples
    assert sorted(p["text"] for p in again) == sorted(p["text"] for p in panes) and all(p["cached"] for p in again)
