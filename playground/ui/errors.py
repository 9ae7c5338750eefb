"""User mistakes (gr.Error) are shown to the user and logged on the server in one line, not as
the full traceback Gradio prints by default — Gradio's own validation of a request's values (a
choice not in a dropdown, a malformed file payload) included. A client can repeat a bad request
as fast as it likes, so these lines are rate-limited (limits.LogLimiter): one log for the process."""

from __future__ import annotations

import functools
import inspect
import sys

import gradio as gr

from playground.terminal import printable
from playground.ui.limits import LogLimiter

_LOG_LIMIT = LogLimiter(lines=20, window_s=60.0)  # per process: the log is one per process too


def log_user_error(exc: BaseException) -> None:
    admitted, dropped = _LOG_LIMIT.admit()
    if not admitted:
        return
    # The message quotes what the client sent (Gradio's "Value: … is not in the list of
    # choices" too): escaped, or ESC]0;…BEL and ESC[2J would reach the owner's terminal.
    message = printable(" ".join(str(getattr(exc, "message", "") or exc).split()), keep="")
    more = f" ({dropped} more user errors not logged)" if dropped else ""
    print(f"gemma-playground: user error: {message[:300]}{more}", file=sys.stderr, flush=True)


def quiet_user_errors(fn):
    """gr.Error is a user's mistake, already shown to them: one log line, not a traceback."""
    def quiet(exc: gr.Error) -> None:
        exc.print_exception = False
        log_user_error(exc)

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return (yield from fn(*args, **kwargs))
            except gr.Error as exc:
                quiet(exc)
                raise
    elif inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except gr.Error as exc:
                quiet(exc)
                raise
    elif inspect.isasyncgenfunction(fn):
        return fn  # none in this app
    else:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except gr.Error as exc:
                quiet(exc)
                raise
    return wrapper


def quiet_every_event(demo: gr.Blocks) -> None:
    """Wrap every event function of `demo` (the tabs' included) with quiet_user_errors, and
    Gradio's checking of each request's input values (before any of ours runs) too."""
    for block_fn in demo.fns.values():
        if block_fn.fn is not None:
            block_fn.fn = quiet_user_errors(block_fn.fn)
    demo.preprocess_data = quiet_validation(demo.preprocess_data)


def quiet_validation(preprocess_data):
    """Blocks.preprocess_data with its errors made one rate-limited line: a bad value is the
    client's mistake (gr.Error, shown to it), never a traceback in the server's log."""
    @functools.wraps(preprocess_data)
    async def wrapper(*args, **kwargs):
        try:
            return await preprocess_data(*args, **kwargs)
        except gr.Error as exc:
            exc.print_exception = False
            log_user_error(exc)
            raise
        except Exception as exc:  # pydantic's ValidationError, Gradio's ComponentProcessingError…
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            refusal = gr.Error(f"A value in the request is not valid: {first}", print_exception=False)
            log_user_error(refusal)
            raise refusal from None

    return wrapper
