"""Charts drawn on the server as our own inline SVG (every label escaped; no model text ever
becomes markup, since gr.HTML does not sanitize):

* the speed chart under the panes: tokens/s, time to first token and total time per pane, as
  bars that fill in as panes finish (hidden while a comparison is blind);
* the speed-vs-quality plot on the Leaderboard tab: each model's strength (with its 95%
  interval) against its median tokens/s and its median time to first token.
"""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

from playground.pane import PaneState
from playground.result import KEPT_WITH_VOTES, METRIC_BY_NAME
from playground.ui.format import rate_is_meaningful
from playground.ui.names import short_name

SERIES = (
    ("tokens_per_s", "tokens/s", "{:.1f}", "#1f77b4"),
    ("ttft_s", "time to first token (s)", "{:.2f}", "#ff7f0e"),
    ("total_s", "total time (s)", "{:.1f}", "#2ca02c"),
)
BAR_H, GAP, LABEL_W, PLOT_W, VALUE_W = 14, 4, 170, 180, 50


def _name(state: PaneState, names: dict[int, str] | None) -> str:
    return (names or {}).get(state.index) or short_name(state.model, state.label, state.source)


BLIND_NOTE = ('<div class="gp-chart"><h3>Speed</h3><div class="gp-chart-note">hidden until you vote: '
              'speed tells models apart</div></div>')


def render_chart(states: list[PaneState], blind: bool = False, names: dict[int, str] | None = None) -> str:
    """Bars per finished pane, each labelled with its name in the comparison (`names`,
    ui/names.py pane_names; the model's short name without it)."""
    if blind:
        return BLIND_NOTE if any(s.finished for s in states) else ""
    finished = [s for s in states if s.finished and s.metrics.total_s is not None]
    if not finished:
        return ""
    blocks = []
    for key, title, fmt, color in SERIES:
        values = [(s, getattr(s.metrics, key)) for s in finished]
        # a rate over a one- or two-chunk answer means nothing (format.py): no bar for it
        values = [(s, v) for s, v in values if v is not None
                  and (key != "tokens_per_s" or rate_is_meaningful(s.metrics))]
        if not values:
            continue
        top = max(v for _, v in values) or 1.0
        height = len(values) * (BAR_H + GAP) + 20
        rows = [f'<text x="0" y="12" class="gp-chart-title">{html.escape(title)}</text>']
        for row, (state, value) in enumerate(values):
            y = 20 + row * (BAR_H + GAP)
            label = f"{state.index + 1}. {_name(state, names)}"
            label = label if len(label) <= 26 else label[:25] + "…"
            width = max(1.0, PLOT_W * value / top)
            shown = fmt.format(value) if value >= 0.05 or key == "tokens_per_s" else "< 0.05"
            rows.append(
                f'<text x="0" y="{y + BAR_H - 3}" class="gp-chart-label">{html.escape(label)}</text>'
                f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{color}" '
                f'data-pane="{state.index}" data-metric="{key}"><title>{html.escape(shown)}</title></rect>'
                f'<text x="{LABEL_W + width + 4:.1f}" y="{y + BAR_H - 3}" class="gp-chart-value">'
                f'{html.escape(shown)}</text>')
        blocks.append(f'<svg class="gp-chart-block" width="{LABEL_W + PLOT_W + VALUE_W}" height="{height}" '
                      f'role="img" aria-label="{html.escape(title)}">{"".join(rows)}</svg>')
    waiting = len(states) - len(finished)
    note = f'<div class="gp-chart-note">{waiting} pane(s) still running</div>' if waiting else ""
    no_rate = [s for s in finished if s.metrics.tokens_per_s is not None and not rate_is_meaningful(s.metrics)]
    if no_rate:
        note += ('<div class="gp-chart-note">no tokens/s for ' + html.escape(", ".join(f"{s.index + 1}. {_name(s, names)}" for s in no_rate))
                 + ': too few tokens or too short a decode to measure a rate</div>')
    return f'<div class="gp-chart"><h3>Speed</h3><div class="gp-chart-row">{"".join(blocks)}</div>{note}</div>'



