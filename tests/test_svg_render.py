"""Rendering in the warm worker: good drawings become PNGs of the asked size, bad ones become a
sentence, and drawings that hang or explode cairosvg are stopped within a hard bound, after
which the renderer still works. Timing is asserted only as those generous DoS bounds."""

from __future__ import annotations

import io
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from playground.svg import process_answer, render_png, shutdown_renderer

PELICAN = (Path(__file__).parent / "svg_corpus" / "pelican.svg").read_text()
NS = 'xmlns="http://www.w3.org/2000/svg"'
GIVE_UP_S = 60.0  # a hang guard for waits, never a timing claim (the machine may be busy)
HANG = f'<svg {NS} viewBox="0 0 10 10"><path d="M1 1 L9 9 Z;"/></svg>'  # cairosvg loops forever


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def assert_renderer_still_works():
    result = render_png(PELICAN, size=128)
    assert result.error is None
    assert png_size(result.png) == (128, 96)


def test_pelican_renders_at_the_asked_size_keeping_aspect():
    result = render_png(PELICAN)
    assert result.error is None
    assert png_size(result.png) == (512, 384)  # 400x300 drawing, longest side 512


def test_size_is_capped():
    assert png_size(render_png(PELICAN, size=100_000).png) == (2048, 1536)
    assert png_size(render_png(PELICAN, size=1).png) == (16, 12)


def test_repaired_drawing_renders():
    [result] = process_answer('<svg width="100" height="50"><line x1="0" y1="0" x1="9" '
                              'x2="100" y2="50" stroke="black"/></svg>')
    assert png_size(render_png(result.svg).png) == (512, 256)


def test_broken_xml_is_refused_with_a_sentence():
    result = render_png('<svg><line x1="1" x1="2"/></svg>')
    assert result.png is None
    assert result.error.startswith("not well-formed XML")


def test_drawing_without_size_is_refused_with_a_sentence():
    result = render_png(f"<svg {NS}><circle r='3'/></svg>")
    assert result.png is None
    assert result.error == "the drawing has no size (no viewBox, width or height)"


def test_huge_declared_width_renders_at_normal_size():
    svg = f'<svg {NS} width="100000" height="100000" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
    result = render_png(svg)
    assert png_size(result.png) == (512, 512)


def test_absurdly_elongated_drawing_is_refused_cleanly():
    result = render_png(f'<svg {NS} width="100000" height="10"><rect width="9" height="9"/></svg>')
    assert result.png is None
    assert "too elongated" in result.error
    assert_renderer_still_works()


def test_oversized_input_is_refused_before_rendering():
    svg = f'<svg {NS} viewBox="0 0 9 9">' + "<rect/>" * 400_000 + "</svg>"
    result = render_png(svg)
    assert result.png is None
    assert "the limit is 2 MB" in result.error


@pytest.mark.slow  # waits out the render worker's time limit (a process)
def test_path_that_hangs_cairosvg_is_stopped_and_renderer_recovers():
    # cairosvg loops forever on this path; rendered directly, without repair.
    result = render_png(HANG, timeout_s=2.0)
    assert result.png is None
    assert result.error.startswith("rendering took longer than 2 s and was stopped")
    assert_renderer_still_works()


def test_the_same_path_after_repair_renders_quickly():
    [result] = process_answer(f'<svg {NS} viewBox="0 0 10 10"><path d="M1 1 L9 9 Z;" stroke="red"/></svg>')
    assert any("invalid characters ';'" in f for f in result.fixes)
    rendered = render_png(result.svg)
    assert rendered.error is None


def test_chain_of_100000_use_is_refused_up_front():
    # 10^5 chained <use> cannot be written in under 2 MB (each needs an id and an href), so
    # both repair and the renderer refuse it by size before any parsing.
    n = 100_000
    chain = "".join(f'<use id="u{i:x}" href="#u{i - 1:x}"/>' for i in range(1, n))
    svg = f'<svg {NS} viewBox="0 0 9 9"><defs><rect id="u0" width="1" height="1"/></defs>{chain}</svg>'
    [result] = process_answer(svg)
    direct = render_png(svg, timeout_s=3.0)
    assert result.svg is None and "the limit is 2,000,000" in result.warnings[0]
    assert direct.png is None and "the limit is 2 MB" in direct.error
    assert_renderer_still_works()


