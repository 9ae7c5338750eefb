"""User mistakes (gr.Error) are shown to the user and logged on the server in one line, not as
the full traceback Gradio prints by default."""

from __future__ import annotations

import functools
import inspect
import sys

import gradio as gr


def log_user_error(exc: gr.Error) -> None:
    message = " ".join(str(getattr(exc, "message", "") or exc).split())
    print(f"gemma-playground: user error: {message[:300]}", file=sys.stderr, flush=True)


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
    """Wrap every event function of `demo` (the tabs' included) with quiet_user_errors."""
    for block_fn in demo.fns.values():
        if block_fn.fn is not None:
            block_fn.fn = quiet_user_errors(block_fn.fn)
