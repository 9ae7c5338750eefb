"""The guard in front of Gradio's upload route, driven as plain ASGI (no server): an image goes on
to Gradio replayed byte for byte (then Gradio reads the client's own channel again); a request
declared or read larger than two images is refused with its size in one sentence, before or while
it is read; a Content-Length that is not a number, a file that is not an image and an address over
its hourly bytes are refused in plain text and never reach Gradio; a client that hangs up gets
nothing; and the route is guarded only for POST and only when uploads are gated."""

from __future__ import annotations

import asyncio

import pytest

from playground.ui.guard import AccessGuard
from playground.ui.limits import LoginThrottle
from playground.ui.upload_gate import UploadGate

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
MULTIPART = b"multipart/form-data; boundary=XyZ"


def form(*files: bytes) -> bytes:
    parts = b"".join(b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="f%d"\r\n'
                     b"Content-Type: application/octet-stream\r\n\r\n" % i + data + b"\r\n"
                     for i, data in enumerate(files))
    return parts + b"--XyZ--\r\n"


class Gradio:
    """What reaches Gradio's app: the scope and the two first messages its receive gives."""

    def __init__(self):
        self.calls = []

    async def __call__(self, scope, receive, send):
        self.calls.append((scope, await receive(), await receive()))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stored"})


def upload(messages, headers=(), method="POST", path="/gradio_api/upload", gate=None, peer="203.0.113.5"):
    """(what the client was sent, the Gradio stub, how many messages the guard read)."""
    gradio = Gradio()
    gate = gate if gate is not None else UploadGate(max_file_bytes=1_000_000)
    guard = AccessGuard(gradio, LoginThrottle(), gate)
    queue = list(messages) + [{"type": "http.disconnect"}]
    read, sent = [], []

    async def receive():
        read.append(queue[0])
        return queue.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "client": (peer, 40000),
             "headers": list(headers), "app": None}
    asyncio.run(guard(scope, receive, send))
    return sent, gradio, len(read)


def refusal(sent):
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["headers"] == [(b"content-type", b"text/plain; charset=utf-8")]
    return sent[0]["status"], sent[1]["body"].decode()


def test_an_image_reaches_gradio_replayed_byte_for_byte():
    body = form(PNG)
    half = len(body) // 2
    sent, gradio, read = upload([{"type": "http.request", "body": body[:half], "more_body": True},
                                 {"type": "http.request", "body": body[half:]}],
                                headers=[(b"content-type", MULTIPART), (b"content-length", str(len(body)).encode())])
    assert read == 3 and sent[-1]["body"] == b"stored"  # two chunks, then Gradio's own read
    (scope, first, second), = gradio.calls
    assert scope["path"] == "/gradio_api/upload" and scope["client"] == ("203.0.113.5", 40000)  # Gradio's own scope
    assert first == {"type": "http.request", "body": body, "more_body": False}
    assert second == {"type": "http.disconnect"}  # after the replay, the client's own channel


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/upload/"])
def test_a_declared_size_over_two_images_is_refused_before_reading(path):
    sent, gradio, read = upload([{"type": "http.request", "body": form(PNG)}], path=path,
                                headers=[(b"content-type", MULTIPART), (b"content-length", b"3000000")])
    assert refusal(sent) == (413, "This upload is 3.0 MB; at most 2 images of 1 MB each can be sent at once.")
    assert read == 0 and gradio.calls == []


def test_a_declared_size_of_exactly_the_bound_is_read():
    bound = UploadGate(max_file_bytes=1_000_000).max_request_bytes
    assert bound == 2_065_536
    sent, gradio, _ = upload([{"type": "http.request", "body": form(PNG)}],
                             headers=[(b"content-type", MULTIPART), (b"content-length", str(bound).encode())])
    assert sent[-1]["body"] == b"stored" and len(gradio.calls) == 1


def test_a_body_growing_past_the_bound_is_refused_while_reading():
    chunk = {"type": "http.request", "body": b"x" * 1_000_000, "more_body": True}
    sent, gradio, read = upload([chunk] * 5, headers=[(b"content-type", MULTIPART)])
    assert refusal(sent) == (413, "This upload is 3.0 MB; at most 2 images of 1 MB each can be sent at once.")
    assert read == 3 and gradio.calls == []


