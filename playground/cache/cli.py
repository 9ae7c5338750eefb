"""`gemma-playground cache stats|clear|path [--cache-dir DIR] [--json]`.

Exit codes: 0 done, 1 the cache could not be opened or used, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemma-playground cache",
        description="Inspect or empty the response cache (cached answers and comparison history).",
    )
    parser.add_argument(
        "action",
        choices=["stats", "clear", "path"],
        help="stats: what is stored; clear: delete every cached answer and the history; "
        "path: print the cache directory",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache directory (default: the config's cache_dir, else $GEMMA_PLAYGROUND_CACHE_DIR, "
        "else the user cache dir)",
    )
    parser.add_argument("--config", metavar="PATH", help="config file whose cache_dir to use")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str]) -> int:
    from . import CacheError, default_cache_dir, open_cache

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help → 0, bad arguments → 2; never leave the caller
        return int(exc.code or 0)
    from playground.config import ConfigError, load_config

    try:  # the same folder the app and compare use: --cache-dir, else the config's cache_dir
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"gemma-playground: error: {exc}", file=sys.stderr)
        return 2
    chosen = args.cache_dir or config.cache_dir
    directory = Path(chosen).expanduser() if chosen else default_cache_dir()

    from playground.terminal import printable  # a folder name can hold control characters too

    def emit(data: dict[str, Any], text: str) -> None:
        print(printable(json.dumps(data, indent=2) if args.json else text))

    if args.action == "path":
        emit({"directory": str(directory)}, str(directory))
        return 0

    cache, warning = open_cache(directory, history_max=config.history_max)
    if cache is None:
        if args.json:
            print(printable(json.dumps({"error": warning})))
        print(printable(warning), file=sys.stderr)
        return 1
    try:
        stats = cache.stats()
        if args.action == "stats":
            emit(
                stats,
                f"Cache directory: {stats['directory']}\n"
                f"Cached answers:  {stats['samples']} samples for {stats['entries']} distinct requests\n"
                f"Comparisons:     {stats['comparisons']} in history\n"
                f"Size on disk:    {_human_size(stats['size_bytes'])}"
                f" of {_human_size(stats['size_limit'])}",
            )
            return 0
        cache.clear()
        emit(
            {"cleared": True, "samples": stats["samples"], "entries": stats["entries"],
             "comparisons": stats["comparisons"], "directory": stats["directory"]},
            f"Cleared {stats['samples']} cached answers and {stats['comparisons']} comparisons"
            f" from {stats['directory']}.",
        )
        return 0
    except CacheError as exc:
        if args.json:
            print(printable(json.dumps({"error": str(exc)})))
        print(printable(str(exc)), file=sys.stderr)
        return 1
    finally:
        cache.close()
