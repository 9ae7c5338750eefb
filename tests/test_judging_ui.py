"""Judging in the UI without a browser: blind mode hides every name (and masks self-names) until
the vote, the vote lands in the store with the right models, History shows/deletes it, and the
Leaderboard tab renders the fitted standings and the speed-vs-quality plot, escaped."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from playground.result import Metrics, PaneResult
from playground.runner import PaneState
from playground.ui.render import NAME_MASK, Blind, Drawing, mask_self_names, render_gallery, render_pane

MODELS = ("gemma-3-270m", "gemini:gemma-4-31b-it", "openai:qwen-local")
LABELS = {"gemma-3-270m": "Gemma 3 270M", "gemini:gemma-4-31b-it": "Gemma 4 31B (API)",
          "openai:qwen-local": "qwen-local"}
SOURCES = {"gemma-3-270m": "local", "gemini:gemma-4-31b-it": "gemini", "openai:qwen-local": "openai"}
FACTS = {"gemma-3-270m": "270M params · Q4_K_M · 0.25 GB", "gemini:gemma-4-31b-it": "31B params · vision",
         "openai:qwen-local": ""}
SVG = ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" '
       'fill="#eee"/><text x="5" y="50">Gemma was here</text></svg>\n```')


# ---------------------------------------------------------------- the masking function
@pytest.mark.parametrize("text, expected", [
    ("As Gemma, I can help.", f"As {NAME_MASK}, I can help."),
    ("I'm Gemini 2.5 Pro, made by Google DeepMind.", f"I'm {NAME_MASK}, made by {NAME_MASK}."),
    ("I am Gemma 4 E2B.", f"I am {NAME_MASK}."),
    ("gemma-3-270m-it here", f"{NAME_MASK} here"),
    ("The 26B-A4B model", f"The {NAME_MASK} model"),
    ("Set GEMINI_API_KEY first", f"Set {NAME_MASK}_API_KEY first"),
    ("I'm ChatGPT (GPT-4o) by OpenAI", f"I'm {NAME_MASK} ({NAME_MASK}) by {NAME_MASK}"),
    ("I am Gemma. It is nice.", f"I am {NAME_MASK}. It is nice."),
])
def test_self_names_are_masked(text, expected):
    assert mask_self_names(text) == expected


def test_ordinary_words_and_empty_text_are_kept():
    for text in ("Gemmary and gemstones", "A pelican rides a bicycle.", "", "E2BIG is an errno"):
        assert mask_self_names(text) == text


def test_given_model_names_are_masked_in_any_case():
    masked = mask_self_names("run download QWEN-LOCAL, then qwen-local again", ["qwen-local"])
    assert "qwen" not in masked.lower() and masked.count(NAME_MASK) == 2


# ---------------------------------------------------------------- pane markup
def state(index: int, model: str, text: str = "As Gemma, here is my drawing.\n\n" + SVG, **extra) -> PaneState:
    s = PaneState(index=index, model=model, label=LABELS[model], source=SOURCES[model], facts=FACTS[model],
                  settings={"temperature": 0.7, "max_tokens": 64, "seed": 5, "thinking": False},
                  status="cached", text=text, thinking="Thinking as Gemini...", finish_reason="stop",
                  metrics=Metrics(tokens_per_s=41.5, ttft_s=0.31, load_s=0.7, completion_tokens=30, total_s=2.0),
                  cached=True, created_at=time.time(), sample=2, samples=3, cache_key="k" + str(index))
    for key, value in extra.items():
        setattr(s, key, value)
    return s


def identities(model: str) -> list[str]:
    """Every string that would tell this pane's model (case-insensitively searched)."""
    found = [model, LABELS[model], model.split(":")[-1], "gemma", "gemini", "qwen", "tok/s", "TTFT", "load 0.7",
             "cached", "sample 2 of 3", "t=0.7", "seed 5", "data-model", "Q4_K_M", "270M", "31B"]
    return found + ([FACTS[model]] if FACTS[model] else []) + [f'"{SOURCES[model]}"', f">{SOURCES[model]}<"]


def leaks(markup: str, models) -> list[str]:
    lowered = markup.lower()
    return [word for m in models for word in identities(m) if word.lower() in lowered]


def drawings_of(s: PaneState) -> list[Drawing]:
    from playground.ui.render import drawings_for

    return drawings_for(s.text, s.finish_reason)


