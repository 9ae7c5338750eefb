"""Adversarial answers through the SVG text stages: CPU time at 1 MB against 250 KB of each shape.

Each shape was quadratic in an earlier version (minutes for a 1 MB answer). Linear work takes about
4 x as long for 4 x the text, quadratic 16 x. CPU time of this process, so other work on the machine
counts less than with a wall clock (not at all is impossible: a busy machine's caches are colder).
The shapes are tests/test_svg_dos.py's, which checks that each is processed and fixed; the time is
here, out of pass/fail.

    python benchmarks/bench_svg_dos.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_svg_dos import SHAPES, SIZE, cpu_s  # noqa: E402


def main() -> int:
    worst = 0.0
    for name, shape in SHAPES.items():
        small, _ = cpu_s(shape(SIZE // 4))
        big, _ = cpu_s(shape(SIZE))
        worst = max(worst, big / small)
        print(f"{name}: {small:.2f} s CPU for 250 KB, {big:.2f} s for 1 MB: {big / small:.1f} x")
    print(f"worst: {worst:.1f} x (linear ~4, quadratic ~16)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
