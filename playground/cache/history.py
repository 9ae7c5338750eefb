"""The comparison index: one SQLite table in ``<cache folder>/history.sqlite3``.

Why a table and not a diskcache value: the old index was one JSON blob rewritten on every
comparison (34 ms at 1,000 entries) and trimmed silently at 1,000. Here recording is one
indexed INSERT, the first page is an index scan, and a prompt search is an FTS5 query.

Layout (the file is shared: a later ``votes`` table lives next to ``comparisons``, and each
part records its own schema version in ``schema_versions``):

* ``comparisons(seq, id, time, key, prompt, prompt_truncated, system, image_sha, models)``:
  ``seq`` is the insertion order (newest = largest, also the FTS rowid); ``id`` the public
  id; ``key`` a hash of what defines the comparison (see keys.comparison_key), so
  identical re-runs can later be merged; ``prompt``/``system`` keep at most
  ``INDEX_TEXT_CHARS`` (the full texts stay in the ``h:<id>`` record in diskcache).
* ``comparisons_fts``: FTS5 with the ``trigram`` tokenizer over ``prompt`` (external
  content, kept in step by triggers). Trigrams give substring matching that ignores case,
  exactly what ``history(query)`` always meant: "pelican" finds "Pelicans riding".
  Queries shorter than 3 characters, and SQLite builds without FTS5/trigram, use LIKE
  (substring, ASCII case-insensitive) over the same rows.

Every user text goes in as a bound parameter and every FTS query is one quoted phrase, so
no query (``"``, ``*``, ``AND``, ``NEAR(``) reaches SQLite as syntax.

Concurrency: WAL, a busy timeout, writes in ``BEGIN IMMEDIATE``; one connection per
process, shared by its threads under a lock (Gradio serves events on worker threads).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
import time as _time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .keys import comparison_key

HISTORY_DB = "history.sqlite3"
SCHEMA_VERSION = 1
# history() searches, and returns, at most this much of each prompt and system prompt.
INDEX_TEXT_CHARS = 4000
FTS_MIN_CHARS = 3  # a trigram index cannot match less

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_versions (
    part    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS comparisons (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    time             REAL NOT NULL,
    key              TEXT NOT NULL,
    prompt           TEXT NOT NULL,
    prompt_truncated INTEGER NOT NULL DEFAULT 0,
    system           TEXT,
    image_sha        TEXT,
    models           TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS comparisons_time ON comparisons(time);
CREATE INDEX IF NOT EXISTS comparisons_key ON comparisons(key);
"""

_FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS comparisons_fts USING fts5(
    prompt, content='comparisons', content_rowid='seq', tokenize='trigram'
);
CREATE TRIGGER IF NOT EXISTS comparisons_fts_insert AFTER INSERT ON comparisons BEGIN
    INSERT INTO comparisons_fts(rowid, prompt) VALUES (new.seq, new.prompt);
END;
CREATE TRIGGER IF NOT EXISTS comparisons_fts_delete AFTER DELETE ON comparisons BEGIN
    INSERT INTO comparisons_fts(comparisons_fts, rowid, prompt) VALUES ('delete', old.seq, old.prompt);
END;
"""

_COLUMNS = "id, time, prompt, prompt_truncated, system, image_sha, models"


def history_db_path(cache_dir: str | os.PathLike[str]) -> Path:
    return Path(cache_dir) / HISTORY_DB


def connect(path: str | os.PathLike[str], timeout: float = 10.0) -> sqlite3.Connection:
    """A connection to the shared history file: autocommit (explicit BEGIN), WAL, busy timeout.

    For other tables in the same file (votes): use this, and take writes with
    ``BEGIN IMMEDIATE`` so two processes queue instead of failing.
    """
    con = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        enable_wal(con, timeout)
        con.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable on commit except power loss
    except BaseException:
        con.close()
        raise
    return con


def enable_wal(con: sqlite3.Connection, timeout: float) -> None:
    """Put the file behind `con` in WAL mode, retrying a lock clash for up to `timeout` s.

    Shared with the vote store (playground.judging.votes).
    """
    # Switching a new file to WAL needs an exclusive lock; processes creating the file at
    # once can each hold SHARED and want EXCLUSIVE, and SQLite then answers "database is
    # locked" at once instead of waiting. Retry (with jitter) until the busy timeout.
    deadline = _time.monotonic() + timeout
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or _time.monotonic() > deadline:
                raise
            _time.sleep(0.01 + random.random() * 0.03)


def clean_text(text: str) -> str:
    """`text` as SQLite can store it: a lone surrogate (possible in JSON input) becomes '?'."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def fts5_trigram_available() -> bool:
    """True if this Python's SQLite has FTS5 with the trigram tokenizer (3.34+)."""
    try:
        with sqlite3.connect(":memory:") as con:
            con.execute("CREATE VIRTUAL TABLE probe USING fts5(t, tokenize='trigram')")
        return True
    except sqlite3.Error:
        return False


