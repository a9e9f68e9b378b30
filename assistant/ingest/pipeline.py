"""Incremental ingestion: unchanged files cost a hash, changed files replace their chunks, deleted
files lose theirs, and unreadable files are reported one by one while the rest goes on.

The embedding model is loaded only when some chunk is new, so re-running on an unchanged corpus
takes about a second.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_file
from assistant.store import Index
from assistant.types import Chunk, FileError, IngestReport


@dataclass
class NoteFile:
    root: str  # absolute folder the source is relative to ("" for single files)
    path: Path
    source: str


def discover(paths: list[Path]) -> tuple[list[NoteFile], set[str], list[FileError]]:
    """Supported files under `paths`; also the roots scanned whole (their missing files were deleted)."""
    files: list[NoteFile] = []
    roots: set[str] = set()
    errors: list[FileError] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            root = path.resolve()
            roots.add(str(root))
            for f in sorted(root.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(f.relative_to(root)):
                    files.append(NoteFile(str(root), f, f.relative_to(root).as_posix()))
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                errors.append(FileError(str(raw), f"unsupported file type {path.suffix or '(none)'}; "
                                                  f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"))
            else:
                files.append(NoteFile(str(path.resolve().parent), path, path.name))
        else:
            errors.append(FileError(str(raw), "no such file or folder"))
    return files, roots, errors


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def ingest(index: Index, paths: list[Path], *, progress: bool = True, rebuild: bool = False) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    settings = index.settings
    with index.writer():
        if rebuild:
            index.reset()
        else:
            index.check_compatible()
        manifest = index.load_manifest()
        known = manifest["files"]
        files, roots, report.errors = discover(paths)
        by_hash = {entry["hash"]: src for src, entry in known.items() if entry.get("chunks")}
        pending: dict[str, tuple[NoteFile, str, list[Chunk]]] = {}
        seen: set[str] = set()
        for note in files:
            seen.add(note.source)
            try:
                digest = _hash_file(note.path, int(settings.store.max_file_mb * 1e6))
                old = known.get(note.source)
                if old and old["hash"] == digest:
                    report.unchanged.append(note.source)
                    continue
                twin = by_hash.get(digest)
                if twin and twin != note.source and (twin in known or twin in pending):
                    report.duplicates.append(f"{note.source} (same content as {twin})")
                    pending[note.source] = (note, digest, [])
                    continue
                loaded = load_file(note.path, int(settings.store.max_file_mb * 1e6))
                chunks = chunk_document(loaded, note.source, index.embedder.count_tokens,
                                        settings.embedding.chunk_tokens, settings.embedding.chunk_overlap)
                if not chunks:
                    raise LoadError("file has no text to index")
                pending[note.source] = (note, digest, chunks)
                by_hash.setdefault(digest, note.source)
                (report.changed if old else report.added).append(note.source)
            except (LoadError, OSError) as exc:
                report.errors.append(FileError(note.source, str(exc)))  # old chunks, if any, stay indexed
        deleted = [src for src, entry in known.items() if entry.get("root") in roots and src not in seen]
        if not pending and not deleted:
            report.seconds = time.perf_counter() - started
            return report

        new_chunks = [c for _, _, chunks in pending.values() for c in chunks]
        present = index.existing_ids([c.id for c in new_chunks]) if new_chunks else set()
        to_embed = [c for c in new_chunks if c.id not in present]
        vectors = _embed(index, to_embed, progress)
        vector_of = {c.id: v for c, v in zip(to_embed, vectors)}

        for source, (note, digest, chunks) in pending.items():
            old_ids = set(known.get(source, {}).get("chunks", []))
            fresh = [c for c in chunks if c.id in vector_of]
            if fresh:
                index.upsert(fresh, [vector_of[c.id] for c in fresh])
                report.chunks_added += len(fresh)
            stale = sorted(old_ids - {c.id for c in chunks})
            if stale:
                index.delete(stale)
                report.chunks_deleted += len(stale)
            known[source] = {"root": note.root, "hash": digest, "chunks": [c.id for c in chunks],
                             "size": note.path.stat().st_size}
            index.save_manifest(manifest)  # after each file: a crash loses at most one file's progress
        for source in deleted:
            ids = known.pop(source).get("chunks", [])
            index.delete(ids)
            report.chunks_deleted += len(ids)
            report.deleted.append(source)
        index.save_manifest(manifest)
        index.record_info()
        index.rebuild_bm25()
    report.seconds = time.perf_counter() - started
    return report


def _hash_file(path: Path, max_bytes: int) -> str:
    if path.stat().st_size > max_bytes:
        raise LoadError(f"file is {path.stat().st_size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
                        "split it or raise STUDY_STORE__MAX_FILE_MB")
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _embed(index: Index, chunks: list[Chunk], progress: bool):
    if not chunks:
        return []
    batch = index.settings.embedding.batch_size
    vectors = []
    with tqdm(total=len(chunks), desc="Embedding chunks", unit="chunk", disable=not progress) as bar:
        for start in range(0, len(chunks), batch):
            texts = [c.indexed_text for c in chunks[start:start + batch]]
            vectors.extend(index.embedder.encode(texts))
            bar.update(len(texts))
    return vectors
