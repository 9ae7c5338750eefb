"""Pane content without a browser (fast tier): the header's numbers (format.py), drawings shown in
place of their code, the strip with one column per pane, the drawing grid, the "request" fold,
samples as tabs with their summary, the PNG card and grid PNG, and the session holding each
pane's k samples (scripted adapters, no model)."""

from __future__ import annotations

import base64
import io
import re

import pytest

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.result import Metrics
from playground.runner import PaneRequest, PaneState
from playground.ui.format import format_metrics, format_rate, format_sampling, format_seconds, thinking_flag
from playground.ui.grid import render_gallery, render_grid, render_strip
from playground.ui.render import Blind, Sample, answer_with_drawings, drawings_for, render_pane

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" '
       'fill="#bde0f7"/><circle cx="50" cy="45" r="20" fill="#fff" stroke="#444"/></svg>')
FENCED = f"Here is the pelican:\n\n```svg\n{SVG}\n```\n\nIts beak is orange."
TWO = f"First:\n\n```svg\n{SVG}\n```\n\nSecond, bare in prose:\n\n{SVG.replace('#bde0f7', '#f00')}\n\nEnd."
TRUNCATED = "Cut off:\n\n```svg\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\""


def state(index=0, text=FENCED, finish="stop", **extra) -> PaneState:
    s = PaneState(index=index, model="gemma-3-270m", label="Gemma 3 270M", source="local",
                  facts="270M params · Q4_K_M", status="done", text=text, finish_reason=finish,
                  settings={"temperature": 1.0, "top_p": 0.95, "top_k": 64, "max_tokens": 256, "seed": 5,
                            "thinking": False},
                  metrics=Metrics(tokens_per_s=40.0, ttft_s=0.2, completion_tokens=80, total_s=2.5),
                  request={"runtime": "llama.cpp", "prompt": "<start_of_turn>user\nDraw <b>x</b>",
                           "prompt_tokens": 12, "stop": ["<end_of_turn>"]})
    for key, value in extra.items():
        setattr(s, key, value)
    return s


# ---------------------------------------------------------------- format.py
@pytest.mark.parametrize("tokens, rate, shown", [
    (120, 40.0, "40.0 tok/s"),      # 119 tokens over ~3 s: a real rate
    (3, 315506.5, "— tok/s"),       # one or two chunks: no rate
    (7, 20.0, "— tok/s"),           # fewer than 8 tokens
    (8, 100.0, "— tok/s"),          # 7 tokens in 0.07 s: window under 0.25 s
    (30, 100.0, "100.0 tok/s"),     # 29 tokens in 0.29 s
])
def test_tok_s_is_shown_only_over_a_meaningful_decode_window(tokens, rate, shown):
    assert format_rate(Metrics(tokens_per_s=rate, completion_tokens=tokens)) == shown


def test_sub_0_05_seconds_never_prints_0_0():
    assert format_seconds(0.01) == "< 0.05 s" and format_seconds(0.049) == "< 0.05 s"
    assert format_seconds(0.05) == "0.1 s" and format_seconds(3.21) == "3.2 s" and format_seconds(None) == "—"
    line = format_metrics(Metrics(tokens_per_s=9e5, ttft_s=0.001, completion_tokens=2, total_s=0.01))
    assert "0.0 s" not in line and "0.00 s" not in line and "— tok/s" in line and "< 0.05 s total" in line


def test_sampling_values_compact_and_long():
    short, long = format_sampling({"temperature": 1.0, "top_p": 0.95, "top_k": 64, "seed": None, "max_tokens": 9})
    assert short == "t 1 · p 0.95 · k 64 · max 9"
    assert "seed: random" in long and "top-p: 0.95" in long


def test_thinking_flag_agrees_with_what_the_pane_shows():
    assert thinking_flag(False, False) == "thinking off"
    assert thinking_flag(False, True) == "thought anyway"
    assert thinking_flag(True, True) == "thinking on"


# ---------------------------------------------------------------- header
def test_header_is_two_lines_with_sampling_and_details_on_hover():
    markup = render_pane(state(), drawings_for(FENCED, "stop"))
    head = re.search(r'<div class="gp-head">(.*?)</div>', markup).group(1)
    assert "Gemma 3 270M" in head and ">270M local<" in head and 'data-status="done"' in head
    line2 = re.search(r'<div class="gp-line2" title="([^"]*)">(.*?)</div>', markup, re.S)
    assert "t 1 · p 0.95 · k 64 · seed 5" in line2.group(2) and "40.0 tok/s" in line2.group(2)
    assert "top-k: 64" in line2.group(1) and "metrics:" in line2.group(1)
    assert markup.count('class="gp-head"') == 1 and markup.count('class="gp-line2"') == 1


