"""The vote store: one person's rankings of comparison panes, kept in ``votes.sqlite3``.

The file lives in the response-cache folder (``--cache-dir``, $GEMMA_PLAYGROUND_CACHE_DIR or
the user cache dir; see :func:`playground.cache.default_cache_dir`), next to diskcache's own
files but in a database of its own: ``cache clear`` never touches votes, and the history store
can change without a migration here.

A vote is plain JSON (never pickle) in one row of one table. The columns beside the JSON exist
only to filter in SQL (time, blind, all_bad, comparison id). SQLite in WAL mode with
``synchronous=FULL`` and a busy timeout makes writes atomic and safe across threads and
processes: a process killed mid-write (even ``kill -9``) leaves either the whole vote or none.
Every call opens its own short-lived connection, so a store object can be shared by threads.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import secrets
import sqlite3
import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

__all__ = [
    "DB_NAME",
    "Pane",
    "Vote",
    "VoteError",
    "VoteStore",
    "VoteStoreError",
    "make_vote",
    "open_votes",
    "parse_when",
]

DB_NAME = "votes.sqlite3"
SCHEMA_VERSION = 1
# Pane metrics worth keeping with a vote (the speed-vs-quality plot reads these two).
METRIC_KEYS = ("tokens_per_s", "ttft_s")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    id TEXT PRIMARY KEY,
    time REAL NOT NULL,
    comparison_id TEXT,
    blind INTEGER NOT NULL,
    all_bad INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS votes_time ON votes(time);
CREATE INDEX IF NOT EXISTS votes_comparison ON votes(comparison_id);
"""


class VoteError(ValueError):
    """A vote that cannot be stored; the message is one sentence saying what is wrong."""


class VoteStoreError(Exception):
    """The vote database could not be opened, read or written; the message names the file."""


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
            time=data.get("time"), id=data.get("id"),
        )


# ---- validation --------------------------------------------------------------------------