@pytest.mark.slow  # waits out the render worker's time limit (a process)
def test_use_chain_under_the_size_cap_is_defused_or_stopped():
    n = 20_000
    chain = "".join(f'<use id="u{i}" href="#u{i - 1}"/>' for i in range(1, n))
    svg = f'<svg {NS} viewBox="0 0 9 9"><defs><rect id="u0" width="1" height="1"/></defs>{chain}</svg>'
    [result] = process_answer(svg)
    assert any(f"removed {n - 1} <use> elements: they would expand" in f for f in result.fixes)
    assert render_png(result.svg).error is None
    raw = render_png(svg, timeout_s=3.0)  # unsanitized: cairosvg grinds; the timeout stops it
    assert raw.png is None or raw.error is None
    assert_renderer_still_works()


@pytest.mark.slow  # waits out the render worker's time limit (a process)
def test_use_bomb_rendered_raw_is_stopped():
    parts = ['<g id="l0"><circle r="1"/></g>']
    for level in range(1, 9):
        parts.append(f'<g id="l{level}">' + f'<use href="#l{level - 1}"/>' * 10 + "</g>")
    svg = f'<svg {NS} viewBox="0 0 9 9"><defs>{"".join(parts)}</defs><use href="#l8"/></svg>'
    result = render_png(svg, timeout_s=2.0)
    assert result.png is None
    assert_renderer_still_works()


def test_pattern_that_needs_gigabytes_fails_cleanly():
    # cairo would allocate a 30000x30000 surface for the pattern tile: the worker's memory
    # cap turns that into a sentence instead of swapping the machine.
    svg = (f'<svg {NS} viewBox="0 0 30000 30000"><defs><pattern id="p" width="30000" '
           'height="30000" patternUnits="userSpaceOnUse"><circle r="5"/></pattern></defs>'
           '<rect width="30000" height="30000" fill="url(#p)"/></svg>')
    result = render_png(svg)
    assert result.png is None and result.error == "the renderer ran out of memory"
    assert_renderer_still_works()


def test_concurrent_threads_all_get_their_png():
    results = []

    def work(size):
        results.append((size, render_png(PELICAN, size=size)))

    threads = [threading.Thread(target=work, args=(100 + 20 * i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(GIVE_UP_S * 3)
    assert len(results) == 8
    for size, result in results:
        assert png_size(result.png)[0] == size


def test_renderer_restarts_after_shutdown():
    assert render_png(PELICAN).error is None
    shutdown_renderer()
    shutdown_renderer()  # twice is fine
    assert_renderer_still_works()


def test_renderer_does_not_read_local_files(tmp_path):
    # Even without sanitize, the worker's url_fetcher refuses every load. (cairosvg with
    # unsafe=True would paint this red file into the PNG.)
    from PIL import Image

    red = tmp_path / "red.png"
    Image.new("RGB", (9, 9), (255, 0, 0)).save(red)
    svg = f'<svg {NS} viewBox="0 0 9 9"><image href="file://{red}" width="9" height="9"/></svg>'
    result = render_png(svg)
    assert result.error is None
    pixel = Image.open(io.BytesIO(result.png)).convert("RGBA").getpixel((256, 256))
    assert pixel[:3] != (255, 0, 0)


def test_renderer_makes_no_network_request():
    connections = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    try:
        svg = (f'<svg {NS} viewBox="0 0 9 9"><image href="http://127.0.0.1:{port}/x.png" '
               'width="9" height="9"/></svg>')
        render_png(svg, timeout_s=3.0)
        try:
            connections.append(server.accept())
        except socket.timeout:
            pass
    finally:
        server.close()
    assert connections == []


def test_renderer_recovers_when_its_worker_is_killed_from_outside():
    from playground.svg.render import _renderer

    assert render_png(PELICAN).error is None
    os.kill(_renderer._proc.pid, signal.SIGKILL)
    _renderer._proc.join(5)
    assert_renderer_still_works()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in state  # a zombie no longer runs; PID 1 may never reap it here


@pytest.mark.slow  # waits out the render worker's time limit (a process)
def test_worker_stuck_in_a_hung_render_dies_with_the_app():
    # The app is SIGKILLed (no atexit) while its worker spins on a drawing that hangs
    # cairosvg: the worker must notice and exit, not burn a core forever.
    script = (
        "from playground.svg import render, render_png\n"
        "if __name__ == '__main__':\n"
        "    render.warm_up()\n"
        "    print(render._renderer._proc.pid, flush=True)\n"
        f"    render_png({HANG!r}, timeout_s=120)\n"
    )
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(app.stdout.readline())
        time.sleep(1.0)  # let the worker enter the endless loop
        assert not _gone(worker)
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + GIVE_UP_S
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(worker)