def test_header_says_thought_anyway_when_thinking_shows_with_thinking_off():
    markup = render_pane(state(thinking="let me think"))
    assert "thought anyway" in markup and "thinking off" not in markup.split("gp-body")[0]


def test_stopped_pane_says_stopped():
    markup = render_pane(state(status="stopped", finish="cancelled"))
    assert re.search(r'data-status="stopped" title="stopped"><span class="gp-state-word">stopped<', markup)


# ---------------------------------------------------------------- drawings in place
def test_fenced_svg_is_shown_drawn_in_place_of_its_code_with_the_source_folded():
    markup = render_pane(state(), drawings_for(FENCED, "stop"))
    answer = re.search(r'<div class="gp-answer gp-md">(.*?)</div><template', markup, re.S).group(1)
    before, after = answer.split('<figure class="gp-drawing', 1)
    assert "Here is the pelican" in before and "Its beak is orange" in after
    assert "language-svg" not in answer  # the code block is gone from the answer...
    assert '<details class="gp-source"><summary>source</summary><pre>&lt;svg' in answer  # ...folded, closed
    assert 'src="data:image/svg+xml;base64,' in answer and "<svg" not in answer  # never inline SVG
    assert 'download="pane1-drawing1.png" href="data:image/png;base64,' in answer  # server-rendered PNG


def test_every_drawing_is_placed_where_the_answer_has_it():
    drawings = drawings_for(TWO, "stop")
    html = answer_with_drawings(TWO, drawings, 0)
    assert html.index("First:") < html.index('data-drawing="1"') < html.index("Second") < html.index('data-drawing="2"')
    assert html.index('data-drawing="2"') < html.index("End.")


def test_a_truncated_drawing_is_marked():
    markup = render_pane(state(text=TRUNCATED, finish="length"), drawings_for(TRUNCATED, "length"))
    assert 'data-mark="truncated"' in markup and ">truncated<" in markup
    assert "truncated at the token limit" in markup  # its warning, in the folded notes


def test_model_text_cannot_fake_a_drawing_placeholder():
    text = "GPDRAWING0000N1X <p>hi</p>\n\n" + FENCED
    markup = render_pane(state(text=text), drawings_for(text, "stop"))
    assert "GPDRAWING0000N1X" in markup and "&lt;p&gt;hi&lt;/p&gt;" in markup and markup.count("<figure") == 1


# ---------------------------------------------------------------- request fold
def test_request_fold_shows_what_the_model_saw_escaped_and_never_while_blind():
    s = state()
    markup = render_pane(s)
    fold = re.search(r'<details class="gp-request">(.*?)</details>', markup, re.S).group(1)
    assert "request" in fold and "&lt;b&gt;x&lt;/b&gt;" in fold and "<b>" not in fold and "prompt_tokens" in fold
    blind = render_pane(s, blind=Blind.for_states([s]))
    assert "gp-request" not in blind and "start_of_turn" not in blind and "t 1" not in blind


# ---------------------------------------------------------------- strip and grid
def test_strip_has_one_column_per_pane_in_order_with_no_drawing_cells():
    states = [state(0, TWO), state(1, "Just words."), state(2, FENCED)]
    drawings = {s.index: drawings_for(s.text, "stop") for s in states}
    strip = render_strip(states, drawings)
    cols = re.findall(r'<div class="gp-strip-col" data-pane="(\d)" style="grid-column: (\d+)">', strip)
    assert cols == [("0", "2"), ("1", "4"), ("2", "6")]
    parts = strip.split('class="gp-strip-col"')[1:]
    assert parts[0].count("<img") == 2 and "no drawing" in parts[1] and parts[2].count("<img") == 1
    assert "fix(es)" not in strip


def test_strip_lists_fixes_and_warnings_on_demand():
    text = '```svg\n<svg viewBox="0 0 10 10" width="10" width="20"><rect width="5" height="5"/></svg>\n```'
    drawings = {0: drawings_for(text, "stop")}
    strip = render_strip([state(0, text)], drawings)
    notes = re.search(r'<details class="gp-drawing-notes"><summary>([^<]*)</summary><ul class="gp-fixes">(.*?)</ul>',
                      strip).groups()
    assert "fix" in notes[0] and "<li" in notes[1] and "duplicate" in notes[1].lower()


