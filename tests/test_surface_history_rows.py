"""History rows say what sets one comparison apart from the others: samples, the settings that
differ between rows, blind and the vote, and the time to the minute."""

from __future__ import annotations

import re
import time
import uuid

from playground.adapters.base import GenerationSettings
from playground.cache import ResponseCache
from playground.result import Metrics, PaneResult
from playground.ui.history_tab import history_choices


def record(cache, prompt: str, max_tokens: int, thinking: bool, samples: int = 1) -> str:
    panes = []
    for model in ("gemma-3-270m", "gemini:gemma-4-31b-it"):
        settings = GenerationSettings(max_tokens=max_tokens, thinking=thinking).model_dump()
        kept = []
        for _ in range(samples):
            key = f"rows-{uuid.uuid4().hex}"
            number = cache.add_sample(key, PaneResult(model=model, source="local", settings=settings, text="hi",
                                                      finish_reason="stop", metrics=Metrics(), created_at=time.time()))
            kept.append({"key": key, "sample": number, "settings": settings})
        panes.append({"model": model, "label": model, "source": "local", "settings": settings, "key": kept[0]["key"],
                      "sample": kept[0]["sample"], "samples": kept})
    return cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=panes)


def test_rows_of_one_prompt_differ_by_what_they_asked(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    record(cache, "pelican", 256, False)
    record(cache, "pelican", 512, False)
    record(cache, "pelican", 512, True)
    record(cache, "pelican", 1024, True, samples=3)
    rows = [label for label, _ in history_choices(cache, "pelican")]
    assert len(rows) == 4 and len(set(rows)) == 4, rows
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d · pelican · ", r) for r in rows)
    assert sum("3 samples" in r for r in rows) == 1
    assert sum("max 256" in r for r in rows) == 1 and sum("thinking on" in r for r in rows) == 2
    assert sum("1 sample" in r for r in rows) == 3  # when another row has 3, 1 is worth saying
