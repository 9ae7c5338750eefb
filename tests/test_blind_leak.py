"""One blind comparison, every surface it is shown on, nothing names a model.

Every text the models produced names them: the answer, the thinking, the error, the notes, the
drawing's own <text>, the fixes the sanitizer made (a link to the maker's site it removed) and the
warnings. Rendered as the pane (one sample and k samples), the drawing strip, the drawing grid,
the HTML export, the PNG card, the grid PNG and a blind restore from History, then searched after
decoding everything the markup carries: HTML entities, every data: URI (base64 SVG → its text,
base64 PNG → must be the rendering of an SVG that was itself checked), and for the PNGs drawn on
the server, the strings and pictures they were drawn from.
"""

from __future__ import annotations

import base64
import html
import re
import time
import urllib.parse
import uuid

import pytest

from playground.adapters.base import ChatRequest
from playground.pane import PaneState
from playground.result import Metrics, PaneResult
from support.cards import CanvasRecorder

MODELS = {  # id: (label, source, what the model calls itself)
    "gemini:gemini-2.5-flash": ("Gemini 2.5 Flash", "gemini", "Gemini 2.5 Flash, made by Google"),
    "gemma-3-270m": ("Gemma 3 270M", "local", "Gemma 3, Google DeepMind's open model"),
    "openai:qwen-local": ("Qwen Local", "openai", "qwen-local, by Alibaba"),
}
# The app's own name is not a model's: "Gemma playground" heads every card.
APP_WORDS = ("Gemma playground",)


def identities(model: str) -> list[str]:
    label, source, _ = MODELS[model]
    return [model, model.split(":")[-1], label, "gemini", "gemma", "qwen", "google", "deepmind", "alibaba",
            "flash", "270m", f">{source}<", f'"{source}"',
            # how a local engine batched the answers tells which panes share a model
            "llama.cpp", "other answers of this model", "samples at once"]


def svg_answer(model: str) -> str:
    label, _, self_name = MODELS[model]
    # the <a href> is removed by the sanitizer, and its fix quotes it: the fix names the maker
    return (f"I am {self_name}. Here is my drawing:\n\n```svg\n"
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            f'<a href="https://{model.split(":")[-1]}.example/{label.replace(" ", "-")}">'
            f'<rect width="100" height="100" fill="#eee"/></a>'
            f'<text x="5" y="50">{label} drew this</text></svg>\n```\n\nSigned, {label}.')


def blind_state(index: int, model: str, sample: int = 1, samples: int = 1) -> PaneState:
    label, source, self_name = MODELS[model]
    return PaneState(
        index=index, model=model, label=label, source=source, facts=f"{label} · Q4_K_M",
        settings={"temperature": 0.7, "max_tokens": 64, "seed": 5, "thinking": True},
        status="error", text=svg_answer(model), thinking=f"As {self_name}, I should draw a pelican.",
        error=f"{model} failed: {label} quota exceeded ({source} API)",
        notes=[f"system prompt folded into the user turn for {label}",
               "decoded together with 2 other answers of this model: 3 sequences in one llama.cpp "
               "context, the prompt read once, 40 llama_decode calls",
               "decoded 2 of the 3 samples at once: the memory for all of them together is not available"],
        finish_reason="error",
        metrics=Metrics(tokens_per_s=41.5, ttft_s=0.31, load_s=0.7, completion_tokens=30, total_s=2.0),
        cached=True, created_at=time.time(), sample=sample, samples=samples, cache_key=f"k{index}-{sample}",
        request={"model": model, "messages": [{"role": "user", "content": "Draw"}]})


def drawings(state: PaneState):
    from playground.ui.drawing import drawings_for

    found = drawings_for(state.text, state.finish_reason)
    assert found and found[0].svg is not None
    assert any(MODELS[state.model][0].replace(" ", "-") in fix for fix in found[0].fixes), found[0].fixes
    # the pipeline's warnings are generic; one that names the model checks the warnings' path
    found[0].warnings.append(f"{MODELS[state.model][0]} used a filter")
    return found


