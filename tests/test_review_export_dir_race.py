"""A launch's export folder is never swept while it is being made: between creating its owner
file and locking it, another launch's start-up sweep found an owner file nobody held and removed
the new folder (its exports then failed)."""

import os
import tempfile

from playground.ui import export_dir


def test_a_sweep_between_create_and_lock_leaves_the_new_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real_lock = export_dir._lock
    swept = []

    def lock_after_a_sweep(fd, blocking):
        if blocking and not swept:  # another launch starts right now
            swept.append(export_dir.sweep_stale_exports(str(tmp_path)))
        return real_lock(fd, blocking)

    monkeypatch.setattr(export_dir, "_lock", lock_after_a_sweep)
    path = export_dir.make_export_dir()
    try:
        assert swept == [[]]
        assert os.path.isdir(path) and os.path.isfile(os.path.join(path, export_dir.OWNER_FILE))
        assert export_dir.sweep_stale_exports(str(tmp_path)) == []  # held: still not swept
    finally:
        export_dir.remove_export_dir(path)
