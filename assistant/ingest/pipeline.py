"""Incremental ingestion: unchanged files cost a hash, changed files replace their chunks, deleted
files lose theirs, and unreadable files are reported one by one while the rest goes on. Notes that
address the assistant (prompt injection) are flagged, recorded in the manifest and still indexed as data.
A writer killed mid-way leaves the index marked dirty; the next ingest repairs it first (see Index.repair).

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
from assistant.ingest.injection import find_instructions
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_file
from assistant.index.store import Index
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


def _no_facts(index, manifest, texts, progress=True) -> None:
    return None


def ingest(index: Index, paths: list[Path], *, progress: bool = True, rebuild: bool = False,
           sync_facts=_no_facts) -> IngestReport:
    """Index the notes under `paths`; `sync_facts(index, manifest, texts, progress=)` runs inside the same
    writer lock once the index holds them (the wiring passes the fact miner, so ingest never imports it)."""
    started = time.perf_counter()
    report = IngestReport()
    settings = index.settings
    with index.writer():
        if rebuild:
            index.begin_changes()
            index.reset()
        else:
            index.check_compatible()
            if index.needs_repair():  # a writer was killed mid-way: make Chroma, manifest and BM25 agree first
                report.repaired = index.repair()
        manifest = index.load_manifest()
        known = manifest["files"]
        files, roots, report.errors = discover(paths)
        max_bytes = int(settings.store.max_file_mb * 1e6)
        pending: dict[str, tuple[NoteFile, str, list[Chunk], list[str]]] = {}
        texts = {}  # source -> LoadedText, for fact mining
        seen: set[str] = set()
        hashed: list[tuple[NoteFile, str]] = []
        for note in files:
            seen.add(note.source)
            try:
                hashed.append((note, _hash_file(note.path, max_bytes)))
            except (LoadError, OSError) as exc:
                report.errors.append(FileError(note.source, str(exc)))  # old chunks, if any, stay indexed
        holder = _content_holders(known, hashed, seen, roots)
        for note, digest in hashed:
            old = known.get(note.source)
            twin = holder[digest]
            if old and old["hash"] == digest and bool(old.get("chunks")) == (twin == note.source):
                report.unchanged.append(note.source)
                continue
            if twin != note.source:
                report.duplicates.append(f"{note.source} (same content as {twin})")
                pending[note.source] = (note, digest, [], [])
                continue
            try:
                loaded = load_file(note.path, max_bytes)
                chunks = chunk_document(loaded, note.source, index.embedder.count_tokens,
                                        settings.embedding.chunk_tokens, settings.embedding.chunk_overlap)
                if not chunks:
                    raise LoadError("file has no text to index")
            except (LoadError, OSError) as exc:
                report.errors.append(FileError(note.source, str(exc)))  # old chunks, if any, stay indexed
                continue
            texts[note.source] = loaded
            flags = find_instructions(loaded.text, loaded.hidden)
            if flags:
                report.flagged[note.source] = flags
            pending[note.source] = (note, digest, chunks, flags)
            (report.changed if old else report.added).append(note.source)
        deleted = [src for src, entry in known.items() if entry.get("root") in roots and src not in seen]
        if not pending and not deleted and not rebuild:
            sync_facts(index, manifest, texts, progress=progress)  # notes indexed before fact mining existed
            report.seconds = time.perf_counter() - started
            return report

        index.begin_changes()
        new_chunks = [c for _, _, chunks, _ in pending.values() for c in chunks]
        present = index.existing_ids([c.id for c in new_chunks]) if new_chunks else set()
        to_embed = [c for c in new_chunks if c.id not in present]
        vectors = _embed(index, to_embed, progress)
        vector_of = {c.id: v for c, v in zip(to_embed, vectors)}

        for source, (note, digest, chunks, flags) in pending.items():
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
            if flags:
                known[source]["flags"] = flags
            index.save_manifest(manifest)  # after each file: a crash loses at most one file's progress
        for source in deleted:
            ids = known.pop(source).get("chunks", [])
            index.delete(ids)
            report.chunks_deleted += len(ids)
            report.deleted.append(source)
        index.save_manifest(manifest)
        index.record_info()
        index.rebuild_bm25()
        sync_facts(index, manifest, texts, progress=progress)  # a changed note re-mines itself, a deleted one drops its facts
        index.end_changes()
    report.seconds = time.perf_counter() - started
    return report


def _content_holders(known: dict, hashed: list[tuple[NoteFile, str]], seen: set[str], roots: set[str]) -> dict[str, str]:
    """content hash -> the one file whose chunks hold that content; other files with it are duplicates.

    An indexed copy that stays (outside this scan, or unchanged in it) keeps holding it; otherwise the first
    file in order takes over, so deleting the original of a duplicate never loses the content.
    """
    holder = {e["hash"]: src for src, e in known.items()
              if e.get("chunks") and src not in seen and e.get("root") not in roots}
    for note, digest in hashed:
        old = known.get(note.source)
        if old and old["hash"] == digest and old.get("chunks"):
            holder.setdefault(digest, note.source)
    for note, digest in hashed:
        holder.setdefault(digest, note.source)
    return holder


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
