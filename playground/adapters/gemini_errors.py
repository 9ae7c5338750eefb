"""Reading the Gemini API's errors: which are worth a retry (and after how long: the server's
ask, else a doubling backoff), the short words a pane shows, and the sentence it ends with.
Pure functions over the SDK's exception objects; the adapter (:mod:`.gemini`) decides when to
call them, and passes its key only so that every message can be scrubbed of it."""

from __future__ import annotations

import email.utils
import time
from typing import Any

from playground.adapters.base import ModelError, format_seconds
from playground.keys import redact


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


# ---- what the adapter does with a failure ------------------------------------------------

RETRY_CODES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_WAIT_S = 60.0  # a server asking for longer than this gets an error, not a frozen pane


def retry_delay(exc: BaseException, retries: int, *, max_retries: int, backoff_s: float) -> float | None:
    """Seconds to wait before retrying `exc`, or None when it must not be retried."""
    if retries >= max_retries:
        return None
    code = getattr(exc, "code", None)
    if is_api_error(exc):
        if code not in RETRY_CODES:
            return None
    elif transport_kind(exc) != "dropped":
        return None  # refused connections and timeouts are not worth repeating
    asked = server_delay(exc)
    if asked is not None:
        if asked > MAX_RETRY_WAIT_S:
            return None
        return asked
    return backoff_s * (2**retries)


def describe_failure(exc: BaseException, *, timeout_s: float, api_key: str) -> str:
    """A few words on what went wrong, with the key scrubbed out."""
    if is_api_error(exc):
        return redact(short_code(exc) + (f" ({exc.message})" if getattr(exc, "message", None) else ""), [api_key])
    kind = transport_kind(exc)
    if kind == "timeout":
        return f"no data for {format_seconds(timeout_s)} s (timed out)"
    return redact(f"{type(exc).__name__}: {exc}", [api_key])


def model_error(exc: BaseException, *, model: str, retries: int, timeout_s: float, api_key: str) -> ModelError:
    """The sentence a pane shows for a failure that is not (or no longer) retried: what
    happened and what the user can do about it. The key never appears in it."""
    m = model

    def scrub(text: str) -> str:
        return redact(text, [api_key])

    if is_api_error(exc):
        code = getattr(exc, "code", None)
        status = getattr(exc, "status", None) or ""
        message = scrub(str(getattr(exc, "message", "") or "").strip())
        head = f"{code} {status}".strip()
        blob = f"{exc.details} {message}".upper() if hasattr(exc, "details") else message.upper()
        if "API_KEY_INVALID" in blob or "API KEY NOT VALID" in blob or code == 401:
            return ModelError(
                f"The Gemini API rejected the API key ({head}): check GEMINI_API_KEY "
                "(or GOOGLE_API_KEY), or gemini_api_key in the config file."
            )
        if code == 403:
            return ModelError(
                f"The Gemini API refused access to {m} ({head}): the API key may be "
                f"wrong or lack access to this model. {message}".strip()
            )
        if code == 404:
            return ModelError(
                f"Unknown model id '{m}' on the Gemini API ({head}): check the id "
                f"(e.g. gemma-4-31b-it, gemma-4-26b-a4b-it). {message}".strip()
            )
        if code == 429:
            asked = server_delay(exc)
            wait = f" (it asks to wait {format_seconds(asked)} s)" if asked else ""
            return ModelError(
                f"The Gemini API is rate-limiting this key ({head}){wait}"
                f"{after_retries(retries)}: try again later, or check your quota. {message}".strip()
            )
        if code is not None and code >= 500:
            return ModelError(
                f"The Gemini API failed ({head}){after_retries(retries)}: try again later. "
                f"{message}".strip()
            )
        return ModelError(
            f"The Gemini API rejected the request for {m} ({head}): {message or 'no details'}. "
            "Check this pane's settings (temperature, top-k, thinking, image)."
        )
    kind = transport_kind(exc)
    if kind == "timeout":
        return ModelError(
            f"The Gemini API did not answer {m} within {format_seconds(timeout_s)} s: try again, "
            "or raise the timeout."
        )
    if kind == "connect":
        return ModelError(
            f"Cannot reach the Gemini API ({scrub(str(exc))}): check the network, "
            "or GOOGLE_GEMINI_BASE_URL if you set it."
        )
    if kind == "dropped":
        return ModelError(
            f"The connection to the Gemini API dropped{after_retries(retries)}: "
            f"{scrub(str(exc))}. Try again."
        )
    # Not a network or API failure: a bug or an SDK surprise. Keep it visible but scrubbed.
    return ModelError(f"Gemini request for {m} failed: {describe_failure(exc, timeout_s=timeout_s, api_key=api_key)}")
