"""The speed-vs-quality plot writes every model's name where no other name or point is."""

from __future__ import annotations

import re
from types import SimpleNamespace

from playground.ui.chart import LABEL_CHAR_W, LABEL_H, place_labels, render_speed_quality


def boxes_overlap(a, b) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def test_names_of_crowded_points_do_not_collide():
    spots = [(100, 100), (102, 101), (104, 99), (101, 103), (300, 50), (301, 52)]
    widths = [70, 90, 60, 110, 80, 80]
    placed = place_labels(spots, widths, (0, 24, 368, 284))
    boxes = [(x, y - LABEL_H + 2, x + w, y + 2) for (x, y), w in zip(placed, widths)]
    for i, a in enumerate(boxes):
        assert all(not boxes_overlap(a, b) for b in boxes[i + 1:]), (a, boxes)
        assert all(not boxes_overlap(a, (px - 5, py - 5, px + 5, py + 5)) for px, py in spots)


def test_the_plot_places_names_of_models_at_the_same_speed_apart():
    from playground.result import KEPT_WITH_VOTES

    def point(model: str, score: float, speed: float) -> SimpleNamespace:
        medians = {name: (speed if name == "tokens_per_s" else 0.3) for name in KEPT_WITH_VOTES}
        return SimpleNamespace(model=model, score=score, ci_low=score - 5, ci_high=score + 5, measured=1,
                               median=medians.get, **{f"median_{n}": v for n, v in medians.items()})

    points = [point("gemini:gemma-4-26b-a4b-it", 754, 40.0), point("gemma-4-e4b", 754, 40.5),
              point("gemma-3-270m", 760, 41.0), point("gemini:gemma-4-31b-it", 1384, 40.2)]
    svg = render_speed_quality(points)
    plots = re.findall(r'<svg class="gp-sq-plot".*?</svg>', svg, re.S)
    assert len(plots) >= 2
    for plot in plots:
        labels = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="start" class="gp-chart-label">([^<]+)</text>',
                            plot)
        assert len(labels) == 4
        boxes = [(float(x), float(y) - LABEL_H + 2, float(x) + LABEL_CHAR_W * len(t), float(y) + 2) for x, y, t in labels]
        for i, a in enumerate(boxes):
            assert all(not boxes_overlap(a, b) for b in boxes[i + 1:]), labels


def test_a_model_with_too_few_votes_gets_no_interval_bar():
    from playground.result import KEPT_WITH_VOTES

    medians = {name: 1.0 for name in KEPT_WITH_VOTES}
    point = SimpleNamespace(model="gemma-3-270m", score=1100.0, ci_low=1100.0, ci_high=1100.0, measured=1,
                            median=medians.get, **{f"median_{n}": v for n, v in medians.items()})
    thin = render_speed_quality([point], thin=["gemma-3-270m"])
    assert "needs more votes" in thin and "<line x1" not in thin.split('class="gp-sq-point"')[1].split("</g>")[0]
    assert "95% 1100–1100" in render_speed_quality([point])
