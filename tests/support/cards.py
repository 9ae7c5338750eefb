"""What a PNG drawn on the server (the PNG card, the grid PNG) was drawn from: a PNG's pixels
cannot be searched for words, so the strings and pictures handed to its canvas are recorded."""

from __future__ import annotations


class CanvasRecorder:
    """Records every `text` and `picture` call of playground.ui.export's canvas (and still draws)."""

    def __init__(self, monkeypatch):
        from playground.ui import export

        self.texts: list[str] = []
        self.pictures: list[str] = []
        canvas = export._Canvas
        original_text, original_picture = canvas.text, canvas.picture

        def text(this, x, y, value, *args, **kwargs):
            self.texts.append(value)
            return original_text(this, x, y, value, *args, **kwargs)

        def picture(this, svg, *args, **kwargs):
            self.pictures.append(svg)
            return original_picture(this, svg, *args, **kwargs)

        monkeypatch.setattr(canvas, "text", text)
        monkeypatch.setattr(canvas, "picture", picture)