def test_a_body_of_exactly_the_bound_is_checked_not_refused_for_its_size():
    bound = 2_065_536
    sent, gradio, read = upload([{"type": "http.request", "body": b"x" * bound}],
                                headers=[(b"content-type", MULTIPART)])
    assert refusal(sent) == (400, "The upload is not a well-formed multipart request.")
    assert read == 1


def test_a_content_length_that_is_not_a_number_is_refused():
    sent, gradio, read = upload([{"type": "http.request", "body": form(PNG)}],
                                headers=[(b"content-type", MULTIPART), (b"content-length", b"lots")])
    assert refusal(sent) == (400, "The upload's Content-Length is not a number.")
    assert read == 0 and gradio.calls == []


def test_a_file_that_is_not_an_image_never_reaches_gradio():
    sent, gradio, _ = upload([{"type": "http.request", "body": form(b"#!/bin/sh\necho hi\n")}],
                             headers=[(b"content-type", MULTIPART)])
    status, sentence = refusal(sent)
    assert status == 415 and sentence.startswith("Only ") and sentence.endswith(" images can be uploaded; nothing was stored.")
    assert gradio.calls == []


def test_a_request_without_a_content_type_is_refused_as_not_multipart():
    sent, gradio, _ = upload([{"type": "http.request", "body": form(PNG)}])
    assert refusal(sent) == (400, "An upload must be multipart/form-data.")
    assert gradio.calls == []


def test_a_message_without_a_body_adds_nothing():
    body = form(PNG)
    sent, gradio, read = upload([{"type": "http.request", "more_body": True}, {"type": "http.request", "body": body}],
                                headers=[(b"content-type", MULTIPART)])
    assert read == 3 and gradio.calls[0][1]["body"] == body


def test_the_hourly_bytes_count_against_the_tunnels_forwarded_address():
    class Clock:
        now = 100.0

        def __call__(self):
            return self.now

    body = form(PNG)
    gate = UploadGate(max_file_bytes=1_000_000, bytes_per_hour=len(body) + 10, clock=Clock())
    headers = [(b"content-type", MULTIPART), (b"x-forwarded-for", b"198.51.100.7")]
    sent, gradio, _ = upload([{"type": "http.request", "body": body}], headers=headers, gate=gate, peer="127.0.0.1")
    assert sent[-1]["body"] == b"stored"
    sent, gradio, _ = upload([{"type": "http.request", "body": body}], headers=headers, gate=gate, peer="127.0.0.1")
    assert refusal(sent) == (429, "This address has uploaded 0 MB in the last hour (the limit is 0 MB): "
                                  "try again in 60 min.")
    assert gradio.calls == []
    assert list(gate._spent) == ["198.51.100.7"]


def test_a_client_that_hangs_up_gets_nothing():
    sent, gradio, read = upload([{"type": "http.request", "body": b"--XyZ", "more_body": True}],
                                headers=[(b"content-type", MULTIPART)])
    assert sent == [] and gradio.calls == [] and read == 2


@pytest.mark.parametrize("method, gate", [("GET", UploadGate(max_file_bytes=1)), ("POST", False)])
def test_the_route_is_guarded_only_for_posts_when_uploads_are_gated(method, gate):
    gradio = Gradio()
    guard = AccessGuard(gradio, LoginThrottle(), None if gate is False else gate)
    sent = []
    queue = [{"type": "http.request", "body": b"anything"}, {"type": "http.disconnect"}]

    async def receive():
        return queue.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/gradio_api/upload", "client": ("203.0.113.5", 1),
             "headers": [(b"content-length", b"999999999")], "app": None}
    asyncio.run(guard(scope, receive, send))
    assert sent[-1]["body"] == b"stored" and gradio.calls[0][1]["body"] == b"anything"


def test_a_scope_without_headers_is_refused_as_not_multipart():
    gradio = Gradio()
    guard = AccessGuard(gradio, LoginThrottle(), UploadGate(max_file_bytes=1_000_000))
    sent = []

    async def receive():
        return {"type": "http.request", "body": form(PNG)}

    async def send(message):
        sent.append(message)

    asyncio.run(guard({"type": "http", "method": "POST", "path": "/gradio_api/upload", "client": None},
                      receive, send))
    assert refusal(sent) == (400, "An upload must be multipart/form-data.") and gradio.calls == []
