"""One status per pane, computed from its samples: the header, the sample tabs, the PNG card and
the HTML export all say it with `pane_status()`, so no view tells a different story.

What a finished sample says (`sample_word`):
  stopped by the user (finish "cancelled")   → "stopped", or "stopped before it started" when it
                                               was stopped while queued (nothing streamed)
  the loop detector / the time limit         → "stopped (loop)" / "stopped (timeout)"
  hit max tokens (finish "length")           → "done (max tokens)"
  ended normally, or replayed from the cache → "done"
  failed                                     → "error"
A restored comparison whose pane was stopped (not kept in the cache) says "stopped (not kept)",
not "error". A pane's k samples share one word when they agree, else "done (2 loop, 1 max
tokens)". While blind the same words are used (none of them names a source), never "cached",
"loading model" or "retrying": those tell sources apart.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from playground.pane import PaneState
from playground.status import PaneStatus

ACTIVE_ORDER = (PaneStatus.RUNNING, PaneStatus.LOADING, PaneStatus.QUEUED)
ACTIVE_WORDS = {PaneStatus.QUEUED: "queued", PaneStatus.LOADING: "loading", PaneStatus.RUNNING: "streaming"}
BLIND_ACTIVE_WORDS = {PaneStatus.QUEUED: "waiting", PaneStatus.LOADING: "waiting", PaneStatus.RUNNING: "streaming"}
# the short form of a finish for "done (2 loop, 1 max tokens)"
FINISH_WORDS = {"length": "max tokens", "loop": "loop", "timeout": "timeout", "cancelled": "stopped",
                "error": "error", "stop": "done"}


class PaneWord(NamedTuple):
    status: str  # the CSS / data-status class: queued, loading, running, done, cached, stopped, error
    label: str  # what the pane says

    @property
    def short(self) -> str:
        """The label in one word for a narrow pane, still true ("looped", not "stopped")."""
        return SHORT_LABELS.get(self.label) or self.label.partition(" (")[0]


# a narrow pane's word for a label whose first word alone would mislead
SHORT_LABELS = {"stopped (loop)": "looped", "stopped (timeout)": "timed out", "done (max tokens)": "max tokens",
                "stopped before it started": "not started", "stopped (not kept)": "stopped"}


def _never_started(state: PaneState) -> bool:
    return not state.text and not state.thinking and state.metrics.ttft_s is None


def sample_word(state: PaneState) -> PaneWord:
    """What one finished sample says (see the module doc)."""
    finish = state.finish_reason
    if state.status == PaneStatus.ERROR:
        if finish == "cancelled":  # restored: a stopped answer is not kept in the cache
            return PaneWord("stopped", "stopped (not kept)")
        return PaneWord("error", "error")
    if finish == "cancelled":
        return PaneWord("stopped", "stopped before it started" if _never_started(state) else "stopped")
    if finish in ("loop", "timeout"):
        return PaneWord("stopped", f"stopped ({finish})")
    status = "cached" if state.status == PaneStatus.CACHED else "done"
    if finish == "length":
        return PaneWord(status, "done (max tokens)")
    return PaneWord(status, "done")


def pane_status(states: list[PaneState], blind: bool = False) -> PaneWord:
    """One status for a pane's samples (one state, or k)."""
    n = len(states)
    for active in ACTIVE_ORDER:
        if any(s.status == active for s in states):
            words = BLIND_ACTIVE_WORDS if blind else ACTIVE_WORDS
            word = words[active]
            if n == 1 and states[0].status_note and not blind:
                word = states[0].status_note  # "queued (2 of 3)", "retrying in 2 s (1 of 3)"
            status = "queued" if (blind and active == PaneStatus.LOADING) else str(active)
            done = sum(1 for s in states if s.finished)
            return PaneWord(status, word if n == 1 else f"{word} ({done} of {n} done)")
    words = [sample_word(s) for s in states]
    labels = Counter(w.label for w in words)
    if len(labels) == 1:
        word = words[0]
    elif any(w.label.startswith("stopped") and s.finish_reason == "cancelled" for w, s in zip(words, states)):
        word = PaneWord("stopped", "stopped")  # Stop ended some of them
    elif all(w.status == "error" for w in words):
        word = PaneWord("error", "error")
    else:
        finishes = Counter(FINISH_WORDS.get(s.finish_reason or "", s.finish_reason or "?") for s in states
                           if s.finish_reason not in (None, "stop"))
        detail = ", ".join(f"{count} {what}" for what, count in finishes.most_common())
        status = "cached" if all(s.status == PaneStatus.CACHED for s in states) else "done"
        word = PaneWord(status, f"done ({detail})" if detail else "done")
    if blind and word.status == "cached":
        word = PaneWord("done", word.label)
    return word
