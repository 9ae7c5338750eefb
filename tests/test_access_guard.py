"""The guard in front of Gradio's routes, driven as plain ASGI (no server): failed logins are
throttled per trusted address with a sentence and Retry-After, a successful one is forgiven, and
a visitor without a session gets the page without its API description (the page assembled from
every body chunk, its length corrected), while everything else passes untouched."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from playground.ui.guard import BLANK_API_INFO, AccessGuard, logged_in
from playground.ui.limits import LoginThrottle

PAGE = (b"<html><script>window.gradio_api_info = {\"named_endpoints\": {\"/run\": 1}};</script>"
        b"<body>hello</body></html>")


class Clock:
    now = 500.0

    def __call__(self):
        return self.now


class Downstream:
    """Gradio's app, as far as the guard sees it: answers with `status`, `content_type` and the
    body in `chunks`; remembers what reached it."""

    def __init__(self, status=200, content_type=b"text/html; charset=utf-8", chunks=(PAGE,)):
        self.status, self.content_type, self.chunks = status, content_type, list(chunks)
        self.seen = []

    async def __call__(self, scope, receive, send):
        self.seen.append(scope)
        self.received = await receive()  # the request body reaches Gradio
        body = b"".join(self.chunks)
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", self.content_type), (b"content-length", str(len(body)).encode()),
                                (b"x-other", b"kept")]})
        for i, chunk in enumerate(self.chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(self.chunks) - 1})


REQUEST = {"type": "http.request", "body": b"username=alice&password=pw", "more_body": False}


def call(guard, scope):
    sent = []

    async def receive():
        return REQUEST

    async def send(message):
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    return sent


def http(method="GET", path="/", peer="203.0.113.5", headers=(), app=None):
    return {"type": "http", "method": method, "path": path, "client": (peer, 40000),
            "headers": list(headers), "app": app}


def with_login(tokens=("tok",), cookie_id="cid"):
    return SimpleNamespace(auth=object(), cookie_id=cookie_id, tokens=dict.fromkeys(tokens, "alice"))


def body(sent):
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def start(sent):
    return next(m for m in sent if m["type"] == "http.response.start")


# ---------------------------------------------------------------- logins
@pytest.mark.parametrize("path", ["/login", "/login/"])
def test_failed_logins_are_refused_after_the_limit_with_a_sentence(path):
    clock = Clock()
    downstream = Downstream(status=400, content_type=b"application/json", chunks=[b'{"detail":"Incorrect"}'])
    guard = AccessGuard(downstream, LoginThrottle(max_failures=2, window_s=60, clock=clock))
    for _ in range(2):
        assert start(call(guard, http("POST", path)))["status"] == 400
    assert len(downstream.seen) == 2
    clock.now += 20
    refused = call(guard, http("POST", path))
    assert len(downstream.seen) == 2  # never reached Gradio
    assert start(refused)["status"] == 400
    assert dict(start(refused)["headers"]) == {b"content-type": b"application/json", b"retry-after": b"40"}
    assert json.loads(body(refused)) == {"detail": "Too many failed logins from this address: try again in 40 s."}
    # another address is not locked out
    assert start(call(guard, http("POST", path, peer="203.0.113.6")))["status"] == 400
    assert len(downstream.seen) == 3


def test_retry_after_rounds_the_wait():
    clock = Clock()
    guard = AccessGuard(Downstream(status=401), LoginThrottle(max_failures=1, window_s=60, clock=clock))
    call(guard, http("POST", "/login"))
    for elapsed, wait in [(0.4, b"60"), (0.6, b"59"), (59.6, b"1")]:  # 59.6, 59.4 and 0.4 s left (at least 1)
        clock.now = 500.0 + elapsed
        refused = call(guard, http("POST", "/login"))
        assert dict(start(refused)["headers"])[b"retry-after"] == wait
        assert json.loads(body(refused))["detail"].endswith(f"try again in {wait.decode()} s.")


def test_a_successful_login_is_forgiven():
    clock = Clock()
    throttle = LoginThrottle(max_failures=1, window_s=60, clock=clock)
    ok = Downstream(status=200, content_type=b"application/json", chunks=[b"{}"])
    guard = AccessGuard(ok, throttle)
    for _ in range(3):
        assert start(call(guard, http("POST", "/login")))["status"] == 200
    assert throttle.wait_s("203.0.113.5") == 0.0
    ok.status = 399
    call(guard, http("POST", "/login"))
    assert throttle.wait_s("203.0.113.5") == 0.0
    ok.status = 400
    call(guard, http("POST", "/login"))
    assert throttle.wait_s("203.0.113.5") == 60.0


def test_logins_behind_the_tunnel_count_against_the_forwarded_address():
    throttle = LoginThrottle(max_failures=1, window_s=60, clock=Clock())
    guard = AccessGuard(Downstream(status=400), throttle)
    call(guard, http("POST", "/login", peer="127.0.0.1", headers=[(b"x-forwarded-for", b"10.0.0.1, 198.51.100.2")]))
    assert throttle.wait_s("198.51.100.2") == 60.0 and throttle.wait_s("127.0.0.1") == 0.0


@pytest.mark.parametrize("method, path", [("GET", "/login"), ("POST", "/logout"), ("POST", "/gradio_api/run")])
def test_other_requests_are_not_throttled(method, path):
    throttle = LoginThrottle(max_failures=1, window_s=60, clock=Clock())
    downstream = Downstream(status=400, content_type=b"application/json", chunks=[b"{}"])
    guard = AccessGuard(downstream, throttle)
    for _ in range(3):
        assert start(call(guard, http(method, path, app=with_login())))["status"] == 400
    assert throttle.wait_s("203.0.113.5") == 0.0 and len(downstream.seen) == 3


# ---------------------------------------------------------------- the page without its API description
def test_a_visitor_without_a_session_gets_no_api_description():
    downstream = Downstream(chunks=[PAGE[:30], PAGE[30:70], PAGE[70:]])
    sent = call(AccessGuard(downstream, LoginThrottle()), http(app=with_login()))
    page = body(sent)
    assert page == b"<html><script>" + BLANK_API_INFO + b"<body>hello</body></html>"
    headers = start(sent)["headers"]
    assert (b"content-length", str(len(page)).encode()) in headers
    assert [k for k, _ in headers].count(b"content-length") == 1 and (b"x-other", b"kept") in headers
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


@pytest.mark.parametrize("cookie", [b"access-token-cid=tok", b"access-token-unsecure-cid=tok",
                                    b"a=1; access-token-cid=tok; b=2"])
def test_a_logged_in_visitor_gets_the_page_untouched(cookie):
    scope = http(headers=[(b"cookie", cookie)], app=with_login())
    assert logged_in(scope)
    sent = call(AccessGuard(Downstream(), LoginThrottle()), scope)
    assert body(sent) == PAGE


@pytest.mark.parametrize("cookie", [b"access-token-cid=wrong", b"access-token-other=tok", b"", b"access-token-cid="])
def test_an_unknown_or_empty_token_is_not_a_session(cookie):
    scope = http(headers=[(b"cookie", cookie)], app=with_login())
    assert not logged_in(scope)
    assert BLANK_API_INFO in body(call(AccessGuard(Downstream(), LoginThrottle()), scope))


def test_without_a_login_every_visitor_counts_as_logged_in():
    assert logged_in(http(app=None))
    assert logged_in(http(app=SimpleNamespace(auth=None)))
    assert not logged_in(http(app=SimpleNamespace(auth=None, auth_dependency=lambda request: None)))
    sent = call(AccessGuard(Downstream(), LoginThrottle()), http(app=SimpleNamespace(auth=None)))
    assert body(sent) == PAGE


def test_other_content_and_other_scopes_pass_untouched():
    js = b"window.gradio_api_info = {};</script>"
    sent = call(AccessGuard(Downstream(content_type=b"application/javascript", chunks=[js[:10], js[10:]]),
                            LoginThrottle()), http(app=with_login()))
    assert body(sent) == js and len([m for m in sent if m["type"] == "http.response.body"]) == 2
    reached = []

    async def app(scope, receive, send):
        reached.append(scope["type"])

    call(AccessGuard(app, LoginThrottle()), {"type": "websocket", "path": "/login", "method": "POST"})
    call(AccessGuard(app, LoginThrottle()), {"type": "lifespan"})
    assert reached == ["websocket", "lifespan"]


# ---------------------------------------------------------------- what reaches Gradio, odd messages
@pytest.mark.parametrize("method, path, app", [("POST", "/login", None), ("GET", "/", with_login()),
                                               ("GET", "/", with_login(tokens=())), ("POST", "/x", None)])
def test_gradio_gets_the_same_scope_and_the_request_body(method, path, app):
    downstream = Downstream()
    scope = http(method, path, app=app)
    sent = call(AccessGuard(downstream, LoginThrottle()), scope)
    assert downstream.seen == [scope] and downstream.received is REQUEST
    assert start(sent)["status"] == 200


def test_other_scopes_reach_gradio_with_their_own_channels():
    sent_back = []

    async def app(scope, receive, send):
        sent_back.append((scope["type"], await receive()))
        await send({"type": "websocket.accept"})

    sent = call(AccessGuard(app, LoginThrottle()), {"type": "websocket", "path": "/queue/join"})
    assert sent_back == [("websocket", REQUEST)] and sent == [{"type": "websocket.accept"}]


def test_cookies_over_several_header_lines():
    scope = http(headers=[(b"cookie", b"a=1"), (b"cookie", b"access-token-cid=tok")], app=with_login())
    assert logged_in(scope)


def test_a_scope_without_headers_or_an_app_without_its_fields():
    assert not logged_in({"type": "http", "app": with_login()})  # no headers at all: no session
    assert logged_in({"type": "http", "app": SimpleNamespace()})  # an app with no login fields
    no_tokens = SimpleNamespace(auth=object(), cookie_id="cid")
    assert not logged_in(http(headers=[(b"cookie", b"access-token-cid=tok")], app=no_tokens))
    no_cookie_id = SimpleNamespace(auth=object(), tokens={"tok": "alice"})
    assert logged_in(http(headers=[(b"cookie", b"access-token-=tok")], app=no_cookie_id))


def test_responses_without_a_content_type_or_headers_pass_untouched():
    class Bare:
        def __init__(self, headers):
            self.headers = headers

        async def __call__(self, scope, receive, send):
            start_message = {"type": "http.response.start", "status": 204}
            if self.headers is not None:
                start_message["headers"] = self.headers
            await send(start_message)
            await send({"type": "http.response.body"})

    for headers in (None, [(b"x-other", b"1")]):
        sent = call(AccessGuard(Bare(headers), LoginThrottle()), http(app=with_login()))
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"] and body(sent) == b""


def test_a_body_message_without_a_body_adds_nothing_to_the_page():
    class Parts:
        async def __call__(self, scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
            cut = PAGE.index(b"<body>")  # outside the API description (which is replaced whole)
            await send({"type": "http.response.body", "body": PAGE[:cut], "more_body": True})
            await send({"type": "http.response.body", "more_body": True})
            await send({"type": "http.response.body", "body": PAGE[cut:]})

    sent = call(AccessGuard(Parts(), LoginThrottle()), http(app=with_login()))
    assert body(sent) == b"<html><script>" + BLANK_API_INFO + b"<body>hello</body></html>"
