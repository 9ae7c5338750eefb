"""The image box: Gradio hands over the uploaded file untouched, the app checks it (images.py:
format by content, size, pixel count from the header) and a refused upload is removed at once.
Accepted uploads are removed by Gradio (Blocks(delete_cache=...)) after a day and when the
server stops."""

from __future__ import annotations

import contextlib
from pathlib import Path

import gradio as gr

from playground.adapters.base import ImageInput
from playground.images import DEFAULT_MAX_IMAGE_MEGAPIXELS, ImageError, image_from_path
from playground.ui.errors import log_user_error


def image_input(**kwargs) -> gr.Image:
    """A gr.Image that hands over the uploaded file untouched. Gradio's own preprocessing opens and
    converts the image (a 140 KB PNG declaring 12000×12000 pixels becomes ~430 MB of RGB) before
    the app can look at it; here images.py checks the header first and nothing decodes it.
    (An instance override, not a subclass: Gradio writes a .pyi stub next to the module of every
    Component subclass.)"""
    image = gr.Image(type="filepath", **kwargs)
    image.preprocess = uploaded_image_path  # Gradio calls block.preprocess(payload)
    return image


def uploaded_image_path(payload) -> str | None:
    if payload is None:
        return None
    if payload.url and payload.url.startswith("data:"):
        refusal = gr.Error("The image must be uploaded as a file (inline data: images are not accepted).",
                           print_exception=False)
        log_user_error(refusal)
        raise refusal
    return payload.path


def forget_upload(path: str) -> None:
    """Remove a refused upload from Gradio's upload folder (never anything outside it)."""
    from gradio.utils import get_upload_folder

    try:
        file = Path(path).resolve()
        folder = Path(get_upload_folder()).resolve()
        if folder in file.parents and file.is_file():
            file.unlink()
            with contextlib.suppress(OSError):
                file.parent.rmdir()  # Gradio keeps each upload in its own folder
    except OSError:
        pass


def read_upload(path: str, config) -> ImageInput:
    """The uploaded image at `path`, checked against the config's limits; gr.Error (one sentence,
    no server path) if refused."""
    try:
        return image_from_path(path, max_bytes=int(config.max_image_mb * 1024 * 1024),
                               max_megapixels=getattr(config, "max_image_megapixels", DEFAULT_MAX_IMAGE_MEGAPIXELS),
                               name="The image")
    except ImageError as exc:
        forget_upload(path)
        raise gr.Error(f"Image refused: {exc}") from None
