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


# ---- a saved answer that opens with the model's thinking ------------------------------

DRAFT = '<svg width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>'
GEMMA_THOUGHT_FIRST = (f"<|channel>thought\nA first try:\n{DRAFT}\nbetter wider.<channel|>"
                       f"Here is the pelican:\n```svg\n{PELICAN}\n```\n")


def test_answer_drawing_comes_before_the_draft_in_a_leading_thought(tmp_path, capsys):
    path = answer_file(tmp_path, GEMMA_THOUGHT_FIRST)
    assert main([str(path), "--json"]) == 0
    first, second = json.loads(capsys.readouterr().out)["svgs"]
    assert (first["from_thinking"], second["from_thinking"]) == (False, True)
    assert 'width="10"' in second["svg"] and 'width="10"' not in first["svg"]


def test_human_output_marks_the_draft_from_the_thinking(tmp_path, capsys):
    path = answer_file(tmp_path, GEMMA_THOUGHT_FIRST)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "#1: clean" in out and "#1 (draft" not in out
    assert "#2 (draft from the thinking): " in out


def test_png_renders_the_answers_drawing_not_the_draft(tmp_path, capsys):
    path = answer_file(tmp_path, GEMMA_THOUGHT_FIRST)
    out_png = tmp_path / "pelican.png"
    assert main([str(path), "--png", str(out_png), "--size", "256"]) == 0
    assert png_size(out_png.read_bytes()) == (256, 192)  # the pelican, not the square draft
    assert f"wrote drawing #1 to {out_png}" in capsys.readouterr().out


def test_png_of_a_draft_says_it_is_one(tmp_path, capsys):
    path = answer_file(tmp_path, f"<think>\n{DRAFT}\n</think>\nI could not draw it.")
    out_png = tmp_path / "draft.png"
    assert main([str(path), "--png", str(out_png)]) == 0
    assert "wrote drawing #1 (draft from the thinking) to" in capsys.readouterr().out


def test_leading_think_block_drafts_come_after_the_answer(tmp_path, capsys):
    path = answer_file(tmp_path, f"<think>\n{DRAFT}\n</think>\n\n```svg\n{PELICAN}\n```")
    assert main([str(path), "--json"]) == 0
    svgs = json.loads(capsys.readouterr().out)["svgs"]
    assert [d["from_thinking"] for d in svgs] == [False, True]


def test_answer_that_mentions_think_tags_keeps_its_drawing(tmp_path, capsys):
    path = answer_file(tmp_path, f"Use `<think>` tags like this.\n```svg\n{DRAFT}\n```")
    assert main([str(path), "--json"]) == 0
    [drawing] = json.loads(capsys.readouterr().out)["svgs"]
    assert drawing["from_thinking"] is False and "<circle" in drawing["svg"]


def test_json_record_thinking_drawings_are_drafts(tmp_path, capsys):
    record = {"text": f"```svg\n{PELICAN}\n```", "thinking": f"draft: {DRAFT}",
              "finish_reason": "stop"}
    path = answer_file(tmp_path, json.dumps(record), "pane.json")
    assert main([str(path), "--json"]) == 0
    svgs = json.loads(capsys.readouterr().out)["svgs"]
    assert [d["from_thinking"] for d in svgs] == [False, True]


# ---- a whole compare --json output ---------------------------------------------------


def compare_output(tmp_path: Path) -> Path:
    panes = [{"model": "a", "text": "no drawing", "thinking": "", "finish_reason": "stop"},
             {"model": "b", "text": f"```svg\n{PELICAN}\n```", "thinking": f"{DRAFT}",
              "finish_reason": "stop"}]
    return answer_file(tmp_path, json.dumps({"prompt": "p", "panes": panes}), "compare.json")


def test_compare_output_reads_the_chosen_pane(tmp_path, capsys):
    assert main([str(compare_output(tmp_path)), "--pane", "2", "--json"]) == 0
    svgs = json.loads(capsys.readouterr().out)["svgs"]
    assert [d["from_thinking"] for d in svgs] == [False, True]


def test_compare_output_reads_the_first_pane_by_default(tmp_path, capsys):
    assert main([str(compare_output(tmp_path)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"svgs": []}


def test_compare_output_pane_out_of_range_fails_with_a_message(tmp_path, capsys):
    assert main([str(compare_output(tmp_path)), "--pane", "3"]) == 2
    assert "it has 2 panes: choose --pane 1 to 2" in capsys.readouterr().err


def test_json_record_whose_text_still_holds_a_thought_block_is_split(tmp_path, capsys):
    record = {"text": GEMMA_THOUGHT_FIRST, "thinking": "", "finish_reason": "stop"}
    path = answer_file(tmp_path, json.dumps(record), "pane.json")
    assert main([str(path), "--json"]) == 0
    svgs = json.loads(capsys.readouterr().out)["svgs"]
    assert [d["from_thinking"] for d in svgs] == [False, True]