# ---------------------------------------------------------------- speed vs quality
PLOT_W, PLOT_H, MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 300, 220, 52, 16, 24, 40
POINT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                "#bcbd22", "#17becf")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while (not ticks or ticks[-1] < high) and len(ticks) < 20:  # the last tick covers `high`
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2g}"


LABEL_CHAR_W, LABEL_H = 7.0, 13.0  # a generous box for one character of the 12 px label font


def place_labels(spots: Sequence[tuple[float, float]], widths: Sequence[float],
                 bounds: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Where to write each point's name (left x, baseline y) so that no two names overlap and no
    name covers a point: the first free place among the eight around its point, then further
    out, inside `bounds` (left, top, right, bottom) where it can. Points are placed in order."""
    points = [(x - 6, y - 6, x + 6, y + 6) for x, y in spots]  # the dots, with a margin
    placed: list[tuple[float, float, float, float]] = []
    out = []

    def free(box: tuple[float, float, float, float]) -> bool:
        l, t, r, b = box
        return all(r <= L or l >= R or b <= T or t >= B for L, T, R, B in placed + points)

    for (x, y), w in zip(spots, widths):
        choice = None
        for step in range(0, 12):
            far = step * LABEL_H
            candidates = [(x + 8, y - 3 - far), (x - 8 - w, y - 3 - far), (x + 8, y + LABEL_H + far),
                          (x - 8 - w, y + LABEL_H + far), (x - w / 2, y - 9 - far), (x - w / 2, y + LABEL_H + 6 + far)]
            for lx, base in candidates:
                box = (lx, base - LABEL_H + 2, lx + w, base + 2)
                inside = box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]
                if inside and free(box):
                    choice = (lx, base)
                    break
            if choice:
                break
        if choice is None:  # no room anywhere near: below the lowest name, still apart from all
            base = max((b for _, _, _, b in placed), default=y) + LABEL_H
            choice = (max(bounds[0], min(x + 8, bounds[2] - w)), base)
        lx, base = choice
        placed.append((lx, base - LABEL_H + 2, lx + w, base + 2))
        out.append(choice)
    return out


def _scatter(points: Sequence[Any], attr: str, title: str, x_label: str, better: str,
             thin: frozenset[str] = frozenset()) -> str:
    shown = [(i, p) for i, p in enumerate(points) if getattr(p, attr) is not None]
    width, height = MARGIN_L + PLOT_W + MARGIN_R, MARGIN_T + PLOT_H + MARGIN_B
    parts = [f'<svg class="gp-sq-plot" width="{width}" height="{height}" role="img" '
             f'aria-label="{html.escape(title)}" data-axis="{html.escape(attr)}">',
             f'<text x="0" y="14" class="gp-chart-title">{html.escape(title)}</text>']
    if not shown:
        parts.append(f'<text x="{MARGIN_L}" y="{MARGIN_T + PLOT_H / 2:.0f}" class="gp-chart-label">'
                     'no speed measured for the ranked models yet</text></svg>')
        return "".join(parts)
    xs = [getattr(p, attr) for _, p in shown]
    ys = [v for _, p in shown for v in (p.ci_low, p.ci_high, p.score)]
    x_ticks = nice_ticks(0.0, max(xs) * 1.1 or 1.0)
    y_ticks = nice_ticks(min(ys) - 10, max(ys) + 10)
    x0, x1 = x_ticks[0], x_ticks[-1]
    y0, y1 = y_ticks[0], y_ticks[-1]

    def px(x: float) -> float:
        return MARGIN_L + PLOT_W * (x - x0) / ((x1 - x0) or 1)

    def py(y: float) -> float:
        return MARGIN_T + PLOT_H * (1 - (y - y0) / ((y1 - y0) or 1))

    parts.append(f'<rect x="{MARGIN_L}" y="{MARGIN_T}" width="{PLOT_W}" height="{PLOT_H}" class="gp-sq-frame"/>')
    for t in x_ticks:
        parts.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{MARGIN_T}" y2="{MARGIN_T + PLOT_H}" class="gp-sq-grid"/>'
                     f'<text x="{px(t):.1f}" y="{MARGIN_T + PLOT_H + 14}" text-anchor="middle" '
                     f'class="gp-chart-value">{html.escape(_fmt(t))}</text>')
    for t in y_ticks:
        parts.append(f'<line x1="{MARGIN_L}" x2="{MARGIN_L + PLOT_W}" y1="{py(t):.1f}" y2="{py(t):.1f}" class="gp-sq-grid"/>'
                     f'<text x="{MARGIN_L - 4}" y="{py(t) + 4:.1f}" text-anchor="end" '
                     f'class="gp-chart-value">{html.escape(_fmt(t))}</text>')
    parts.append(f'<text x="{MARGIN_L + PLOT_W / 2:.0f}" y="{height - 6}" text-anchor="middle" '
                 f'class="gp-chart-label">{html.escape(x_label)} ({html.escape(better)})</text>'
                 f'<text x="12" y="{MARGIN_T + PLOT_H / 2:.0f}" text-anchor="middle" class="gp-chart-label" '
                 f'transform="rotate(-90 12 {MARGIN_T + PLOT_H / 2:.0f})">score</text>')
    names = [p.model if len(p.model) <= 28 else p.model[:27] + "…" for _, p in shown]
    spots = [(px(getattr(p, attr)), py(p.score)) for _, p in shown]
    labels = place_labels(spots, [LABEL_CHAR_W * len(n) for n in names], (0, MARGIN_T, width, height))
    for (i, p), name, (x, y), (lx, ly) in zip(shown, names, spots, labels):
        color = POINT_COLORS[i % len(POINT_COLORS)]
        few = p.model in thin  # too few rankings: no interval bar that looks certain, a hollow dot
        interval = "needs more votes" if few else f"95% {p.ci_low:.0f}–{p.ci_high:.0f}"
        tip = (f"{p.model}: score {p.score:.0f} ({interval}), "
               f"{x_label} {getattr(p, attr):.3g} (median of {p.measured})")
        bar = ("" if few else f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{py(p.ci_low):.1f}" y2="{py(p.ci_high):.1f}" '
                              f'stroke="{color}" stroke-width="2"/>')
        dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="none" stroke="{color}" stroke-width="2"/>' if few
               else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}"/>')
        parts.append(f'<g class="gp-sq-point" data-model="{html.escape(p.model)}"><title>{html.escape(tip)}</title>'
                     f'{bar}{dot}'
                     f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="start" class="gp-chart-label">'
                     f'{html.escape(name)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def render_speed_quality(points: Sequence[Any], thin: Sequence[str] = ()) -> str:
    """Strength (score with its 95% interval as a vertical bar) against median tokens/s and
    against median time to first token. `points` are playground.judging SpeedPoints; models in
    `thin` (too few rankings) get a hollow dot and no bar."""
    thin = frozenset(thin)
    if not points:
        return ""
    missing = [p.model for p in points if all(p.median(name) is None for name in KEPT_WITH_VOTES)]
    note = (f'<div class="gp-chart-note">no speed measured for: {html.escape(", ".join(missing))}</div>'
            if missing else "")
    return ('<div class="gp-chart gp-speed-quality"><h3>Speed vs quality</h3>'
            '<div class="gp-chart-note">Up is better; the bar is the 95% interval of the score (a hollow dot: '
            'too few votes for one yet). '
            'The smallest, fastest model whose bar overlaps the best one is good enough for these prompts.</div>'
            '<div class="gp-chart-row">'
            # one plot per metric the table keeps with votes and charts (tok/s, TTFT, prefill tok/s)
            + "".join(_scatter(points, f"median_{row.name}", f"score vs {row.chart_label}",
                               f"median {row.chart_label}",
                               "right is faster" if row.better == "higher" else "left is quicker", thin)
                      for row in (METRIC_BY_NAME[name] for name in KEPT_WITH_VOTES) if row.chart_label)
            + f"</div>{note}</div>")
