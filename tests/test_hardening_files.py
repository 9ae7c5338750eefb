"""Issue #21, files a stranger or a crash leaves behind: hole 9 (GIF frames bigger than the
picture), 12 (the start-up sweep and a live instance's export folder), and hole 7's compare human
mode. Destructive cases run on decoy folders in tmp_path only."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time

import pytest

from playground.images import ImageError, gif_frames, image_from_bytes
from playground.ui.export_dir import EXPORT_PREFIX, OWNER_FILE, make_export_dir, remove_export_dir, sweep_stale_exports


# ---- hole 9: GIF frames ------------------------------------------------------------------------


def _gif(screen: tuple[int, int], frame: tuple[int, int, int, int]) -> bytes:
    """A GIF with a `screen`-sized logical screen and one frame (left, top, width, height)."""
    left, top, width, height = frame
    return (b"GIF89a" + struct.pack("<HHBBB", *screen, 0, 0, 0)
            + b"\x2c" + struct.pack("<HHHHB", left, top, width, height, 0)
            + b"\x02\x02\x4c\x01\x00" + b"\x3b")


def test_gif_frame_bigger_than_its_screen_is_refused_before_decoding():
    bomb = _gif((10, 10), (0, 0, 20000, 20000))  # 10×10 picture, 400-megapixel frame
    assert gif_frames(bomb) == [(0, 0, 20000, 20000)]
    with pytest.raises(ImageError, match="20000×20000 frame that does not fit its 10×10 picture"):
        image_from_bytes(bomb, "The image")


def test_gif_frame_placed_off_the_screen_is_refused():
    with pytest.raises(ImageError, match="does not fit"):
        image_from_bytes(_gif((10, 10), (9000, 0, 5, 5)), "The image")


def test_a_real_animated_gif_passes_every_frame_check():
    from PIL import Image

    frames = [Image.new("RGB", (32, 24), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    data = out.getvalue()
    assert len(gif_frames(data)) == 3
    assert image_from_bytes(data, "The image").mime == "image/gif"


def test_a_damaged_gif_structure_is_a_sentence():
    with pytest.raises(ImageError, match="frame structure is damaged"):
        image_from_bytes(b"GIF89a" + struct.pack("<HHBBB", 4, 4, 0, 0, 0) + b"\x99junk", "The image")


# ---- hole 12: the export-folder sweep ----------------------------------------------------------


def _decoy(root, name, age_s=2 * 24 * 3600):
    path = root / (EXPORT_PREFIX + name)
    path.mkdir()
    (path / "gemma-comparison.html").write_text("x")
    os.utime(path, (time.time() - age_s, time.time() - age_s))
    return path


def test_sweep_never_removes_a_live_instances_old_export_folder(tmp_path):
    # Another process (alive) owns a folder whose mtime is two days old: it must stay.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time; d = sys.argv[1]; os.makedirs(d); "
         f"fd = os.open(os.path.join(d, {OWNER_FILE!r}), os.O_RDWR | os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
         str(tmp_path / (EXPORT_PREFIX + "live"))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        live = tmp_path / (EXPORT_PREFIX + "live")
        os.utime(live, (0, 0))
        no_owner_file = _decoy(tmp_path, "legacy")  # no owner file: age alone decides nothing
        crashed = _decoy(tmp_path, "crashed")
        (crashed / OWNER_FILE).write_text("4194304\n")  # its process is gone: nobody holds the lock
        removed = sweep_stale_exports(str(tmp_path))
        assert removed == [str(crashed)] and not crashed.exists()
        assert live.exists() and no_owner_file.exists()
    finally:
        holder.kill()
        holder.wait()
    # once the owner is gone, the next sweep takes its folder
    assert sweep_stale_exports(str(tmp_path)) == [str(tmp_path / (EXPORT_PREFIX + "live"))]


def test_this_launchs_own_export_folder_is_locked_until_removed(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = make_export_dir()
    assert (tmp_path / os.path.basename(mine) / OWNER_FILE).read_text().strip() == str(os.getpid())
    # a second launch (another process) sweeping the temp dir leaves it alone
    code = ("import sys; sys.path.insert(0, sys.argv[2]); from playground.ui.export_dir import sweep_stale_exports;"
            "print(sweep_stale_exports(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path), os.getcwd()], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
    assert os.path.isdir(mine)
    remove_export_dir(mine)
    assert not os.path.exists(mine)


# ---- hole 7: compare's human mode --------------------------------------------------------------


def test_compare_human_mode_prints_model_output_with_control_characters_escaped(capsys):
    from playground.cli import print_human
    from playground.result import Metrics, PaneResult

    result = PaneResult(model="m\x1b[2J", source="openai", settings={}, finish_reason="stop",
                        text="line one\n\x1b]0;owned\x07\u009b2J tail", thinking="think\x1b[31m",
                        metrics=Metrics(), notes=["note\x1b[1m"])
    print_human([[result]])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u009b" not in out
    assert "line one\n\\u001b]0;owned\\u0007\\u009b2J tail" in out and "m\\u001b[2J" in out


def test_cache_stats_prints_a_folder_name_with_control_characters_escaped(tmp_path, capsys, monkeypatch):
    from playground.cli import main

    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("GEMMA_PLAYGROUND_CONFIG", str(config))
    folder = tmp_path / "cache\x1b]0;owned\x07"
    for argv in (["cache", "stats", "--cache-dir", str(folder)], ["cache", "path", "--cache-dir", str(folder)]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "cache\\u001b]0;owned\\u0007" in out
