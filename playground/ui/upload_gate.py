"""What may be uploaded, checked before Gradio stores a byte: the page's only upload is one image.

Gradio's upload route accepts up to 1000 files per request (its own hard-coded bound), of any
kind, and keeps them a day: 300 × 1 MB files in one request were all stored. Here, in front of
that route (guard.AccessGuard), a request is read whole — it is small: at most MAX_FILES files of
the image size limit — and refused, with nothing written to disk, when it

* is larger than that (413, from its Content-Length before reading, or while reading),
* holds more than MAX_FILES files (413),
* holds a file that is not a PNG, JPEG, WebP or GIF image by its first bytes (415), or
* would take its address past `bytes_per_hour` (429; on a shared link, set by serve).

Only then does Gradio see the request, replayed byte for byte.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from playground.images import SUPPORTED, sniff_mime

MAX_FILES = 2  # per request: the image box sends one
UPLOAD_BYTES_PER_HOUR = 200 * 1024 * 1024  # per address, on a shared link
UPLOAD_PATHS = ("/gradio_api/upload", "/gradio_api/upload/")


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class UploadGate:
    def __init__(self, max_file_bytes: int, bytes_per_hour: int = 0, clock=time.monotonic):
        self.max_file_bytes = max_file_bytes
        self.bytes_per_hour = bytes_per_hour
        self.clock = clock
        self._spent: dict[str, deque[tuple[float, int]]] = defaultdict(deque)
        self._lock = threading.Lock()

    @property
    def max_request_bytes(self) -> int:
        return MAX_FILES * self.max_file_bytes + 64 * 1024  # the multipart framing on top

    def too_large(self, size: int) -> Refused:
        return Refused(413, f"This upload is {size / 1e6:.1f} MB; at most {MAX_FILES} images of "
                            f"{self.max_file_bytes / 1e6:.0f} MB each can be sent at once.")

    def check(self, address: str, body: bytes, content_type: str) -> None:
        """Refused (status, sentence) unless `body` may go on to Gradio; counts it if it may."""
        firsts = _file_starts(body, content_type)
        if len(firsts) > MAX_FILES:
            raise Refused(413, f"{len(firsts)} files in one upload; at most {MAX_FILES}. Upload one image.")
        for start in firsts:
            if sniff_mime(start) is None:
                raise Refused(415, f"Only {SUPPORTED} images can be uploaded; nothing was stored.")
        self._spend(address, len(body))

    def _spend(self, address: str, size: int) -> None:
        if self.bytes_per_hour <= 0:
            return
        now = self.clock()
        with self._lock:
            spent = self._spent[address]
            while spent and now - spent[0][0] > 3600:
                spent.popleft()
            used = sum(n for _, n in spent)
            if used + size > self.bytes_per_hour:
                wait = 3600 - (now - spent[0][0]) if spent else 3600
                raise Refused(429, f"This address has uploaded {used / 1e6:.0f} MB in the last hour (the limit is "
                                   f"{self.bytes_per_hour / 1e6:.0f} MB): try again in {wait / 60:.0f} min.")
            spent.append((now, size))
            if len(self._spent) > 10_000:  # bounded memory under address churn
                for key in [k for k, v in self._spent.items() if not v][:5_000]:
                    del self._spent[key]


def _file_starts(body: bytes, content_type: str) -> list[bytes]:
    """The first 16 bytes of every file part of a multipart body (Refused if it is not one)."""
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise Refused(400, "An upload must be multipart/form-data.")
    starts: list[bytearray] = []
    header = {"field": b"", "value": b"", "file": False}

    def on_header_field(data, start, end):
        header["field"] += data[start:end]

    def on_header_value(data, start, end):
        header["value"] += data[start:end]

    def on_header_end():
        if header["field"].lower() == b"content-disposition" and b"filename" in parse_options_header(header["value"])[1]:
            header["file"] = True
        header["field"], header["value"] = b"", b""

    def on_headers_finished():
        if header["file"]:
            starts.append(bytearray())

    def on_part_data(data, start, end):
        if header["file"] and len(starts[-1]) < 16:
            starts[-1] += data[start:min(end, start + 16 - len(starts[-1]))]

    def on_part_begin():
        header["file"] = False

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data})
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError:
        raise Refused(400, "The upload is not a well-formed multipart request.") from None
    return [bytes(s) for s in starts]