def new_vote_id(now: float | None = None) -> str:
    """Sortable by time, like history ids: 12 hex digits of milliseconds, then 8 random."""
    now = _time.time() if now is None else now
    return f"{int(now * 1000):012x}-{secrets.token_hex(4)}"


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
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise VoteError(f"{where}: metric {name} must be a non-negative number, not {json.dumps(v)}.")
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
    settings = value.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise VoteError(f"pane {index + 1}: settings must be an object.")
    sample = value.get("sample")
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or sample < 1):
        raise VoteError(f"pane {index + 1}: sample must be a positive whole number.")
    key = value.get("key")
    if key is not None and not isinstance(key, str):
        raise VoteError(f"pane {index + 1}: key must be a string.")
    try:
        settings = json.loads(json.dumps(dict(settings), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise VoteError(f"pane {index + 1}: settings must be plain JSON ({exc}).") from None
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
            raise VoteError(f"tag {json.dumps(tag)} is not a non-empty string.")
        tag = tag.strip()
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
) -> Vote:
    """A validated :class:`Vote`, or :class:`VoteError` saying what is wrong.

    `panes` are :class:`Pane`, dicts with at least "model", or bare model names; `ranking`
    lists tie groups of pane indices, best first, covering every pane once. Unless
    `all_bad`, a vote needs two panes or more (one pane has nothing to be ranked against).
    `time` is unix seconds or an ISO 8601 string (default: now).
    """
    if not isinstance(prompt, str):
        raise VoteError('"prompt" must be a string.')
    if not isinstance(panes, (list, tuple)) or not panes:
        raise VoteError("a vote needs the panes (models) that were judged.")
    pane_list = tuple(_pane(p, i) for i, p in enumerate(panes))
    groups = _ranking(ranking, len(pane_list))
    all_bad = _flag(all_bad, "all_bad")
    if len(pane_list) < 2 and not all_bad:
        raise VoteError("a ranking needs at least two models (or \"all_bad\": true).")
    if comparison_id is not None and (not isinstance(comparison_id, str) or not comparison_id):
        raise VoteError('"comparison_id" must be a non-empty string.')
    if id is not None and (not isinstance(id, str) or not id.strip()):
        raise VoteError('"id" must be a non-empty string.')
    when = _time.time() if time is None else parse_when(time)
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
        if not math.isfinite(value):
            raise VoteError(f"not a time: {value!r}.")
        return float(value)
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
        raise VoteError(f"not a time: {value!r}.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.timestamp()


# ---- the store ---------------------------------------------------------------------------


class VoteStore:
    """Votes in ``<directory>/votes.sqlite3`` (directory None: the default cache folder)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, timeout: float = 10.0) -> None:
        if directory is None:
            from playground.cache import default_cache_dir

            directory = default_cache_dir()
        self.directory = Path(directory).expanduser()
        self.path = self.directory / DB_NAME
        self.timeout = timeout
        if self.directory.exists() and not self.directory.is_dir():
            raise VoteStoreError(f"The cache path {self.directory} exists but is not a directory.")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VoteStoreError(f"The folder {self.directory} could not be created ({exc.strerror or exc}).") from exc
        with self._connect("open") as con:
            # WAL survives the connection; the schema is created once, by whoever comes first.
            self._enable_wal(con)
            with _write(con):
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    con.execute(statement)
                version = con.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                elif version > SCHEMA_VERSION:
                    raise VoteStoreError(
                        f"{self.path} was written by a newer gemma-playground (format {version});"
                        " upgrade to read it.")

    def _enable_wal(self, con: sqlite3.Connection) -> None:
        # Switching a new file to WAL needs an exclusive lock. Two processes creating the store
        # at once can deadlock on it (both hold SHARED, both want EXCLUSIVE), and SQLite then
        # answers "database is locked" at once instead of waiting: retry for the busy timeout.
        deadline = _time.monotonic() + self.timeout
        while True:
            try:
                if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    con.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or _time.monotonic() > deadline:
                    raise
                _time.sleep(0.02 + secrets.randbelow(30) / 1000)

    @contextlib.contextmanager
    def _connect(self, action: str) -> Iterator[sqlite3.Connection]:
        con = None
        try:
            con = sqlite3.connect(str(self.path), timeout=self.timeout, isolation_level=None)
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            con.execute("PRAGMA synchronous = FULL")
            yield con
        except sqlite3.Error as exc:
            hint = ""
            if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
                hint = (" The file is damaged: move it aside to start a new vote store (`sqlite3 FILE .recover`"
                        " may rescue its votes).")
            raise VoteStoreError(f"Could not {action} the vote store {self.path} ({exc}).{hint}") from exc
        finally:
            if con is not None:
                con.close()

    # ---- writing -----------------------------------------------------------------

    def add(self, vote: Vote | None = None, /, **fields: Any) -> Vote:
        """Store a vote and return it: either a :class:`Vote`, or the keyword arguments of
        :func:`make_vote` (prompt, panes, ranking, all_bad, blind, tags, comparison_id).

        Raises VoteError for a bad vote or one whose id is already stored."""
        if vote is None:
            vote = make_vote(**fields)
        elif fields:
            raise TypeError("pass a Vote or keyword fields, not both")
        added, _ = self.add_many([vote])
        if not added:
            raise VoteError(f"a vote with id {vote.id} is already stored.")
        return vote

    def add_many(self, votes: Iterable[Vote]) -> tuple[int, int]:
        """Store votes in one transaction; (added, skipped because their id already exists)."""
        rows = [_row(v) for v in votes]
        with self._connect("write to") as con, _write(con):
            before = con.total_changes
            con.executemany(
                "INSERT OR IGNORE INTO votes (id, time, comparison_id, blind, all_bad, record)"
                " VALUES (?, ?, ?, ?, ?, ?)", rows)
            added = con.total_changes - before
        return added, len(rows) - added

    def change(self, vote_id: str, **updates: Any) -> Vote:
        """Change a stored vote (ranking, all_bad, blind, tags, prompt, panes...); return it.

        Raises KeyError if there is no such vote, VoteError if the change makes it invalid."""
        if "id" in updates:
            raise VoteError("a vote's id cannot be changed.")
        with self._connect("write to") as con, _write(con):
            row = con.execute("SELECT record FROM votes WHERE id = ?", (vote_id,)).fetchone()
            old = _decode(row[0]) if row else None
            if old is None:
                raise KeyError(vote_id)
            data = old.to_dict() | updates
            if "panes" in updates:
                data["panes"] = [p.to_dict() if isinstance(p, Pane) else p for p in updates["panes"]]
            new = Vote.from_dict(data)
            con.execute(
                "UPDATE votes SET time = ?, comparison_id = ?, blind = ?, all_bad = ?, record = ?"
                " WHERE id = ?", _row(new)[1:] + (vote_id,))
        return new

    def delete(self, vote_id: str) -> bool:
        """Forget one vote; True if it existed."""
        with self._connect("write to") as con, _write(con):
            return con.execute("DELETE FROM votes WHERE id = ?", (vote_id,)).rowcount > 0

    def clear(self) -> int:
        """Remove every vote; return how many there were."""
        with self._connect("write to") as con, _write(con):
            return con.execute("DELETE FROM votes").rowcount

    # ---- reading -----------------------------------------------------------------

    def get(self, vote_id: str) -> Vote | None:
        with self._connect("read") as con:
            row = con.execute("SELECT record FROM votes WHERE id = ?", (vote_id,)).fetchone()
        return _decode(row[0]) if row else None

    def list(
        self,
        *,
        tag: str | None = None,
        blind_only: bool = False,
        since: Any = None,
        until: Any = None,
        comparison_id: str | None = None,
    ) -> list[Vote]:
        """Stored votes, oldest first. `tag` matches any of a vote's tags (any case);
        `since`/`until` are inclusive (a bare date as `until` means the end of that day).
        A row that cannot be read as a vote is skipped."""
        where, params = [], []
        if blind_only:
            where.append("blind = 1")
        if since is not None:
            where.append("time >= ?")
            params.append(parse_when(since))
        if until is not None:
            where.append("time <= ?")
            params.append(parse_when(until, end_of_day=True))
        if comparison_id is not None:
            where.append("comparison_id = ?")
            params.append(comparison_id)
        sql = "SELECT record FROM votes"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._connect("read") as con:
            rows = con.execute(sql + " ORDER BY time, id", params).fetchall()
        votes = [v for v in (_decode(r[0]) for r in rows) if v is not None]
        if tag is not None:
            wanted = tag.strip().casefold()
            votes = [v for v in votes if any(t.casefold() == wanted for t in v.tags)]
        return votes

    def for_comparison(self, comparison_id: str) -> list[Vote]:
        """Votes cast on one comparison (History shows, changes or deletes them)."""
        return self.list(comparison_id=comparison_id)

    def count(self) -> int:
        with self._connect("read") as con:
            return int(con.execute("SELECT COUNT(*) FROM votes").fetchone()[0])


@contextlib.contextmanager
def _write(con: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock up front (waiting up to the busy
    timeout), so two processes never interleave a read-modify-write."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _row(vote: Vote) -> tuple[Any, ...]:
    record = json.dumps(vote.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (vote.id, vote.time, vote.comparison_id, int(vote.blind), int(vote.all_bad), record)


def _decode(text: Any) -> Vote | None:
    try:
        return Vote.from_dict(json.loads(text))
    except (TypeError, ValueError):
        return None



def open_votes(directory: str | os.PathLike[str] | None = None) -> tuple[VoteStore | None, str | None]:
    """(store, None) or (None, warning sentence); never raises — for the UI, which must start
    (and keep comparing) even when the vote store cannot be opened. `directory` None means
    the default cache folder; pass the response cache's folder to keep both together."""
    try:
        return VoteStore(directory), None
    except VoteStoreError as exc:
        return None, f"{exc} Votes cannot be saved in this run."
    except Exception as exc:  # noqa: BLE001 - voting is optional, comparing is not
        return None, f"The vote store could not be opened ({type(exc).__name__}: {exc}). Votes cannot be saved in this run."