def test_blind_pane_names_nothing_and_shows_names_after():
    states = [state(i, m) for i, m in enumerate(MODELS)]
    blind = Blind.for_states(states)
    for s in states:
        markup = render_pane(s, drawings_of(s), blind)
        assert leaks(markup, MODELS) == [], s.model
        assert f"Model {'ABC'[s.index]}" in markup and NAME_MASK in markup
        assert 'data-status="done"' in markup and "gp-status-done" in markup  # not "cached"
        # The drawing's own text is masked too (the image is data: base64 of the masked SVG).
        uris = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', markup)
        import base64
        assert uris and all("Gemma" not in base64.b64decode(u).decode() for u in uris)
        revealed = render_pane(s, drawings_of(s), None, f"Model {'ABC'[s.index]}")
        assert LABELS[s.model] in revealed and "tok/s" in revealed and "As Gemma" in revealed


def test_blind_gallery_chart_and_export_name_nothing():
    from playground.adapters.base import ChatRequest
    from playground.ui.export import export_html
    from playground.ui.chart import render_chart

    states = [state(i, m) for i, m in enumerate(MODELS)]
    drawings = {s.index: drawings_of(s) for s in states}
    blind = Blind.for_states(states)
    gallery = render_gallery(states, drawings, blind)
    assert "Model A" in gallery and leaks(gallery, MODELS) == []
    chart = render_chart(states, blind=True)
    assert "hidden until you vote" in chart and "<rect" not in chart
    page = export_html(ChatRequest("Draw a pelican"), states, drawings, blind)
    assert leaks(page.split("<style>")[0] + page.split("</style>")[1], MODELS) == []
    assert LABELS["gemma-3-270m"] in export_html(ChatRequest("Draw a pelican"), states, drawings)


def test_blind_png_card_is_drawn_with_letters(monkeypatch):
    import io

    from PIL import Image

    from playground.adapters.base import ChatRequest
    from playground.ui.export import export_png_card
    from support.cards import CanvasRecorder

    states = [state(i, m) for i, m in enumerate(MODELS[:2])]
    drawings = {s.index: drawings_of(s) for s in states}
    drawn = CanvasRecorder(monkeypatch)  # drawn text is not searchable: what it was drawn from is
    card = Image.open(io.BytesIO(export_png_card(ChatRequest("Draw"), states, drawings, cell=120,
                                                 blind=Blind.for_states(states))))
    assert card.format == "PNG" and card.size[0] > 240  # two cells
    assert [t for t in drawn.texts if t.startswith("Model ")] == ["Model A", "Model B"]
    assert "done" in drawn.texts and not any("tok/s" in t or "local" in t for t in drawn.texts)
    own = [t for t in drawn.texts if not t.startswith("Gemma playground")]  # the app's name heads the card
    assert leaks("\n".join(own + drawn.pictures), MODELS) == []
    assert len(drawn.pictures) == 2 and all(NAME_MASK in svg for svg in drawn.pictures)


# ---------------------------------------------------------------- sessions: restore blind, vote
def seed(cache, prompt: str, models=MODELS) -> str:
    from playground.adapters.base import GenerationSettings

    panes = []
    for i, model in enumerate(models):
        key = f"judge-test-{uuid.uuid4().hex}"
        settings = GenerationSettings(max_tokens=64).model_dump()
        result = PaneResult(model=model, source=SOURCES[model], settings=settings,
                            text=f"I am {LABELS[model]}, answer {i}.", finish_reason="stop",
                            metrics=Metrics(tokens_per_s=10.0 * (i + 1), ttft_s=0.1 * (i + 1), total_s=1.0),
                            created_at=time.time())
        panes.append({"model": model, "label": LABELS[model], "source": SOURCES[model], "settings": settings,
                      "key": key, "sample": cache.add_sample(key, result)})
    return cache.record_comparison(prompt=prompt, system=None, image_sha=None, panes=panes)


@pytest.fixture
def sessions(runtime, tmp_path):
    from playground.cache import ResponseCache
    from playground.ui.session import Sessions

    runtime.cache = ResponseCache(tmp_path / "cache")
    return Sessions(runtime)


def strings(outputs) -> str:
    return "\n".join(o for o in outputs if isinstance(o, str))


