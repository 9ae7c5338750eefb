"""The Compare form by name (playground/ui/form.py): form → request through the shared request
builder and the runtime's per-model settings, and a comparison → the fields that mean it again.
Fast: a stand-in runtime, no model, no server."""

from __future__ import annotations

import gradio as gr
import pytest

from playground.adapters.base import GenerationSettings
from playground.settings_table import SETTINGS
from playground.ui.form import MAX_PANES, PANE_FIELDS, RESTORED_FIELDS, RUN_FIELDS, form_values, pane_field, parse_form


class Defaults:
    def __init__(self, values):
        self._values = values

    def values(self):
        return dict(self._values)


class Runtime:
    """settings_for as the catalog does it: model sampling defaults under the explicit values."""

    model_defaults = {"hot": {"temperature": 1.0, "top_p": 0.95, "top_k": 64},
                      "cool": {"temperature": 0.3, "top_p": 0.9, "top_k": 40}}

    def __init__(self):
        self.calls = []

    def model_statuses(self):  # what the page offers: the door lets only these through
        return [(type("Spec", (), {"id": model})(), True, "ready") for model in self.model_defaults]

    def sampling_defaults(self, model):
        return Defaults(self.model_defaults[model])

    def settings_for(self, model, explicit):
        self.calls.append((model, dict(explicit)))
        if model not in self.model_defaults:
            raise ValueError(f"unknown model {model}")
        chosen = {k: v for k, v in explicit.items() if v is not None}
        return GenerationSettings(**(self.model_defaults[model] | chosen))


class ConfigDefaults:
    max_tokens = 1024
    thinking = False


def form(**values):
    base = {name: "" for name in RUN_FIELDS}
    base.update({"image": None, "max_tokens": 64, "thinking": False, "samples": 1, "bypass_cache": False,
                 "blind": False})
    for slot in range(MAX_PANES):
        base[pane_field("thinking", slot)] = "default"
    base.update(values)
    return base


def test_run_fields_are_named_once_and_settings_added_later_go_after_blind():
    """/run's positional order: older scripts send everything up to blind; a settings-table row
    added later (min_p) comes after blind, so their inputs keep their places."""
    assert len(set(RUN_FIELDS)) == len(RUN_FIELDS)
    tail = [row for row in SETTINGS if row.positional_tail]
    assert [r.name for r in tail] == ["min_p"]
    older = [row for row in SETTINGS if not row.positional_tail]
    blind = RUN_FIELDS.index("blind")
    assert blind == 3 + len(older) + 1 + MAX_PANES * (1 + len(older)) , "blind's place is what it always was"
    assert RUN_FIELDS[:3] == ("prompt", "system", "image")
    assert RUN_FIELDS[blind + 1:] == tuple(
        ["min_p"] + [pane_field("min_p", slot) for slot in range(MAX_PANES)])
    assert len(RUN_FIELDS) == 3 + len(SETTINGS) + 1 + MAX_PANES * len(PANE_FIELDS) + 1
    assert "image" not in RESTORED_FIELDS and "blind" not in RESTORED_FIELDS


def test_empty_sampling_fields_mean_the_models_own_defaults():
    runtime = Runtime()
    parsed = parse_form(runtime, form(prompt="  hi  ", model_0="hot", model_1="cool", temperature_1="0.5"), 100)
    assert parsed.request.prompt == "hi"
    first, second = parsed.panes
    assert (first.settings.temperature, first.settings.top_k) == (1.0, 64)
    assert (second.settings.temperature, second.settings.top_k) == (0.5, 40)
    assert runtime.calls[0][1]["temperature"] is None  # not set: the model decides


def test_samples_shared_and_per_pane():
    parsed = parse_form(Runtime(), form(prompt="x", samples=3, model_0="hot", model_1="hot", samples_1="5"), 100)
    assert [p.samples for p in parsed.panes] == [3, 5]
    with pytest.raises(gr.Error, match="Pane 1 samples must be between 1 and 8"):
        parse_form(Runtime(), form(prompt="x", model_0="hot", samples_0="9"), 100)


def test_text_is_checked_once_by_the_shared_builder():
    with pytest.raises(gr.Error, match="lone surrogate"):
        parse_form(Runtime(), form(prompt="a\ud800", model_0="hot"), 100)
    with pytest.raises(gr.Error, match="the limit is 100"):
        parse_form(Runtime(), form(prompt="x" * 101, model_0="hot"), 100)
    with pytest.raises(gr.Error, match="The prompt is empty"):
        parse_form(Runtime(), form(prompt="   ", model_0="hot"), 100)


def test_bad_values_are_sentences_naming_the_field():
    with pytest.raises(gr.Error, match="Parameter temperature: Input should be less than or equal to 2"):
        parse_form(Runtime(), form(prompt="x", temperature="3", model_0="hot"), 100)
    with pytest.raises(gr.Error, match="Pane 2 seed must be a whole number"):
        parse_form(Runtime(), form(prompt="x", model_1="hot", seed_1="1.5"), 100)
    with pytest.raises(gr.Error, match="No model picked"):
        parse_form(Runtime(), form(prompt="x"), 100)


def test_a_model_the_page_does_not_offer_is_refused_naming_the_pane_and_never_resolved():
    runtime = Runtime()
    with pytest.raises(gr.Error, match="Pane 2 model: 'nope' is not one of this playground's models"):
        parse_form(runtime, form(prompt="x", model_0="hot", model_1="nope", temperature_1="0.2"), 100)
    assert "nope" not in [model for model, _ in runtime.calls]  # never resolved: no file is read


def test_a_per_pane_max_tokens_beyond_the_slider_is_refused_on_the_page():
    """The slider stops at 8192: a JSON form asking for 32768 is refused with the bound, not
    clamped into a request nobody made."""
    with pytest.raises(gr.Error, match=r"Pane 1 max tokens must be between 1 and 8192 on this page"):
        parse_form(Runtime(), form(prompt="x", model_0="hot", max_tokens_0="32768"), 100)
    with pytest.raises(gr.Error, match=r"Parameter Max tokens must be between 1 and 8192"):
        parse_form(Runtime(), form(prompt="x", model_0="hot", max_tokens=32768), 100)
    parsed = parse_form(Runtime(), form(prompt="x", model_0="hot", max_tokens_0="8192"), 100)
    assert parsed.panes[0].settings.max_tokens == 8192


def test_min_p_is_one_more_field_of_the_form():
    parsed = parse_form(Runtime(), form(prompt="x", model_0="hot", model_1="hot", min_p="0.05", min_p_1="0.1"), 100)
    assert [p.settings.min_p for p in parsed.panes] == [0.05, 0.1]
    with pytest.raises(gr.Error, match="Pane 1 min_p: Input should be less than or equal to 1"):
        parse_form(Runtime(), form(prompt="x", model_0="hot", min_p_0="1.5"), 100)


def test_restored_values_parse_back_to_the_same_settings():
    """Restore → Run is a cache hit only if the form means exactly the restored settings."""
    runtime = Runtime()
    original = parse_form(runtime, form(prompt="p", system="s", seed="5", max_tokens=16, model_0="hot",
                                        model_1="cool", temperature_1="0.9", thinking_1="on", max_tokens_1="12",
                                        samples_1="2"), 100)
    values = form_values(runtime, prompt="p", system="s",
                         panes=[(p.model, p.settings.model_dump(), p.samples) for p in original.panes],
                         defaults=ConfigDefaults())
    assert set(values) == set(RESTORED_FIELDS)
    assert values["temperature_0"] == "" and values["temperature_1"] == "0.9"  # hot's own default stays empty
    assert values["seed"] == "5" and values["seed_0"] == ""  # shared: in Parameters once
    again = parse_form(runtime, form(**values), 100)
    assert [(p.model, p.settings, p.samples) for p in again.panes] == \
        [(p.model, p.settings, p.samples) for p in original.panes]
