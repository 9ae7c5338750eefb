"""`gemma-playground votes import|export|clear` and `gemma-playground leaderboard`.

``add_parsers(subparsers)`` adds both commands to the main parser; ``dispatch(args)`` runs
them. Exit codes: 0 done; 1 the vote store could not be used, or (import) some lines were
bad — the good ones are imported all the same; 2 bad arguments or an unreadable file.

Only the standard library is imported here: numpy and choix load when a leaderboard is fitted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any, Iterable, TextIO

MAX_REPORTED_LINES = 20
MAX_MATRIX_MODELS = 30  # the text head-to-head table is N×N: wider than a terminal beyond this

IMPORT_FORMAT = (
    'one JSON object per line: {"prompt": "...", "ranking": [["m1"], ["m2", "m3"], ["m4"]], '
    '"tags": ["svg"], "blind": true} — best first, an inner list is a tie; "all_bad": true, '
    '"time", "metrics": {"m1": {"tokens_per_s": 40, "ttft_s": 0.3}} and "panes" are optional'
)


def _print(text: str = "", file: TextIO | None = None) -> None:
    """print(), with control characters escaped: model ids and tags come from vote files."""
    from playground.terminal import printable

    print(printable(text), file=file)


class _UsageError(Exception):
    """Exit 2 with this sentence."""


def _store_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="the cache folder holding votes.sqlite3 (default: as for the response cache: "
                             "the config's cache_dir, else $GEMMA_PLAYGROUND_CACHE_DIR, else the user cache dir)")
    parser.add_argument("--config", metavar="PATH", help="config file (TOML), for its cache_dir")


def add_parsers(subparsers: Any) -> None:
    """Add the `votes` and `leaderboard` commands to the main parser's subparsers."""
    from .defaults import DEFAULT_RESAMPLES  # not .ranking: the parser stays light

    votes = subparsers.add_parser("votes", help="import, export or clear ranking votes",
                                  description="Ranking votes live in votes.sqlite3 in the cache folder.")
    actions = votes.add_subparsers(dest="votes_action", metavar="{import,export,clear}")
    actions.required = True
    imp = actions.add_parser("import", help="add the votes of a JSONL file", description=IMPORT_FORMAT)
    imp.add_argument("file", help="JSONL file, or - for standard input")
    _store_flags(imp)
    exp = actions.add_parser("export", help="print every vote as JSONL (the import format)")
    exp.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    _store_flags(exp)
    clear = actions.add_parser("clear", help="delete every vote (asks nothing)")
    _store_flags(clear)

    board = subparsers.add_parser(
        "leaderboard", help="each model's strength from your votes, with 95%% intervals",
        description="Bradley–Terry strengths on the Elo scale from every stored ranking, with 95%% "
                    "bootstrap intervals over votes. Dates are UTC (YYYY-MM-DD or ISO 8601).")
    board.add_argument("--tag", metavar="T", help="only votes carrying this tag")
    board.add_argument("--blind-only", action="store_true", help="only votes cast blind")
    board.add_argument("--since", metavar="DATE", help="only votes cast on or after DATE")
    board.add_argument("--until", metavar="DATE", help="only votes cast on or before DATE (whole day)")
    board.add_argument("--json", action="store_true", help="print one JSON object")
    board.add_argument("--resamples", type=int, default=None, metavar="N",
                       help=f"bootstrap resamples (default {DEFAULT_RESAMPLES})")
    board.add_argument("--seed", type=int, default=None, metavar="S", help="bootstrap seed (fixed by default)")
    _store_flags(board)


