"""Command line: `gemma-playground` (the web UI), `compare`, `models`, `download`, `svg`, `cache`.

Heavy libraries (gradio, llama_cpp, google.genai) are imported only by the commands that
need them: `compare` never imports gradio.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError

from playground.compare_output import comparison_json, print_human  # noqa: F401  (print_human: tests)

SUBCOMMANDS = ("serve", "compare", "models", "download", "svg", "cache", "votes", "leaderboard", "suite")


class UsageError(Exception):
    """Bad input on the command line; the message says what to fix."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="config file (TOML) to add models and defaults")
    parser.add_argument("--models-dir", metavar="DIR", action="append", default=[],
                        help="also look for .gguf files here (repeatable)")
    parser.add_argument("--cache-dir", metavar="DIR", help="response cache folder")
    _source_flags(parser)
    parser.add_argument("--n-gpu-layers", type=int, metavar="N", help="layers to offload to a GPU (-1 = all)")
    parser.add_argument("--max-loaded-models", type=int, metavar="N", help="local models kept in memory")
    parser.add_argument("--n-ctx", type=int, metavar="N", help="context length for local models")
    parser.add_argument("--no-repack", action="store_true",
                        help="load local weights without repacking (avoids the AMX crash; default on AMX CPUs)")
    parser.add_argument("--no-loop-stop", action="store_true",
                        help="do not stop a model that repeats itself")


def _source_flags(parser: argparse.ArgumentParser) -> None:
    """Each model source's server options that have a flag (`--openai-base-url URL`): declared
    by the source (sources/base.py ServerOption), so this file names no kind."""
    from playground.sources import discover_sources

    for source in discover_sources():
        for option in source.server_options:
            if option.flag:
                extra = f" (or ${option.env})" if option.env else ""
                parser.add_argument(option.flag, dest=option.dest(source.kind), metavar=option.metavar,
                                    help=f"{option.help}{extra}")


def source_options(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The server options given on the command line, per source kind."""
    from playground.sources import discover_sources

    given: dict[str, dict[str, Any]] = {}
    for source in discover_sources():
        for option in source.server_options:
            value = getattr(args, option.dest(source.kind), None)
            if value is not None:
                given.setdefault(source.kind, {})[option.name] = value
    return given


def _settings_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per generation setting of the settings table (--temperature, --min-p, …); a
    true/false setting gets --X and --no-X. Not given = the model's default (or the config's)."""
    from playground.settings_table import GENERATION

    for row in GENERATION:
        if row.cli_flag is None:
            continue
        if row.kind is bool:
            group = parser.add_mutually_exclusive_group()
            group.add_argument(row.cli_flag, dest=row.name, action="store_true", default=None, help=row.help)
            group.add_argument(row.cli_flag.replace("--", "--no-", 1), dest=row.name, action="store_false")
        else:
            parser.add_argument(row.cli_flag, dest=row.name, type=row.kind,
                                metavar=row.name.upper(), help=row.help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemma-playground",
        description="Compare Gemma models side by side. With no command: start the web UI.",
    )
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="start the web UI (the default)")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--share", action="store_true", help="public Gradio link (login on by default)")
    serve.add_argument("--auth", metavar="USER:PASS", help="require this login")
    serve.add_argument("--no-auth", action="store_true", help="with --share: no login (not advised)")
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser tab")

    compare = sub.add_parser("compare", help="run one prompt on several models, print the answers")
    _common(compare)
    compare.add_argument("prompt")
    compare.add_argument("-m", "--model", action="append", dest="models", default=[], required=True,
                         help="model id, .gguf path, gemini:ID or openai:MODEL (repeatable)")
    compare.add_argument("--image", metavar="FILE")
    compare.add_argument("--system", metavar="TEXT")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    compare.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    compare.add_argument("--samples", type=int, default=1, metavar="K",
                         help="answers per model, 1-8 (with --seed: seed, seed+1, ...)")
    _settings_flags(compare)

    models = sub.add_parser("models", help="list every model and whether it can run now")
    _common(models)
    models.add_argument("--json", action="store_true")

    download = sub.add_parser("download", help="download a preset's GGUF from the Hugging Face hub")
    _common(download)
    download.add_argument("model")

    sub.add_parser("svg", help="extract, repair and render the SVGs in a saved answer", add_help=False)
    sub.add_parser("cache", help="cache stats|clear|path", add_help=False)
    from playground.judging.cli import add_parsers as add_judging_parsers

    add_judging_parsers(sub)  # votes, leaderboard
    from playground.suites.command import add_parser as add_suite_parser

    add_suite_parser(sub, common=_common, settings_flags=_settings_flags)  # suite run|list
    return parser


