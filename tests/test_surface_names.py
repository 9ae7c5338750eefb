"""What a pane is called (ui/names.py) and that every view uses the one name: the header, the
strip and grid titles, the ranking labels, the speed chart, the PNG card and the HTML export."""

from __future__ import annotations

import pytest

from playground.adapters.base import ChatRequest
from playground.pane import PaneState
from playground.status import PaneStatus
from playground.ui.names import pane_names, short_name

LOCAL_LABEL = "Gemma 3 270M (bundled, tiny stand-in — not Gemma 4)"
SVG = ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" '
       'fill="#f00"/></svg>\n```')


@pytest.mark.parametrize("model,label,source,expected", [
    ("gemma-3-270m", LOCAL_LABEL, "local", "270M local"),
    ("gemma-4-e4b", "Gemma 4 E4B", "local", "E4B local"),
    ("gemini:gemma-4-31b-it", "Gemma 4 31B (Gemini API)", "gemini", "31B Gemini"),
    ("gemini:gemma-4-26b-a4b-it", "Gemma 4 26B-A4B (Gemini API)", "gemini", "26B-A4B Gemini"),
    ("gemma-4-e4b@Q8_0", "Gemma 4 E4B", "local", "E4B Q8_0 local"),
    ("openai:google/gemma-4-31b-it", "google/gemma-4-31b-it", "openai", "31B OpenAI"),
])
def test_short_name_is_size_and_source(model, label, source, expected):
    assert short_name(model, label, source) == expected


def test_a_model_that_is_no_gemma_keeps_a_short_label():
    name = short_name("openai:some-very-long-model-name-from-a-server", "some-very-long-model-name-from-a-server",
                      "openai")
    assert name.endswith(" OpenAI") and len(name) <= 26


def state(index: int, model="gemma-3-270m", label=LOCAL_LABEL, source="local", text="", **settings) -> PaneState:
    base = {"temperature": 1.0, "top_p": 0.95, "top_k": 64, "max_tokens": 512, "seed": None, "thinking": False}
    return PaneState(index=index, model=model, label=label, source=source, settings=base | settings,
                     status=PaneStatus.DONE, finish_reason="stop", text=text)


def test_two_panes_of_one_model_are_named_by_what_differs():
    names = pane_names([state(0, temperature=0.2), state(1, temperature=1.0),
                        state(2, "gemini:gemma-4-31b-it", "Gemma 4 31B (Gemini API)", "gemini", thinking=False),
                        state(3, "gemini:gemma-4-31b-it", "Gemma 4 31B (Gemini API)", "gemini", thinking=True)])
    assert names == {0: "270M local · t 0.2", 1: "270M local · t 1", 2: "31B Gemini · thinking off",
                     3: "31B Gemini · thinking on"}
    assert names[0].short == "270M local" and names[0].detail == "t 0.2"


def test_a_model_alone_is_its_short_name_and_identical_twins_get_their_pane_number():
    names = pane_names([state(0), state(1), state(2, "gemini:gemma-4-31b-it", "Gemma 4 31B (Gemini API)", "gemini")])
    assert names == {0: "270M local · pane 1", 1: "270M local · pane 2", 2: "31B Gemini"}


def test_every_view_names_the_panes_the_same_way(monkeypatch):
    from playground.ui import export
    from playground.ui.chart import render_chart
    from playground.ui.grid import render_strip
    from playground.ui.render import drawings_for
    from playground.ui.session_view import SessionView

    states = [state(0, text=SVG, temperature=0.2), state(1, text=SVG, temperature=1.0)]
    for s in states:
        s.metrics.total_s, s.metrics.tokens_per_s, s.metrics.ttft_s = 2.0, 30.0, 0.3
        s.metrics.completion_tokens = 40
    drawings = {s.index: drawings_for(s.text, "stop") for s in states}
    wanted = ["270M local · t 0.2", "270M local · t 1"]

    view = SessionView(states=states, drawings=drawings, request=ChatRequest("Draw"))
    assert [view.pane_name(i) for i in range(2)] == [f"Pane {i + 1} · {w}" for i, w in enumerate(wanted)]
    strip = render_strip(states, drawings)
    assert all(f">{w}</div>" in strip for w in wanted)
    chart = render_chart(states, names=pane_names(states))
    assert all(f"{i + 1}. {w}" in chart for i, w in enumerate(wanted))
    page = export.export_html(ChatRequest("Draw"), states, drawings)
    assert all(w.split(" · ")[1] in page for w in wanted) and page.count('class="gp-name-short">270M local<') == 2

    written: list[str] = []
    monkeypatch.setattr(export._Canvas, "text", lambda self, x, y, text, **kw: written.append(text))
    monkeypatch.setattr(export._Canvas, "render", lambda self: b"")
    export.export_png_card(ChatRequest("Draw"), states, drawings)
    assert all(w in written for w in wanted), written
