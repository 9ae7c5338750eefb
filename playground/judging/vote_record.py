"""The Vote record: one person's ranking of the panes of one comparison, validated.

Everything here is plain data and pure functions (no SQLite, no files): the store
(:mod:`.votes`), the leaderboard fit (:mod:`.ranking`) and ``votes import`` (:mod:`.cli`)
all build and read votes through :func:`make_vote`, so a vote is checked the same way
wherever it comes from. A vote round-trips through plain JSON with ``to_dict``/``from_dict``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import secrets
import time as _time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from playground.result import KEPT_WITH_VOTES

__all__ = [
    "Pane",
    "Vote",
    "VoteError",
    "make_vote",
    "check_text",
    "parse_when",
]

# The latest time a new vote may carry (2200-01-01 UTC): far-future times are typos or attacks
# (1e18 imported, then `votes export` and History failed on it).
MAX_VOTE_TIME = 7_258_118_400.0

# Pane metrics worth keeping with a vote (the speed-vs-quality plot reads them): the metrics
# table's rows marked kept_with_votes (tokens/s, time to first token, prefill tokens/s).
METRIC_KEYS = KEPT_WITH_VOTES


class VoteError(ValueError):
    """A vote that cannot be stored; the message is one sentence saying what is wrong."""


@dataclass(frozen=True)
class Pane:
    """One pane that was judged: which model, with which settings, which cached sample.

    ``metrics`` keeps ``tokens_per_s`` and ``ttft_s`` when known (the UI copies them from the
    pane; an import may give them). ``key`` is the response-cache key of the answer, so its
    metrics can also be looked up later with ``ResponseCache.sample(key, sample)``.
    """

    model: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    sample: int | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "settings": dict(self.settings), "sample": self.sample,
                "metrics": dict(self.metrics), "key": self.key}


@dataclass(frozen=True)
class Vote:
    """One judgement of the panes of one comparison.

    ``ranking`` is a list of tie groups, best first, each a tuple of indices into ``panes``;
    every pane appears exactly once. ``all_bad`` marks "every answer was bad": the vote is
    kept and counted, but its order carries no information for the fit (see ranking.py).
    """

    id: str
    time: float  # unix seconds
    prompt: str
    panes: tuple[Pane, ...]
    ranking: tuple[tuple[int, ...], ...]
    all_bad: bool = False
    blind: bool = False
    tags: tuple[str, ...] = ()
    comparison_id: str | None = None

    @property
    def models(self) -> list[str]:
        """Each pane's model, in pane order."""
        return [p.model for p in self.panes]

    def model_ranking(self) -> list[list[str]]:
        """The ranking as tie groups of model names, best first."""
        return [[self.panes[i].model for i in group] for group in self.ranking]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "time": self.time, "prompt": self.prompt,
            "panes": [p.to_dict() for p in self.panes],
            "ranking": [list(g) for g in self.ranking],
            "all_bad": self.all_bad, "blind": self.blind, "tags": list(self.tags),
            "comparison_id": self.comparison_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Vote":
        """Inverse of :meth:`to_dict`; validates like :func:`make_vote`."""
        if not isinstance(data, Mapping):
            raise VoteError("a vote must be a JSON object.")
        return make_vote(
            prompt=data.get("prompt", ""), panes=data.get("panes"), ranking=data.get("ranking"),
            all_bad=data.get("all_bad", False), blind=data.get("blind", False),
            tags=data.get("tags", ()), comparison_id=data.get("comparison_id"),
            time=data.get("time"), id=data.get("id"), stored=True,
        )


# ---- validation --------------------------------------------------------------------------


def new_vote_id(now: float | None = None) -> str:
    """Sortable by time, like history ids: 12 hex digits of milliseconds, then 8 random."""
    now = _time.time() if now is None else now
    return f"{int(now * 1000):012x}-{secrets.token_hex(4)}"


def check_text(value: str, what: str) -> str:
    """`value` if it is valid Unicode text, else VoteError naming `what` and the character.
    (JSON's \\ud800 escapes give lone surrogates, which SQLite, JSON and the page cannot store
    or send; the sentence never repeats the bad text itself.)"""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise VoteError(f"{what} is not valid text: character {exc.start + 1} is a lone surrogate "
                        f"(U+{ord(value[exc.start]):04X}); remove it.") from None
    return value


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    raise VoteError(f'"{name}" must be true or false, not {json.dumps(value)}.')


def _metrics(value: Any, where: str) -> dict[str, float]:
    if value in (None, {}):
        return {}
    if not isinstance(value, Mapping):
        raise VoteError(f"{where}: metrics must be an object like {{\"tokens_per_s\": 42.0, \"ttft_s\": 0.3}}.")
    out: dict[str, float] = {}
    for name in METRIC_KEYS:
        v = value.get(name)
        if v is None or isinstance(v, float) and not math.isfinite(v):
            continue  # unknown (an infinite rate from a one-token answer means nothing either)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v > 1e15:
            raise VoteError(f"{where}: metric {name} must be a non-negative number, not {_short(v)}.")
        out[name] = float(v)
    return out


