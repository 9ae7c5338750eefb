"""A suite on a shared link: charged like the comparisons it is made of (the address's hourly token
budget, prompt by prompt: the suite stops with the budget's sentence), at most
`suite_max_prompts_shared` prompts, only the page's models, no file of the server named in a
pasted suite; the command line has no prompt cap."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest
from scripted import ScriptedAdapter, answer, scripted_runtime

from playground.adapters.base import Usage
from playground.config import AppConfig
from playground.pane import PaneRequest
from playground.suites.parse import parse_suite
from playground.suites.run import SuiteRun
from playground.ui.limits import TokenBudget
from playground.ui.suite_tab import PASTED, budget_hooks, load_web_suite

SIX = parse_suite("".join(f"prompt {i}\n" for i in range(6)), "six")


def test_the_hourly_budget_is_charged_prompt_by_prompt_and_stops_the_suite_with_its_sentence():
    # every answer really generates its planned 100 tokens: the budget holds 3 prompts' worth
    runtime = scripted_runtime({"scripted:a": ScriptedAdapter([Usage(completion_tokens=100), *answer("x")])})
    hourly = TokenBudget(tokens_per_hour=350)
    before, after = budget_hooks(hourly, "203.0.113.9", planned=100)
    try:
        run = SuiteRun(runtime, SIX, [PaneRequest("scripted:a")], before_prompt=before, on_prompt_done=after,
                       api_at_once=1).start()
        assert run.wait(60)
        progress = run.progress()
        ran = [item for item in run.items if item.groups]
        assert len(ran) == 3 and progress.stopped
        assert "used 300 of its 350 tokens" in progress.line()
        assert all(item.comparison is None for item in run.items[3:])
        # another address is not charged for it
        other_before, _ = budget_hooks(hourly, "198.51.100.7", planned=100)
        other_before(run.items[4])
    finally:
        runtime.close()


def test_a_cached_replay_costs_nothing_from_the_hourly_budget():
    from playground.cache import ResponseCache

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cache = ResponseCache(folder)
        runtime = scripted_runtime({"scripted:a": ScriptedAdapter([Usage(completion_tokens=100), *answer("x")])},
                                   cache=cache)
        try:
            SuiteRun(runtime, SIX, [PaneRequest("scripted:a")]).start().wait(60)  # fills the cache
            hourly = TokenBudget(tokens_per_hour=150)  # one prompt's reservation at a time fits
            before, after = budget_hooks(hourly, "203.0.113.9", planned=100)
            run = SuiteRun(runtime, SIX, [PaneRequest("scripted:a")], before_prompt=before, on_prompt_done=after,
                           api_at_once=1).start()
            assert run.wait(60)
            assert run.progress().cached == 6 and not run.progress().stopped
        finally:
            runtime.close()
            cache.close()


def web_app(shared: bool, cap: int = 50):
    config = AppConfig(suite_max_prompts_shared=cap)
    return SimpleNamespace(runtime=SimpleNamespace(config=config), max_prompt_chars=config.max_prompt_chars,
                           allow_downloads=not shared, sessions=SimpleNamespace(hourly=TokenBudget(0)))


def test_a_shared_link_runs_at_most_the_configured_number_of_prompts_and_says_so():
    text = "".join(f"prompt {i}\n" for i in range(60))
    suite = load_web_suite(web_app(shared=True), PASTED, text)
    assert len(suite.prompts) == 50 and "10 left out" in suite.problems[-1]
    assert len(load_web_suite(web_app(shared=True, cap=5), PASTED, text).prompts) == 5
    assert len(load_web_suite(web_app(shared=False), PASTED, text).prompts) == 60  # the owner's own page


def test_the_command_line_has_no_prompt_cap(tmp_path, capsys, monkeypatch):
    import json

    from fake_gemini import FakeGemini, Scenario, text_chunks

    from playground.cli import main

    path = tmp_path / "many.txt"
    path.write_text("".join(f"prompt {i}\n" for i in range(60)))
    with FakeGemini(Scenario(chunks=text_chunks(["ok"]))) as fake:
        monkeypatch.setenv("GEMINI_API_KEY", "k")
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.base_url)
        code = main(["suite", "run", str(path), "-m", "gemini:a", "--json", "--quiet"])
        out, err = capsys.readouterr()
    assert code == 0, err
    assert len(json.loads(out)["prompts"]) == 60 and len(fake.requests) == 60


def test_a_pasted_suite_cannot_name_a_server_file_and_unknown_bundled_names_are_refused(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    text = f'{{"prompt": "look", "image": "{secret}"}}\n{{"prompt": "fine"}}\n'
    suite = load_web_suite(web_app(shared=False), PASTED, text)
    assert [p.prompt for p in suite.prompts] == ["fine"] and str(tmp_path) not in " ".join(suite.problems)
    with pytest.raises(gr.Error, match="no bundled suite"):
        load_web_suite(web_app(shared=False), "../etc/passwd", "")
    with pytest.raises(gr.Error, match="No prompt to run"):
        load_web_suite(web_app(shared=False), PASTED, "\n\n")
    with pytest.raises(gr.Error, match="larger than"):
        load_web_suite(web_app(shared=False), PASTED, "x" * 1_000_001)
