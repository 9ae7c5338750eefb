"""The settings table (playground/settings_table.py) is the one place a setting is declared: the
validated settings, the config, the CLI flags, the link, the page's controls and the header line
all follow it. min_p was added as one row: these tests follow it through every one of them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from playground.adapters.base import ChatRequest, GenerationSettings
from playground.settings_table import BY_NAME, GENERATION, SETTINGS, not_sent


def test_generation_settings_has_exactly_the_tables_rows_with_their_bounds():
    assert tuple(GenerationSettings.model_fields) == tuple(row.name for row in GENERATION)
    for row in GENERATION:
        if row.maximum is not None and row.kind is not bool:
            GenerationSettings(**{row.name: row.maximum})
            with pytest.raises(ValidationError):
                GenerationSettings(**{row.name: row.maximum + 1})
    with pytest.raises(ValidationError):
        GenerationSettings(top_p=0.0)  # above 0, not 0
    with pytest.raises(ValidationError):
        GenerationSettings(min_p=1.5)


def test_every_row_has_its_own_link_key_and_element_ids():
    keys = [row.url_key for row in SETTINGS]
    assert len(set(keys)) == len(keys) and not {"q", "sys", "m", "img", "run", "blind"} & set(keys)
    elems = [row.elem for row in SETTINGS] + [row.pane_elem for row in SETTINGS if row.pane_elem]
    assert len(set(elems)) == len(elems)


def test_min_p_from_the_config_defaults_and_a_models_sampling():
    from playground.config import parse_config
    from playground.sampling import sampling_defaults, settings_with

    config = parse_config("[defaults]\nmin_p = 0.02\n[models.x]\nkind = \"gemini\"\n"
                          "sampling = { min_p = 0.1 }\n", "c.toml")
    assert config.defaults.min_p == 0.02
    assert sampling_defaults(config, "x").min_p == 0.1
    assert sampling_defaults(config, "y").min_p == 0.02
    with pytest.raises(Exception, match="min_p"):
        parse_config("[defaults]\nmin_p = 3\n", "c.toml")


def test_a_gguf_files_min_p_is_the_models_default_and_none_is_not_sent():
    from playground.config import AppConfig
    from playground.sampling import sampling_defaults, settings_with

    defaults = sampling_defaults(AppConfig(), "some-file", gguf=("f.gguf metadata", {"min_p": 0.05, "top_k": 40}))
    assert defaults.min_p == 0.05 and defaults.sources["min_p"] == "gguf"
    assert settings_with(AppConfig(), defaults).min_p == 0.05
    bare = sampling_defaults(AppConfig(), "some-file")
    assert bare.min_p is None and "min_p" not in bare.sources  # set nowhere: not sent at all
    assert settings_with(AppConfig(), bare).min_p is None


def test_the_cli_has_a_flag_per_row_and_names_it_when_refused():
    from playground.cli import UsageError, build_parser, settings_from_args

    args = build_parser().parse_args(["compare", "hi", "-m", "x", "--min-p", "0.05", "--no-thinking"])
    assert args.min_p == 0.05 and args.thinking is False
    assert settings_from_args(args, GenerationSettings()).min_p == 0.05
    args = build_parser().parse_args(["compare", "hi", "-m", "x", "--min-p", "2"])
    with pytest.raises(UsageError, match="--min-p: Input should be less than or equal to 1"):
        settings_from_args(args, GenerationSettings())


def test_the_link_carries_min_p_both_ways():
    from playground.ui.url_state import PANE_KEYS, SHARED_KEYS, parse_query, url_fields

    assert SHARED_KEYS["min_p"] == ("mp", "num") and PANE_KEYS["min_p"] == ("mp", "num")
    state = parse_query({"m": "a", "mp": "0.05", "mp1": "0.1"}, ["a"])
    values = state.form_values()
    assert values["min_p"] == "0.05" and values["min_p_0"] == "0.1"
    shared = {f["name"]: f for f in url_fields()["shared"]}
    assert shared["min_p"]["elem"] == "gp-min-p" and shared["samples"]["omit"] == "1"


def test_the_page_has_a_min_p_control_in_parameters_and_in_each_pane():
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime
    from playground.ui.app import PlaygroundApp

    config = AppConfig(n_ctx=1024)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    try:
        app = PlaygroundApp(runtime)
        demo = app.build()
        ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
        assert "gp-min-p" in ids and {f"gp-min-p-{slot}" for slot in range(6)} <= ids
        assert '"settings"' in demo.gp_head and '"gp-min-p"' in demo.gp_head
        app.close()
    finally:
        runtime.close()


def test_a_gemini_pane_says_once_that_min_p_was_not_sent():
    from playground.ui.format import format_sampling

    settings = GenerationSettings(min_p=0.05).model_dump()
    short, long = format_sampling(settings, "gemini")
    assert "min-p 0.05" in short and long.count("min_p not sent: the Gemini API has no such setting") == 1
    assert "not sent" not in format_sampling(settings, "openai")[1]
    assert not_sent(GenerationSettings().model_dump(), "gemini") == []  # not set: nothing to say


def test_the_openai_compatible_adapter_sends_min_p_and_leaves_it_out_when_unset():
    from playground.adapters.openai_compat import OpenAICompatAdapter

    adapter = OpenAICompatAdapter("m", "http://127.0.0.1:9/v1")
    sent = adapter.build_request(ChatRequest("p"), GenerationSettings(min_p=0.05), plain=False)
    assert sent["extra_body"]["min_p"] == 0.05
    unset = adapter.build_request(ChatRequest("p"), GenerationSettings(), plain=False)
    assert "min_p" not in (unset.get("extra_body") or {})
    assert BY_NAME["min_p"].not_sent == {"gemini": "the Gemini API has no such setting"}

