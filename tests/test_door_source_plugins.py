"""Model sources are plugins (playground/sources/__init__.py): the built-ins and any installed
package register through the `gemma_playground.sources` entry-point group. A package installed
here at test time (a dist-info folder on sys.path, as pip leaves it) adds an `echo:` kind with its
own server option; the CLI, the config, the catalog, the runtime and the page pick it up, and no
file of the app names it. Its source is the README's example ("Writing a model source")."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```python\n\"\"\"gp_echo_source")
    return text[start + len("```python\n"):text.index("```", start + 10)]


@pytest.fixture
def echo_plugin(tmp_path, monkeypatch):
    """Install the README's example source as a package with an entry point."""
    from playground.sources import discover_sources

    (tmp_path / "gp_echo_source.py").write_text(_readme_example(), encoding="utf-8")
    info = tmp_path / "gp_echo_source-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gp-echo-source\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[gemma_playground.sources]\necho = gp_echo_source:EchoSource\nbroken = gp_no_such_module:Nothing\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    discover_sources.cache_clear()
    yield
    discover_sources.cache_clear()
    sys.modules.pop("gp_echo_source", None)


def test_the_builtins_register_through_the_entry_point_group():
    from importlib.metadata import entry_points

    from playground.sources import ENTRY_POINT_GROUP, discover_sources

    names = {point.name: point.value for point in entry_points(group=ENTRY_POINT_GROUP)}
    assert names["local"] == "playground.sources.local:LocalSource"
    assert {"gemini", "openai"} <= set(names)
    assert [s.kind for s in discover_sources()][:3] == ["llama", "gemini", "openai"]


def test_an_installed_package_adds_a_kind_with_its_own_server_option(echo_plugin, capsys, monkeypatch):
    from playground.cli import build_parser, main
    from playground.sources import discover_sources

    kinds = [s.kind for s in discover_sources()]
    assert kinds[:3] == ["llama", "gemini", "openai"] and "echo" in kinds
    assert "cannot be loaded" in capsys.readouterr().err  # the broken one is named, and left out
    args = build_parser().parse_args(["compare", "x", "-m", "echo:parrot", "--echo-greeting", "yo"])
    assert args.source_echo_greeting == "yo"  # the flag the plugin declared

    code = main(["compare", "hi there", "-m", "echo:parrot", "--echo-greeting", "hello", "--json", "--no-cache"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["panes"][0]["text"].split() == ["hello", "hi", "there"]
    assert out["panes"][0]["source"] == "echo"


def test_a_plugins_option_from_the_config_and_the_environment(echo_plugin, monkeypatch):
    from playground.catalog import Catalog
    from playground.config import parse_config
    from playground.runtime import Runtime

    config = parse_config('[sources.echo]\ngreeting = "hey"\n', "c.toml")
    runtime = Runtime(config, Catalog(config, scan_disk=False), env={})
    try:
        assert runtime.sources["echo"].greeting() == "hey"
        assert "echo:parrot" in runtime.served_models()
    finally:
        runtime.close()
    runtime = Runtime(config, Catalog(config, scan_disk=False), env={"ECHO_GREETING": "ahoy"})
    try:
        assert runtime.sources["echo"].greeting() == "ahoy"  # the environment wins over the config
    finally:
        runtime.close()


def test_the_page_offers_what_a_plugin_serves_and_the_door_lets_it_through(echo_plugin):
    from playground.catalog import Catalog
    from playground.config import AppConfig
    from playground.runtime import Runtime
    from playground.ui.app import PlaygroundApp
    from playground.ui.form import parse_form

    config = AppConfig(n_ctx=1024)
    runtime = Runtime(config, Catalog(config, scan_disk=False))
    try:
        app = PlaygroundApp(runtime)
        choices = [value for _, value in app.model_choices()]
        assert "echo:parrot" in choices
        parsed = parse_form(runtime, {"prompt": "hi", "model_0": "echo:parrot"}, 100, allowed_models=choices)
        assert parsed.panes[0].model == "echo:parrot"
        with pytest.raises(Exception, match="not one of this playground's models"):
            parse_form(runtime, {"prompt": "hi", "model_0": "echo:other"}, 100, allowed_models=choices)
        app.close()
    finally:
        runtime.close()
