"""SVG pipeline overhead: sandboxed repair + render vs raw cairosvg on the same drawing.

    python benchmarks/bench_svg.py [--n 200] [--max-ratio 1.5]

Raw: ``cairosvg.svg2png(bytestring=...)`` in this process at the same output size: fast, but
unprotected (hangs on bad path data, no timeout, no sanitizing). Sandboxed: ``process_answer``
on a markdown answer holding the drawing (extract + repair + sanitize) then ``render_png`` in
the warm worker. The two are timed alternately, after a warm-up, and compared by median.
Exits 1 when the ratio exceeds --max-ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

# A realistic model drawing: ~50 elements, gradients, groups, paths, a comment, text.
PELICAN = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300">
  <title>A pelican riding a bicycle</title>
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#8ecae6"/><stop offset="1" stop-color="#e0f4ff"/>
    </linearGradient>
    <radialGradient id="sun" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#ffd166"/><stop offset="1" stop-color="#f4a261"/>
    </radialGradient>
  </defs>
  <rect width="400" height="300" fill="url(#sky)"/>
  <circle cx="340" cy="60" r="30" fill="url(#sun)"/>
  <rect y="250" width="400" height="50" fill="#6a994e"/>
  <path d="M0 250 Q100 230 200 250 T400 250" fill="none" stroke="#386641" stroke-width="3"/>
  <!-- bicycle -->
  <g id="bicycle" stroke="#264653" stroke-width="5" fill="none" stroke-linecap="round">
    <circle cx="120" cy="220" r="38"/><circle cx="280" cy="220" r="38"/>
    <circle cx="120" cy="220" r="4" fill="#264653"/><circle cx="280" cy="220" r="4" fill="#264653"/>
    <line x1="120" y1="220" x2="180" y2="160"/><line x1="180" y1="160" x2="260" y2="160"/>
    <line x1="260" y1="160" x2="280" y2="220"/><line x1="180" y1="160" x2="200" y2="222"/>
    <line x1="200" y1="222" x2="120" y2="220"/><line x1="200" y1="222" x2="260" y2="160"/>
    <line x1="170" y1="148" x2="195" y2="148"/>
    <path d="M255 160 L250 135 Q262 128 275 134"/>
    <circle cx="200" cy="222" r="9"/><line x1="200" y1="222" x2="214" y2="238"/>
  </g>
  <!-- pelican -->
  <g id="pelican">
    <ellipse cx="190" cy="120" rx="52" ry="34" fill="#f8f9fa" stroke="#adb5bd" stroke-width="2"/>
    <path d="M150 118 Q130 90 160 96 Q175 100 168 118 Z" fill="#dee2e6"/>
    <path d="M205 100 C215 70 225 50 232 40" fill="none" stroke="#f8f9fa" stroke-width="16" stroke-linecap="round"/>
    <circle cx="236" cy="38" r="16" fill="#f8f9fa" stroke="#adb5bd" stroke-width="2"/>
    <circle cx="241" cy="34" r="3" fill="#212529"/>
    <path d="M248 40 L330 56 L252 50 Z" fill="#f4a261" stroke="#e76f51" stroke-width="2"/>
    <path d="M252 50 Q290 80 326 58" fill="#ffb703" stroke="#e76f51" stroke-width="2"/>
    <path d="M182 150 L176 190 L166 198" fill="none" stroke="#f4a261" stroke-width="5" stroke-linecap="round"/>
    <path d="M200 150 L214 186 L226 192" fill="none" stroke="#f4a261" stroke-width="5" stroke-linecap="round"/>
    <polygon points="140,112 118,104 124,126" fill="#ced4da"/>
    <path d="M215 110 Q240 125 258 136" fill="none" stroke="#adb5bd" stroke-width="6" stroke-linecap="round"/>
  </g>
  <text x="200" y="290" font-family="sans-serif" font-size="14" text-anchor="middle" fill="#1b4332">Pelican &amp; bicycle</text>
</svg>"""

ANSWER = f"Here is a pelican riding a bicycle:\n\n```svg\n{PELICAN}\n```\n\nThe pelican pedals."
SIZE = 512


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="timed iterations of each (default 200)")
    parser.add_argument("--max-ratio", type=float, default=1.5)
    args = parser.parse_args()

    import cairosvg

    from playground.svg import process_answer, render_png, shutdown_renderer, warm_up

    data = PELICAN.encode()
    width, height = SIZE, SIZE * 300 // 400

    def raw() -> bytes:
        return cairosvg.svg2png(bytestring=data, output_width=width, output_height=height)

    def sandboxed() -> bytes:
        [result] = process_answer(ANSWER)
        rendered = render_png(result.svg, size=SIZE)
        if rendered.png is None:
            raise SystemExit(f"render failed: {rendered.error}")
        return rendered.png

    warm_up()
    for _ in range(10):
        raw(), sandboxed()
    raw_times, box_times = [], []
    for _ in range(args.n):  # alternate, so background load hits both alike
        t0 = time.perf_counter()
        raw()
        t1 = time.perf_counter()
        sandboxed()
        t2 = time.perf_counter()
        raw_times.append(t1 - t0)
        box_times.append(t2 - t1)
    shutdown_renderer()

    raw_ms = statistics.median(raw_times) * 1000
    box_ms = statistics.median(box_times) * 1000
    ratio = box_ms / raw_ms
    print(f"drawing: {PELICAN.count('<') - PELICAN.count('</')} elements, {SIZE}x{height} px, "
          f"n={args.n}")
    print(f"raw cairosvg.svg2png          median {raw_ms:7.2f} ms")
    print(f"process_answer + render_png   median {box_ms:7.2f} ms")
    print(f"ratio {ratio:.2f} (limit {args.max_ratio})")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