def load_app_config(args: argparse.Namespace):
    from playground.config import load_config

    config = load_config(args.config)
    updates: dict[str, Any] = {}
    for flag, key in (("n_gpu_layers", "n_gpu_layers"), ("max_loaded_models", "max_loaded_models"),
                      ("n_ctx", "n_ctx")):
        if getattr(args, flag, None) is not None:
            updates[key] = getattr(args, flag)
    if getattr(args, "no_repack", False):
        updates["repack"] = False
    if getattr(args, "no_loop_stop", False):
        updates["loop"] = config.loop.model_copy(update={"enabled": False})
    if updates:
        try:
            # exclude_unset: which [defaults] the user wrote stays known (they beat model defaults)
            config = type(config).model_validate(config.model_dump(exclude_unset=True) | updates)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise UsageError(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}") from None
    return config


def _settings_flag_names() -> tuple[str, ...]:
    from playground.settings_table import GENERATION

    return tuple(row.name for row in GENERATION if row.cli_flag)


def _flag_error(exc: ValidationError) -> "UsageError":
    from playground.settings_table import BY_NAME

    first = exc.errors()[0]
    name = str(first["loc"][0])
    row = BY_NAME.get(name)
    flag = row.cli_flag if row is not None and row.cli_flag else f"--{name.replace('_', '-')}"
    return UsageError(f"{flag}: {first['msg']}")


def settings_from_args(args: argparse.Namespace, defaults):
    from playground.adapters.base import GenerationSettings

    values = defaults.model_dump()
    for name in _settings_flag_names():
        value = getattr(args, name, None)
        if value is not None:
            values[name] = value
    try:
        return GenerationSettings(**values)
    except ValidationError as exc:
        raise _flag_error(exc) from None


def build_runtime(args: argparse.Namespace, with_cache: bool = True):
    from playground.catalog import Catalog
    from playground.runtime import Runtime

    config = load_app_config(args)
    catalog = Catalog(config, models_dirs=args.models_dir, source_options=source_options(args))
    cache = None
    warning = None
    if with_cache:
        from playground.cache import open_cache

        cache, warning = open_cache(args.cache_dir or config.cache_dir,
                                    size_limit=int(config.cache_size_gb * 1024**3),
                                    history_max=config.history_max)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return Runtime(config, catalog, cache=cache)