def _decoded(markup: str, pictures: list[str], pngs: list[bytes], depth: int = 0) -> str:
    """`markup`, its entities unescaped, with the text of every data: URI inside appended."""
    text = html.unescape(markup)
    out = [markup, text]
    for match in re.finditer(r"data:([\w.+/-]+)((?:;[\w=-]+)*),([A-Za-z0-9+/=%._~!$&'()*,;:@-]+)", text):
        kind, params, payload = match.groups()
        raw = base64.b64decode(payload) if ";base64" in params else urllib.parse.unquote_to_bytes(payload)
        if kind == "image/svg+xml":
            svg = raw.decode("utf-8")
            pictures.append(svg)
            out.append(_decoded(svg, pictures, pngs, depth + 1) if depth < 3 else svg)
        elif kind == "image/png":
            pngs.append(raw)
        else:
            out.append(raw.decode("utf-8", "replace"))
    return "\n".join(out)


def assert_no_names(markup: str, where: str) -> None:
    pictures: list[str] = []
    pngs: list[bytes] = []
    markup = re.sub(r"<style>.*?</style>", "", markup, flags=re.S)  # the app's stylesheet, not the comparison
    text = _decoded(markup, pictures, pngs)
    for word in APP_WORDS:
        text = text.replace(word, "")
    lowered = text.lower()
    found = sorted({w for m in MODELS for w in identities(m) if w.lower() in lowered})
    assert found == [], f"{where} names a model: {found}"
    # every PNG shown is the rendering of a drawing that was just checked
    if pngs:
        from playground.ui.drawing import PNG_SIDE, drawing_png

        clean = {drawing_png(svg, PNG_SIDE) for svg in pictures}
        assert all(png in clean for png in pngs), f"{where}: a PNG that is not one of the checked drawings"


@pytest.fixture
def comparison():
    from playground.ui.drawing import Blind

    states = [blind_state(i, m) for i, m in enumerate(MODELS)]
    found = {s.index: drawings(s) for s in states}
    return states, found, Blind.for_states(states)


def k_samples(index: int, model: str, k: int = 2):
    from playground.ui.render import Sample

    out = []
    for j in range(1, k + 1):
        state = blind_state(index, model, sample=j, samples=k)
        out.append(Sample(state, drawings(state)))
    return out


def test_the_unmasked_surfaces_do_name_the_models(comparison):
    """The check can fail: without blind, every surface names the models."""
    from playground.ui.export import export_html
    from playground.ui.render import render_gallery, render_pane

    states, found, _ = comparison
    for markup in (render_pane(states[0], found[0]), render_gallery(states, found),
                   export_html(ChatRequest("Draw"), states, found)):
        with pytest.raises(AssertionError, match="names a model"):
            assert_no_names(markup, "unmasked")


def test_blind_pane_names_no_model(comparison):
    from playground.ui.render import render_pane

    states, found, blind = comparison
    for state in states:
        markup = render_pane(state, found[state.index], blind)
        assert "Model " + "ABC"[state.index] in markup and "«name hidden»" in markup
        for part in ("gp-thinking", "gp-error", "gp-note", "gp-drawing-notes", "data:image/svg+xml",
                     "data:image/png"):
            assert part in markup, part  # every surface of the pane is really there
        assert_no_names(markup, f"pane {state.index}")


def test_blind_pane_with_samples_names_no_model(comparison):
    from playground.ui.render import render_pane

    states, _, blind = comparison
    for state in states:
        group = k_samples(state.index, state.model)
        markup = render_pane(group[0].state, group[0].drawings, blind, samples=group, summary="2 samples")
        assert markup.count("gp-sample-panel") == 2
        assert_no_names(markup, f"pane {state.index} with samples")


def test_blind_strip_names_no_model(comparison):
    from playground.ui.render import render_gallery

    states, found, blind = comparison
    markup = render_gallery(states, found, blind)
    assert "gp-strip" in markup and markup.count("<img") == 3 and "gp-drawing-notes" in markup
    assert_no_names(markup, "strip")


def test_blind_grid_names_no_model(comparison):
    from playground.ui.render import render_gallery

    states, found, blind = comparison
    samples = {s.index: k_samples(s.index, s.model) for s in states}
    markup = render_gallery(states, found, blind, samples)
    assert "gp-grid" in markup and markup.count("<img") == 6 and "gp-drawing-notes" in markup
    assert_no_names(markup, "grid")