def _pane(value: Any, index: int) -> Pane:
    if isinstance(value, str):
        value = {"model": value}
    if isinstance(value, Pane):
        value = value.to_dict()
    if not isinstance(value, Mapping):
        raise VoteError(f"pane {index + 1} must be an object with a \"model\".")
    model = value.get("model")
    if not isinstance(model, str) or not model.strip():
        raise VoteError(f"pane {index + 1} has no model name.")
    check_text(model, f"the model name of pane {index + 1}")
    settings = value.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise VoteError(f"pane {index + 1}: settings must be an object.")
    sample = value.get("sample")
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample < 2**53):
        raise VoteError(f"pane {index + 1}: sample must be a positive whole number.")
    key = value.get("key")
    if key is not None and not isinstance(key, str):
        raise VoteError(f"pane {index + 1}: key must be a string.")
    if key is not None:
        check_text(key, f"the cache key of pane {index + 1}")
    try:
        text = json.dumps(dict(settings), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise VoteError(f"pane {index + 1}: settings must be plain JSON ({exc}).") from None
    except RecursionError:
        raise VoteError(f"pane {index + 1}: settings are nested too deeply.") from None
    settings = json.loads(check_text(text, f"the settings of pane {index + 1}"))
    return Pane(model=model.strip(), settings=settings, sample=sample,
                metrics=_metrics(value.get("metrics"), f"pane {index + 1}"), key=key)


def _ranking(value: Any, n_panes: int) -> tuple[tuple[int, ...], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise VoteError('"ranking" must be a non-empty list of tie groups, best first.')
    seen: set[int] = set()
    groups = []
    for g, group in enumerate(value):
        if not isinstance(group, (list, tuple)) or not group:
            raise VoteError(f"tie group {g + 1} of the ranking must be a non-empty list.")
        for i in group:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n_panes:
                raise VoteError(f"tie group {g + 1} names pane {json.dumps(i)}, which does not exist.")
            if i in seen:
                raise VoteError(f"pane {i + 1} appears twice in the ranking.")
            seen.add(i)
        groups.append(tuple(group))
    missing = [i + 1 for i in range(n_panes) if i not in seen]
    if missing:
        raise VoteError(f"the ranking leaves out pane(s) {', '.join(map(str, missing))}: rank every pane.")
    return tuple(groups)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise VoteError('"tags" must be a list of strings, e.g. ["svg"].')
    out: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not tag.strip():
            raise VoteError(f"tag {_short(tag)} is not a non-empty string.")
        tag = check_text(tag, f"tag {len(out) + 1}").strip()
        if tag.casefold() not in {t.casefold() for t in out}:
            out.append(tag)
    return tuple(out)


def make_vote(
    *,
    prompt: str,
    panes: Sequence[Any] | None,
    ranking: Sequence[Sequence[int]] | None,
    all_bad: bool = False,
    blind: bool = False,
    tags: Iterable[str] | str | None = (),
    comparison_id: str | None = None,
    time: float | str | None = None,
    id: str | None = None,
    stored: bool = False,
) -> Vote:
    """A validated :class:`Vote`, or :class:`VoteError` saying what is wrong.

    `panes` are :class:`Pane`, dicts with at least "model", or bare model names; `ranking`
    lists tie groups of pane indices, best first, covering every pane once. Unless
    `all_bad`, a vote needs two panes or more (one pane has nothing to be ranked against).
    `time` is unix seconds or an ISO 8601 string (default: now), between 1970 and 2200 (`stored`
    votes, read back from the store, only need a time that can be written as a date).
    """
    if not isinstance(prompt, str):
        raise VoteError('"prompt" must be a string.')
    check_text(prompt, "the prompt")
    if not isinstance(panes, (list, tuple)) or not panes:
        raise VoteError("a vote needs the panes (models) that were judged.")
    pane_list = tuple(_pane(p, i) for i, p in enumerate(panes))
    groups = _ranking(ranking, len(pane_list))
    all_bad = _flag(all_bad, "all_bad")
    if len(pane_list) < 2 and not all_bad:
        raise VoteError("a ranking needs at least two models (or \"all_bad\": true).")
    if comparison_id is not None and (not isinstance(comparison_id, str) or not comparison_id):
        raise VoteError('"comparison_id" must be a non-empty string.')
    if comparison_id is not None:
        check_text(comparison_id, '"comparison_id"')
    if id is not None and (not isinstance(id, str) or not id.strip()):
        raise VoteError('"id" must be a non-empty string.')
    if id is not None:
        check_text(id, '"id"')
    when = _time.time() if time is None else parse_when(time)
    if not stored and not 0 <= when <= MAX_VOTE_TIME:
        raise VoteError(f'"time" {_short(time)} is not a time a vote was cast (1970 to 2200, UTC).')
    return Vote(id=id.strip() if id else new_vote_id(when), time=when, prompt=prompt,
                panes=pane_list, ranking=groups, all_bad=all_bad, blind=_flag(blind, "blind"),
                tags=_tags(tags), comparison_id=comparison_id)


def parse_when(value: Any, *, end_of_day: bool = False) -> float:
    """Unix seconds from a number, a datetime/date, or an ISO 8601 string.

    A date or a naive time is read as UTC. With `end_of_day`, a bare date means the end of
    that day, so ``--until 2026-11-28`` includes votes cast on the 28th.
    """
    if isinstance(value, bool):
        raise VoteError(f"not a time: {value!r}.")
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)  # a 401-digit int overflows a float
            # and a time must be a date (export and History print it as one)
            _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
        except (OverflowError, ValueError, OSError):
            raise VoteError(f"not a time: {_short(value)} (unix seconds or an ISO 8601 date).") from None
        return seconds
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, _dt.date):
        moment = _dt.datetime.combine(value, _dt.time.max if end_of_day else _dt.time.min)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                day = _dt.date.fromisoformat(text)
                moment = _dt.datetime.combine(day, _dt.time.max if end_of_day else _dt.time.min)
            else:
                moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise VoteError(f"{value!r} is not a date: use YYYY-MM-DD or an ISO 8601 time.") from None
    else:
        raise VoteError(f"not a time: {_short(value)}.")
    if isinstance(value, str):
        check_text(value, "the time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.timestamp()


def _short(value: Any) -> str:
    """A value quoted for a sentence: at most 40 characters, escapes for anything odd."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "…"
