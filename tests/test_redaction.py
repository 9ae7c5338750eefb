"""Keys never reach what a user or a log sees, whichever path the words take: the retry note,
the notes, the final error, a log record."""

from __future__ import annotations

import io
import logging

import pytest

from fake_gemini import FakeGemini, Scenario
from playground.adapters.base import ChatRequest, GenerationSettings
from playground.keys import REDACTED, RedactingFilter, install_log_redaction, secrets_in

KEY = "plainkey-0123456789"  # no key shape on purpose: only redaction by value can catch it


@pytest.fixture
def echoing_server(monkeypatch):
    """A Gemini fake whose 503 status word carries the key it was sent, twice, then answers."""
    with FakeGemini(Scenario(fail_first=2, fail_status=503, retry_after="0", echo_key_in_status=True)) as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
        monkeypatch.setenv("GEMINI_API_KEY", KEY)
        yield server


def _every_word_shown(states) -> str:
    return "\n".join(f"{s.status_note}\n{s.error or ''}\n" + "\n".join(s.notes) for s in states)


def test_a_key_echoed_in_a_retry_status_never_reaches_the_pane(echoing_server, runtime, monkeypatch):
    from playground.runner import Comparison, PaneRequest

    monkeypatch.setattr(runtime, "env", {"GEMINI_API_KEY": KEY})
    comparison = Comparison(runtime, ChatRequest("hello"),
                            [PaneRequest("gemini:gemma-4-31b-it", GenerationSettings(max_tokens=16))],
                            use_cache=False)
    seen = []
    for states in comparison.start().snapshots(interval_s=0.01):
        seen.extend(states)
    assert any("retrying" in (s.status_note or "") for s in seen), "the retry note was never shown"
    shown = _every_word_shown(seen)
    assert KEY not in shown
    assert REDACTED in shown
    assert seen[-1].status == "done"


def test_a_key_echoed_in_the_final_error_never_reaches_the_pane(monkeypatch, runtime):
    from playground.runner import Comparison, PaneRequest

    with FakeGemini(Scenario(fail_first=99, fail_status=503, retry_after="0", echo_key_in_status=True)) as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
        monkeypatch.setattr(runtime, "env", {"GEMINI_API_KEY": KEY})
        result = Comparison(runtime, ChatRequest("hello"), [PaneRequest("gemini:gemma-4-31b-it")],
                            use_cache=False).start().wait()[0]
    assert result.error and "503" in result.error
    assert KEY not in result.error and KEY not in " ".join(result.notes)


def test_an_openai_servers_key_is_redacted_by_value():
    secrets = secrets_in({"GPU_BOX_KEY": " tok-abc-123 ", "OTHER": "x"}, ["GPU_BOX_KEY", None, "MISSING"])
    assert secrets == ["tok-abc-123"]


def test_a_log_record_that_echoes_a_key_is_redacted_before_any_handler_writes_it():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([KEY]))
    logger = logging.getLogger("gp-test-redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("upstream said %s", f"503 UNAVAILABLE_{KEY}")
        try:
            raise RuntimeError(f"boom {KEY}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert KEY not in written
    assert written.count(REDACTED) == 2 and "Traceback" in written


def test_install_log_redaction_covers_handlers_of_library_loggers():
    stream = io.StringIO()
    library = logging.getLogger("gp-test-library")
    handler = logging.StreamHandler(stream)
    library.addHandler(handler)
    library.propagate = False
    installed = None
    try:
        installed = install_log_redaction([KEY])
        library.error("key=%s", KEY)
    finally:
        library.removeHandler(handler)
        if installed is not None:  # it went on every handler of every logger: take it off again
            for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
                for other in getattr(logger, "handlers", []):
                    other.removeFilter(installed)
    assert stream.getvalue() == f"key={REDACTED}\n"
    assert not any(installed in h.filters for h in logging.getLogger().handlers)
