"""`gemma-playground suite run FILE_OR_NAME -m A -m B …` and `suite list`.

cli.py registers the parser and dispatches here, handing over the pieces of `compare` a suite
reuses — the runtime builder, the settings flags and the pane JSON of `compare --json` — so
the suite code lives in this package without importing the CLI above it (and a suite's panes
are exactly compare's). Progress goes to stderr, never into the --json output on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from playground.suites.log import past_runs, record_run
from playground.suites.parse import SuiteError, bundled_names, load_bundled, load_suite
from playground.terminal import printable

if TYPE_CHECKING:
    from playground.suites.run import SuiteRun


def add_parser(sub: Any, common: Callable[[argparse.ArgumentParser], None],
               settings_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    suite = sub.add_parser("suite", help="run a prompt suite on several models (suite run|list)")
    actions = suite.add_subparsers(dest="suite_command", required=True)
    run = actions.add_parser("run", help="every prompt of a suite × every model, cached like compare")
    common(run)
    run.add_argument("suite", metavar="FILE_OR_NAME",
                     help=f"a .jsonl or .txt suite file, or a bundled suite ({', '.join(bundled_names())})")
    run.add_argument("-m", "--model", action="append", dest="models", default=[], required=True,
                     help="model id, .gguf path, gemini:ID or openai:MODEL (repeatable)")
    run.add_argument("--system", metavar="TEXT", help="system prompt for prompts without their own")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--html", metavar="OUT.html",
                     help="write the gallery page (and OUT.png, a contact sheet of the drawings)")
    run.add_argument("--blind", action="store_true",
                     help="with --html: Model A, B, ... in a shuffled order per prompt, self-names masked, no speeds")
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument("--samples", type=int, default=1, metavar="K", help="answers per model and prompt, 1-8")
    run.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    settings_flags(run)
    listing = actions.add_parser("list", help="the bundled suites and past runs")
    listing.add_argument("--config", metavar="PATH")
    listing.add_argument("--cache-dir", metavar="DIR")
    listing.add_argument("--json", action="store_true")


@dataclass
class CompareKit:
    """What `compare` lends a suite run (cli.py fills it)."""

    build_runtime: Callable[..., Any]
    settings_from_args: Callable[[argparse.Namespace, Any], Any]  # raises the CLI's UsageError
    pane_json: Callable[[str, Any], dict]  # compare --json's object for one prompt
    usage_error: type[Exception]
    gallery: Callable[..., Any] | None = None  # writes the --html page and its PNG


def main(args: argparse.Namespace, kit: CompareKit) -> int:
    if args.suite_command == "list":
        return _list(args, kit)
    return _run(args, kit)


# ---------------------------------------------------------------------------------- run
def _run(args: argparse.Namespace, kit: CompareKit) -> int:
    from playground.door import owner_door
    from playground.request import RequestError, check_text
    from playground.samples import MAX_SAMPLES
    from playground.settings_table import GENERATION

    usage = kit.usage_error
    if not 1 <= args.samples <= MAX_SAMPLES:
        raise usage(f"--samples must be between 1 and {MAX_SAMPLES}, not {args.samples}")
    try:
        for name in args.models:
            check_text(name, "model name")
        if args.system is not None:
            check_text(args.system, "system prompt")
    except RequestError as exc:
        raise usage(str(exc)) from None
    runtime = kit.build_runtime(args, with_cache=not args.no_cache)
    try:
        config = runtime.config
        try:
            suite = load_suite(args.suite, max_prompt_chars=config.max_prompt_chars,
                               max_image_bytes=int(config.max_image_mb * 1024 * 1024))
        except SuiteError as exc:
            raise usage(str(exc)) from None
        for problem in suite.problems:
            print(printable(f"{suite.name}: {problem} (skipped; the other prompts run)"), file=sys.stderr)
        if not suite.prompts:
            raise usage(f"{suite.name}: no prompt to run" + (" (every line had a problem, above)"
                                                              if suite.problems else " (the suite is empty)"))
        kit.settings_from_args(args, config.defaults)  # a bad flag is named before anything runs
        explicit = {row.name: getattr(args, row.name) for row in GENERATION
                    if row.cli_flag and getattr(args, row.name, None) is not None}
        door = owner_door(runtime)  # the owner's door: a path or a new gemini:/openai: id too
        try:
            panes = door.panes(args.models, explicit, args.samples)
        except RequestError as exc:
            raise usage(str(exc).removeprefix("-m: ")) from None
        from playground.suites.run import SuiteRun

        run = SuiteRun(runtime, suite, panes, use_cache=not args.no_cache, system=args.system)
        interrupted = False
        run.start()
        try:
            _show_progress(run, quiet=args.quiet)
        except KeyboardInterrupt:  # Ctrl+C: stop, keep what is done (it is cached), say so
            interrupted = True
            run.stop()
            run.wait(10)
            print(file=sys.stderr)
        progress = run.progress()
        cache_dir = getattr(runtime.cache, "directory", None)
        record_run(cache_dir, {"suite": suite.name, "source": suite.source, "models": list(args.models),
                               "samples": args.samples, "prompts": len(suite.prompts),
                               **{k: v for k, v in progress.to_json().items()
                                  if k in ("total", "done", "cached", "failed", "elapsed_s", "stopped")}})
        document = suite_json(run, args.models, kit.pane_json)
        if args.html and kit.gallery is not None:
            written = kit.gallery(run, Path(args.html), blind=args.blind)
            print(printable(f"gallery: {', '.join(str(p) for p in written)}"), file=sys.stderr)
    finally:
        runtime.close()
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _print_human(document)
    if interrupted:
        return 130
    return 1 if progress.failed or any(item.error for item in run.items) else 0


def suite_json(run: "SuiteRun", models: list[str], pane_json: Callable[[str, Any], dict]) -> dict:
    """`{"suite", "models", "prompts": [{"id", "prompt", "tags", "panes"}]}`: each prompt's panes
    are compare --json's pane objects (empty for a prompt that never ran: stopped first)."""
    prompts = []
    for item in run.items:
        if item.error is not None:
            continue  # said on stderr by line number; it has no answers
        panes = pane_json(item.request.prompt, item.groups)["panes"] if item.groups else []
        prompts.append({**item.prompt.to_json(), "panes": panes})
    return {"suite": run.suite.name, "models": list(models), "prompts": prompts}


