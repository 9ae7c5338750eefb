"""Validate an uploaded image before any model sees it: format by content, size capped."""

from __future__ import annotations

from pathlib import Path

from playground.adapters.base import ImageInput

DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
SUPPORTED = "PNG, JPEG, WebP or GIF"


class ImageError(ValueError):
    """The upload is not an image we can send; the message says what to do."""


def sniff_mime(data: bytes) -> str | None:
    """The MIME type from the file's first bytes (the name and the browser's claim are not trusted)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_from_bytes(data: bytes, name: str = "the upload",
                     max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> ImageInput:
    if not data:
        raise ImageError(f"{name} is empty: pick a {SUPPORTED} image.")
    if len(data) > max_bytes:
        raise ImageError(f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
                         "Resize it, or raise max_image_mb in the config.")
    mime = sniff_mime(data)
    if mime is None:
        raise ImageError(f"{name} is not a {SUPPORTED} image (its first bytes are {data[:8]!r}).")
    return ImageInput(data=data, mime=mime)


def image_from_path(path: str | Path, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> ImageInput:
    path = Path(path).expanduser()
    if not path.is_file():
        raise ImageError(f"image not found: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImageError(f"{path.name} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
                         "Resize it, or raise max_image_mb in the config.")
    return image_from_bytes(path.read_bytes(), path.name, max_bytes)