def test_blind_restore_hides_names_then_the_vote_stores_the_right_models_and_reveals(sessions, runtime):
    from playground.ui.judge import cast_vote

    entry = seed(runtime.cache, "Who are you?")
    orders = set()
    for attempt in range(12):  # the pane order is random per comparison
        outputs, _ = sessions.restore(f"s{attempt}", entry, blind=True)
        view = sessions.view(f"s{attempt}")
        orders.add(tuple(s.model for s in view.states))
        assert view.hidden and leaks(strings(outputs), MODELS) == []
    assert len(orders) > 1, "blind restore never changed the pane order"

    view = sessions.view("s0")
    best = [s.model for s in view.states].index("gemini:gemma-4-31b-it")  # whichever letter it got
    ranks = [1 if i == best else 2 for i in range(3)]  # the other two tie for second
    outputs = cast_vote(sessions, "s0", ranks, "svg, test")
    vote = sessions.vote_store().list()[-1]
    assert vote.blind and vote.comparison_id == entry and vote.tags == ("svg", "test")
    assert vote.model_ranking()[0] == ["gemini:gemma-4-31b-it"]
    assert sorted(vote.model_ranking()[1]) == ["gemma-3-270m", "openai:qwen-local"]
    assert [p.sample for p in vote.panes] == [1, 1, 1] and all(p.metrics["tokens_per_s"] for p in vote.panes)
    shown = strings(outputs)
    assert all(LABELS[m] in shown for m in MODELS) and "tok/s" in shown  # revealed in place
    assert not sessions.view("s0").hidden

    # Changing the vote keeps one vote; restoring the entry brings its ranks back, names shown.
    cast_vote(sessions, "s0", [1, 1, 1], "")
    assert len(sessions.vote_store().list()) == 1 and sessions.vote_store().list()[0].ranking == ((0, 1, 2),)
    outputs, _ = sessions.restore("s-again", entry, blind=True, vote=sessions.vote_store().list()[0])
    assert sessions.view("s-again").ranks == {0: 1, 1: 1, 2: 1} and not sessions.view("s-again").hidden


def test_a_vote_needs_every_rank_and_finished_panes(sessions, runtime):
    import gradio as gr

    from playground.ui.judge import cast_vote, ranking_groups

    assert ranking_groups([2, 1, 2], ["A", "B", "C"]) == [[1], [0, 2]]
    entry = seed(runtime.cache, "Rank me", MODELS[:2])
    sessions.restore("s", entry, blind=True)
    with pytest.raises(gr.Error, match="Model B has none"):
        cast_vote(sessions, "s", [1, None], "")
    sessions.view("s").states[1].status = "running"
    with pytest.raises(gr.Error, match="still running"):
        cast_vote(sessions, "s", [1, 2], "")
    sessions.view("s").states[1].status = "cached"
    cast_vote(sessions, "s", [], "", all_bad=True)
    assert sessions.vote_store().list()[0].all_bad


def test_history_lists_models_as_a_sorted_set_with_the_vote_mark(sessions, runtime):
    from playground.ui.history_tab import history_choices, latest_votes, vote_summary
    from playground.ui.judge import cast_vote

    entry = seed(runtime.cache, "History of a vote")
    sessions.restore("s", entry, blind=True)
    (label, _), = history_choices(runtime.cache, "History of")
    assert ", ".join(sorted(MODELS)) in label and "✓" not in label
    cast_vote(sessions, "s", [1, 2, 3], "")
    votes = latest_votes(sessions.vote_store())
    (label, _), = history_choices(runtime.cache, "History of", votes)
    assert label.endswith("✓ ranked")
    summary = vote_summary(votes[entry])
    assert "blind" in summary and summary.count(" > ") == 2


# ---------------------------------------------------------------- leaderboard
def test_leaderboard_renders_standings_matrix_notes_and_plot_escaped():
    from playground.judging import fit_leaderboard, make_vote
    from playground.judging.speed import speed_points
    from playground.ui.leaderboard_tab import render_leaderboard

    evil = "<b>evil</b>"
    votes = [make_vote(prompt="p", panes=["a-model", evil, "c-model"], ranking=[[0], [1], [2]], blind=True)
             for _ in range(12)]
    board = fit_leaderboard(votes, resamples=50)
    points = speed_points(board, {"a-model": [{"tokens_per_s": 20.0, "ttft_s": 0.5}],
                                  evil: [{"tokens_per_s": 40.0, "ttft_s": 0.2}]})
    page = render_leaderboard(board, points)
    assert "<b>evil</b>" not in page and "&lt;b&gt;evil&lt;/b&gt;" in page
    assert page.index("a-model") < page.index("c-model")  # best first
    assert "12 votes" in page and "Win matrix" in page and "Speed vs quality" in page
    assert page.count('class="gp-sq-point"') == 4  # two measured models × two plots
    assert "no speed measured for: c-model" in page
    thin = render_leaderboard(fit_leaderboard(votes[:2], resamples=20))
    assert "too few votes" in thin.lower() or "too thin" in thin.lower()