def dispatch(args: argparse.Namespace) -> int:
    """Run `votes …` or `leaderboard` from parsed arguments; return the exit code."""
    from .vote_record import VoteError
    from .votes import VoteStoreError

    try:
        if args.command == "leaderboard":
            return _leaderboard(args)
        return {"import": _import, "export": _export, "clear": _clear}[args.votes_action](args)
    except (_UsageError, VoteError) as exc:
        _print(f"gemma-playground {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except VoteStoreError as exc:
        _print(f"gemma-playground {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `votes export | head`: the reader left; not an error. Point stdout at devnull so the
        # interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


HANDLERS = {"votes": dispatch, "leaderboard": dispatch}


def _open_store(args: argparse.Namespace):
    from .votes import VoteStore

    directory = args.cache_dir
    if directory is None:
        from playground.config import ConfigError, load_config

        try:
            directory = load_config(args.config).cache_dir
        except ConfigError as exc:
            raise _UsageError(str(exc)) from None
    return VoteStore(directory)  # None → default_cache_dir()


# ---- votes import / export / clear -------------------------------------------------------


def parse_line(data: Any) -> "Any":
    """One import line (already JSON-decoded) → a Vote; VoteError says what is wrong."""
    from .vote_record import VoteError, make_vote

    if not isinstance(data, dict):
        raise VoteError("expected a JSON object with a \"ranking\".")
    if "ranking" not in data:
        raise VoteError('missing "ranking" (a list of tie groups of model names, best first).')
    ranking = data["ranking"]
    if not isinstance(ranking, list) or not ranking:
        raise VoteError('"ranking" must be a non-empty list of tie groups, e.g. [["m1"], ["m2", "m3"]].')
    names: list[str] = []
    groups: list[list[int]] = []
    for g, group in enumerate(ranking):
        if isinstance(group, str):
            group = [group]  # ["m1", "m2"] is read as m1 > m2
        if not isinstance(group, list) or not group or not all(isinstance(m, str) and m.strip() for m in group):
            raise VoteError(f"tie group {g + 1} of \"ranking\" must be a non-empty list of model names.")
        groups.append(list(range(len(names), len(names) + len(group))))
        names += [m.strip() for m in group]
    panes: list[Any] = [{"model": m} for m in names]
    if data.get("panes") is not None:
        given = data["panes"]
        if not isinstance(given, list) or len(given) != len(names):
            raise VoteError(f'"panes" must list {len(names)} panes, one per model in "ranking", in its order.')
        for k, pane in enumerate(given):
            if not isinstance(pane, dict) or pane.get("model", names[k]) != names[k]:
                raise VoteError(f'pane {k + 1} of "panes" does not match model {names[k]!r} of "ranking".')
            panes[k] = {**pane, "model": names[k]}
    metrics = data.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, dict):
            raise VoteError('"metrics" must map model names to {"tokens_per_s": …, "ttft_s": …}.')
        unknown = sorted(set(metrics) - set(names))
        if unknown:
            raise VoteError(f'"metrics" names {unknown[0]!r}, which is not in "ranking".')
        for pane in panes:
            if pane["model"] in metrics and not pane.get("metrics"):
                pane["metrics"] = metrics[pane["model"]]
    prompt = data.get("prompt", "")
    if not isinstance(prompt, str):
        raise VoteError('"prompt" must be a string.')
    return make_vote(prompt=prompt, panes=panes, ranking=groups, all_bad=data.get("all_bad", False),
                     blind=data.get("blind", False), tags=data.get("tags"),
                     comparison_id=data.get("comparison_id"), time=data.get("time"), id=data.get("id"))


def read_votes(lines: Iterable[str]) -> tuple[list[Any], list[tuple[int, str]]]:
    """(votes, [(line number, sentence), ...]) from JSONL text; blank lines are skipped."""
    from .vote_record import VoteError

    votes, bad = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            bad.append((number, f"not valid JSON ({exc})."))
            continue
        except RecursionError:
            bad.append((number, "nested too deeply to be a vote."))
            continue
        try:
            votes.append(parse_line(data))
        except VoteError as exc:
            bad.append((number, str(exc)))
        except (RecursionError, OverflowError, TypeError, ValueError) as exc:
            # whatever a hostile line trips deeper down costs that line, never the file
            bad.append((number, f"not a vote ({type(exc).__name__})."))
    return votes, bad


def _import(args: argparse.Namespace) -> int:
    name = "standard input" if args.file == "-" else args.file
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            text = Path(args.file).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _UsageError(f"{name}: no such file. Give the path of a JSONL file of votes.") from None
    except IsADirectoryError:
        raise _UsageError(f"{name} is a folder, not a JSONL file of votes.") from None
    except UnicodeDecodeError:
        raise _UsageError(f"{name} is not UTF-8 text; votes are JSON lines.") from None
    except OSError as exc:
        raise _UsageError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    votes, bad = read_votes(text.splitlines())
    for number, sentence in bad[:MAX_REPORTED_LINES]:
        _print(f"{name} line {number}: {sentence} Skipped.", file=sys.stderr)
    if len(bad) > MAX_REPORTED_LINES:
        _print(f"… and {len(bad) - MAX_REPORTED_LINES} more bad lines, skipped.", file=sys.stderr)
    store = _open_store(args)
    added, duplicates = store.add_many(votes)
    parts = []
    if bad:
        parts.append(f"{len(bad)} bad line{'s' if len(bad) != 1 else ''} skipped")
    if duplicates:
        parts.append(f"{duplicates} already stored")
    extra = f" ({', '.join(parts)})" if parts else ""
    _print(f"Imported {added} vote{'s' if added != 1 else ''} from {name}{extra} into {store.path}.")
    if not votes and not bad:
        _print(f"{name} holds no votes: expected {IMPORT_FORMAT}.", file=sys.stderr)
    return 1 if bad else 0


def export_line(vote: Any) -> dict[str, Any]:
    """A vote in the import format (model names in "ranking"), plus what import reads back:
    id, time (ISO 8601, UTC), comparison_id and, when known, each pane's details."""
    import datetime as dt

    flat = [vote.panes[i] for group in vote.ranking for i in group]
    line: dict[str, Any] = {
        "id": vote.id,
        "time": dt.datetime.fromtimestamp(vote.time, dt.timezone.utc).isoformat(),
        "prompt": vote.prompt,
        "ranking": vote.model_ranking(),
        "tags": list(vote.tags),
        "blind": vote.blind,
        "all_bad": vote.all_bad,
    }
    if vote.comparison_id:
        line["comparison_id"] = vote.comparison_id
    if any(p.settings or p.sample is not None or p.metrics or p.key for p in flat):
        line["panes"] = [p.to_dict() for p in flat]
    return line


def _export(args: argparse.Namespace) -> int:
    from playground.terminal import printable

    store = _open_store(args)
    votes = store.list()
    out: TextIO
    if args.output:
        try:
            out = open(Path(args.output).expanduser(), "w", encoding="utf-8")
        except OSError as exc:
            raise _UsageError(f"{args.output} cannot be written ({exc.strerror or exc}).") from None
    else:
        out = sys.stdout
    try:
        for vote in votes:
            out.write(printable(json.dumps(export_line(vote), ensure_ascii=False)) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output:
        _print(f"Exported {len(votes)} vote{'s' if len(votes) != 1 else ''} to {args.output}.", file=sys.stderr)
    return 0


def _clear(args: argparse.Namespace) -> int:
    store = _open_store(args)
    removed = store.clear()
    _print(f"Removed {removed} vote{'s' if removed != 1 else ''} from {store.path}.")
    return 0


# ---- leaderboard --------------------------------------------------------------------------


def _leaderboard(args: argparse.Namespace) -> int:
    from .ranking import DEFAULT_RESAMPLES, DEFAULT_SEED, fit_leaderboard
    from .speed import pane_metrics, speed_points
    from .vote_record import parse_when

    for flag in ("since", "until"):
        value = getattr(args, flag)
        if value is not None:
            parse_when(value)  # a bad date is a usage error (VoteError → exit 2)
    resamples = DEFAULT_RESAMPLES if args.resamples is None else args.resamples
    if resamples < 1:
        raise _UsageError("--resamples must be at least 1.")
    store = _open_store(args)
    votes = store.list(tag=args.tag, blind_only=args.blind_only, since=args.since, until=args.until)
    board = fit_leaderboard(votes, resamples=resamples, seed=DEFAULT_SEED if args.seed is None else args.seed)
    cache = _response_cache(store, votes)
    try:
        speed = speed_points(board, pane_metrics(votes, cache))
    finally:
        if cache is not None:
            cache.close()
    if args.json:
        data = board.to_json()
        data["speed"] = [{k: v for k, v in p.to_json().items() if k not in ("score", "ci_low", "ci_high")}
                         for p in speed]
        _print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print(format_leaderboard(board, speed))
    return 0


def _response_cache(store: Any, votes: list[Any]):
    """The response cache in the same folder, only when some judged pane has no metrics of
    its own but points at a cached answer (UI votes); None otherwise or if it won't open."""
    if not any(p.key and p.sample and not p.metrics for v in votes for p in v.panes):
        return None
    from playground.cache import open_cache

    cache, _ = open_cache(store.directory)
    return cache


def format_leaderboard(board: Any, speed: list[Any] | None = None) -> str:
    """The leaderboard as a text table, then plain sentences on what it cannot tell."""
    from playground.format import format_value
    from playground.result import KEPT_WITH_VOTES, METRIC_BY_NAME

    from .ranking import MAX_LISTED_PAIRS

    if not board.models:
        lines = [f"{board.votes} vote{'s' if board.votes != 1 else ''} match."]
        return "\n".join(lines + board.notes())
    by_model = {p.model: p for p in speed or []}
    has_speed = any(p.measured for p in by_model.values())
    header = (f"{board.votes} votes ({board.all_bad_votes} all bad) · score on the Elo scale "
              f"(+400 = 10:1 odds of ranking higher) · 95% bootstrap intervals, {board.resamples} resamples")
    width = max(5, *(len(m.model) for m in board.models))
    cols = f"{'#':>3}  {'model':<{width}}  {'score':>6}  {'95% interval':>15}  {'rankings':>8}  {'first':>5}"
    # one column per metric kept with votes (the metrics table: tok/s, TTFT, prefill)
    speed_rows = [METRIC_BY_NAME[name] for name in KEPT_WITH_VOTES]
    if has_speed:
        cols += "".join(f"  {row.column or row.name:>7}" for row in speed_rows)
    lines = [header, "", cols]
    for n, m in enumerate(board.models, start=1):
        interval = f"{m.ci_low:.0f} – {m.ci_high:.0f}"
        row = (f"{n:>3}  {m.model:<{width}}  {m.score:>6.0f}  {interval:>15}  {m.rankings:>8}  "
               f"{m.first_places:>5}")
        if has_speed:
            p = by_model.get(m.model)
            for metric in speed_rows:
                value = p.median(metric.name) if p else None
                row += f"  {'–' if value is None else format_value(metric.name, value):>7}"
        lines.append(row + ("  (few votes)" if m.thin else ""))
    lines.append("")
    if not board.unseparated:
        lines.append("Every model is separated from every other: no two intervals overlap.")
    for a, b in itertools.islice(board.unseparated, MAX_LISTED_PAIRS):
        lines.append(f"Too thin to separate {a} and {b}: {board.why_unseparated(a, b)}.")
    if len(board.unseparated) > MAX_LISTED_PAIRS:
        lines.append(f"… and {len(board.unseparated) - MAX_LISTED_PAIRS} more pairs too thin to separate.")
    for note in board.notes():
        if note.startswith("Only in all-bad"):
            lines.append(note)
    wm = board.win_matrix
    wins, ties = wm.wins, wm.ties
    if len(wm.models) > MAX_MATRIX_MODELS:
        lines += ["", f"Head to head: not shown for {len(wm.models)} models (at most {MAX_MATRIX_MODELS}); "
                      "`leaderboard --json` lists every pair that met."]
    elif len(wm.models) > 1:
        lines += ["", "Head to head: wins-losses-ties of each row against each column (pairs of panes)."]
        cell = max(7, *(len(f"{wins[i][j]}-{wins[j][i]}-{ties[i][j]}")
                        for i in range(len(wm.models)) for j in range(len(wm.models))))
        lines.append(f"{'':>3}  {'':<{width}}  " + "  ".join(f"{n:>{cell}}" for n in range(1, len(wm.models) + 1)))
        for i, a in enumerate(wm.models):
            cells = ["·" if i == j else f"{wins[i][j]}-{wins[j][i]}-{ties[i][j]}"
                     for j in range(len(wm.models))]
            lines.append(f"{i + 1:>3}  {a:<{width}}  " + "  ".join(f"{c:>{cell}}" for c in cells))
    return "\n".join(lines)