def test_blind_html_export_names_no_model(comparison):
    from playground.ui.export import export_html

    states, found, blind = comparison
    page = export_html(ChatRequest("Draw a pelican"), states, found, blind)
    assert_no_names(page, "HTML export")
    samples = {s.index: k_samples(s.index, s.model) for s in states}
    page = export_html(ChatRequest("Draw a pelican"), states, found, blind, samples)
    assert_no_names(page, "HTML export with samples")


class Recorder(CanvasRecorder):
    """What a PNG drawn on the server was drawn from: every string and every picture."""

    def check(self, where: str) -> None:
        assert self.texts and self.pictures, where
        assert_no_names("\n".join(self.texts), f"{where} (its text)")
        for svg in self.pictures:
            assert_no_names(svg, f"{where} (a drawing on it)")


def test_blind_png_card_is_drawn_from_masked_text_and_drawings(comparison, monkeypatch):
    import io

    from PIL import Image

    from playground.ui.export import export_png_card

    states, found, blind = comparison
    recorder = Recorder(monkeypatch)
    card = export_png_card(ChatRequest("Draw"), states, found, cell=120, blind=blind)
    assert Image.open(io.BytesIO(card)).format == "PNG"
    assert {"Model A", "Model B", "Model C"} <= set(recorder.texts)
    assert len(recorder.pictures) == 3
    recorder.check("PNG card")
    # and a text-only pane (no drawing): its answer and error are masked too
    recorder.texts.clear()
    plain = [blind_state(0, "gemini:gemini-2.5-flash")]
    plain[0].text = "I am Gemini 2.5 Flash, made by Google."
    export_png_card(ChatRequest("Who are you?"), plain, {0: []}, cell=120, blind=blind)
    assert_no_names("\n".join(recorder.texts), "PNG card of a text answer")
    plain[0].text = ""
    recorder.texts.clear()
    export_png_card(ChatRequest("Who are you?"), plain, {0: []}, cell=120, blind=blind)
    assert "quota" in " ".join(recorder.texts)  # the error is what it shows
    assert_no_names("\n".join(recorder.texts), "PNG card of an error")


def test_blind_grid_png_is_drawn_from_masked_text_and_drawings(comparison, monkeypatch):
    from playground.ui.export import export_grid_png

    states, _, blind = comparison
    samples = {s.index: k_samples(s.index, s.model) for s in states}
    recorder = Recorder(monkeypatch)
    export_grid_png(ChatRequest("Draw"), states, samples, blind=blind)
    assert len(recorder.pictures) == 6
    recorder.check("grid PNG")


# ---------------------------------------------------------------- History: a blind restore
def seed(cache) -> str:
    from playground.adapters.base import GenerationSettings

    panes = []
    for i, model in enumerate(MODELS):
        label, source, self_name = MODELS[model]
        key = f"leak-test-{uuid.uuid4().hex}"
        settings = GenerationSettings(max_tokens=64).model_dump()
        result = PaneResult(model=model, source=source, settings=settings, text=svg_answer(model),
                            thinking=f"As {self_name}, I think.", finish_reason="stop",
                            notes=[f"system prompt folded into the user turn for {label}"],
                            metrics=Metrics(tokens_per_s=10.0 * (i + 1), ttft_s=0.1, total_s=1.0),
                            created_at=time.time(), request={"model": model})
        panes.append({"model": model, "label": label, "source": source, "settings": settings,
                      "key": key, "sample": cache.add_sample(key, result)})
    return cache.record_comparison(prompt="Who are you? Draw yourself.", system=None, image_sha=None,
                                   panes=panes)


def test_blind_restore_from_history_names_no_model(runtime, tmp_path):
    from playground.cache import ResponseCache
    from playground.ui.session import Sessions

    runtime.cache = ResponseCache(tmp_path / "cache")
    sessions = Sessions(runtime)
    entry = seed(runtime.cache)
    outputs, _ = sessions.restore("s", entry, blind=True)
    shown = "\n".join(o for o in outputs if isinstance(o, str))
    assert shown.count("gp-drawing-notes") >= 3 and "gp-thinking" in shown and "gp-note" in shown
    assert_no_names(shown, "History restore")
    outputs, _ = sessions.restore("s2", entry, blind=False)
    with pytest.raises(AssertionError, match="names a model"):
        assert_no_names("\n".join(o for o in outputs if isinstance(o, str)), "History restore, names shown")
