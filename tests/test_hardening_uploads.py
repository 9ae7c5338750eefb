"""Issue #21 hole 10: uploads fill the disk. A real launch on 127.0.0.1; raw multipart POSTs to
Gradio's upload route, and a look at its upload folder before and after."""

from __future__ import annotations

import io
import os
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import free_port

pytestmark = pytest.mark.slow


def png_bytes(size=(4, 4)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def post(url: str, files: list[tuple[str, bytes]]) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\n"
                    + f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'.encode()
                    + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
                    for name, data in files) + b"--" + boundary.encode() + b"--\r\n"
    request = urllib.request.Request(url + "/gradio_api/upload", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def stored_files() -> int:
    from gradio.utils import get_upload_folder

    return sum(len(files) for _, _, files in os.walk(get_upload_folder()))


@pytest.fixture(scope="module")
def served():
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime
    from playground.ui.app import PlaygroundApp, launch

    config = AppConfig(max_image_mb=1)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    app = PlaygroundApp(runtime)
    demo, _ = launch(app, port=free_port(), block=False)
    yield app, demo.local_url.rstrip("/")
    demo.close()
    app.close()
    runtime.close()


def test_many_files_in_one_upload_are_refused_and_none_is_stored(served):
    _, url = served
    before = stored_files()
    status, text = post(url, [(f"f{i}.png", png_bytes()) for i in range(300)])
    assert status == 413 and "at most 2" in text
    assert stored_files() == before


def declare_only(url: str, content_length: int) -> tuple[int, str]:
    """Send an upload's headers, declaring `content_length` bytes, and none of its body: a server
    that refuses before reading answers at once; one that reads first would wait (timeout).
    (Sending the whole body races the refusal: the server closes while the client still writes,
    and the client sees a broken pipe instead of the answer.)"""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    head = (f"POST /gradio_api/upload HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: multipart/form-data; boundary={uuid.uuid4().hex}\r\n"
            f"Content-Length: {content_length}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode("ascii"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode()


def test_a_too_large_upload_is_refused_before_it_is_read(served):
    _, url = served
    before = stored_files()
    status, text = declare_only(url, len(png_bytes()) + 3 * 1024 * 1024)
    assert status == 413 and "MB" in text
    assert stored_files() == before


def test_an_upload_that_is_not_an_image_is_never_stored(served):
    _, url = served
    before = stored_files()
    status, text = post(url, [("notes.txt", b"just some text, not an image")])
    assert status == 415 and "Only PNG, JPEG, WebP or GIF images can be uploaded" in text
    assert stored_files() == before


def test_an_image_is_stored_and_an_address_over_its_hourly_bytes_is_refused(served):
    app, url = served
    status, text = post(url, [("ok.png", png_bytes())])
    assert status == 200 and text.startswith("[")
    app.upload_gate.bytes_per_hour = 1000  # what serve sets on a shared link, made tiny
    try:
        assert post(url, [("ok.png", png_bytes())])[0] == 200  # the first few hundred bytes fit
        status, text = post(url, [("ok.png", png_bytes() + b"\0" * 2000)])
        assert status == 429 and "in the last hour" in text
    finally:
        app.upload_gate.bytes_per_hour = 0
