"""A link (or a restored comparison) whose max tokens is under the slider's low end: the value
goes to each pane's own max tokens, so the form holds only values its controls accept. Before,
mt=8 filled the 16..8192 slider with 8 and a link with run=1 was refused by Gradio ('Value 8 is
less than minimum value 16') before anything ran."""

from types import SimpleNamespace

import gradio as gr
from starlette.datastructures import QueryParams

from playground.config import AppConfig
from playground.pane import PaneRequest
from playground.sampling import GenerationSettings
from playground.settings_table import BY_NAME
from playground.ui.form import form_values, pane_field
from playground.ui.url_state import parse_query

LOW = BY_NAME["max_tokens"].control_minimum


def _slider_accepts(value):
    slider = gr.Slider(minimum=LOW, maximum=8192, step=16, value=1024)
    return slider.preprocess(value) == value


def test_a_link_below_the_slider_gives_each_pane_its_own_max_tokens():
    state = parse_query(QueryParams("q=short&m=gemma-3-270m&m=gemma-3-270m&mt=8&run=1"), ["gemma-3-270m"])
    values = state.form_values(AppConfig().defaults)
    assert "max_tokens" not in values or _slider_accepts(values["max_tokens"])
    assert values[pane_field("max_tokens", 0)] == "8" and values[pane_field("max_tokens", 1)] == "8"
    assert state.should_run


def test_a_link_within_the_slider_is_unchanged():
    values = parse_query(QueryParams("q=x&m=gemma-3-270m&mt=64"), ["gemma-3-270m"]).form_values()
    assert values["max_tokens"] == 64 and values.get(pane_field("max_tokens", 0)) in (None, "")


def test_restoring_an_8_token_comparison_fills_controls_that_accept_it():
    class Runtime:
        def sampling_defaults(self, model):
            raise KeyError(model)

    defaults = AppConfig().defaults
    panes = [("gemma-3-270m", GenerationSettings(max_tokens=8).model_dump(), 1)] * 2
    values = form_values(Runtime(), prompt="p", system=None, panes=panes, defaults=defaults)
    assert _slider_accepts(values["max_tokens"])
    assert values[pane_field("max_tokens", 0)] == "8" and values[pane_field("max_tokens", 1)] == "8"
    assert values[pane_field("max_tokens", 2)] == ""