def _like_pattern(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(needle: str) -> str:
    """One FTS5 string: the whole needle as a phrase, '"' doubled. Nothing in it is syntax."""
    return '"' + needle.replace('"', '""') + '"'


class HistoryStore:
    """The comparison index (summaries, newest first, searchable). Raises sqlite3.Error/OSError."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0, fts: bool | None = None) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._want_fts = fts
        self._lock = threading.RLock()
        self._con: sqlite3.Connection | None = None
        self._pid = -1
        self.fts = False
        with self._locked() as con:  # create the schema now: errors surface at open time
            con.execute("SELECT COUNT(*) FROM comparisons").fetchone()

    # ---- plumbing -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        con = connect(self.path, self.timeout)
        try:
            con.execute("BEGIN IMMEDIATE")
            for statement in _statements(_SCHEMA):
                con.execute(statement)
            fts = self._want_fts if self._want_fts is not None else fts5_trigram_available()
            exists = con.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'comparisons_fts'").fetchone() is not None
            if fts and not exists:
                for statement in _statements(_FTS_SCHEMA):
                    con.execute(statement)
                # rows written by a SQLite without FTS5 get indexed now
                con.execute("INSERT INTO comparisons_fts(comparisons_fts) VALUES ('rebuild')")
            self.fts = bool(fts)
            con.execute("INSERT OR IGNORE INTO schema_versions(part, version) VALUES ('comparisons', ?)",
                        (SCHEMA_VERSION,))
            con.execute("COMMIT")
        except BaseException:
            con.close()
            raise
        return con

    def _connection(self) -> sqlite3.Connection:
        # One connection per process: a connection inherited through fork() must not be used.
        if self._con is None or self._pid != os.getpid():
            self._con = self._open()
            self._pid = os.getpid()
        return self._con

    @contextlib.contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._connection()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error, under the store's lock."""
        with self._lock:
            con = self._connection()
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    # ---- writes ---------------------------------------------------------------------

    def add(self, *, entry_id: str, time: float, key: str, prompt: str, system: str | None,
            image_sha: str | None, models: list[Any]) -> None:
        """Index one comparison (the newest)."""
        with self._write() as con:
            self._insert(con, entry_id, time, key, prompt, system, image_sha, models)

    def add_many(self, rows: Iterable[dict[str, Any]]) -> None:
        """Index many comparisons oldest first, in one transaction (import, benchmark set-up)."""
        with self._write() as con:
            for row in rows:
                self._insert(con, row["id"], row["time"], row["key"], row["prompt"], row.get("system"),
                             row.get("image_sha"), row.get("models") or [])

    @staticmethod
    def _insert(con: sqlite3.Connection, entry_id: str, time: float, key: str, prompt: str,
                system: str | None, image_sha: str | None, models: list[Any]) -> None:
        con.execute(
            "INSERT OR IGNORE INTO comparisons(id, time, key, prompt, prompt_truncated, system, image_sha, models)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (clean_text(entry_id), float(time), key, clean_text(prompt[:INDEX_TEXT_CHARS]),
             int(len(prompt) > INDEX_TEXT_CHARS),
             None if system is None else clean_text(system[:INDEX_TEXT_CHARS]),
             None if image_sha is None else clean_text(str(image_sha)),
             clean_text(json.dumps(models, ensure_ascii=False))),
        )

    def trim(self, keep: int) -> list[str]:
        """Remove all but the newest `keep` entries; return the removed ids (for their records)."""
        with self._write() as con:
            row = con.execute("SELECT seq FROM comparisons ORDER BY seq DESC LIMIT 1 OFFSET ?",
                              (keep,)).fetchone()
            if row is None:
                return []
            ids = [r[0] for r in con.execute("SELECT id FROM comparisons WHERE seq <= ?", (row[0],))]
            con.execute("DELETE FROM comparisons WHERE seq <= ?", (row[0],))
        return ids

    def remove(self, entry_id: str) -> bool:
        """Forget one entry; True if it was there."""
        with self._write() as con:
            return con.execute("DELETE FROM comparisons WHERE id = ?", (clean_text(entry_id),)).rowcount > 0

    def clear(self) -> int:
        """Forget every entry (the file and any other table in it stay); return how many."""
        with self._write() as con:
            count = con.execute("SELECT COUNT(*) FROM comparisons").fetchone()[0]
            con.execute("DELETE FROM comparisons")
        return int(count)

    # ---- reads ----------------------------------------------------------------------

    def count(self) -> int:
        with self._locked() as con:
            return int(con.execute("SELECT COUNT(*) FROM comparisons").fetchone()[0])

    def ids(self) -> set[str]:
        with self._locked() as con:
            return {r[0] for r in con.execute("SELECT id FROM comparisons")}

    def search(self, query: str = "", limit: int = 100) -> list[dict[str, Any]]:
        """Summaries, newest first, whose prompt contains `query` ignoring case ("" = all)."""
        if limit <= 0:
            return []
        needle = clean_text(query)
        with self._locked() as con:
            if not needle:
                rows = con.execute(f"SELECT {_COLUMNS} FROM comparisons ORDER BY seq DESC LIMIT ?",
                                   (limit,)).fetchall()
            elif self.fts and len(needle) >= FTS_MIN_CHARS:
                try:
                    rows = con.execute(
                        f"SELECT {_COLUMNS} FROM comparisons WHERE seq IN ("
                        " SELECT rowid FROM comparisons_fts WHERE comparisons_fts MATCH ?"
                        " ORDER BY rowid DESC LIMIT ?) ORDER BY seq DESC",
                        (_phrase(needle), limit)).fetchall()
                except sqlite3.OperationalError:  # never an error for the person searching
                    rows = self._like(con, needle, limit)
            else:
                rows = self._like(con, needle, limit)
        return [_summary(row) for row in rows]

    @staticmethod
    def _like(con: sqlite3.Connection, needle: str, limit: int) -> list[tuple]:
        return con.execute(
            f"SELECT {_COLUMNS} FROM comparisons WHERE prompt LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT ?",
            (_like_pattern(needle), limit)).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._con is not None and self._pid == os.getpid():
                self._con.close()
            self._con = None


