"""Text -> chunks that follow the notes' structure: one per heading section, long sections split.

Each chunk keeps its heading path and the file's front matter (domain, task, services) as metadata.
Ids hash source + heading path + text, so an unchanged passage keeps its id (and its citations)
across re-indexing.
"""
from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ingest.loaders import LoadedText
from assistant.ingest.markdown import Section, parse_markdown
from assistant.types import Chunk


def chunk_id(source: str, heading: str, text: str) -> str:
    return hashlib.sha256(f"{source}\x1f{heading}\x1f{text}".encode()).hexdigest()[:24]


def chunk_document(loaded: LoadedText, source: str, count_tokens: Callable[[str], int],
                   max_tokens: int = 200, overlap: int = 24) -> list[Chunk]:
    """Split one loaded note into chunks of at most ~max_tokens word pieces (heading path included)."""
    stem = PurePosixPath(source).stem
    if loaded.kind == "markdown":
        doc = parse_markdown(loaded.text)
        meta, sections = doc.meta, doc.sections
    else:
        meta, sections = {}, [Section(heading="", level=0, text=loaded.text.strip())]
    title = str(meta.get("title") or stem)
    domain = meta.get("domain") if isinstance(meta.get("domain"), int) and 1 <= meta["domain"] <= 9 else None
    task = str(meta["task"]) if meta.get("task") is not None else None
    services = [str(s) for s in meta.get("services") or []] if isinstance(meta.get("services"), list) else []

    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in sections:
        heading = section.heading or title
        for piece in _split(section.text, heading, count_tokens, max_tokens, overlap):
            cid = chunk_id(source, heading, piece)
            if cid in seen:  # the same passage twice under one heading: keep both, distinct ids
                cid = chunk_id(source, heading, f"{piece}\x1f{len(chunks)}")
            seen.add(cid)
            chunks.append(Chunk(id=cid, source=source, heading=heading, text=piece, domain=domain, task=task,
                                services=services, title=title, position=len(chunks)))
    return chunks


def _split(text: str, heading: str, count_tokens: Callable[[str], int], max_tokens: int, overlap: int) -> list[str]:
    budget = max(32, max_tokens - count_tokens(heading) - 2)
    if count_tokens(text) <= budget:
        return [text]
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=budget, chunk_overlap=min(overlap, budget // 4), length_function=count_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""], keep_separator="end",
    )
    return [piece.strip() for piece in splitter.split_text(text) if piece.strip()]
