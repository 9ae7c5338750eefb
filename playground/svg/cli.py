"""``gemma-playground svg FILE [--png OUT] [--json]``: what is drawn in a saved answer.

Reads a saved answer (markdown or raw text, a JSON record with a "text" field, or a whole
``compare --json`` output, whose pane ``--pane N`` is read), prints every drawing it finds with what was repaired, and
optionally renders the first usable drawing to PNG.

The answer is split into thinking and answer by the same rules as the live stream (a
``<|channel>thought…<channel|>`` block, or a ``<think>…</think>`` block at the very start, is
thinking); a JSON record's own ``"thinking"`` counts as thinking too. The answer's drawings come first; drafts
sketched in the thinking follow, marked "(draft from the thinking)" (``"from_thinking": true``
in ``--json``), so ``--png`` renders the answer's drawing whenever it has a usable one.

Exit codes: 0 done; 1 nothing to render or the render failed; 2 bad input (usage, missing
or unreadable file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from playground.adapters.thoughts import split_all

from . import MAX_DRAWINGS, process_answer, render_png
from .extract import extract_svgs

DRAFT = "draft from the thinking"


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
                        help='print {"svgs": [{index, svg, fixes, warnings, truncated, '
                             'from_thinking}, ...]}')
    parser.add_argument("--pane", type=int, default=1, metavar="N",
                        help="for a whole compare --json output: which pane to read "
                             "(1-based, default 1)")
    parser.add_argument("--finish-reason", metavar="REASON",
                        help='why generation stopped; "length" marks a cut-off last drawing '
                             "as truncated at the token limit (default: from the JSON record)")
    return parser


def _read(path: str, pane: int = 1) -> tuple[str, str | None, str | None]:
    """(text, thinking, finish reason) as saved: thinking and finish reason are known only
    for JSON records (None otherwise). A whole ``compare --json`` output gives its pane
    ``pane`` (1-based); a pane number it does not have raises ValueError."""
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
            return text, None, None  # looked like JSON but is not: treat as plain text
        if isinstance(record, dict) and isinstance(record.get("panes"), list):
            panes = record["panes"]
            if not 1 <= pane <= len(panes):
                raise ValueError(f"it has {len(panes)} pane{'s' if len(panes) != 1 else ''}: "
                                 f"choose --pane 1 to {len(panes)}" if panes else "it has no panes")
            record = panes[pane - 1]
        if isinstance(record, dict) and isinstance(record.get("text"), str):
            thinking, reason = record.get("thinking"), record.get("finish_reason")
            return (record["text"], thinking if isinstance(thinking, str) else None,
                    reason if isinstance(reason, str) else None)
    return text, None, None


def _answer_and_thinking(path: str, pane: int = 1) -> tuple[str, str, str | None]:
    """(answer, thinking, finish reason) of a saved answer; see the module docstring."""
    text, saved_thinking, reason = _read(path, pane)
    # A record's text was split when it was saved; splitting it again changes nothing then,
    # and still catches a record written by hand or by an older version.
    answer, thinking = split_all(text)
    return answer, "\n".join(t for t in (saved_thinking, thinking) if t), reason


def _label(index: int, in_answer: int) -> str:
    """"#2" for the answer's own drawing, "#3 (draft from the thinking)" for a draft."""
    return f"#{index}" if index <= in_answer else f"#{index} ({DRAFT})"


def _human(name: str, results, notes: list[str], in_answer: int) -> str:
    if not results:
        return "\n".join([f"{name}: no SVG drawing found"] + [f"  note: {n}" for n in notes])
    lines = [f"{name}: {len(results)} drawing{'s' if len(results) != 1 else ''}"]
    lines += [f"  note: {n}" for n in notes]
    for r in results:
        state = "unusable" if r.svg is None else "repaired" if r.fixes else "clean"
        fixes = f", {len(r.fixes)} fix{'es' if len(r.fixes) != 1 else ''}" if r.fixes else ""
        lines.append(f"{_label(r.index, in_answer)}: {state}{fixes}"
                     f"{', truncated' if r.truncated else ''}")
        lines += [f"  fixed: {f}" for f in r.fixes]
        lines += [f"  warning: {w}" for w in r.warnings]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on usage errors
        return int(exit_.code or 0)
    try:
        answer, thinking, reason = _answer_and_thinking(args.file, args.pane)
    except OSError as error:
        print(f"gemma-playground svg: cannot read {args.file}: "
              f"{getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return 2
    except ValueError as error:  # a pane the compare output does not have
        print(f"gemma-playground svg: {args.file}: {error}", file=sys.stderr)
        return 2
    results = process_answer(answer, finish_reason=args.finish_reason or reason,
                             include_thinking=thinking or None)
    found, notes = extract_svgs(answer)  # notes: e.g. drawings skipped inside ```python code
    in_answer = min(len(found), MAX_DRAWINGS)  # process_answer numbers the answer's first
    out = sys.stderr if args.json else sys.stdout  # keep stdout pure JSON with --json
    if args.json:
        svgs = [r.to_json() | {"from_thinking": r.index > in_answer} for r in results]
        print(json.dumps({"svgs": svgs}, ensure_ascii=False, indent=2))
    else:
        print(_human("<stdin>" if args.file == "-" else args.file, results, notes, in_answer))
    if not args.png:
        return 0
    usable = next((r for r in results if r.svg is not None), None)
    if usable is None:
        print("gemma-playground svg: no usable drawing to render", file=sys.stderr)
        return 1
    result = render_png(usable.svg, size=args.size)
    if result.png is None:
        print(f"gemma-playground svg: drawing {_label(usable.index, in_answer)} did not render: "
              f"{result.error}", file=sys.stderr)
        return 1
    try:
        Path(args.png).write_bytes(result.png)
    except OSError as error:
        print(f"gemma-playground svg: cannot write {args.png}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    print(f"wrote drawing {_label(usable.index, in_answer)} to {args.png} "
          f"({len(result.png):,} bytes)", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
