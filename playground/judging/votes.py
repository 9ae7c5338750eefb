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
import dataclasses
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from .vote_record import Pane, Vote, VoteError, make_vote, parse_when

__all__ = [
    "DB_NAME",
    "VoteStore",
    "VoteStoreError",
    "open_votes",
]

DB_NAME = "votes.sqlite3"
SCHEMA_VERSION = 1

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
CREATE TABLE IF NOT EXISTS votes_state (generation INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vote_answers (answers TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vote_answers_filled (done INTEGER);
INSERT INTO votes_state SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM votes_state);
"""
# votes_state.generation moves on every write, from any process (the triggers live in the
# file): the leaderboard keeps its last fits per generation and refits only when it moved.
_TRIGGERS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS votes_{name} AFTER {event} ON votes"
    " BEGIN UPDATE votes_state SET generation = generation + 1; END"
    for name, event in (("added", "INSERT"), ("changed", "UPDATE"), ("removed", "DELETE")))


class VoteStoreError(Exception):
    """The vote database could not be opened, read or written; the message names the file."""


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
        # SQLite follows a symlink: a votes file (or its -wal/-shm/-journal) linked out of the
        # folder would have us create a table in, and switch the journal of, some other file.
        from playground.cache.disk import CacheUnavailable, refuse_escaping_databases

        try:
            refuse_escaping_databases(self.directory, (DB_NAME,))
        except CacheUnavailable as exc:
            raise VoteStoreError(str(exc).replace("use the cache", "use the vote store")) from None
        self.boards: dict[Any, Any] = {}  # leaderboards by (state, filters…): see ranking.leaderboard
        from playground.cache.history import enable_wal

        with self._connect("open") as con:
            # WAL survives the connection; the schema is created once, by whoever comes first.
            enable_wal(con, self.timeout)
            with _write(con):
                for statement in [*filter(str.strip, _SCHEMA.split(";")), *_TRIGGERS]:
                    con.execute(statement)
                _fill_answers(con)
                version = con.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                elif version > SCHEMA_VERSION:
                    raise VoteStoreError(
                        f"{self.path} was written by a newer gemma-playground (format {version});"
                        " upgrade to read it.")

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

        One judgement per set of answers: when every pane names its cached sample (key and
        number) and a stored vote judged exactly those samples — the same cached comparison
        replayed and voted again — the new vote replaces that one (and keeps its id) instead of
        counting twice. A fresh sample has a new number, so voting on it is a new vote.

        Raises VoteError for a bad vote or one whose id is already stored."""
        if vote is None:
            vote = make_vote(**fields)
        elif fields:
            raise TypeError("pass a Vote or keyword fields, not both")
        answers = judged_answers(vote)
        if answers is not None:
            with self._connect("write to") as con, _write(con):
                row = con.execute("SELECT votes.id FROM vote_answers JOIN votes ON votes.id = vote_answers.id"
                                  " WHERE vote_answers.answers = ?", (answers,)).fetchone()
                if row is not None:
                    vote = dataclasses.replace(vote, id=row[0])
                    con.execute("UPDATE votes SET time = ?, comparison_id = ?, blind = ?, all_bad = ?, record = ?"
                                " WHERE id = ?", _row(vote)[1:] + (row[0],))
                    return vote
        added, _ = self.add_many([vote])
        if not added:
            raise VoteError(f"a vote with id {vote.id} is already stored.")
        return vote

    def add_many(self, votes: Iterable[Vote]) -> tuple[int, int]:
        """Store votes in one transaction; (added, skipped because their id already exists)."""
        votes = list(votes)
        rows = [_row(v) for v in votes]
        with self._connect("write to") as con, _write(con):
            # rowcount, not total_changes: the state trigger's writes must not count as votes
            added = con.executemany(
                "INSERT OR IGNORE INTO votes (id, time, comparison_id, blind, all_bad, record)"
                " VALUES (?, ?, ?, ?, ?, ?)", rows).rowcount
            con.executemany("INSERT OR REPLACE INTO vote_answers (answers, id) VALUES (?, ?)",
                            [(a, v.id) for v in votes if (a := judged_answers(v)) is not None])
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
            con.execute("DELETE FROM vote_answers WHERE id = ?", (vote_id,))
            if judged_answers(new) is not None:
                con.execute("INSERT OR REPLACE INTO vote_answers (answers, id) VALUES (?, ?)",
                            (judged_answers(new), vote_id))
        return new

    def delete(self, vote_id: str) -> bool:
        """Forget one vote; True if it existed."""
        with self._connect("write to") as con, _write(con):
            con.execute("DELETE FROM vote_answers WHERE id = ?", (vote_id,))
            return con.execute("DELETE FROM votes WHERE id = ?", (vote_id,)).rowcount > 0

    def clear(self) -> int:
        """Remove every vote; return how many there were."""
        with self._connect("write to") as con, _write(con):
            con.execute("DELETE FROM vote_answers")
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

    def state(self) -> int:
        """A number that changes whenever any process adds, changes or removes a vote."""
        with self._connect("read") as con:
            return int(con.execute("SELECT generation FROM votes_state").fetchone()[0])

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
    try:  # SQLite stores UTF-8: a lone surrogate anywhere would fail the whole transaction
        record.encode("utf-8")
    except UnicodeEncodeError:
        raise VoteError("the vote holds text that is not valid Unicode (a lone surrogate);"
                        " remove it and try again.") from None
    return (vote.id, vote.time, vote.comparison_id, int(vote.blind), int(vote.all_bad), record)


def judged_answers(vote: Vote) -> str | None:
    """A fingerprint of the exact answers a vote judged (every pane's cache key and sample
    number), or None when some pane names none (cache off, an imported vote)."""
    if not all(p.key and p.sample for p in vote.panes):
        return None
    text = json.dumps(sorted([p.key, p.sample] for p in vote.panes), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _fill_answers(con: sqlite3.Connection) -> None:
    """vote_answers came after the first vote files: fill it in from their records, once."""
    if con.execute("SELECT 1 FROM vote_answers_filled").fetchone() is not None:
        return
    con.execute("INSERT INTO vote_answers_filled VALUES (1)")
    rows = []
    for vote_id, record in con.execute("SELECT id, record FROM votes").fetchall():
        vote = _decode(record)
        answers = judged_answers(vote) if vote is not None else None
        if answers is not None:
            rows.append((answers, vote_id))
    con.executemany("INSERT OR IGNORE INTO vote_answers (answers, id) VALUES (?, ?)", rows)


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
