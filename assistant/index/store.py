"""The index: Chroma (embedded or a server) + a manifest of what is indexed + the BM25 index.

One writer at a time (a file lock; a second writer gets IndexBusyError within seconds): two
processes writing one Chroma folder silently lose embeddings. Readers never take the lock.

Layout under `<data_dir>/index/`: chroma/ (embedded store), manifest.json (file -> hash, chunk ids),
index.json (embedding model and dimension the vectors were made with), bm25/ (persisted BM25),
write.lock, and `dirty` while a writer is changing the index.

Crash safety: a writer writes `dirty` before its first change to Chroma and removes it once the manifest
and BM25 agree with Chroma again. A process killed in between leaves the marker; the next writer (or the
next `study` command) runs `repair()`, which makes Chroma, the manifest and BM25 agree: chunks no manifest
entry lists are deleted, and an entry whose chunks (or their vectors) are gone is marked for re-reading.
Disk full and read-only folders raise StorageError naming the folder; what was stored stays as it was.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from assistant.config import Settings
from assistant.types import Chunk

SCHEMA_VERSION = 1
CHROMA_BATCH = 4000  # Chroma refuses batches above ~5461


def preload_chroma() -> None:
    """Import chromadb on a side thread (about a second of a cold start), so it overlaps the work a command does
    before its first query: loading the embedder, the BM25 index and the facts, embedding the question."""
    import importlib
    import threading

    threading.Thread(target=importlib.import_module, args=("chromadb",), daemon=True, name="import-chromadb").start()


class IndexBusyError(RuntimeError):
    """Another process is writing the index."""


class IndexMismatchError(RuntimeError):
    """The index was built with another embedding model or schema."""


class StorageError(RuntimeError):
    """The data folder cannot be written (disk full, read-only, no permission)."""


_STORAGE_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                   errno.EROFS: "the folder is on a read-only file system", errno.EACCES: "permission is denied",
                   errno.EPERM: "permission is denied"}
_STORAGE_WORDS = {"no space left": "the disk is full", "disk is full": "the disk is full",
                  "read-only": "the folder is on a read-only file system",
                  "readonly": "the folder is on a read-only file system",
                  "permission denied": "permission is denied", "quota": "the disk quota is exceeded"}


def storage_problem(exc: BaseException) -> str | None:
    """What is wrong with the disk, if `exc` (an OSError, or Chroma's error wrapping one) is about writing."""
    for e in (exc, exc.__cause__, exc.__context__):
        if isinstance(e, OSError) and e.errno in _STORAGE_ERRNOS:
            return _STORAGE_ERRNOS[e.errno]
    text = str(exc).lower()
    return next((why for word, why in _STORAGE_WORDS.items() if word in text), None)


def storage_error(folder: Path, exc: BaseException) -> StorageError | None:
    why = storage_problem(exc)
    if why is None:
        return None
    return StorageError(f"cannot write the data folder {folder}: {why}. Free some space or make the folder "
                        "writable (or point STUDY_DATA_DIR at another folder), then run the command again; "
                        "the notes and the index already stored are unchanged")


class Index:
    def __init__(self, settings: Settings, embedder):
        self.settings = settings
        self.embedder = embedder
        self.dir = Path(settings.data_dir) / "index"
        self.manifest_path = self.dir / "manifest.json"
        self.info_path = self.dir / "index.json"
        self.dirty_path = self.dir / "dirty"

    @cached_property
    def text_vectors(self):
        """The facts' fixed texts embedded once and stored with the index (see index/text_vectors.py)."""
        from assistant.index.text_vectors import TextVectors

        return TextVectors(self.embedder, self.dir)

    # ---- the writer lock -------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float | None = None) -> Iterator[None]:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.dir / "write.lock"),
                            timeout=self.settings.store.lock_timeout_s if timeout is None else timeout)
            lock.acquire()
        except Timeout:
            raise IndexBusyError(
                f"index is busy: another process is writing {self.dir}; wait for it to finish and try again"
            ) from None
        except OSError as exc:
            raise (storage_error(self.dir, exc) or exc) from None
        try:
            yield
        except (OSError, RuntimeError, ValueError) as exc:
            err = None if isinstance(exc, StorageError) else storage_error(self.dir, exc)
            if err is None:
                raise
            raise err from exc
        finally:
            lock.release()

    # ---- crash recovery --------------------------------------------------------------------
    def begin_changes(self) -> None:
        """Mark the index as being changed (before the first write to Chroma)."""
        _atomic_write(self.dirty_path, json.dumps({"pid": os.getpid(), "started": time.time()}))

    def end_changes(self) -> None:
        """Chroma, the manifest and BM25 agree again."""
        self.dirty_path.unlink(missing_ok=True)

    def needs_repair(self) -> bool:
        return self.dirty_path.exists()

    def repair_if_needed(self) -> dict | None:
        """Repair after an interrupted write, unless a writer is at work right now (it repairs itself)."""
        if not self.needs_repair():
            return None
        try:
            with self.writer(timeout=0):
                return self.repair() if self.needs_repair() else None
        except (IndexBusyError, StorageError):  # a writer is at work, or the folder is read-only: read as is
            return None

    def repair(self) -> dict:
        """Make Chroma, the manifest and BM25 agree after a crash (call it holding the writer lock).

        Chunks that no manifest entry lists (written before the crash, never recorded) are deleted; an
        entry whose chunks or vectors are gone keeps the ones that are there and loses its hash, so the
        next ingest reads that note again.
        """
        for tmp in self.dir.glob("*.tmp*"):  # half-written files of the crashed writer
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        manifest = self.load_manifest()
        listed = {i for entry in manifest["files"].values() for i in entry.get("chunks", [])}
        stored = self.stored_ids()
        orphans = sorted(stored - listed)
        broken = self._without_vectors(sorted(stored & listed))
        self.delete(orphans + broken)
        missing = (listed - stored) | set(broken)
        for entry in manifest["files"].values():
            if missing.intersection(entry.get("chunks", [])):
                entry["hash"] = ""  # read this note again on the next ingest
                entry["chunks"] = [i for i in entry["chunks"] if i not in missing]
        self.save_manifest(manifest)
        self.rebuild_bm25()
        self.end_changes()
        return {"orphans_deleted": len(orphans), "missing": len(missing)}

    def _without_vectors(self, ids: list[str]) -> list[str]:
        """Ids whose vector cannot be read (Chroma loses vectors when writes are cut short)."""
        bad: list[str] = []
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            try:
                got = self.collection.get(ids=batch, include=["embeddings"])
                with_vectors = {i for i, v in zip(got["ids"], got["embeddings"]) if v is not None and len(v)}
                bad.extend(i for i in batch if i not in with_vectors)
            except Exception:  # noqa: BLE001 - Chroma's InternalError: find the ids one by one
                for i in batch:
                    try:
                        got = self.collection.get(ids=[i], include=["embeddings"])
                        if not got["ids"] or got["embeddings"] is None or not len(got["embeddings"][0]):
                            bad.append(i)
                    except Exception:  # noqa: BLE001
                        bad.append(i)
        return bad

    # ---- chroma ----------------------------------------------------------------------------
    @cached_property
    def client(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        store = self.settings.store
        if store.chroma_host:
            return chromadb.HttpClient(host=store.chroma_host, port=store.chroma_port, settings=chroma_settings)
        from assistant.index.chroma_upgrade import backup_before_upgrade

        self.upgrade_backup = backup_before_upgrade(self.info_path, self.dir)
        try:
            return chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=chroma_settings)
        except Exception as exc:  # noqa: BLE001 - Chroma wraps SQLite's "readonly database" in its own errors
            if storage_problem(exc) is None or not (self.dir / "chroma").is_dir():
                raise
        # Chroma cannot even open a store it may not write: read a private copy, so answers keep coming
        # from the index as it is (ingest still refuses, with StorageError, at the writer lock).
        import atexit
        import tempfile

        snapshot = Path(tempfile.mkdtemp(prefix="study-index-readonly-"))
        atexit.register(shutil.rmtree, snapshot, True)
        shutil.copytree(self.dir / "chroma", snapshot / "chroma")
        self.read_only_snapshot = snapshot
        return chromadb.PersistentClient(path=str(snapshot / "chroma"), settings=chroma_settings)

    @cached_property
    def collection(self):
        """The Chroma collection; vectors are always ours (embedding_function=None: Chroma embeds nothing)."""
        return self.client.get_or_create_collection(
            self.settings.store.collection, embedding_function=None,
            # ef_search 200: recall vs exact search 0.93 at 20k chunks (0.84 at the default 100)
            configuration={"hnsw": {"space": "cosine", "ef_search": 200}})

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, chunks: list[Chunk], vectors) -> None:
        for start in range(0, len(chunks), CHROMA_BATCH):
            batch = chunks[start:start + CHROMA_BATCH]
            self.collection.upsert(
                ids=[c.id for c in batch], documents=[c.indexed_text for c in batch],
                metadatas=[c.metadata() for c in batch],
                embeddings=[list(map(float, v)) for v in vectors[start:start + CHROMA_BATCH]],
            )

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), CHROMA_BATCH):
            self.collection.delete(ids=ids[start:start + CHROMA_BATCH])

    def existing_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), CHROMA_BATCH):
            found.update(self.collection.get(ids=ids[start:start + CHROMA_BATCH], include=[])["ids"])
        return found

    def all_chunks(self) -> list[Chunk]:
        chunks = []
        for offset in range(0, self.count(), CHROMA_BATCH):  # one get() of ~33k+ rows fails: too many SQL variables
            got = self.collection.get(include=["documents", "metadatas"], limit=CHROMA_BATCH, offset=offset)
            chunks += [Chunk.from_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])
                       if d is not None and m is not None]  # a row another process is writing this instant
        return sorted(chunks, key=lambda c: (c.source, c.position))

    def _reopen_if_written_elsewhere(self) -> None:
        """An embedded Chroma keeps its vector index in memory and does not see another process's writes:
        when another process finished changing the index (new manifest generation, no writer at work), open
        the store again. Measured: without this a UI process kept answering from the vectors it started with."""
        generation = self.manifest_generation()
        opened = self.__dict__.get("_opened_generation")
        if "client" not in self.__dict__ or self.settings.store.chroma_host:
            self._opened_generation = generation
            return
        if opened is None or opened == generation or generation == getattr(self, "_written_generation", None):
            self._opened_generation = generation
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = str(self.dir / "chroma")
        SharedSystemClient._identifier_to_system.pop(identifier, None)  # a fresh System reads the store anew
        for name in ("client", "collection"):
            self.__dict__.pop(name, None)
        self._opened_generation = generation

    def stored_ids(self) -> set[str]:
        ids: set[str] = set()
        for offset in range(0, self.count(), CHROMA_BATCH):
            ids.update(self.collection.get(include=[], limit=CHROMA_BATCH, offset=offset)["ids"])
        return ids

    def stored_vectors(self, ids: list[str]) -> dict:
        """The vectors the chunks were stored with (what ingest embedded: their `indexed_text`), by id; a chunk
        missing (being written by another process) is left out, for the caller to embed."""
        import numpy as np

        got = self.collection.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        vectors = got.get("embeddings")
        if vectors is None:
            return {}
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], vectors) if v is not None}

    def get_chunks(self, ids: list[str]) -> list[Chunk]:
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        by_id = {i: Chunk.from_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def reset(self) -> None:
        """Drop every indexed chunk, the manifest and BM25 (the notes themselves are untouched)."""
        try:
            self.client.delete_collection(self.settings.store.collection)
        except Exception:  # noqa: BLE001 - absent collection
            pass
        self.__dict__.pop("collection", None)
        for path in (self.manifest_path, self.info_path):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.dir / "bm25", ignore_errors=True)

    # ---- BM25 ------------------------------------------------------------------------------
    def rebuild_bm25(self):
        from assistant.index.bm25 import BM25Index

        bm25 = BM25Index.build(self.all_chunks(), self.load_manifest()["generation"])
        bm25.save(self.dir / "bm25")
        self._bm25 = bm25
        return bm25

    def load_bm25(self):
        """The BM25 index matching the current manifest; rebuilt in memory if the saved one is stale.

        While a writer is at work (the `dirty` marker) the saved one is the last complete index: readers
        keep using it rather than rebuilding from rows that are being written.
        """
        from assistant.index.bm25 import BM25Index

        generation = self.manifest_generation()
        cached = getattr(self, "_bm25", None)
        if cached is not None and (cached.generation == generation or (cached.saved and self.needs_repair())):
            return cached
        bm25 = BM25Index.load(self.dir / "bm25")
        if bm25 is None or (bm25.generation != generation and not self.needs_repair()):
            bm25 = BM25Index.build(self.all_chunks(), generation)
        self._bm25 = bm25
        return bm25

    def dense_query(self, vector, n: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks as whole rows. While another process writes, only chunks of the last complete index
        (the saved BM25 snapshot) are returned, with their text from it: a row being written can lack its
        document, and a new chunk is not part of an index until the writer finishes."""
        writing = self.needs_repair()
        if not writing:
            self._reopen_if_written_elsewhere()
        got = self.collection.query(query_embeddings=[vector], n_results=n, where=where,
                                    include=["documents", "metadatas", "distances"])
        snapshot = {c.id: c for c in self.load_bm25().chunks} if writing else {}
        out = []
        for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
            if writing:
                if i in snapshot:
                    out.append((snapshot[i], 1.0 - float(dist)))
            elif d is not None and m is not None:
                out.append((Chunk.from_stored(i, d, m), 1.0 - float(dist)))
        return out

    # ---- manifest and index info -----------------------------------------------------------
    def manifest_generation(self) -> int:
        """The manifest's generation, parsed again only when the file changed: parsing a 100k-chunk manifest
        on every query cost ~60 ms (study bench); a stat costs microseconds."""
        try:
            st = self.manifest_path.stat()
        except FileNotFoundError:
            return 0
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if getattr(self, "_generation_key", None) != key:
            self._generation = int(self.load_manifest()["generation"])
            self._generation_key = key
        return self._generation

    def load_manifest(self) -> dict:
        if not self.manifest_path.exists():
            return {"schema": SCHEMA_VERSION, "generation": 0, "files": {}}
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def save_manifest(self, manifest: dict) -> None:
        manifest["generation"] = int(manifest.get("generation", 0)) + 1
        self._written_generation = manifest["generation"]  # our own write: no need to reopen the store
        manifest["updated"] = time.time()
        _atomic_write(self.manifest_path, json.dumps(manifest, indent=1, sort_keys=True))

    def check_compatible(self) -> None:
        """Refuse an index made with another embedding model/schema: mixing vectors breaks retrieval."""
        if not self.info_path.exists():
            return
        from assistant.index.chroma_upgrade import newer_store_problem

        if problem := newer_store_problem(self.info_path, self.dir):
            raise IndexMismatchError(problem)
        info = json.loads(self.info_path.read_text(encoding="utf-8"))
        if info.get("embedding_model") != self.embedder.name or info.get("schema") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"the index in {self.dir} was built with embedding model {info.get('embedding_model')!r} "
                f"(schema {info.get('schema')}), but {self.embedder.name!r} (schema {SCHEMA_VERSION}) is configured; "
                "run `study ingest --rebuild` to re-index with the current model"
            )

    def record_info(self) -> None:
        from assistant.index.chroma_upgrade import installed

        info = {"embedding_model": self.embedder.name, "dimension": self.embedder.dimension, "schema": SCHEMA_VERSION,
                "chromadb": installed()}
        _atomic_write(self.info_path, json.dumps(info, indent=1))

    def exists(self) -> bool:
        return self.manifest_path.exists() and bool(self.load_manifest()["files"])


def _atomic_write(path: Path, text: str) -> None:
    """Write-then-rename with fsync: a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise

