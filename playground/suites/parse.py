"""A suite file: the prompts a person runs across every model (the pelican and a few favourites).

Two formats:

* JSONL, one object per line: ``{"prompt": "...", "id": "pelican", "tags": ["svg"], "system":
  "...", "image": "relative/path.png"}`` — only ``prompt`` is required; ``id`` defaults to the
  line number;
* plain text (``.txt``, or any text whose first line is not an object): one prompt per line.

Blank lines and lines starting with ``#`` are skipped. A bad line is reported by its number
with a sentence saying what to fix, and the good lines still run: one typo must not cost the
other nine prompts. An image is read only from the owner's file system (`allow_files`); a suite
pasted into a shared page may name only the bundled example images (``static:NAME``), so a
stranger can never make the server read, or reveal the existence of, one of its files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from playground.adapters.base import ImageInput
from playground.images import DEFAULT_MAX_IMAGE_BYTES, ImageError, image_from_bytes, image_from_path
from playground.request import RequestError, check_text

KNOWN_FIELDS = ("prompt", "id", "tags", "system", "image")
MAX_ID_CHARS = 80
MAX_TAGS = 20
MAX_TAG_CHARS = 40
STATIC_PREFIX = "static:"  # a bundled example image, e.g. static:example-pelican-bicycle.png
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class SuiteError(ValueError):
    """A suite that cannot run at all (no such file, no prompt in it); the message says why."""


@dataclass(frozen=True)
class SuitePrompt:
    """One prompt of a suite, checked: the text, its id, tags, system prompt and image."""

    id: str
    prompt: str
    line: int
    tags: tuple[str, ...] = ()
    system: str | None = None
    image: ImageInput | None = None
    image_name: str | None = None  # as written in the suite (the image itself is `image`)

    def to_json(self) -> dict:
        return {"id": self.id, "prompt": self.prompt, "tags": list(self.tags)}


@dataclass
class Suite:
    """A parsed suite: its name, the prompts that can run and the lines that could not."""

    name: str
    prompts: list[SuitePrompt] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line 3: ..." sentences
    source: str = ""  # where it came from (a path, "bundled", "pasted")

    def limited(self, most: int) -> "Suite":
        """The first `most` prompts (a shared link's cap), saying what was left out."""
        if len(self.prompts) <= most:
            return self
        dropped = len(self.prompts) - most
        return Suite(self.name, self.prompts[:most],
                     self.problems + [f"only the first {most} prompts run here ({dropped} left out): "
                                      "the playground's suite limit for a shared link"], self.source)


def _image(name: str, base_dir: Path | None, allow_files: bool, max_bytes: int) -> ImageInput:
    """The image a line names, or ImageError with a sentence."""
    if name.startswith(STATIC_PREFIX):
        bare = name[len(STATIC_PREFIX):]
        resource = files("playground.static").joinpath(bare) if _SAFE_NAME.match(bare) else None
        if resource is None or not resource.is_file():
            raise ImageError(f"image {name!r} is not one of the bundled example images")
        return image_from_bytes(resource.read_bytes(), bare, max_bytes=max_bytes)
    if not allow_files:
        raise ImageError(f"image {name[:60]!r}: a suite sent to the page may use only the bundled example "
                         f"images ({STATIC_PREFIX}example-pelican-bicycle.png); attach other images in Compare")
    path = Path(name).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise ImageError(f"image {name!r} not found (looked for {path}); put it next to the suite file "
                         "or give its full path")
    return image_from_path(path, max_bytes=max_bytes)


def _line_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(f"not valid JSON ({exc.msg} at column {exc.colno}); each line is one object "
                           'like {"prompt": "..."}') from None
    if not isinstance(value, dict):
        raise RequestError('each line is one JSON object like {"prompt": "..."}, '
                           f"not a {type(value).__name__}")
    unknown = sorted(set(value) - set(KNOWN_FIELDS))
    if unknown:
        raise RequestError(f"unknown field {unknown[0][:40]!r} (known: {', '.join(KNOWN_FIELDS)})")
    return value


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise RequestError('"tags" is a list of words, like ["svg", "reasoning"]')
    tags = tuple(dict.fromkeys(check_text(t, "tag").strip().lower() for t in value if t.strip()))
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in tags):
        raise RequestError(f"at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters")
    return tags


