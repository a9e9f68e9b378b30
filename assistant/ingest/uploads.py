"""Notes uploaded through the UI: checked by content, size-limited, saved under a generated name inside
the data folder (never a path taken from the upload).

>>> safe_stem("../../etc/passwd\\x00.md")
'passwd'
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from assistant.ingest.loaders import LoadError, load_bytes

KIND_SUFFIX = {"markdown": ".md", "text": ".txt"}


def safe_stem(name: str) -> str:
    stem = Path(name.replace("\\", "/").replace("\x00", "")).stem if name else ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-.")
    return stem[:60] or "notes"


def uploads_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "uploads"


def save_upload(data_dir: Path, name: str, data: bytes, max_bytes: int) -> Path:
    """Validate an uploaded note by its content and store it; LoadError says what is wrong."""
    if len(data) > max_bytes:
        raise LoadError(f"{safe_stem(name)}: file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    loaded = load_bytes(data, name)  # raises LoadError for empty, binary, scanned or broken files
    suffix = ".pdf" if data.startswith(b"%PDF-") else ".html" if name.lower().endswith((".html", ".htm")) else KIND_SUFFIX[loaded.kind]
    folder = uploads_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{safe_stem(name)}-{uuid.uuid4().hex[:8]}{suffix}"
    target.write_bytes(data)
    return target
