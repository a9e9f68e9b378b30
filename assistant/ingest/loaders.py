"""File -> text, by content rather than by suffix, with a clear error for anything unreadable.

>>> load_bytes(b"# Title\\nbody", "a.md").kind
'markdown'
"""
from __future__ import annotations

import codecs
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".pdf", ".html", ".htm"}
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)


class LoadError(ValueError):
    """A note that cannot be indexed; the message says what is wrong and what to do."""


@dataclass
class LoadedText:
    text: str
    kind: str  # "markdown" (headings meaningful) or "text"
    warning: str = ""
    hidden: list[str] = field(default_factory=list)  # text a reader never sees (HTML comments, invisible elements)


def load_file(path: Path, max_bytes: int) -> LoadedText:
    size = path.stat().st_size
    if size > max_bytes:  # refuse before reading the whole file
        raise LoadError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; split it or raise "
                        "STUDY_STORE__MAX_FILE_MB")
    return load_bytes(path.read_bytes(), path.name)


def load_bytes(data: bytes, name: str) -> LoadedText:
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise LoadError("file is empty; add some notes to it or delete it")
    if data.startswith(b"%PDF-"):
        return _load_pdf(data)
    if suffix == ".pdf":
        raise LoadError("file is named .pdf but is not a PDF (no %PDF- header); re-export it as PDF")
    text, warning = _decode(data)
    if suffix in {".html", ".htm"} or _HTML_START.match(data[:512]):
        visible, hidden = _html_to_markdown(text)
        return LoadedText(visible, "markdown", warning, hidden)
    kind = "text" if suffix in {".txt", ".text"} else "markdown"
    return LoadedText(text, kind, warning)


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), ""
    if b"\x00" in data[:8192]:
        raise LoadError("file holds binary data, not text; only Markdown, text, PDF and HTML notes can be indexed")
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not UTF-8: read as Windows-1252/Latin-1; save it as UTF-8 to be sure"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8: read as Latin-1; save it as UTF-8 to be sure"


def _load_pdf(data: bytes) -> LoadedText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("PDF is encrypted; save an unencrypted copy to index it")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"PDF cannot be read ({type(exc).__name__}); it may be truncated or damaged: re-export it") from exc
    text = unicodedata.normalize("NFKC", "\n\n".join(p for p in pages if p))  # ligatures: "ﬁ" -> "fi"
    if not text.strip():
        raise LoadError("PDF has no extractable text (a scan?); run OCR on it or add the notes as text")
    return LoadedText(text, "text")


_INVISIBLE_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])"
                              r"|(?<![-\w])color\s*:\s*(?:#fff(?:fff)?\b|white\b|transparent\b|rgba?\(\s*255\s*,\s*255\s*,\s*255)",
                              re.IGNORECASE)


def _html_to_markdown(html: str) -> tuple[str, list[str]]:
    """Visible text of an HTML page, with h1-h6 turned into Markdown headings so sections survive; and the
    text a reader would not see (comments, hidden or white-on-white elements), which is not indexed."""
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(html, "html.parser")
    hidden: list[str] = []
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        hidden.append(str(comment).strip())
        comment.extract()
    for tag in soup.find_all(lambda t: t.has_attr("hidden") or t.get("aria-hidden") == "true"
                             or _INVISIBLE_STYLE.search(t.get("style") or "")):
        if tag.decomposed:
            continue
        hidden.append(tag.get_text(" ", strip=True))
        tag.decompose()
    for level in range(1, 7):
        for h in soup.find_all(f"h{level}"):
            h.replace_with(f"\n\n{'#' * level} {h.get_text(' ', strip=True)}\n\n")
    for cell in soup.find_all(["td", "th"]):  # cells kept apart: "Loss explodes or NaN | learning rate too high"
        if cell.find_previous_sibling(["td", "th"]):
            cell.insert_before(" | ")
    for block in soup.find_all(["p", "li", "tr", "div", "br"]):
        block.insert_after("\n")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in soup.get_text().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), [h for h in hidden if h]
