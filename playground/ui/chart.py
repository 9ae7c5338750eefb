"""The metrics chart: tokens/s, time to first token and total time per pane, as bars that fill
in as panes finish. Our own SVG (labels escaped), inlined: no model text becomes markup."""

from __future__ import annotations

import html

from playground.runner import PaneState

SERIES = (
    ("tokens_per_s", "tokens/s", "{:.1f}", "#1f77b4"),
    ("ttft_s", "time to first token (s)", "{:.2f}", "#ff7f0e"),
    ("total_s", "total time (s)", "{:.1f}", "#2ca02c"),
)
BAR_H, GAP, LABEL_W, PLOT_W, VALUE_W = 14, 4, 170, 180, 50


def render_chart(states: list[PaneState]) -> str:
    finished = [s for s in states if s.finished and s.metrics.total_s is not None]
    if not finished:
        return ""
    blocks = []
    for key, title, fmt, color in SERIES:
        values = [(s, getattr(s.metrics, key)) for s in finished]
        values = [(s, v) for s, v in values if v is not None]
        if not values:
            continue
        top = max(v for _, v in values) or 1.0
        height = len(values) * (BAR_H + GAP) + 20
        rows = [f'<text x="0" y="12" class="gp-chart-title">{html.escape(title)}</text>']
        for row, (state, value) in enumerate(values):
            y = 20 + row * (BAR_H + GAP)
            label = f"{state.index + 1}. {state.label}"
            label = label if len(label) <= 26 else label[:25] + "…"
            width = max(1.0, PLOT_W * value / top)
            rows.append(
                f'<text x="0" y="{y + BAR_H - 3}" class="gp-chart-label">{html.escape(label)}</text>'
                f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{color}" '
                f'data-pane="{state.index}" data-metric="{key}"><title>{html.escape(fmt.format(value))}</title></rect>'
                f'<text x="{LABEL_W + width + 4:.1f}" y="{y + BAR_H - 3}" class="gp-chart-value">'
                f'{html.escape(fmt.format(value))}</text>')
        blocks.append(f'<svg class="gp-chart-block" width="{LABEL_W + PLOT_W + VALUE_W}" height="{height}" '
                      f'role="img" aria-label="{html.escape(title)}">{"".join(rows)}</svg>')
    waiting = len(states) - len(finished)
    note = f'<div class="gp-chart-note">{waiting} pane(s) still running</div>' if waiting else ""
    return f'<div class="gp-chart"><h3>Speed</h3><div class="gp-chart-row">{"".join(blocks)}</div>{note}</div>'
