"""What a visitor can do before logging in, enforced in front of Gradio's own routes.

- Failed logins are throttled per address (limits.LoginThrottle, the same trusted-address rule
  as the run limit): Gradio's `/login` checks as fast as it is asked.
- Uploads are checked before Gradio stores them (upload_gate.UploadGate: one image per request,
  images only, bytes per address per hour on a shared link).
- The login page carries no API description: Gradio embeds `window.gradio_api_info` (endpoint
  names, parameters, model ids as choices, defaults) in every page it serves from `/`, logged in
  or not, and has no setting to leave it out. Here it is blanked for visitors without a session;
  Gradio's frontend then asks `/gradio_api/info`, which needs the login.

A plain ASGI middleware (given to Gradio's FastAPI app through `launch(app_kwargs=...)`), so it
sits inside Gradio's compression and sees the page as rendered.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playground.ui.limits import LoginThrottle, trusted_address
from playground.ui.upload_gate import UPLOAD_PATHS, Refused, UploadGate

LOGIN_PATHS = ("/login", "/login/")
API_INFO = re.compile(rb"window\.gradio_api_info\s*=\s*.*?;\s*</script>", re.S)
BLANK_API_INFO = b"window.gradio_api_info = null;</script>"


def scope_address(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers", ())
                 if name == b"x-forwarded-for"]
    return trusted_address(client[0] if client else None, forwarded)


def _cookies(scope: dict[str, Any]) -> dict[str, str]:
    from starlette.requests import cookie_parser

    raw = b"; ".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
    return cookie_parser(raw.decode("latin-1"))


def logged_in(scope: dict[str, Any]) -> bool:
    """Whether the request carries a session token of Gradio's app (or the app has no login)."""
    app = scope.get("app")
    if app is None or getattr(app, "auth", None) is None:
        return getattr(app, "auth_dependency", None) is None
    cookies = _cookies(scope)
    cookie_id = getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return bool(token) and token in getattr(app, "tokens", {})


class AccessGuard:
    def __init__(self, app, throttle: LoginThrottle, uploads: UploadGate | None = None):
        self.app = app
        self.throttle = throttle
        self.uploads = uploads

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] == "POST" and scope["path"] in LOGIN_PATHS:
            return await self._login(scope, receive, send)
        if scope["method"] == "POST" and scope["path"] in UPLOAD_PATHS and self.uploads is not None:
            return await self._upload(scope, receive, send)
        if scope["method"] == "GET" and not logged_in(scope):
            return await self._without_api_info(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _login(self, scope, receive, send):
        address = scope_address(scope)
        wait, stamp = self.throttle.begin(address)
        if stamp is None:
            # 400 like a wrong password: Gradio's login form shows only that status (a 429 would
            # leave the form silent); the detail and Retry-After tell API clients the truth.
            body = json.dumps({"detail": f"Too many failed logins from this address: try again in {wait:.0f} s."})
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", str(int(wait + 0.5)).encode())]})
            await send({"type": "http.response.body", "body": body.encode()})
            return

        async def watch(message):
            # The attempt counts as failed until Gradio accepts it (200 and the session cookie);
            # a lockout answered above is not an attempt, so it does not extend itself.
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.throttle.succeeded(address, stamp)
            await send(message)

        await self.app(scope, receive, watch)

    async def _upload(self, scope, receive, send):
        gate = self.uploads
        headers = {name: value.decode("latin-1") for name, value in scope.get("headers", ())}
        body = bytearray()
        try:
            declared = headers.get(b"content-length")
            if declared is not None and int(declared) > gate.max_request_bytes:
                raise gate.too_large(int(declared))
            while True:  # small by now: at most gate.max_request_bytes
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                body += message.get("body", b"")
                if len(body) > gate.max_request_bytes:
                    raise gate.too_large(len(body))
                if not message.get("more_body"):
                    break
            gate.check(scope_address(scope), bytes(body), headers.get(b"content-type", ""))
        except ValueError:
            return await _plain(send, 400, "The upload's Content-Length is not a number.")
        except Refused as refusal:
            return await _plain(send, refusal.status, str(refusal))
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _without_api_info(self, scope, receive, send):
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def rewrite(message):
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", ())).get(b"content-type", b"")
                if not content_type.startswith(b"text/html"):
                    return await send(message)
                start = message  # held back until the page is complete (it is small)
                return None
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return None
                page = API_INFO.sub(lambda _: BLANK_API_INFO, b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", ()) if k != b"content-length"]
                headers.append((b"content-length", str(len(page)).encode()))
                await send(dict(start, headers=headers))
                return await send({"type": "http.response.body", "body": page})
            return await send(message)

        await self.app(scope, receive, rewrite)


async def _plain(send, status: int, text: str) -> None:
    """A refusal in one sentence (Gradio's upload client shows the body as the error)."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text.encode()})