def test_grid_has_k_rows_by_panes_cells_each_marked():
    texts = [FENCED, "no drawing here", TRUNCATED]
    samples = {}
    states = []
    for pane in range(2):
        group = []
        for j, text in enumerate(texts):
            finish = "length" if text is TRUNCATED else "stop"
            s = state(pane, text, finish)
            group.append(Sample(s, drawings_for(text, finish)))
        samples[pane] = group
        states.append(group[0].state)
    grid = render_gallery(states, {}, None, samples)
    cells = re.findall(r'class="gp-grid-cell[^"]*" data-mark="(\w+)" data-pane="(\d)" data-sample="(\d)"', grid)
    assert len(cells) == 6
    assert [m for m, p, _ in cells if p == "0"] == ["rendered", "none", "truncated"]
    blind = render_grid(states, samples, Blind.for_states(states))
    assert "Model A" in blind and "Gemma" not in blind


# ---------------------------------------------------------------- samples in the pane
def test_samples_show_as_tabs_with_finish_reasons_and_a_summary():
    group = [Sample(state(0, FENCED), drawings_for(FENCED, "stop")),
             Sample(state(0, "loop loop", "loop", status="stopped"), []),
             Sample(state(0, FENCED), drawings_for(FENCED, "stop"))]
    markup = render_pane(group[0].state, group[0].drawings, samples=group, summary="3 samples · 2 distinct")
    assert markup.count('class="gp-sample-radio"') == 3 and markup.count(" checked") == 1
    tabs = re.findall(r'<label class="gp-sample-tab[^"]*" for="gp-p0-s(\d)" data-sample="\d" data-finish="(\w*)"', markup)
    assert tabs == [("1", "stop"), ("2", "loop"), ("3", "stop")]
    assert markup.count('class="gp-sample-panel"') == 3 and "3 samples · 2 distinct" in markup
    assert 'data-samples="3"' in markup


# ---------------------------------------------------------------- PNG card and grid PNG
def _png(data: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(data)).convert("RGB")


def test_png_card_shows_a_text_only_panes_answer_and_the_drawing():
    from playground.ui.export import answer_excerpt, export_png_card, wrap

    states = [state(0, FENCED), state(1, "Only words — × … here.")]
    drawings = {s.index: drawings_for(s.text, "stop") for s in states}
    card = _png(export_png_card(ChatRequest("Draw <a> pelican & co — ×"), states, drawings, cell=160))
    # pane 2 holds no drawing: its box is the text box (light grey), not empty white
    assert card.getpixel((12 + 160 + 12 + 80, card.height - 30)) != (255, 255, 255)
    assert answer_excerpt(FENCED, drawings[0]) == "Here is the pelican:\nIts beak is orange."
    assert wrap("one two three four five six", 60, 13, 2)[-1].endswith("…")


def test_grid_png_has_every_cell(tmp_path):
    from playground.ui.export import export_grid_png

    group = [Sample(state(0, FENCED), drawings_for(FENCED, "stop")), Sample(state(0, "none"), [])]
    image = _png(export_grid_png(ChatRequest("p"), [group[0].state], {0: group}))
    assert image.height > 2 * image.width * 0.8  # two rows of square cells


# ---------------------------------------------------------------- the session holds k samples per pane
@pytest.fixture
def sessions():
    from scripted import ScriptedAdapter, answer, scripted_runtime

    from playground.ui.session import Sessions

    def by_seed(settings):
        if settings.seed == 7:
            return answer("just words for seed 7", delay=0.01)
        return answer(f"seed {settings.seed}\n\n```svg\n{SVG}\n```", delay=0.01)

    runtime = scripted_runtime({"scripted:a": ScriptedAdapter(by_seed), "scripted:b": ScriptedAdapter(by_seed)})
    yield Sessions(runtime)
    runtime.close()


def test_session_holds_each_panes_k_samples_and_renders_tabs_grid_and_summary(sessions):
    settings = GenerationSettings(max_tokens=64, seed=5)
    panes = [PaneRequest("scripted:a", settings, samples=3), PaneRequest("scripted:b", settings, samples=3)]
    outputs = last_outputs(sessions.run("s", ChatRequest("draw"), panes, bypass_cache=True))
    view = sessions.view("s")
    assert [len(view.group(slot)) for slot in range(2)] == [3, 3]
    assert [s.settings["seed"] for s in view.group(1)] == [5, 6, 7]
    assert [s.index for s in view.group(1)] == [1, 1, 1]
    htmls = outputs[6:8]
    assert all(h.count('class="gp-sample-panel"') == 3 for h in htmls)
    assert "3 samples · 2 distinct · 3 stop · 2 of 3 drew" in htmls[0]
    gallery = outputs[12]
    cells = re.findall(r'data-mark="(\w+)" data-pane="(\d)" data-sample="(\d)"', gallery)
    assert len(cells) == 6 and [m for m, p, _ in cells if p == "0"] == ["rendered", "rendered", "none"]
    assert outputs[-1] == "run: all finished"
    # the exports carry the grid
    path = sessions.export("s", "grid", str(_tmp()))
    assert path.endswith(".png") and _png(open(path, "rb").read()).width > 100
    card = _png(open(sessions.export("s", "png", str(_tmp())), "rb").read())
    assert card.height > 3 * 150  # the card, then three grid rows under it
    page = open(sessions.export("s", "html", str(_tmp())), encoding="utf-8").read()
    assert "gp-grid-table" in page and page.count('class="gp-sample-panel"') == 6


