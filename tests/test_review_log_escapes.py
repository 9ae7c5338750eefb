"""A visitor's text reaches the server's terminal through the one-line log of their mistakes
(Gradio's own 'Value: … is not in the list of choices' quotes what they sent). Printed raw,
ESC]0;…BEL retitles the owner's terminal and ESC[2J clears it: the line is escaped."""

import gradio as gr

from playground.ui import errors
from playground.ui.limits import LogLimiter


def test_a_user_error_line_prints_control_characters_escaped(capsys, monkeypatch):
    monkeypatch.setattr(errors, "_LOG_LIMIT", LogLimiter(lines=5))
    errors.log_user_error(gr.Error("Value: \x1b]0;PWNED\x07\x1b[2J\u202e is not in the list of choices: []"))
    line = capsys.readouterr().err
    assert "PWNED" in line and "is not in the list of choices" in line
    assert not any(ch in line for ch in "\x1b\x07\u202e")
    assert "\\u001b]0;PWNED\\u0007" in line  # escaped, so the owner still sees what was sent
