"""Download a preset's GGUF (and its image projector) from the Hugging Face hub.

huggingface-hub does the work (resume, checksums, progress bar, the shared HF cache that
`Catalog` already searches), so a file downloaded once is found by every tool that uses it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from playground.catalog import GGUF_KIND
from playground.model_spec import ModelSpec


class DownloadError(Exception):
    """Why a download failed, and what to do about it."""


def files_to_download(spec: ModelSpec) -> list[str]:
    e = spec.entry
    if e.kind != GGUF_KIND or e.bundled:
        raise DownloadError(f"{spec.id} has nothing to download ({'bundled' if e.bundled else e.kind} model).")
    if not e.repo or not e.file:
        raise DownloadError(f"{spec.id} has no hub repo/file in the catalog: set repo and file in your config.")
    return [e.file] + ([e.mmproj] if e.mmproj else [])


def download_model(spec: ModelSpec, progress: Callable[[str], None] | None = None,
                   cache_dir: str | None = None) -> list[Path]:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError,
    )

    paths = []
    for filename in files_to_download(spec):
        if progress:
            progress(f"downloading {spec.entry.repo}/{filename}")
        try:
            paths.append(Path(hf_hub_download(repo_id=spec.entry.repo, filename=filename, cache_dir=cache_dir)))
        except LocalEntryNotFoundError as exc:  # offline, or the hub could not be reached
            raise DownloadError(
                f"cannot download {spec.entry.repo}/{filename}: the hub is not reachable "
                f"({'HF_HUB_OFFLINE is set' if os.environ.get('HF_HUB_OFFLINE') else type(exc).__name__}). "
                "Check the connection, or place the file in --models-dir yourself."
            ) from None
        except RepositoryNotFoundError:
            raise DownloadError(f"the repo {spec.entry.repo} does not exist (or needs a login: "
                                "`hf auth login`). Fix repo in your config.") from None
        except EntryNotFoundError:
            raise DownloadError(f"{filename} is not in {spec.entry.repo}: fix file/mmproj in your config.") from None
        except HfHubHTTPError as exc:
            raise DownloadError(f"the hub refused {spec.entry.repo}/{filename}: {exc}") from None
        except Exception as exc:  # offline, DNS, TLS, disk full: all end here with the cause named
            raise DownloadError(
                f"cannot download {spec.entry.repo}/{filename}: {type(exc).__name__}: {exc}. "
                "Check the connection (HF_HUB_OFFLINE must be unset), or place the file in "
                "--models-dir yourself."
            ) from None
    return paths
