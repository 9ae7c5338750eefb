"""k samples per model: their seeds, and a summary of how they spread.

One sample is an anecdote. A pane that asks for k samples gets k answers with the same settings;
with a fixed seed they use seed, seed+1, … so the set is reproducible (and replays from the
cache); with no seed each is random. The summary says how many distinct answers there are
(near-duplicates grouped by rapidfuzz's normalized similarity, not by exact equality), how the
samples ended, and for drawings how many rendered.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from playground.adapters.base import GenerationSettings
from playground.settings_table import MAX_SAMPLES  # the one bound: the settings table's

# Two answers at least this similar (rapidfuzz ratio, 0-100, after folding case and spaces)
# are counted as one: the same answer with a word changed is not a different answer.
NEAR_DUPLICATE_RATIO = 90.0

_SPACES = re.compile(r"\s+")


def sample_settings(settings: GenerationSettings, sample_index: int) -> GenerationSettings:
    """The settings of sample `sample_index` (0-based): seed + index when a seed is set."""
    if settings.seed is None or sample_index == 0:
        return settings
    return settings.model_copy(update={"seed": (settings.seed + sample_index) % (2**31)})


def _folded(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def group_near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_RATIO) -> list[list[int]]:
    """Indices of `texts` grouped so that each group's members are near-duplicates of its first.

    Greedy and order-stable: each text joins the first group whose first member it resembles.
    """
    from rapidfuzz import fuzz

    groups: list[list[int]] = []
    heads: list[str] = []
    for i, text in enumerate(texts):
        folded = _folded(text)
        for group, head in zip(groups, heads):
            if folded == head or fuzz.ratio(folded, head) >= threshold:
                group.append(i)
                break
        else:
            groups.append([i])
            heads.append(folded)
    return groups


@dataclass
class SampleSummary:
    samples: int
    distinct: int
    groups: list[list[int]] = field(default_factory=list)  # 1-based sample numbers per group
    finish_reasons: dict[str, int] = field(default_factory=dict)
    drawings_rendered: int = 0
    with_drawing: int = 0

    def to_json(self) -> dict:
        return {"samples": self.samples, "distinct": self.distinct, "groups": self.groups,
                "finish_reasons": dict(self.finish_reasons), "drawings_rendered": self.drawings_rendered}

    def line(self) -> str:
        """One line for the pane: "3 samples · 2 distinct · 2 stop, 1 loop · 2 of 3 drew"."""
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.finish_reasons.items(),
                                                                    key=lambda kv: (-kv[1], kv[0])))
        parts = [f"{self.samples} samples", f"{self.distinct} distinct"]
        if reasons:
            parts.append(reasons)
        if self.with_drawing:
            parts.append(f"{self.drawings_rendered} of {self.samples} drew")
        return " · ".join(parts)


def summarize(texts: list[str], finish_reasons: list[str | None],
              drawings_rendered: list[bool] | None = None, with_drawing: list[bool] | None = None) -> SampleSummary:
    """The spread of one pane's samples. `drawings_rendered[i]`: sample i has a drawing that
    rendered; `with_drawing[i]`: it holds a drawing at all (rendered or not)."""
    groups = group_near_duplicates(texts)
    rendered = drawings_rendered or [False] * len(texts)
    return SampleSummary(
        samples=len(texts),
        distinct=len(groups),
        groups=[[i + 1 for i in group] for group in groups],
        finish_reasons=dict(Counter(reason or "unknown" for reason in finish_reasons)),
        drawings_rendered=sum(1 for r in rendered if r),
        with_drawing=sum(1 for d in (with_drawing or rendered) if d),
    )
