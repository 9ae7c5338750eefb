"""The server half of the shareable URL (?q=…&m=…&run=1): what a link may set, and what it is
refused. No browser needed; test_browser.py checks the same in a real page."""

from playground.ui.url_state import MAX_URL_MODELS, UrlState, note_for, parse_query

KNOWN = ["gemma-3-270m", "gemma-4-e2b", "gemini:gemma-4-31b-it"]


class MultiDict(dict):
    """Starlette's QueryParams shape: repeated keys, read with getlist."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs

    def getlist(self, key):
        return [v for k, v in self.pairs if k == key]


def test_prompt_and_models_in_order_fill_the_form_without_running():
    state = parse_query(MultiDict([("q", "Write a haiku"), ("m", "gemma-4-e2b"), ("m", "gemma-3-270m")]), KNOWN)
    assert (state.prompt, state.models, state.run, state.problems) == (
        "Write a haiku", ["gemma-4-e2b", "gemma-3-270m"], False, [])
    assert not state.should_run and note_for(state) == ""


def test_run_1_runs_only_a_clean_link():
    assert parse_query(MultiDict([("q", "x"), ("m", "gemma-3-270m"), ("run", "1")]), KNOWN).should_run
    dirty = parse_query(MultiDict([("q", "x"), ("m", "nope"), ("m", "gemma-3-270m"), ("run", "1")]), KNOWN)
    assert dirty.run and not dirty.should_run
    assert "press Run" in note_for(dirty)


def test_unknown_models_are_dropped_and_named_literally():
    state = parse_query(MultiDict([("m", "gemma-3-270m"), ("m", "evil`<img src=x>` id")]), KNOWN)
    assert state.models == ["gemma-3-270m"]
    note = note_for(state)
    assert "unknown model" in note and "`evil'<img src=x>' id`" in note  # one code span, no backtick escape


def test_only_unknown_models_keep_the_default_pickers():
    state = parse_query(MultiDict([("m", "nope")]), KNOWN)
    assert state.models is None and state.problems


def test_more_models_than_panes_are_cut_with_a_note():
    state = parse_query(MultiDict([("m", "gemma-3-270m")] * (MAX_URL_MODELS + 2)), KNOWN)
    assert len(state.models) == MAX_URL_MODELS
    assert "only the first 6" in note_for(state)


def test_an_empty_link_changes_nothing():
    assert parse_query(MultiDict([]), KNOWN) == UrlState()
    assert parse_query({"q": "plain dict"}, KNOWN).prompt == "plain dict"
