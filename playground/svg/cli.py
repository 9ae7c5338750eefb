"""``gemma-playground svg FILE [--png OUT] [--json]``: what is drawn in a saved answer.

Reads a saved answer (markdown or raw text, or a JSON record with a "text" field such as
``compare --json`` writes), prints every drawing it finds with what was repaired, and
optionally renders the first usable drawing to PNG.

Exit codes: 0 done; 1 nothing to render or the render failed; 2 bad input (usage, missing
or unreadable file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import process_answer, render_png
from .extract import extract_svgs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemma-playground svg",
        description="Find, repair and sanitize the SVG drawings in a saved model answer.",
    )
    parser.add_argument("file", help='saved answer (markdown, text, or JSON with "text"); '
                                     "- reads standard input")
    parser.add_argument("--png", metavar="OUT", help="write the first usable drawing as PNG")
    parser.add_argument("--size", type=int, default=512,
                        help="PNG size of the longest side in px (16-2048, default 512)")
    parser.add_argument("--json", action="store_true",
                        help='print {"svgs": [{svg, fixes, warnings, truncated}, ...]}')
    parser.add_argument("--finish-reason", metavar="REASON",
                        help='why generation stopped; "length" marks a cut-off last drawing '
                             "as truncated at the token limit (default: from the JSON record)")
    return parser


def _read(path: str) -> tuple[str, str | None]:
    """The answer text and its finish reason (known only for JSON records)."""
    if path == "-":
        raw = sys.stdin.buffer.read()
    else:
        file = Path(path)
        if not file.is_file():
            raise OSError(f"no such file: {path}")
        raw = file.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            return text, None  # looked like JSON but is not: treat as plain text
        if isinstance(record, dict) and isinstance(record.get("text"), str):
            reason = record.get("finish_reason")
            return record["text"], reason if isinstance(reason, str) else None
    return text, None


def _human(name: str, results, notes: list[str]) -> str:
    if not results:
        return "\n".join([f"{name}: no SVG drawing found"] + [f"  note: {n}" for n in notes])
    lines = [f"{name}: {len(results)} drawing{'s' if len(results) != 1 else ''}"]
    lines += [f"  note: {n}" for n in notes]
    for r in results:
        state = "unusable" if r.svg is None else "repaired" if r.fixes else "clean"
        fixes = f", {len(r.fixes)} fix{'es' if len(r.fixes) != 1 else ''}" if r.fixes else ""
        lines.append(f"#{r.index}: {state}{fixes}{', truncated' if r.truncated else ''}")
        lines += [f"  fixed: {f}" for f in r.fixes]
        lines += [f"  warning: {w}" for w in r.warnings]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on usage errors
        return int(exit_.code or 0)
    try:
        text, reason = _read(args.file)
    except OSError as error:
        print(f"gemma-playground svg: cannot read {args.file}: "
              f"{getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return 2
    results = process_answer(text, finish_reason=args.finish_reason or reason)
    out = sys.stderr if args.json else sys.stdout  # keep stdout pure JSON with --json
    if args.json:
        print(json.dumps({"svgs": [r.to_json() for r in results]}, ensure_ascii=False, indent=2))
    else:
        notes = extract_svgs(text)[1]  # e.g. drawings skipped inside ```python code
        print(_human("<stdin>" if args.file == "-" else args.file, results, notes))
    if not args.png:
        return 0
    usable = next((r for r in results if r.svg is not None), None)
    if usable is None:
        print("gemma-playground svg: no usable drawing to render", file=sys.stderr)
        return 1
    result = render_png(usable.svg, size=args.size)
    if result.png is None:
        print(f"gemma-playground svg: drawing #{usable.index} did not render: {result.error}",
              file=sys.stderr)
        return 1
    try:
        Path(args.png).write_bytes(result.png)
    except OSError as error:
        print(f"gemma-playground svg: cannot write {args.png}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    print(f"wrote drawing #{usable.index} to {args.png} ({len(result.png):,} bytes)", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
