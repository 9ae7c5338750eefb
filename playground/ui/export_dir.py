"""The export folder of one launch, and the start-up sweep of folders that crashed launches left.

Each launch makes one ``gemma-playground-export-*`` folder in the temp dir and holds an exclusive
lock on the ``owner.lock`` file inside it (its pid written there, for people) for as long as it
runs. The sweep removes a folder only when it can take that lock itself — the owner process is
gone (the kernel drops a dead process's locks, so a reused pid fools nothing). A folder without
an owner file, or whose owner still runs, is never removed: age alone says nothing (a server can
run for weeks and its folder's mtime only moves when someone exports).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile

EXPORT_PREFIX = "gemma-playground-export-"
OWNER_FILE = "owner.lock"
STALE_EXPORT_S = 24 * 3600  # kept for callers of the old signature; age no longer decides

# Open lock files of the folders this process owns (the lock lives as long as the descriptor).
_held: dict[str, int] = {}


def make_export_dir() -> str:
    """A new export folder, locked by this process until remove_export_dir or exit."""
    path = tempfile.mkdtemp(prefix=EXPORT_PREFIX)
    # Locked under another name, then renamed (the lock stays with the open file): a sweep by a
    # launch starting meanwhile never meets an owner file that nobody holds yet.
    pending = os.path.join(path, OWNER_FILE + ".new")
    fd = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    _lock(fd, blocking=True)
    os.write(fd, f"{os.getpid()}\n".encode())
    os.replace(pending, os.path.join(path, OWNER_FILE))
    _held[path] = fd
    return path


def remove_export_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    fd = _held.pop(path, None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def _lock(fd: int, blocking: bool) -> bool:
    """Take the exclusive lock on `fd`; False if another process holds it (non-blocking)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; see _owner_alive
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False


def _owner_gone(folder: str) -> bool:
    """True only when the folder has an owner file that no live process holds."""
    try:
        fd = os.open(os.path.join(folder, OWNER_FILE), os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return False  # no owner file (or a link): not ours to judge
    try:
        if os.name == "nt":  # no flock: fall back to the pid written inside
            pid = int(os.read(fd, 32).decode().strip() or 0)
            return pid > 0 and not _pid_alive(pid)
        return _lock(fd, blocking=False)
    except (OSError, ValueError):
        return False
    finally:
        os.close(fd)  # closing drops the lock we may just have taken


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep_stale_exports(root: str | None = None, max_age_s: float | None = None,
                        now: float | None = None) -> list[str]:
    """Remove the export folders in `root` (the temp dir) whose owner process is gone: real
    folders (not links), named with the export prefix, owned by this user, with an owner file
    nobody holds. Returns the removed paths. (`max_age_s` and `now` are accepted and ignored.)"""
    root = root or tempfile.gettempdir()
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(EXPORT_PREFIX) or entry.path in _held:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
            continue
        if not _owner_gone(entry.path):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed
