"""The door field by field, fast (playground/door.py; the web tier's own tests are slow): the
sentence each refused value gets, words for on/off, numbers at their edges, the "panes" list
form, /run's known names, the flags, and which models the owner's and the web's door let through.

The real Runtime on the presets (conftest `runtime`), plus a stand-in where a catalog alias or a
model whose own default thinks is needed.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import TypeAdapter, ValidationError

from playground.adapters.base import GenerationSettings, ImageInput
from playground.door import (
    _first_error, check_named, flatten, number, owner_door, web_door, web_model_allowed,
)
from playground.request import RequestError
from playground.settings_table import BY_NAME

PICK = ("Pick a model from the list (models are added on the machine running the playground, "
        "by its command line or config).")


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(RequestError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


class ThinkingRuntime:
    """A model whose own default thinks, and an old id kept as an alias of a current one."""

    config = SimpleNamespace(max_prompt_chars=100)
    catalog = SimpleNamespace(aliases={"old-id": "new-id"}, resolve=lambda name: name)

    def model_statuses(self):
        return [(SimpleNamespace(id="new-id"), True, "ready")]

    def settings_for(self, model, explicit):
        return GenerationSettings(**({"thinking": True} | {k: v for k, v in explicit.items() if v is not None}))


# ---- models --------------------------------------------------------------------------------

def test_the_web_quotes_a_refused_name_in_printable_ascii_only(runtime):
    door = web_door(runtime, None)
    assert refusal(door.model, " Xa b`<>&\"'\\\x7fé ", "Pane 1 model") == (
        f"Pane 1 model: 'Xa b?????????' is not one of this playground's models. {PICK}")


def test_a_long_refused_name_is_cut_at_40_characters(runtime):
    door = web_door(runtime, None)
    assert refusal(door.model, "m" * 40, "w").startswith(f"w: '{'m' * 40}' is not")
    assert refusal(door.model, "m" * 41, "w").startswith(f"w: '{'m' * 39}…' is not")


def test_the_web_takes_only_the_models_it_was_given(runtime):
    door = web_door(runtime, ["gemma-3-270m"])
    assert door.model("gemma-3-270m", "w") == "gemma-3-270m"
    assert "is not one of this playground's models" in refusal(door.model, "gemma-4-e2b", "w")


def test_the_web_takes_an_old_id_kept_as_an_alias():
    door = web_door(ThinkingRuntime(), None)
    assert door.model("old-id", "w") == "old-id"
    assert web_model_allowed("old-id", ["new-id"], {"old-id": "new-id"}) is True
    assert web_model_allowed("old-id", ["other"], {"old-id": "new-id"}) is False


def test_the_owner_names_a_model_by_text_the_catalog_knows(runtime):
    door = owner_door(runtime)
    assert door.model(" gemma-3-270m ", "-m") == "gemma-3-270m"
    assert refusal(door.model, 5, "-m") == "-m: a model is named by text (its id in the model list), not by int."
    assert refusal(door.model, " \t ", "-m") == "-m: The model name is empty."
    assert refusal(door.model, "no-such-model", "-m").startswith("-m: unknown model 'no-such-model'.")


def test_panes_for_the_command_line(runtime):
    door = owner_door(runtime)
    [pane] = door.panes(["gemma-3-270m"], {"seed": 3}, 2)
    assert (pane.model, pane.samples) == ("gemma-3-270m", 2)
    # the model's own temperature (1.0), not the table's (0.7), under the explicit seed
    assert pane.settings == GenerationSettings(temperature=1.0, top_p=0.95, top_k=64, max_tokens=1024, seed=3)
    assert refusal(door.panes, ["no-such-model"], {}, 1).startswith("-m: unknown model")
    assert refusal(door.panes, ["gemma-3-270m"], {"temperature": 9.0}, 1) == (
        "-m temperature: Input should be less than or equal to 2")


def test_settings_for_a_name_the_catalog_cannot_place(runtime):
    door = owner_door(runtime)
    settings = door.settings("no-such-model", {"temperature": 0.5, "top_k": None}, "-m")
    assert (settings.temperature, settings.top_k) == (0.5, 64)
    assert refusal(door.settings, "no-such-model", {"temperature": 9.0}, "-m") == (
        "-m temperature: Input should be less than or equal to 2")


def test_an_error_about_the_whole_settings_is_named_settings():
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(int).validate_python("x")
    assert str(_first_error(caught.value, "Parameter")).startswith("Parameter settings: Input should be")


# ---- numbers and words ---------------------------------------------------------------------

@pytest.mark.parametrize("word", ["1", " TRUE ", "yes", "On"])
def test_words_for_on(word):
    assert number(BY_NAME["thinking"], word, "T", False) is True


@pytest.mark.parametrize("word", ["0", "False", " NO ", "off"])
def test_words_for_off(word):
    assert number(BY_NAME["thinking"], word, "T", False) is False


def test_number_refusals_say_what_was_wrong():
    assert refusal(number, BY_NAME["thinking"], "abcdefghijklmnop", "T", False) == (
        "T must be on or off, not 'abcdefghijk…'.")
    assert refusal(number, BY_NAME["top_k"], "abcdefghijklmnopqrstuvwxyz", "K", False) == (
        "K must be a whole number (or empty), not 'abcdefghijklmnopqrs…'.")
    assert refusal(number, BY_NAME["temperature"], "abc", "T", False) == (
        "T must be a number (or empty), not 'abc'.")
    assert refusal(number, BY_NAME["temperature"], "nan", "T", False) == "T must be a finite number."
    assert refusal(number, BY_NAME["top_k"], "2.5", "K", False) == "K must be a whole number (or empty), not 2.5."
    assert refusal(number, BY_NAME["top_k"], [1], "K", False) == "K must be a number (or empty), not list."
    assert refusal(number, BY_NAME["top_k"], True, "K", False) == "K must be a number, not true/false."


def test_numbers_keep_their_kind_and_only_the_first_40_characters_count():
    top_k = number(BY_NAME["top_k"], " 5 ", "K", False)
    assert top_k == 5 and type(top_k) is int
    assert number(BY_NAME["temperature"], "0." + "0" * 37 + "12", "T", False) == 1e-38


def test_the_web_takes_max_tokens_up_to_the_sliders_end():
    assert number(BY_NAME["max_tokens"], "8192", "M", True) == 8192
    assert "8193" in refusal(number, BY_NAME["max_tokens"], "8193", "M", True)


# ---- a whole request -----------------------------------------------------------------------

def test_a_request_carries_the_system_prompt_and_the_image(runtime):
    image = ImageInput(b"\x89PNG\r\n\x1a\n", "image/png")
    parsed = owner_door(runtime).parse({"prompt": "hi", "system": "be brief", "model_0": "gemma-3-270m"}, image)
    assert (parsed.request.system, parsed.request.image) == ("be brief", image)
    assert parsed.panes[0].samples == 1


def test_shared_and_per_pane_refusals_name_their_field(runtime):
    door = owner_door(runtime)
    base = {"prompt": "hi", "model_0": "gemma-3-270m"}
    assert refusal(door.parse, base | {"max_tokens": "abc"}) == (
        "Parameter Max tokens must be a whole number (or empty), not 'abc'.")
    assert refusal(door.parse, base | {"top_k": "x"}).startswith("Parameter Top-k must be")
    assert refusal(door.parse, base | {"samples": "abc"}) == "Samples must be a whole number (or empty), not 'abc'."
    assert refusal(door.parse, base | {"thinking_0": "maybe-later-on"}) == (
        "Pane 1 thinking must be on, off or default, not 'maybe-later…'.")
    assert refusal(door.parse, {"prompt": "hi"}) == "No model picked: choose at least one model for a pane."


def test_unticked_thinking_is_off_even_for_a_model_that_thinks_by_default():
    door = owner_door(ThinkingRuntime())
    assert door.parse({"prompt": "hi", "model_0": "new-id"}).panes[0].settings.thinking is False
    assert door.parse({"prompt": "hi", "model_0": "new-id", "thinking": "on"}).panes[0].settings.thinking is True


@pytest.mark.parametrize(("shared", "own", "thinks"), [
    (False, "on", True), (True, "off", False), (True, "default", True), (True, None, True), (False, True, True),
])
def test_a_panes_thinking_word_overrides_the_shared_box(runtime, shared, own, thinks):
    values = {"prompt": "hi", "model_0": "gemma-3-270m", "thinking": shared, "temperature_0": "0.3"}
    if own is not None:
        values["thinking_0"] = own
    settings = owner_door(runtime).parse(values).panes[0].settings
    assert (settings.thinking, settings.temperature) == (thinks, 0.3)


@pytest.mark.parametrize(("value", "on"), [
    ("1", True), (" Yes ", True), ("TRUE", True), ("on", True), (True, True), (1, True),
    ("0", False), ("off", False), ("", False), (None, False),
])
def test_the_cache_bypass_and_blind_flags(runtime, value, on):
    parsed = owner_door(runtime).parse({"prompt": "hi", "model_0": "gemma-3-270m",
                                        "bypass_cache": value, "blind": value})
    assert (parsed.bypass_cache, parsed.blind) == (on, on)
    other = owner_door(runtime).parse({"prompt": "hi", "model_0": "gemma-3-270m", "blind": value})
    assert (other.bypass_cache, other.blind) == (False, on)


# ---- the "panes" list and /run's names -------------------------------------------------------

def test_panes_as_a_list_become_the_flat_fields():
    assert flatten({"prompt": "p", "panes": [{"model": "a", "temperature": 0.3}, {"model": "b"}]}) == {
        "prompt": "p", "model_0": "a", "temperature_0": 0.3, "model_1": "b"}
    assert flatten({"prompt": "p", "model_0": "a"}) == {"prompt": "p", "model_0": "a"}
    assert len(flatten({"panes": [{"model": "a"}] * 6})) == 6


def test_the_panes_list_refusals():
    shape = '"panes" must be a list of objects, one per pane: [{"model": …}, …].'
    assert refusal(flatten, {"panes": "x"}) == shape
    assert refusal(flatten, {"panes": [{"model": "a"}, "b"]}) == shape
    assert refusal(flatten, {"panes": [{"model": "a"}] * 7}) == '"panes" lists 7 panes; at most 6 fit.'
    assert refusal(flatten, {"panes": [{"model": "a"}, {"zzz": 1, "aaa": 2, "model": "b"}]}) == (
        "pane 2: unknown field 'aaa' (known: max_tokens, min_p, model, samples, seed, temperature, "
        "thinking, top_k, top_p).")


def test_run_takes_known_names_only():
    fine = {"prompt": "p", "model_0": "a", "temperature_5": 0.3, "blind": True}
    assert check_named(fine) == fine
    assert refusal(check_named, {"prompt": "p", "zz": 1, "yy": 2}) == (
        "unknown field 'yy' (known: prompt, system, temperature, top_p, top_k, min_p, max_tokens, seed, "
        "thinking, samples, bypass_cache, blind, panes).")
    assert refusal(check_named, {"model_6": "a"}).startswith("unknown field 'model_6'")
    assert refusal(check_named, {"prompt": "p", "model": "a"}).startswith("unknown field 'model'")
    assert refusal(check_named, [1]) == '/run takes one JSON object: {"prompt": …, "panes": [{"model": …}], …}.'