def test_blind_flag_in_the_link():
    from playground.ui.url_state import parse_query

    assert parse_query({"blind": "1"}, []).blind is True
    assert parse_query({"blind": "0"}, []).blind is False
    assert parse_query({}, []).blind is None


# ---------------------------------------------------------------- the real app, through its API
@pytest.mark.slow
def test_blind_run_vote_history_and_leaderboard_through_the_api(tmp_path):
    from gradio_client import Client

    from conftest import LaunchedApp
    from support.ui_client import run_args

    app = LaunchedApp(cache_dir=tmp_path / "cache", n_ctx=512)
    try:
        client = Client(app.url, verbose=False)
        args = run_args("Judge me: name a fish.", ["gemma-3-270m", "gemma-3-270m"], max_tokens=16, seed=None)
        job = client.submit(*args, True, api_name="/run")  # the last input: blind
        final = job.result(timeout=180)
        shown = "\n".join(strings(o) for o in job.outputs())  # every update the page got
        assert "Model A" in shown and "Model B" in shown and "Gemma 3 270M" not in shown and "tok/s" not in shown
        assert "Submit ranking" in shown and final[-1] == "run: all finished"
        with pytest.raises(Exception, match="Give every pane a rank"):
            client.predict(1, None, None, None, None, None, "", api_name="/vote")
        voted = client.predict(2, 1, None, None, None, None, "fish", api_name="/vote")
        assert "Gemma 3 270M" in strings(voted) and "tok/s" in strings(voted)  # revealed
        assert voted[-1] == "ranking saved · names revealed"
        with pytest.raises(Exception, match="Nothing is hidden"):
            client.predict(api_name="/reveal")
        picked, count = client.predict("Judge me", api_name="/history")
        assert count == "1 comparison(s)"
        entry = picked["value"] if isinstance(picked, dict) else picked
        from playground.judging import VoteStore

        (vote,) = VoteStore(app.cache.directory).list()
        assert vote.comparison_id == entry and vote.blind and vote.ranking == ((1,), (0,)) and vote.tags == ("fish",)
        board, tags = client.predict(False, "fish", "", "", api_name="/leaderboard")
        assert "1 vote" in board and "never rank two different models" in board
        assert client.predict(entry, "Judge me", api_name="/history_delete_vote")[2] == "Vote deleted."
        assert "0 votes" in client.predict(False, "", "", "", api_name="/leaderboard")[0]
    finally:
        app.close()


def test_plot_axes_cover_every_point():
    from playground.ui.chart import nice_ticks

    for low, high in ((0, 49.5), (700, 1210), (0, 1.65), (0, 7.5e5), (3, 3)):
        ticks = nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and len(ticks) <= 8


def test_many_unseparated_pairs_are_said_per_model():
    from playground.judging import fit_leaderboard, make_vote
    from playground.ui.leaderboard_tab import render_leaderboard

    names = [f"m{i}" for i in range(5)]
    votes = [make_vote(prompt="p", panes=names, ranking=[[i] for i in range(5)]) for _ in range(3)]
    page = render_leaderboard(fit_leaderboard(votes, resamples=30))
    assert "Too thin to separate" in page and "m0 from m1, m2, m3 or m4" in page
    assert page.count(" and m") < 3  # not fifteen "a and b" pairs


def test_the_widget_has_as_many_outputs_as_the_session_sends():
    import gradio as gr

    from playground.ui.judge import JudgeWidgets
    from playground.ui.session_view import JUDGE_OUTPUTS, SessionView

    with gr.Blocks():
        widgets = JudgeWidgets()
    assert len(widgets.outputs) == JUDGE_OUTPUTS
    assert len(SessionView().judge_outputs(True)) == JUDGE_OUTPUTS
