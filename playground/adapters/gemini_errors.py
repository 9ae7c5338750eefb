"""Reading the Gemini API's errors: which are worth a retry, how long the server asks us to
wait, and the short words a pane shows. Pure functions over the SDK's exception objects."""

from __future__ import annotations

import email.utils
import time
from typing import Any


def is_api_error(exc: BaseException) -> bool:
    from google.genai import errors

    return isinstance(exc, errors.APIError)


def transport_kind(exc: BaseException) -> str | None:
    """'timeout', 'connect', 'dropped' for httpx/httpx2 transport errors (the SDK uses
    either), None for anything else. Checked by class name so both libraries match."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "TimeoutException" in names or isinstance(exc, TimeoutError):
        return "timeout"
    if "ConnectError" in names or isinstance(exc, ConnectionRefusedError):
        return "connect"
    if names & {"RemoteProtocolError", "ReadError", "WriteError", "NetworkError"}:
        return "dropped"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "dropped"
    return None


def rejects_system(exc: BaseException) -> bool:
    if not is_api_error(exc) or getattr(exc, "code", None) != 400:
        return False
    text = f"{getattr(exc, 'message', '')} {getattr(exc, 'details', '')}".lower()
    if "developer instruction" in text:
        return True
    return ("system instruction" in text or "system_instruction" in text
            or "systeminstruction" in text) and ("not enabled" in text or "not supported" in text)


def rejects_thinking(exc: BaseException) -> bool:
    if not is_api_error(exc) or getattr(exc, "code", None) != 400:
        return False
    text = f"{getattr(exc, 'message', '')}".lower()
    return "thinking" in text


def server_delay(exc: BaseException) -> float | None:
    """How long the server asked us to wait: Retry-After header, else google.rpc.RetryInfo."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    value = None
    if headers is not None:
        try:
            value = headers.get("retry-after")
        except Exception:
            value = None
    if value:
        value = str(value).strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, when.timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    details = getattr(exc, "details", None)
    try:
        items = details.get("error", details).get("details", []) if isinstance(details, dict) else []
    except AttributeError:
        items = []
    for item in items or []:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("RetryInfo"):
            delay = str(item.get("retryDelay", "")).strip()
            if delay.endswith("s"):
                try:
                    return max(0.0, float(delay[:-1]))
                except ValueError:
                    pass
    return None


def short_code(exc: BaseException) -> str:
    """'503 UNAVAILABLE' for API errors, the class name for others."""
    if is_api_error(exc):
        return f"{getattr(exc, 'code', '')} {getattr(exc, 'status', '') or ''}".strip()
    return type(exc).__name__


def enum_word(value: Any) -> str:
    return str(getattr(value, "value", None) or getattr(value, "name", None) or value).upper()


def after_retries(retries: int) -> str:
    """' after 2 retries' for an error message, '' when there were none."""
    return f" after {retries} {'retry' if retries == 1 else 'retries'}" if retries else ""
