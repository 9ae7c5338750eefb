"""The layers in the README hold: imports point down only and nothing imports in a cycle.

The contracts live in pyproject.toml ([tool.importlinter]); this runs import-linter on them and
fails with its report (which import broke which contract).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_point_down_the_layers_and_never_in_a_cycle():
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run([*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"import contracts broken:\n{done.stdout}\n{done.stderr}"
    assert "0 broken" in done.stdout