def _show_progress(run: "SuiteRun", quiet: bool) -> None:
    """A progress line on stderr: rewritten in place on a terminal, a new line per change in a
    pipe (a log, or a test reading it), at most every 0.2 s."""
    tty = sys.stderr.isatty()
    last_line, last_at = None, 0.0
    while not run.wait(0.05):
        if quiet:
            continue
        line = run.progress().line()
        now = time.monotonic()
        if line != last_line and now - last_at >= (0.2 if tty else 0.0) and _changed(line, last_line):
            print(("\r\x1b[2K" if tty else "") + line, end="" if tty else "\n", file=sys.stderr, flush=True)
            last_line, last_at = line, now
    if not quiet:
        print(("\r\x1b[2K" if tty else "") + run.progress().line(), file=sys.stderr, flush=True)


def _changed(line: str, last: str | None) -> bool:
    """Only the counts make a new line in a pipe (not every tick of the ETA)."""
    return last is None or line.split(" · ETA")[0] != last.split(" · ETA")[0]


def _print_human(document: dict) -> None:
    for prompt in document["prompts"]:
        tags = f"  [{', '.join(prompt['tags'])}]" if prompt["tags"] else ""
        print(printable(f"### {prompt['id']}: {prompt['prompt'][:100]}{tags}"))
        for pane in prompt["panes"]:
            status = "error" if pane["error"] else (pane["finish_reason"] or "")
            drew = sum(1 for s in pane["svgs"] if s.get("svg"))
            first = (pane["error"] or pane["text"]).strip().splitlines()[:1]
            facts = [status] + (["cached"] if pane["cached"] else []) + ([f"{drew} drawing(s)"] if drew else [])
            print(printable(f"  {pane['model']}: {' · '.join(facts)} — {first[0][:90] if first else ''}"))
        print()


# ---------------------------------------------------------------------------------- list
def _list(args: argparse.Namespace, kit: CompareKit) -> int:
    from playground.config import load_config
    from playground.cache import default_cache_dir

    config = load_config(args.config)
    cache_dir = Path(args.cache_dir or config.cache_dir or default_cache_dir()).expanduser()
    bundled = []
    for name in bundled_names():
        suite = load_bundled(name)
        tags = sorted({t for p in suite.prompts for t in p.tags})
        bundled.append({"name": name, "prompts": len(suite.prompts), "tags": tags})
    runs = past_runs(cache_dir)
    if args.json:
        print(json.dumps({"bundled": bundled, "runs": runs}, ensure_ascii=False, indent=2))
        return 0
    print("Bundled suites (gemma-playground suite run NAME -m MODEL ...):")
    for entry in bundled:
        print(printable(f"  {entry['name']:<16} {entry['prompts']:>3} prompts  {', '.join(entry['tags'])}"))
    print()
    if not runs:
        print("No suite has run yet (past runs are kept in the cache folder).")
        return 0
    print("Past runs (newest last):")
    for entry in runs:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.get("at", 0)))
        state = "stopped" if entry.get("stopped") else "done"
        print(printable(f"  {when}  {entry.get('suite', '?')} × {', '.join(map(str, entry.get('models', [])))}"
                        f"  {entry.get('done', 0)}/{entry.get('total', 0)} answers · {entry.get('cached', 0)} cached"
                        f" · {entry.get('failed', 0)} failed · {state}"))
    return 0
