"""The process behind `gemma-playground serve`: the login it asks for (resolve_auth), the app
put on a server (app.launch), a port already in use said in our words, the key filter on the
server's logs, Ctrl+C and SIGTERM, and on the way out the queue, tunnels, uploads and export
folder closed or removed."""

import contextlib
import secrets
import sys
import time

from playground.runtime import Runtime
from playground.ui.app import PlaygroundApp, launch
from playground.ui.export_dir import sweep_stale_exports


def resolve_auth(args) -> tuple[tuple[str, str] | None, str | None]:
    """(auth tuple, message to print). --share turns a login on unless --auth or --no-auth."""
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("--auth needs USER:PASS, e.g. --auth alice:s3cret")
        return (user, password), None
    if args.share and not args.no_auth:
        password = secrets.token_urlsafe(12)
        return ("gemma", password), f"login for the shared link: user 'gemma', password '{password}'"
    return None, None


def serve(args, runtime: Runtime) -> int:
    try:
        auth, message = resolve_auth(args)
    except ValueError as exc:
        print(f"gemma-playground: error: {exc}", file=sys.stderr)
        return 2
    if message:
        print(message, flush=True)
    sweep_stale_exports()  # folders left by launches that did not exit cleanly
    # A public link is reachable by anyone: rate-limit runs per address there.
    app = PlaygroundApp(runtime, runs_per_minute=20 if args.share else 0,
                        allow_downloads=not args.share)
    # Votes live with the cache; with the cache off (unusable) they still follow --cache-dir.
    app.sessions.votes_dir = getattr(args, "cache_dir", None) or runtime.config.cache_dir
    if args.share:  # tokens generated and bytes uploaded per address per hour
        from playground.ui.limits import TokenBudget
        from playground.ui.upload_gate import UPLOAD_BYTES_PER_HOUR

        app.sessions.hourly = TokenBudget(runtime.config.shared_tokens_per_hour)
        app.upload_gate.bytes_per_hour = UPLOAD_BYTES_PER_HOUR
    try:
        demo, _ = launch(app, args.host, args.port, share=args.share, auth=auth,
                         open_browser=not args.no_browser, block=False)
    except OSError:  # Gradio's message names its own launch() parameters, not ours
        app.close()
        runtime.close()
        print(f"gemma-playground: error: cannot listen on {args.host}:{args.port}: the port is in use (or the "
              "address is not this machine's). Choose another with --port.", file=sys.stderr)
        return 2
    # After launch: uvicorn has set up its log handlers by now, and they get the filter too.
    from playground.keys import install_log_redaction

    install_log_redaction(runtime.secrets())
    print(f"gemma-playground is running at {demo.local_url}", flush=True)
    if args.share:
        if getattr(demo, "share_url", None):
            print(f"shared link: {demo.share_url}", flush=True)
        else:
            print("could not open the public share link (offline, or the tunnel was refused); "
                  f"still serving locally at {demo.local_url}", flush=True)
    stop_on_sigterm()
    try:
        while demo.is_running:  # not demo.block_thread(): on Ctrl+C it stops only the HTTP server,
            time.sleep(0.1)     # which then waits on the queue's open streams past the process exit
    except KeyboardInterrupt:
        print("stopping", flush=True)
    finally:
        # The whole close (queue, streams, server): Gradio then removes this launch's uploads.
        demo.close(verbose=False)
        from gradio.tunneling import CURRENT_TUNNELS

        for tunnel in CURRENT_TUNNELS:
            tunnel.kill()
        app.close()
        runtime.close()
    return 0


def stop_on_sigterm() -> None:
    """SIGTERM (a service manager, `docker stop`) stops the server like Ctrl+C, so uploads and the
    export folder are removed instead of left in the temp dir."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        signal.signal(signal.SIGTERM, interrupt)