def cmd_compare(args: argparse.Namespace) -> int:
    from playground.door import owner_door
    from playground.request import RequestError, build_request, check_text
    from playground.runner import Comparison
    from playground.samples import MAX_SAMPLES

    if not 1 <= args.samples <= MAX_SAMPLES:
        raise UsageError(f"--samples must be between 1 and {MAX_SAMPLES}, not {args.samples}")
    try:  # text first: a bad byte must not reach the config, the catalog or the cache key
        if not check_text(args.prompt, "prompt").strip():
            raise UsageError("the prompt is empty: pass the text to send, e.g. compare \"Write a haiku\" -m gemma-3-270m")
        for name in args.models:
            check_text(name, "model name")
        if args.system is not None:
            check_text(args.system, "system prompt")
    except RequestError as exc:
        raise UsageError(str(exc)) from None
    runtime = build_runtime(args, with_cache=not args.no_cache)
    settings_from_args(args, runtime.config.defaults)  # a bad flag is named before anything runs
    # flags given are the user's explicit values; the rest come from each model's own defaults
    explicit = {name: getattr(args, name) for name in _settings_flag_names() if getattr(args, name, None) is not None}
    # The owner's door: any model the catalog can resolve (a path, a new gemini:/openai: id too)
    door = owner_door(runtime)
    try:
        panes = door.panes(args.models, explicit, args.samples)
    except RequestError as exc:
        raise UsageError(str(exc).removeprefix("-m: ")) from None
    image = None
    if args.image:
        from playground.images import ImageError, image_from_path

        try:
            image = image_from_path(args.image, max_bytes=int(runtime.config.max_image_mb * 1024 * 1024))
        except ImageError as exc:
            raise UsageError(str(exc)) from None
    try:
        request = build_request(args.prompt, args.system, image, max_prompt_chars=runtime.config.max_prompt_chars)
    except RequestError as exc:
        runtime.close()
        raise UsageError(str(exc)) from None
    try:
        groups = Comparison(runtime, request, panes, use_cache=not args.no_cache).start().wait_by_pane()
    finally:
        runtime.close()
    if args.json:
        print(json.dumps(comparison_json(request.prompt, groups), ensure_ascii=False, indent=2))
    else:
        print_human(groups)
    return 1 if any(r.error for samples in groups for r in samples) else 0


def model_row(runtime, spec, ok: bool, reason: str) -> dict:
    """One model for `models --json`: what it is, whether it runs, its files, its sampling."""
    return {"id": spec.id, "label": spec.label, "source": spec.source, "ready": ok, "status": reason,
            "facts": spec.facts(), "path": str(spec.path) if spec.path else None, "quant": spec.quant,
            "quantizations": [o.to_json(default=o.path == spec.path) for o in spec.quants],
            "sampling": runtime.sampling_defaults(spec).to_json()}


def cmd_models(args: argparse.Namespace) -> int:
    runtime = build_runtime(args, with_cache=False)
    rows = [model_row(runtime, spec, ok, reason) for spec, ok, reason in runtime.model_statuses()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        from playground.terminal import printable  # ids come from config files and servers

        width = max(len(r["id"]) for r in rows)
        for r in rows:
            mark = "✓" if r["ready"] else "✗"
            s = r["sampling"]
            print(printable(f"{mark} {r['id']:<{width}}  {r['source']:<6}  {r['status']}  {r['facts']}"
                            f"  [T {s['temperature']:g} · p {s['top_p']:g} · k {s['top_k']} ({s['source']})]"))
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from playground.download import DownloadError, download_model

    runtime = build_runtime(args, with_cache=False)
    try:
        spec = runtime.catalog.resolve(args.model)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        paths = download_model(spec)
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def cmd_suite(args: argparse.Namespace) -> int:
    """`suite run|list` (playground/suites/command.py), lent what it reuses of compare."""
    from playground.suites.command import CompareKit, main as suite_main

    gallery = None
    if getattr(args, "html", None):
        from playground.ui.suite_gallery import write_gallery as gallery
    return suite_main(args, CompareKit(build_runtime, settings_from_args, comparison_json, UsageError, gallery))


def cmd_serve(args: argparse.Namespace) -> int:
    from playground.ui.serve import serve

    return serve(args, build_runtime(args))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "svg":
        from playground.svg.cli import main as svg_main

        return svg_main(argv[1:])
    if argv and argv[0] == "cache":
        from playground.cache.cli import main as cache_main

        return cache_main(argv[1:])
    if not argv or argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help"):
        argv = ["serve"] + argv
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"serve": cmd_serve, "compare": cmd_compare, "models": cmd_models,
                "download": cmd_download, "suite": cmd_suite}
    from playground.judging.cli import HANDLERS as judging_handlers

    handlers.update(judging_handlers)
    try:
        return handlers[args.command](args)
    except UsageError as exc:
        print(f"gemma-playground: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from playground.config import ConfigError

        if isinstance(exc, ConfigError):
            print(f"gemma-playground: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
