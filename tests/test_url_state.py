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


def test_every_setting_travels_and_per_pane_keys_follow_their_model():
    state = parse_query(MultiDict([("q", "x"), ("sys", "Be brief."), ("t", "0.4"), ("mt", "256"), ("th", "1"),
                                   ("n", "3"), ("seed", "42"), ("m", "gemma-3-270m"), ("m", "nope"),
                                   ("m", "gemma-4-e2b"), ("t3", "1.3"), ("th3", "on"), ("n3", "2"),
                                   ("t2", "0.1")]), KNOWN)
    values = state.form_values()
    assert (values["system"], values["temperature"], values["max_tokens"], values["thinking"],
            values["samples"], values["seed"]) == ("Be brief.", "0.4", 256, True, 3, "42")
    # the unknown second model is dropped with its keys; the third model's keys move with it
    assert values["model_0"] == "gemma-3-270m" and values["model_1"] == "gemma-4-e2b"
    assert (values["temperature_1"], values["thinking_1"], values["samples_1"]) == ("1.3", "on", "2")
    assert "temperature_0" not in values and values["model_2"] == ""


def test_a_link_made_with_an_image_says_so_and_does_not_run():
    state = parse_query(MultiDict([("q", "What is this?"), ("m", "gemma-3-270m"), ("img", "1"), ("run", "1")]), KNOWN)
    assert state.image and not state.should_run
    assert "cannot carry" in note_for(state)


def test_link_values_are_cut_short_and_odd_choices_dropped():
    state = parse_query(MultiDict([("m", "gemma-3-270m"), ("t1", "9" * 500), ("th1", "<b>maybe</b>"),
                                   ("mt", "lots")]), KNOWN)
    values = state.form_values()
    assert len(values["temperature_0"]) <= 24 and "thinking_0" not in values and "max_tokens" not in values