def _text_field(value: object, what: str, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise RequestError(f'"{what}" must be text' + ("" if required else " (or left out)"))
    text = check_text(value, what)
    if required and not text.strip():
        raise RequestError(f'"{what}" is empty')
    return text if text.strip() else None


def _looks_jsonl(lines: list[str]) -> bool:
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith("{")
    return False


def parse_suite(text: str, name: str, *, jsonl: bool | None = None, base_dir: Path | None = None,
                allow_files: bool = True, max_prompt_chars: int = 100_000,
                max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES, source: str = "") -> Suite:
    """Parse a suite's text. `jsonl` None: JSONL when the first real line is an object. Bad lines
    become problems ("line 3: ...") and are skipped; the rest are the suite's prompts."""
    lines = text.splitlines()
    jsonl = _looks_jsonl(lines) if jsonl is None else jsonl
    suite = Suite(name=name, source=source)
    seen: set[str] = set()
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            if jsonl:
                item = _line_object(stripped)
                prompt = _text_field(item.get("prompt"), "prompt", required=True)
                ident = item.get("id", number)
                if isinstance(ident, bool) or not isinstance(ident, (str, int)):
                    raise RequestError('"id" must be text or a number')
                ident = check_text(str(ident), "id").strip() or str(number)
                tags = _tags(item.get("tags"))
                system = _text_field(item.get("system"), "system", required=False)
                image_name = _text_field(item.get("image"), "image", required=False)
            else:
                prompt, ident, tags, system, image_name = check_text(stripped, "prompt"), str(number), (), None, None
            if len(ident) > MAX_ID_CHARS:
                raise RequestError(f'"id" is longer than {MAX_ID_CHARS} characters')
            if ident in seen:
                raise RequestError(f"id {ident!r} is used by an earlier line; give each prompt its own id")
            if len(prompt) > max_prompt_chars:
                raise RequestError(f"the prompt is {len(prompt):,} characters; at most {max_prompt_chars:,}")
            image = _image(image_name, base_dir, allow_files, max_image_bytes) if image_name else None
        except (RequestError, ImageError) as exc:
            suite.problems.append(f"line {number}: {exc}")
            continue
        seen.add(ident)
        suite.prompts.append(SuitePrompt(ident, prompt, number, tags, system, image, image_name))
    return suite


# ---------------------------------------------------------------- bundled suites and files
def bundled_names() -> list[str]:
    folder = files("playground.data").joinpath("suites")
    return sorted(p.name[: -len(".jsonl")] for p in folder.iterdir() if p.name.endswith(".jsonl"))


def bundled_text(name: str) -> str:
    if name not in bundled_names():
        raise SuiteError(f"no bundled suite {name!r} (bundled: {', '.join(bundled_names())})")
    return files("playground.data").joinpath("suites", f"{name}.jsonl").read_text(encoding="utf-8")


def load_bundled(name: str, **options) -> Suite:
    return parse_suite(bundled_text(name), name, jsonl=True, source="bundled", **options)


def load_suite(file_or_name: str, **options) -> Suite:
    """A suite file (JSONL or .txt) or a bundled suite's name; SuiteError when neither."""
    path = Path(file_or_name).expanduser()
    if path.is_file():
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SuiteError(f"{file_or_name}: not UTF-8 text (byte {exc.start}); save the suite as UTF-8") from None
        except OSError as exc:
            raise SuiteError(f"{file_or_name}: cannot be read ({exc.strerror})") from None
        jsonl = False if path.suffix.lower() == ".txt" else (True if path.suffix.lower() in (".jsonl", ".json") else None)
        return parse_suite(text, path.stem, jsonl=jsonl, base_dir=path.parent, source=str(path), **options)
    if file_or_name in bundled_names():
        return load_bundled(file_or_name, **options)
    raise SuiteError(f"{file_or_name!r} is neither a suite file nor a bundled suite "
                     f"(bundled: {', '.join(bundled_names())}; a file is .jsonl or .txt)")
