"""Validate an uploaded image before any model sees it: format by content, size and pixel count
capped. The pixel count is read from the file's header, never by decoding: a 140 KB PNG can
declare 12000×12000 pixels and would take gigabytes to decode."""

from __future__ import annotations

import struct
from pathlib import Path

from playground.adapters.base import ImageInput

DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_IMAGE_MEGAPIXELS = 40.0
SUPPORTED = "PNG, JPEG, WebP or GIF"
# JPEG start-of-frame markers (carry the size); C4, C8 and CC share the range but are not frames.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


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


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in _JPEG_FRAMES:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker in (0xD9, 0xDA) or length < 2:  # end of image, or scan data before any frame
            return None
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk, body = data[12:16], data[20:]
    if chunk == b"VP8X" and len(body) >= 10:
        return (int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1)
    if chunk == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def gif_frames(data: bytes) -> list[tuple[int, int, int, int]] | None:
    """(left, top, width, height) of every frame of a GIF, read from its block structure without
    decoding a pixel; None if the structure is damaged. A frame is its own image: PIL allocates
    its full size, whatever the logical screen in the header says (a 10×10 screen can hold a
    20000×20000 frame)."""
    if len(data) < 13:
        return None
    packed = data[10]
    i = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    frames = []

    def skip_sub_blocks(i: int) -> int | None:
        while i < len(data):
            size = data[i]
            i += 1 + size
            if size == 0:
                return i
        return None  # truncated

    while i < len(data):
        block = data[i]
        if block == 0x3B:  # trailer
            return frames
        if block == 0x00:  # a stray block terminator: decoders skip it
            i += 1
            continue
        if block == 0x21:  # extension: label, then sub-blocks
            end = skip_sub_blocks(i + 2)
        elif block == 0x2C:  # image descriptor
            if i + 10 > len(data):
                return None
            frames.append(struct.unpack("<HHHH", data[i + 1:i + 9]))
            flags = data[i + 9]
            i += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            end = skip_sub_blocks(i + 1)  # after the LZW minimum code size
        else:
            return None
        if end is None:
            return frames  # truncated after the frames read so far: they are all a decoder sees
        i = end
    return frames


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    """(width, height) from the header of an image of type `mime`, or None if it is unreadable."""
    if mime == "image/png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        return None
    if mime == "image/gif":
        return struct.unpack("<HH", data[6:10]) if len(data) >= 10 else None
    if mime == "image/jpeg":
        return _jpeg_size(data)
    if mime == "image/webp":
        return _webp_size(data)
    return None


def check_pixels(data: bytes, mime: str, name: str, max_megapixels: float) -> None:
    size = image_size(data, mime)
    if size is None:
        raise ImageError(f"{name} is not a readable {SUPPORTED} image (its header is damaged).")
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageError(f"{name} declares {width}×{height} pixels: not a usable image.")
    megapixels = width * height / 1e6
    if megapixels > max_megapixels:
        raise ImageError(f"{name} is {width}×{height} pixels ({megapixels:.0f} megapixels); the limit is "
                         f"{max_megapixels:g} megapixels. Resize it, or raise max_image_megapixels in the config.")
    if mime == "image/gif":
        frames = gif_frames(data)
        if frames is None:
            raise ImageError(f"{name} is not a readable GIF (its frame structure is damaged).")
        for left, top, frame_w, frame_h in frames:
            if left + frame_w > width or top + frame_h > height:
                raise ImageError(f"{name} has a {frame_w}×{frame_h} frame that does not fit its {width}×{height} "
                                 "picture; save it again (or as PNG) and retry.")


def image_from_bytes(data: bytes, name: str = "the upload",
                     max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
                     max_megapixels: float = DEFAULT_MAX_IMAGE_MEGAPIXELS) -> ImageInput:
    if not data:
        raise ImageError(f"{name} is empty: pick a {SUPPORTED} image.")
    if len(data) > max_bytes:
        raise ImageError(f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
                         "Resize it, or raise max_image_mb in the config.")
    mime = sniff_mime(data)
    if mime is None:
        raise ImageError(f"{name} is not a {SUPPORTED} image (its first bytes are {data[:8]!r}).")
    check_pixels(data, mime, name, max_megapixels)
    return ImageInput(data=data, mime=mime)


def image_from_path(path: str | Path, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
                    max_megapixels: float = DEFAULT_MAX_IMAGE_MEGAPIXELS,
                    name: str | None = None) -> ImageInput:
    """Read and check an image file. `name` is how messages call it (default: the file name;
    the web app passes one that never shows a server path)."""
    path = Path(path).expanduser()
    label = name or path.name
    if not path.is_file():
        raise ImageError(f"image not found: {name or path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImageError(f"{label} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
                         "Resize it, or raise max_image_mb in the config.")
    return image_from_bytes(path.read_bytes(), label, max_bytes, max_megapixels)
