"""Suite files: JSONL (only `prompt` required, `id` = line number), plain text, bad lines reported
by number while the good ones stay, empty files, images (missing, bundled, refused on the web)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.suites.parse import SuiteError, bundled_names, load_bundled, load_suite, parse_suite

ROOT = Path(__file__).resolve().parent.parent
PNG = (ROOT / "static" / "example-pelican-bicycle.png").read_bytes()


def jsonl(*objects) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects)


def test_jsonl_only_prompt_is_required_and_id_defaults_to_the_line_number(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(jsonl({"prompt": "first"}, "", {"prompt": "second", "id": "two", "tags": ["SVG", "svg", "x"],
                                                   "system": "be brief"}))
    suite = load_suite(str(path))
    assert suite.name == "mine" and suite.problems == []
    first, second = suite.prompts
    assert (first.id, first.prompt, first.tags, first.system) == ("1", "first", (), None)
    assert (second.id, second.line, second.tags, second.system) == ("two", 3, ("svg", "x"), "be brief")


def test_plain_text_is_one_prompt_per_line_with_comments_and_blanks_skipped(tmp_path):
    path = tmp_path / "favourites.txt"
    path.write_text("# my favourites\nWrite a haiku about rain\n\n{not json, just a prompt}\nName three moons\n")
    suite = load_suite(str(path))
    assert [(p.id, p.prompt) for p in suite.prompts] == [
        ("2", "Write a haiku about rain"), ("4", "{not json, just a prompt}"), ("5", "Name three moons")]
    assert suite.problems == []


def test_bad_lines_are_reported_by_number_and_the_good_ones_are_kept():
    text = jsonl({"prompt": "good one"}, "{broken json", ["a", "list"], {"id": "x"}, {"prompt": "   "},
                 {"prompt": "typo", "tgas": ["svg"]}, {"prompt": 5}, {"prompt": "good two", "id": "g"},
                 {"prompt": "same id", "id": "g"}, {"prompt": "tags", "tags": "svg"}, {"prompt": "t", "tags": [1]})
    suite = parse_suite(text, "mixed")
    assert [p.prompt for p in suite.prompts] == ["good one", "good two", "tags"]
    assert suite.prompts[2].tags == ("svg",)  # one tag as a word is taken as a list of one
    problems = "\n".join(suite.problems)
    for number, words in [(2, "not valid JSON"), (3, "one JSON object"), (4, '"prompt" must be text'),
                          (5, '"prompt" is empty'), (6, "unknown field 'tgas'"), (7, '"prompt" must be text'),
                          (9, "used by an earlier line"), (11, '"tags" is a list of words')]:
        assert f"line {number}: " in problems and words in problems, (number, problems)
    assert len(suite.problems) == 8


def test_a_lone_surrogate_in_a_line_is_a_sentence_not_a_crash():
    suite = parse_suite('{"prompt": "ok \\ud800 no"}\n{"prompt": "fine"}\n', "s")
    assert [p.prompt for p in suite.prompts] == ["fine"]
    assert suite.problems[0].startswith("line 1: ") and "not valid text" in suite.problems[0]


def test_an_empty_file_has_no_prompts_and_no_problems(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "blank.txt").write_text("\n\n# only a comment\n")
    for name in ("empty.jsonl", "blank.txt"):
        suite = load_suite(str(tmp_path / name))
        assert suite.prompts == [] and suite.problems == []


def test_images_relative_to_the_suite_file_and_a_missing_one_is_a_sentence(tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "bird.png").write_bytes(PNG)
    (tmp_path / "notes.txt").write_text("not an image")
    path = tmp_path / "vision.jsonl"
    path.write_text(jsonl({"prompt": "what is this?", "image": "pics/bird.png"},
                          {"prompt": "and this?", "image": "pics/missing.png"},
                          {"prompt": "text file", "image": "notes.txt"}))
    suite = load_suite(str(path))
    assert len(suite.prompts) == 1 and suite.prompts[0].image.mime == "image/png"
    assert suite.problems[0].startswith("line 2: image 'pics/missing.png' not found")
    assert "next to the suite file" in suite.problems[0]
    assert suite.problems[1].startswith("line 3: ") and "not a PNG, JPEG" in suite.problems[1]


def test_a_suite_from_the_page_may_name_only_the_bundled_example_images(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    text = jsonl({"prompt": "a", "image": str(secret)}, {"prompt": "b", "image": "static:example-pelican-bicycle.png"},
                 {"prompt": "c", "image": "static:../pyproject.toml"})
    suite = parse_suite(text, "pasted", allow_files=False)
    assert [p.prompt for p in suite.prompts] == ["b"] and suite.prompts[0].image.data == PNG
    assert "may use only the bundled example images" in suite.problems[0]
    assert str(tmp_path) not in suite.problems[0]  # nothing about the server's file is said
    assert "not one of the bundled example images" in suite.problems[1]


def test_the_two_bundled_suites_parse_cleanly():
    assert {"pelican", "gemma4-vibes"} <= set(bundled_names())
    pelican = load_bundled("pelican")
    assert pelican.problems == [] and len(pelican.prompts) == 4
    assert "pelican riding a bicycle" in pelican.prompts[0].prompt and all("svg" in p.tags for p in pelican.prompts)
    vibes = load_bundled("gemma4-vibes")
    assert vibes.problems == [] and 8 <= len(vibes.prompts) <= 12
    tags = {t for p in vibes.prompts for t in p.tags}
    assert {"svg", "reasoning", "code", "summarize", "multilingual", "refusal", "image"} <= tags
    assert any(p.image is not None for p in vibes.prompts)  # describes the bundled example image


def test_an_unknown_name_or_unreadable_file_is_a_suite_error(tmp_path):
    with pytest.raises(SuiteError, match="neither a suite file nor a bundled suite"):
        load_suite("no-such-suite")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(SuiteError, match="not UTF-8"):
        load_suite(str(tmp_path / "latin1.txt"))


def test_a_shared_link_cap_keeps_the_first_prompts_and_says_so():
    suite = parse_suite("".join(f"prompt {i}\n" for i in range(60)), "big")
    capped = suite.limited(50)
    assert len(capped.prompts) == 50 and capped.prompts[-1].prompt == "prompt 49"
    assert "10 left out" in capped.problems[-1]
    assert suite.limited(100) is suite
