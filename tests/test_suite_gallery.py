"""The gallery page: per prompt every model's drawing or answer with its name, finish reason and
speed; drawings only as data: images; model text escaped; blind: letters, a shuffled order per
prompt, self-names masked and no speed."""

from __future__ import annotations

import base64
import re

from playground.result import Metrics, PaneResult
from playground.suites.parse import parse_suite
from playground.ui.suite_gallery import gallery_html

SVG = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><circle cx='5' cy='5' r='4'/><text>Gemma</text></svg>"
SUITE = parse_suite('{"prompt": "Draw a circle", "id": "circle", "tags": ["svg"]}\n{"prompt": "Say <b>hi</b>"}\n', "mini")


def result(model: str, text: str, finish: str = "stop", rate: float | None = 42.0) -> PaneResult:
    return PaneResult(model=model, source="gemini", settings={}, text=text, finish_reason=finish,
                      metrics=Metrics(tokens_per_s=rate, completion_tokens=50, total_s=1.5))


def prompts():
    circle, hi = SUITE.prompts
    return [(circle, [[result("gemini:a", f"Here:\n{SVG}")], [result("gemini:b", "I cannot draw.", "length")]]),
            (hi, [[result("gemini:a", "<script>alert(1)</script> hi from Gemma")], [result("gemini:b", "hello")]])]


def test_names_finish_reasons_speed_drawings_as_images_and_text_escaped():
    page = gallery_html("mini", ["gemini:a", "gemini:b"], prompts())
    assert "gemini:a" in page and "gemini:b" in page
    assert "stop" in page and "length" in page and "42.0 tok/s" in page
    assert "<svg" not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Say &lt;b&gt;hi&lt;/b&gt;" in page
    (uri,) = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)
    assert "<circle" in base64.b64decode(uri).decode()
    assert page.index("id='prompt-circle'") < page.index("id='prompt-2'")


def test_blind_gallery_hides_names_masks_self_names_and_shuffles_per_prompt():
    orders = set()
    for seed in range(12):
        page = gallery_html("mini", ["gemini:a", "gemini:b"], prompts(), blind=True, seed=str(seed))
        assert "gemini:a" not in page and "gemini:b" not in page and "tok/s" not in page
        assert "Model A" in page and "Model B" in page
        assert "hi from Gemma" not in page  # the answer's self-name is masked
        (uri,) = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)
        assert ">Gemma<" not in base64.b64decode(uri).decode()
        first = page.split("id='prompt-circle'", 1)[1]
        orders.add(first.index("I cannot draw") < first.index("data:image/svg+xml"))
    assert orders == {True, False}  # both orders occur: the letters do not follow the model order
