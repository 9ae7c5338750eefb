"""k samples per model: seeds, the spread summary, and `compare --samples` on the tiny model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from playground.adapters.base import GenerationSettings
from playground.samples import group_near_duplicates, sample_settings, summarize


def test_sample_seeds_count_up_from_the_given_seed():
    base = GenerationSettings(seed=41)
    assert [sample_settings(base, i).seed for i in range(3)] == [41, 42, 43]


def test_unseeded_samples_stay_unseeded():
    assert sample_settings(GenerationSettings(), 2).seed is None


def test_near_duplicate_answers_are_one_group_and_different_answers_are_not():
    texts = ["The pelican rides a red bicycle.", "The pelican rides a red  bicycle!",
             "A cat sleeps on the sofa.", "the PELICAN rides a red bicycle."]
    assert group_near_duplicates(texts) == [[0, 1, 3], [2]]


def test_summary_counts_samples_distinct_answers_finish_reasons_and_drawings():
    summary = summarize(["a pelican", "a pelican", "la la la la"], ["stop", "length", "loop"],
                        drawings_rendered=[True, False, False], with_drawing=[True, True, False])
    assert summary.to_json() == {"samples": 3, "distinct": 2, "groups": [[1, 2], [3]],
                                 "finish_reasons": {"stop": 1, "length": 1, "loop": 1},
                                 "drawings_rendered": 1}
    assert summary.line() == "3 samples · 2 distinct · 1 length, 1 loop, 1 stop · 1 of 3 drew"


def _compare(*args: str, cache_dir) -> dict:
    proc = subprocess.run([sys.executable, "-m", "playground", "compare", "Name three colours.",
                           "-m", "gemma-3-270m", "--cache-dir", str(cache_dir), "--json", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_three_seeded_samples_are_reproducible_and_replay_whole_from_the_cache(tmp_path):
    flags = ("--samples", "3", "--seed", "7", "--temperature", "1", "--max-tokens", "12")
    first = _compare(*flags, cache_dir=tmp_path / "a")["panes"][0]
    assert [s["seed"] for s in first["samples"]] == [7, 8, 9]
    assert [s["cached"] for s in first["samples"]] == [False] * 3
    replay = _compare(*flags, cache_dir=tmp_path / "a")["panes"][0]
    assert [s["cached"] for s in replay["samples"]] == [True] * 3
    assert [s["text"] for s in replay["samples"]] == [s["text"] for s in first["samples"]]
    fresh = _compare(*flags, cache_dir=tmp_path / "b")["panes"][0]  # a new cache: generated again
    assert [s["text"] for s in fresh["samples"]] == [s["text"] for s in first["samples"]]
    assert first["text"] == first["samples"][0]["text"]  # the pane's own fields are sample 1


@pytest.mark.slow
def test_the_summary_counts_match_the_samples(tmp_path):
    pane = _compare("--samples", "3", "--temperature", "1", "--max-tokens", "8", cache_dir=tmp_path)["panes"][0]
    summary, samples = pane["summary"], pane["samples"]
    assert summary["samples"] == len(samples) == 3
    assert sum(summary["finish_reasons"].values()) == 3
    for reason, count in summary["finish_reasons"].items():
        assert count == sum(1 for s in samples if s["finish_reason"] == reason)
    assert 1 <= summary["distinct"] <= 3
    assert sorted(n for group in summary["groups"] for n in group) == [1, 2, 3]


def test_samples_outside_1_to_8_exit_2_with_a_sentence():
    proc = subprocess.run([sys.executable, "-m", "playground", "compare", "hi", "-m", "gemma-3-270m",
                           "--samples", "9"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--samples must be between 1 and 8" in proc.stderr
