"""Uploads on a served app: the size limit is enforced by the upload route, an image's pixel count
is checked from its header before anything decodes it (a small PNG can declare a huge image), a
refused upload is removed and the refusal is one sentence without server paths."""

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import free_port, wait_for

gradio_client = pytest.importorskip("gradio_client")


# ---------------------------------------------------------------- images made by hand
def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_png_bomb(path: Path, side: int) -> Path:
    """A grayscale PNG of side×side black pixels: ~1000:1 compressed, written row by row, so
    neither this process nor the file pays for the pixels."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    data = []
    for _ in range(side):
        data.append(packer.compress(row))
    data.append(packer.flush())
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)))
        out.write(_chunk(b"IDAT", b"".join(data)))
        out.write(_chunk(b"IEND", b""))
    return path


def small_png(path: Path, width: int = 64, height: int = 48) -> Path:
    from PIL import Image

    Image.new("RGB", (width, height), "orange").save(path)
    return path


# ---------------------------------------------------------------- unit: header sizes
@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
                                       ("WEBP", "image/webp")])
@pytest.mark.parametrize("lossless", [False, True])
def test_pixel_size_is_read_from_the_header_of_every_supported_format(tmp_path, fmt, mime, lossless):
    from PIL import Image

    from playground.images import image_size, sniff_mime

    path = tmp_path / f"x.{fmt.lower()}"
    options = {"lossless": True} if fmt == "WEBP" and lossless else {}
    Image.new("RGB", (123, 45), "teal").save(path, fmt, **options)
    data = path.read_bytes()
    assert sniff_mime(data) == mime
    assert image_size(data, mime) == (123, 45)


def test_a_png_declaring_too_many_pixels_is_refused_before_decoding(tmp_path):
    from playground.images import ImageError, image_from_path

    bomb = write_png_bomb(tmp_path / "bomb.png", 12000)
    assert bomb.stat().st_size < 300_000
    with pytest.raises(ImageError, match=r"^The image is 12000×12000 pixels \(144 megapixels\); the limit is 40 "):
        image_from_path(bomb, name="The image")


def test_the_megapixel_cap_is_a_parameter(tmp_path):
    from playground.images import ImageError, image_from_path

    picture = small_png(tmp_path / "p.png", 200, 100)
    assert image_from_path(picture).mime == "image/png"
    with pytest.raises(ImageError, match="limit is 0.01 megapixels"):
        image_from_path(picture, max_megapixels=0.01)


def test_a_missing_image_named_by_the_app_does_not_show_the_path(tmp_path):
    from playground.images import ImageError, image_from_path

    with pytest.raises(ImageError) as caught:
        image_from_path(tmp_path / "gone.png", name="The image")
    assert str(tmp_path) not in str(caught.value)


# ---------------------------------------------------------------- the served app
def start_server(root: Path):
    """`gemma-playground` in its own process (so its memory is its own), with its temp dir, uploads,
    cache and config inside `root`. Returns (process, url, log path) once it answers."""
    import httpx

    port = free_port()
    (root / "tmp").mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(root / "tmp"), GRADIO_TEMP_DIR=str(root / "gradio"),
               GEMMA_PLAYGROUND_CACHE_DIR=str(root / "cache"), XDG_CONFIG_HOME=str(root / "config-home"),
               HF_HUB_OFFLINE="1")
    for var in ("GEMMA_PLAYGROUND_CONFIG", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        env.pop(var, None)
    log_path = root / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "playground", "--no-browser", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            raise AssertionError(log_path.read_text())
        try:
            return httpx.get(url + "/config", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, timeout_s=120, interval_s=0.3)
    return proc, url, log_path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("uploads-server")
    proc, url, log = start_server(root)
    yield {"url": url, "pid": proc.pid, "uploads": root / "gradio", "log": log}
    proc.terminate()
    proc.wait(timeout=20)


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def run_with_image(url: str, image: Path) -> str:
    """Run one Gemini pane (no key in the test: it fails at once, after the image was accepted)
    with `image` uploaded through the real upload route; '' if accepted, else the refusal."""
    from support.ui_client import run_args

    client = gradio_client.Client(url + "/", verbose=False)
    args = run_args("What is in this picture?", ["gemini:gemma-4-31b-it"],
                    image=gradio_client.handle_file(str(image)))
    try:
        client.predict(*args, api_name="/run")
    except gradio_client.exceptions.AppError as exc:
        return str(exc)
    return ""


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.slow
def test_png_bomb_is_refused_without_the_server_decoding_it(server, tmp_path):
    bomb = write_png_bomb(tmp_path / "bomb-12k.png", 12000)
    pid = server["pid"]
    before = status_kb(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak (VmHWM) restarts from now
    message = run_with_image(server["url"], bomb)
    growth_mb = (status_kb(pid, "VmHWM") - before) / 1024
    print(f"server peak RSS growth while refusing a 12000x12000 PNG: {growth_mb:.1f} MB")
    assert growth_mb < 100, f"server peak RSS grew by {growth_mb:.0f} MB"
    assert "Image refused: The image is 12000×12000 pixels (144 megapixels); the limit is 40 megapixels" in message


@pytest.mark.slow
def test_a_huger_png_gets_the_same_sentence_and_no_server_path(server, tmp_path):
    message = run_with_image(server["url"], write_png_bomb(tmp_path / "bomb-20k.png", 20000))
    assert message.startswith("Image refused: The image is 20000×20000 pixels"), message
    for leak in ("/tmp", str(server["uploads"]), "PIL", "Decompression", "gradio"):
        assert leak not in message


@pytest.mark.slow
def test_a_refused_upload_does_not_stay_on_disk(server, tmp_path):
    bomb = write_png_bomb(tmp_path / "refused-upload.png", 9000)
    assert run_with_image(server["url"], bomb).startswith("Image refused")
    assert not [p for p in files_in(server["uploads"]) if p.name == "refused-upload.png"]


@pytest.mark.slow
def test_an_ordinary_image_is_still_accepted(server, tmp_path):
    message = run_with_image(server["url"], small_png(tmp_path / "fine.png"))
    assert "Image refused" not in message and "image must be" not in message


@pytest.mark.slow
def test_an_upload_over_the_size_limit_is_refused_by_the_upload_route(server, tmp_path):
    import httpx

    big = tmp_path / "big.png"
    with big.open("wb") as out:  # a PNG signature, then 50 MB
        out.write(b"\x89PNG\r\n\x1a\n")
        out.truncate(50 * 1024 * 1024)
    with big.open("rb") as handle:
        response = httpx.post(server["url"] + "/gradio_api/upload", files={"files": ("big.png", handle)},
                              timeout=60)
    assert response.status_code == 413, response.text
    assert not [p for p in files_in(server["uploads"]) if p.stat().st_size > 10 * 1024 * 1024]


# ---------------------------------------------------------------- the port
@pytest.mark.slow
def test_a_port_in_use_gives_a_sentence_naming_the_port_flag(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, GEMMA_PLAYGROUND_CACHE_DIR=str(tmp_path / "cache"))
        done = subprocess.run([sys.executable, "-m", "playground", "--no-browser", "--port", str(port)],
                              capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_uploads_and_the_export_folder_are_removed_when_the_server_is_stopped(tmp_path):
    import signal

    proc, url, log = start_server(tmp_path)
    try:
        assert "Image refused" not in run_with_image(url, small_png(tmp_path / "kept-until-exit.png"))
        assert [p for p in files_in(tmp_path / "gradio") if p.name == "kept-until-exit.png"]
        assert list((tmp_path / "tmp").glob("gemma-playground-export-*"))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not [p for p in files_in(tmp_path / "gradio") if p.name == "kept-until-exit.png"]
    assert not list((tmp_path / "tmp").glob("gemma-playground-export-*"))
