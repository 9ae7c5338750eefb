"""Past suite runs: one JSON line per finished (or stopped) run, in the cache folder.

`suite list` shows them. The answers themselves are in the response cache and History; this
file only remembers which suite ran on which models, when, and how it ended. Bounded: the
newest MAX_RUNS lines are kept.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

LOG_NAME = "suite-runs.jsonl"
MAX_RUNS = 200


def _path(cache_dir: Path | str) -> Path:
    return Path(cache_dir) / LOG_NAME


def record_run(cache_dir: Path | str | None, entry: dict) -> None:
    """Append one run (best effort: a full disk must not turn a finished suite into an error)."""
    if cache_dir is None:
        return
    path = _path(cache_dir)
    try:
        if path.is_symlink():  # the cache folder is not trusted: never follow a link out of it
            return
        lines = past_runs(cache_dir, limit=MAX_RUNS - 1, raw=True)
        lines.append(json.dumps({"at": time.time(), **entry}, ensure_ascii=False))
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def past_runs(cache_dir: Path | str | None, limit: int = 20, raw: bool = False) -> list:
    """The newest `limit` runs, oldest first (dicts; lines as text with `raw`)."""
    if cache_dir is None:
        return []
    path = _path(cache_dir)
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 10_000_000:
            return []
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    kept = []
    for line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            kept.append(line if raw else value)
    return kept[-limit:] if limit else []
