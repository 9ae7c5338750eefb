"""``gemma-playground svg FILE``: a saved answer in, what was found and fixed out."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from playground.svg.cli import main

PELICAN = (Path(__file__).parent / "svg_corpus" / "pelican.svg").read_text()
BROKEN = '<svg width="100" height="50"><line x1="10" y1="20" x1="30" y2="40" stroke="black"/></svg>'


def answer_file(tmp_path: Path, text: str, name: str = "answer.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_json_lists_every_drawing_with_its_fixes(tmp_path, capsys):
    path = answer_file(tmp_path, f"Here:\n```svg\n{BROKEN}\n```\nand\n```svg\n{PELICAN}```\n")
    assert main([str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [set(d) >= {"svg", "fixes", "warnings", "truncated"} for d in data["svgs"]] == [True] * 2
    first, second = data["svgs"]
    assert any("removed duplicate attribute x1 on <line>" in f for f in first["fixes"])
    assert first["svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert second["fixes"] == [] and second["truncated"] is False


def test_json_with_no_drawing_is_an_empty_list(tmp_path, capsys):
    path = answer_file(tmp_path, "Pelicans are large water birds.")
    assert main([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"svgs": []}


def test_human_output_says_what_was_fixed(tmp_path, capsys):
    path = answer_file(tmp_path, BROKEN)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: 1 drawing" in out
    assert "#1: repaired, 3 fixes" in out
    assert 'fixed: removed duplicate attribute x1 on <line> (kept x1="10"' in out


def test_human_output_notes_drawings_skipped_in_code(tmp_path, capsys):
    path = answer_file(tmp_path, f"```python\nsvg = '{BROKEN}'\n```")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "no SVG drawing found" in out
    assert "note: ignored <svg> inside a ```python code block" in out


def test_png_is_written_with_the_drawing_size(tmp_path, capsys):
    path = answer_file(tmp_path, f"```svg\n{PELICAN}\n```")
    out_png = tmp_path / "pelican.png"
    assert main([str(path), "--png", str(out_png), "--size", "256"]) == 0
    assert png_size(out_png.read_bytes()) == (256, 192)
    assert f"wrote drawing #1 to {out_png}" in capsys.readouterr().out


def test_png_with_json_keeps_stdout_pure_json(tmp_path, capsys):
    path = answer_file(tmp_path, BROKEN)
    out_png = tmp_path / "line.png"
    assert main([str(path), "--json", "--png", str(out_png)]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["svgs"]) == 1
    assert "wrote drawing #1" in captured.err
    assert png_size(out_png.read_bytes()) == (512, 256)


def test_missing_file_fails_with_a_message(tmp_path, capsys):
    missing = tmp_path / "nope.md"
    assert main([str(missing), "--json"]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and str(missing) in err


def test_png_without_drawing_fails_with_a_message(tmp_path, capsys):
    path = answer_file(tmp_path, "no drawing")
    out_png = tmp_path / "x.png"
    assert main([str(path), "--png", str(out_png)]) == 1
    assert "no usable drawing to render" in capsys.readouterr().err
    assert not out_png.exists()


def test_saved_json_record_uses_its_text_and_finish_reason(tmp_path, capsys):
    record = {"model": "gemma-4-e2b", "text": "```svg\n" + PELICAN[:600], "finish_reason": "length"}
    path = answer_file(tmp_path, json.dumps(record), "pane.json")
    assert main([str(path), "--json"]) == 0
    [drawing] = json.loads(capsys.readouterr().out)["svgs"]
    assert drawing["truncated"] is True
    assert drawing["warnings"][0].startswith("truncated at the token limit")


def test_usage_error_returns_nonzero_instead_of_exiting(capsys):
    assert main(["--bogus"]) == 2
    assert "usage: gemma-playground svg" in capsys.readouterr().err


def test_help_returns_zero(capsys):
    assert main(["--help"]) == 0
    assert "--png OUT" in capsys.readouterr().out
