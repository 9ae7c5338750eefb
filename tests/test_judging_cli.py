"""`gemma-playground votes import|export|clear` and `gemma-playground leaderboard`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from judging_sim import jsonl, simulate
from playground.cli import main
from playground.judging.votes import VoteStore

ROOT = Path(__file__).resolve().parent.parent
STRENGTHS = {"m-strong": 4.0, "m-good": 2.0, "m-fair": 1.0, "m-weak": 0.5}


@pytest.fixture(autouse=True)
def empty_config(tmp_path, monkeypatch):
    """The commands read the config for its cache_dir: give them an empty one (a config file
    named by $GEMMA_PLAYGROUND_CONFIG must exist)."""
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", str(path))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_keeps_good_lines_and_reports_bad_ones_by_number(tmp_path, capsys):
    lines = [
        '{"prompt": "p1", "ranking": [["m1"], ["m2", "m3"], ["m4"]], "tags": ["svg"], "blind": true}',
        "not json at all",
        '{"prompt": "p3", "ranking": [["m1"], ["m2"]], "all_bad": true}',
        '{"prompt": "p4", "ranking": "m1 > m2"}',
        "",
        '{"prompt": "p6", "ranking": [["m1"], []]}',
        '{"prompt": "p7", "tags": ["svg"]}',
        '{"prompt": "p8", "ranking": [["m2"], ["m1"]], "blind": "yes"}',
        '{"prompt": "p9", "ranking": [["m2"], ["m1"]]}',
    ]
    code, out, err = run(capsys, "votes", "import", write(tmp_path / "v.jsonl", "\n".join(lines)))
    assert code == 1  # some lines were bad; the good ones are in all the same
    assert "Imported 3 votes" in out and "5 bad lines skipped" in out
    for number in (2, 4, 6, 7, 8):
        assert f"line {number}:" in err
    assert "line 1:" not in err and "line 9:" not in err and "line 5:" not in err
    assert "not valid JSON" in err and 'missing "ranking"' in err and "true or false" in err
    assert [v.prompt for v in VoteStore().list()] == ["p1", "p3", "p9"]


def test_import_of_a_clean_file_exits_zero(tmp_path, capsys):
    code, out, _ = run(capsys, "votes", "import", write(tmp_path / "v.jsonl", jsonl(simulate(5, STRENGTHS))))
    assert code == 0 and "Imported 5 votes" in out


def test_import_of_a_missing_file_exits_two_with_a_sentence(tmp_path, capsys):
    code, out, err = run(capsys, "votes", "import", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "no such file" in err and out == ""


def test_import_of_a_folder_exits_two(tmp_path, capsys):
    code, _, err = run(capsys, "votes", "import", str(tmp_path))
    assert code == 2 and "folder" in err


def test_import_reads_optional_metrics_per_model(tmp_path, capsys):
    line = {"prompt": "p", "ranking": [["a"], ["b"]], "metrics": {"a": {"tokens_per_s": 12.5, "ttft_s": 0.4}}}
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", json.dumps(line)))
    (vote,) = VoteStore().list()
    assert dict(vote.panes[0].metrics) == {"tokens_per_s": 12.5, "ttft_s": 0.4} and not vote.panes[1].metrics


def test_export_clear_import_round_trips(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    lines = [
        {"prompt": "Draw a pelican", "ranking": [["m1"], ["m2", "m3"]], "tags": ["svg"], "blind": True},
        {"prompt": "Sort a list", "ranking": [["m3"], ["m1"]], "all_bad": True, "time": "2026-11-20T08:00:00Z",
         "metrics": {"m3": {"tokens_per_s": 30.0}}},
    ]
    write(source, "".join(json.dumps(x) + "\n" for x in lines))
    assert run(capsys, "votes", "import", str(source))[0] == 0
    before = VoteStore().list()
    code, exported, _ = run(capsys, "votes", "export")
    assert code == 0 and len(exported.splitlines()) == 2
    code, out, _ = run(capsys, "votes", "clear")
    assert code == 0 and out.startswith("Removed 2 votes") and VoteStore().count() == 0
    assert run(capsys, "votes", "import", write(tmp_path / "out.jsonl", exported))[0] == 0
    after = VoteStore().list()
    assert [(v.id, v.prompt, v.model_ranking(), v.tags, v.blind, v.all_bad, v.panes) for v in after] == \
           [(v.id, v.prompt, v.model_ranking(), v.tags, v.blind, v.all_bad, v.panes) for v in before]
    assert all(abs(a.time - b.time) < 1e-3 for a, b in zip(after, before))


def test_importing_an_export_twice_adds_nothing_new(tmp_path, capsys):
    run(capsys, "votes", "import", write(tmp_path / "in.jsonl", jsonl(simulate(4, STRENGTHS))))
    run(capsys, "votes", "export", "--output", str(tmp_path / "out.jsonl"))
    code, out, _ = run(capsys, "votes", "import", str(tmp_path / "out.jsonl"))
    assert code == 0 and "Imported 0 votes" in out and "4 already stored" in out
    assert VoteStore().count() == 4


def test_cache_dir_flag_chooses_the_store(tmp_path, capsys):
    other = tmp_path / "elsewhere"
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", jsonl(simulate(3, STRENGTHS))), "--cache-dir", str(other))
    assert VoteStore(other).count() == 3 and VoteStore().count() == 0


def test_leaderboard_json_has_exactly_the_documented_shape(tmp_path, capsys):
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", jsonl(simulate(400, STRENGTHS))))
    code, out, _ = run(capsys, "leaderboard", "--json", "--resamples", "100")
    assert code == 0
    data = json.loads(out)
    assert data["votes"] == 400
    assert [m["model"] for m in data["models"]] == ["m-strong", "m-good", "m-fair", "m-weak"]
    for m in data["models"]:
        assert set(m) == {"model", "score", "ci_low", "ci_high", "rankings", "first_places"}
        assert isinstance(m["rankings"], int) and isinstance(m["first_places"], int)
        assert m["ci_low"] <= m["score"] <= m["ci_high"]
    assert data["unseparated"] == [] and data["notes"] == []
    assert data["win_matrix"]["models"] == [m["model"] for m in data["models"]]


def test_leaderboard_text_says_plainly_when_two_models_cannot_be_separated(tmp_path, capsys):
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", jsonl(simulate(60, {"twin-a": 1.0, "twin-b": 1.0}))))
    code, out, _ = run(capsys, "leaderboard", "--resamples", "100")
    assert code == 0
    assert "Too thin to separate twin-a and twin-b: their intervals overlap." in out
    assert "95% interval" in out


def test_leaderboard_filters_by_tag_blind_and_dates(tmp_path, capsys):
    votes = [
        {"prompt": "1", "ranking": [["a"], ["b"]], "tags": ["svg"], "blind": True, "time": "2026-11-01T12:00:00Z"},
        {"prompt": "2", "ranking": [["a"], ["b"]], "tags": ["svg"], "time": "2026-11-10T12:00:00Z"},
        {"prompt": "3", "ranking": [["b"], ["a"]], "tags": ["code"], "time": "2026-11-20T12:00:00Z"},
    ]
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", "".join(json.dumps(v) + "\n" for v in votes)))

    def count(*flags: str) -> int:
        code, out, _ = run(capsys, "leaderboard", "--json", "--resamples", "5", *flags)
        assert code == 0
        return json.loads(out)["votes"]

    assert count() == 3
    assert count("--tag", "svg") == 2
    assert count("--blind-only") == 1
    assert count("--since", "2026-11-10") == 2
    assert count("--until", "2026-11-10") == 2
    assert count("--since", "2026-11-02", "--until", "2026-11-19") == 1


def test_leaderboard_with_a_bad_date_exits_two(capsys):
    code, _, err = run(capsys, "leaderboard", "--since", "last tuesday")
    assert code == 2 and "YYYY-MM-DD" in err


def test_leaderboard_on_no_votes_says_so(capsys):
    code, out, _ = run(capsys, "leaderboard")
    assert code == 0 and "No rankings yet" in out
    code, out, _ = run(capsys, "leaderboard", "--json")
    assert json.loads(out)["models"] == [] and json.loads(out)["votes"] == 0


def test_leaderboard_text_shows_median_speed_when_known(tmp_path, capsys):
    lines = [{"prompt": str(i), "ranking": [["a"], ["b"]],
              "metrics": {"a": {"tokens_per_s": 20.0, "ttft_s": 0.5}, "b": {"tokens_per_s": 80.0, "ttft_s": 0.1}}}
             for i in range(3)]
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))
    code, out, _ = run(capsys, "leaderboard", "--resamples", "5")
    assert "tok/s" in out and "80.0" in out and "0.50 s" in out
    code, out, _ = run(capsys, "leaderboard", "--json", "--resamples", "5")
    speed = {p["model"]: p for p in json.loads(out)["speed"]}
    assert speed["a"]["median_tokens_per_s"] == 20.0 and speed["b"]["median_ttft_s"] == 0.1


def test_judging_commands_do_not_load_numpy_until_a_fit():
    code = ("import sys; from playground.cli import build_parser; build_parser().parse_args(['leaderboard']); "
            "assert 'numpy' not in sys.modules and 'choix' not in sys.modules, sorted(sys.modules); "
            "assert 'playground.judging.ranking' not in sys.modules and 'sqlite3' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("argv, expected", [(["votes", "--help"], "import"),
                                            (["leaderboard", "--help"], "--blind-only")])
def test_help_lists_the_subcommands_and_flags(argv, expected, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0 and expected in capsys.readouterr().out


def test_the_config_cache_dir_is_the_store_when_no_flag_is_given(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "from-config"
    config = tmp_path / "with-dir.toml"
    config.write_text(f'cache_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", str(config))
    assert run(capsys, "votes", "import", write(tmp_path / "v.jsonl", jsonl(simulate(2, STRENGTHS))))[0] == 0
    assert VoteStore(folder).count() == 2


def test_a_broken_config_exits_two_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("cache_dir = [unclosed\n", encoding="utf-8")
    code, _, err = run(capsys, "votes", "export", "--config", str(bad))
    assert code == 2 and "bad.toml" in err


def test_export_into_a_pipe_closed_early_is_not_an_error(tmp_path, capsys):
    lines = [json.dumps({"prompt": "x" * 500, "ranking": [["a"], ["b"]]}) for _ in range(400)]  # > a pipe buffer
    run(capsys, "votes", "import", write(tmp_path / "v.jsonl", "\n".join(lines)))
    proc = subprocess.Popen([sys.executable, "-m", "playground", "votes", "export"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(10)
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err


def test_leaderboard_reads_speed_of_ui_votes_from_the_response_cache(tmp_path, capsys):
    from playground.cache import ResponseCache
    from playground.result import Metrics, PaneResult

    folder = tmp_path / "cache"  # the conftest's $GEMMA_PLAYGROUND_CACHE_DIR
    with ResponseCache(folder) as cache:
        numbers = {m: cache.add_sample(f"k-{m}", PaneResult(model=m, source="local", settings={}, text="x",
                                                              finish_reason="stop",
                                                              metrics=Metrics(tokens_per_s=tps, ttft_s=0.2)))
                   for m, tps in (("a", 15.0), ("b", 45.0))}
    VoteStore(folder).add(prompt="p", ranking=[[0], [1]], comparison_id="c",
                          panes=[{"model": m, "key": f"k-{m}", "sample": numbers[m]} for m in ("a", "b")])
    code, out, _ = run(capsys, "leaderboard", "--json", "--resamples", "5")
    speed = {p["model"]: p for p in json.loads(out)["speed"]}
    assert code == 0 and speed["b"]["median_tokens_per_s"] == 45.0 and speed["a"]["measured"] == 1