def test_session_with_one_sample_per_pane_shows_the_strip(sessions):
    panes = [PaneRequest("scripted:a", GenerationSettings(max_tokens=64, seed=1)),
             PaneRequest("scripted:b", GenerationSettings(max_tokens=64, seed=7))]
    outputs = last_outputs(sessions.run("t", ChatRequest("draw"), panes, bypass_cache=True))
    gallery = outputs[12]
    assert "gp-strip-row" in gallery and "gp-grid" not in gallery
    assert re.findall(r'gp-strip-col" data-pane="(\d)"', gallery) == ["0", "1"] and "no drawing" in gallery
    assert 'class="gp-sample-radio"' not in outputs[6]


def last_outputs(stream) -> list:
    """What the page shows at the end: each output's last value that was not a skip."""
    shown: list = []
    for outputs in stream:
        shown = shown or list(outputs)
        for i, value in enumerate(outputs):
            if not (isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1):
                shown[i] = value
    return shown


def _tmp():
    import tempfile

    return tempfile.mkdtemp(prefix="gp-test-export-")


def test_a_drawing_png_is_one_render_from_the_svg_pipeline():
    from playground.svg import render_png
    from playground.ui.drawing import drawing_png

    svg = drawings_for(FENCED, "stop")[0].svg
    assert drawing_png(svg) == render_png(svg, size=512).png
    markup = render_pane(state(), drawings_for(FENCED, "stop"))
    uri = re.search(r'download="pane1-drawing1.png" href="data:image/png;base64,([^"]+)"', markup).group(1)
    assert base64.b64decode(uri) == drawing_png(svg)


def test_restore_brings_back_every_sample_of_a_pane_and_the_grid(tmp_path):
    from scripted import ScriptedAdapter, answer, scripted_runtime

    from playground.cache import ResponseCache
    from playground.ui.session import Sessions

    def by_seed(settings):
        return answer(f"seed {settings.seed}" + ("" if settings.seed == 3 else f"\n\n```svg\n{SVG}\n```"))

    runtime = scripted_runtime({"scripted:a": ScriptedAdapter(by_seed)}, cache=ResponseCache(tmp_path / "c"))
    try:
        sessions = Sessions(runtime)
        for _ in sessions.run("r", ChatRequest("grid me"), [PaneRequest("scripted:a", GenerationSettings(seed=1),
                                                                         samples=3)], bypass_cache=False):
            pass
        entry = runtime.cache.history("grid me")[0]["id"]
        outputs, _ = sessions.restore("other", entry)
        view = sessions.view("other")
        assert [s.text.split("\n")[0] for s in view.group(0)] == ["seed 1", "seed 2", "seed 3"]
        assert all(s.cached for s in view.group(0)) and view.panes[0].samples == 3
        assert outputs[6].count('class="gp-sample-panel"') == 3
        marks = re.findall(r'data-mark="(\w+)" data-pane="0"', outputs[12])
        assert marks == ["rendered", "rendered", "none"]
    finally:
        runtime.close()


def test_blind_samples_name_nothing():
    group = [Sample(state(0, "As Gemma: " + FENCED), drawings_for(FENCED, "stop")),
             Sample(state(0, "I am Gemma 3.", "loop"), [])]
    blind = Blind.for_states([g.state for g in group])
    markup = render_pane(group[0].state, group[0].drawings, blind, samples=group, summary="2 samples · 2 distinct")
    grid = render_grid([group[0].state], {0: group}, blind)
    for text in (markup, grid):
        lowered = text.lower()
        assert not [w for w in ("gemma", "tok/s", "ttft", "seed 5", "t 1", "local", "gp-request", "start_of_turn", "270m") if w in lowered]
    assert "Model A" in markup and "Model A" in grid


def test_the_panes_png_download_is_the_clis_png_byte_for_byte(tmp_path):
    from playground.svg.cli import main

    answer = tmp_path / "answer.md"
    answer.write_text(FENCED, encoding="utf-8")
    out = tmp_path / "cli.png"
    assert main([str(answer), "--png", str(out)]) == 0
    markup = render_pane(state(), drawings_for(FENCED, "stop"))
    uri = re.search(r'download="pane1-drawing1.png" href="data:image/png;base64,([^"]+)"', markup).group(1)
    assert base64.b64decode(uri) == out.read_bytes()
