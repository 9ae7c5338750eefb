"""Example prompts under the prompt box: the pelican SVG test, and an image question with a
picture shipped in static/ (drawn for this project, no licence questions)."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import gradio as gr

PELICAN_PROMPT = "Generate an SVG of a pelican riding a bicycle"
IMAGE_QUESTION = "What animal is in this picture, and what is it riding? Describe the scene in two sentences."
EXAMPLE_IMAGE = "example-pelican-bicycle.png"


def example_image_path() -> str:
    """A real file path for the bundled picture (the package is installed from a directory, so
    `as_file` hands back the file itself; Gradio copies it into its cache when the UI is built)."""
    with as_file(files("playground.static").joinpath(EXAMPLE_IMAGE)) as path:
        return str(Path(path))


def build_examples(prompt: gr.Textbox, image: gr.Image, image_panel: gr.Accordion) -> gr.Examples:
    """Clicking an example fills the prompt (and the image, or clears it). The image sits in a
    collapsed accordion, so it is opened when an example brings an image, or the user would not
    see what will be sent."""
    examples = gr.Examples(
        examples=[[PELICAN_PROMPT, None], [IMAGE_QUESTION, example_image_path()]],
        inputs=[prompt, image],
        example_labels=["Pelican riding a bicycle (SVG)", "Image question: the bundled pelican picture"],
        label="Examples",
        api_visibility="private",
    )
    examples.load_input_event.then(lambda picture: gr.Accordion(open=True) if picture else gr.skip(),
                                   inputs=[image], outputs=[image_panel], queue=False,
                                   api_visibility="private")
    return examples