def _statements(script: str) -> Iterator[str]:
    """Split a schema script (no string literals contain ';' except inside trigger bodies)."""
    buffer: list[str] = []
    for line in script.strip().splitlines():
        buffer.append(line)
        text = "\n".join(buffer).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            yield text
            buffer = []


def _summary(row: tuple) -> dict[str, Any]:
    entry_id, time, prompt, truncated, system, image_sha, models = row
    try:
        model_list = json.loads(models)
        if not isinstance(model_list, list):
            model_list = []
    except (TypeError, ValueError):
        model_list = []
    return {"id": entry_id, "time": time, "prompt": prompt, "prompt_truncated": bool(truncated),
            "system": system, "image_sha": image_sha, "models": model_list}


def legacy_rows(entries: Any, read_record: Callable[[str], Any]) -> list[dict[str, Any]]:
    """Rows for add_many from a pre-table index (summaries, oldest first). Each entry's full
    record (``read_record(id)``) supplies the texts and the key; an entry whose record is
    gone or damaged is skipped, as it could not be restored anyway."""
    rows: list[dict[str, Any]] = []
    for summary in entries if isinstance(entries, list) else []:
        entry_id = summary.get("id") if isinstance(summary, dict) else None
        record = read_record(entry_id) if isinstance(entry_id, str) else None
        if not (isinstance(record, dict) and isinstance(record.get("panes"), list)):
            continue
        panes = [p for p in record["panes"] if isinstance(p, dict)]
        prompt = record.get("prompt") if isinstance(record.get("prompt"), str) else ""
        system = record.get("system") if isinstance(record.get("system"), str) else None
        image_sha = record.get("image_sha") if isinstance(record.get("image_sha"), str) else None
        when = record.get("time")
        rows.append({
            "id": entry_id, "time": float(when) if isinstance(when, (int, float)) else 0.0,
            "key": comparison_key(prompt=prompt, system=system, image_sha=image_sha, panes=panes),
            "prompt": prompt, "system": system, "image_sha": image_sha,
            "models": [p.get("model") for p in panes],
        })
    return rows
