"""Synthetic-but-realistic indexes of N chunks for the scale benchmarks, built once and cached.

An index of N chunks holds every real chunk of the benchmark corpus (or a sample when N is smaller) plus
synthetic chunks. A synthetic chunk keeps a real chunk's heading path and metadata and recombines its
sentences with one or two sentences of other chunks of the same exam domain, so BM25 sees the corpus's
own vocabulary and term statistics. Embedding 100k texts at ~15 chunks/s would take hours, so a synthetic
chunk's vector is a mix of its parents' real vectors plus a little noise (normalised); `fidelity` reports
how close such a vector is to the true embedding of the synthetic text, measured on a sample.

    index = synthetic_index(settings, embedder, corpus_index, 10_000)   # cached under <data>/bench/scale-10000
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from assistant.app import Assistant
from assistant.config import Settings
from assistant.types import Chunk

VERSION = 1  # bump when the generator changes: cached indexes are rebuilt
SENTENCE = re.compile(r"(?<=[.!?])\s+")
BASE_WEIGHT, DONOR_WEIGHT, NOISE = 0.75, 0.25, 0.35
CHUNKS_PER_FILE = 10


def real_chunks_with_vectors(index) -> tuple[list[Chunk], np.ndarray]:
    got = index.collection.get(include=["documents", "metadatas", "embeddings"])
    chunks = [Chunk.from_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
    order = sorted(range(len(chunks)), key=lambda i: chunks[i].id)  # deterministic order for the seeded sampler
    return [chunks[i] for i in order], np.asarray(got["embeddings"], dtype=np.float32)[order]


def make_chunks(real: list[Chunk], vectors: np.ndarray, n: int, seed: int = 7) -> tuple[list[Chunk], np.ndarray]:
    """n chunks: the real ones (a seeded sample when n is smaller) plus recombined ones with mixed vectors."""
    rng = np.random.default_rng(seed)
    if n <= len(real):
        keep = np.sort(rng.choice(len(real), n, replace=False))
        return [real[i] for i in keep], vectors[keep]
    by_domain: dict[int, list[int]] = {}
    for i, c in enumerate(real):
        by_domain.setdefault(c.domain or 0, []).append(i)
    sentences = [SENTENCE.split(c.text.strip()) for c in real]
    out, out_vecs = list(real), [vectors]
    extra = n - len(real)
    new_vecs = np.empty((extra, vectors.shape[1]), dtype=np.float32)
    for j in range(extra):
        b = int(rng.integers(len(real)))
        base = real[b]
        pool = by_domain[base.domain or 0]
        donors = [int(pool[int(rng.integers(len(pool)))]) for _ in range(int(rng.integers(1, 3)))]
        own = sentences[b]
        kept = [own[0]] + [s for s in own[1:] if rng.random() < 0.7]
        for d in donors:
            kept.insert(int(rng.integers(1, len(kept) + 1)), sentences[d][int(rng.integers(len(sentences[d])))])
        group = j // CHUNKS_PER_FILE
        out.append(Chunk(id=f"syn{VERSION}-{j:06d}", source=f"synthetic/{base.source.rsplit('.', 1)[0]}-{group}.md",
                         heading=base.heading, text=" ".join(kept), domain=base.domain, task=base.task,
                         services=base.services, title=base.title, position=j % CHUNKS_PER_FILE))
        mix = BASE_WEIGHT * vectors[b] + DONOR_WEIGHT * vectors[donors].mean(axis=0)
        mix = mix + rng.normal(0.0, NOISE / np.sqrt(vectors.shape[1]), vectors.shape[1])
        new_vecs[j] = mix / np.linalg.norm(mix)
    out_vecs.append(new_vecs)
    return out, np.vstack(out_vecs)


def fidelity(embedder, chunks: list[Chunk], vectors: np.ndarray, sample: int = 32, seed: int = 7) -> dict:
    """Mean cosine between synthetic vectors and the true embeddings of their texts (1.0 = identical)."""
    idx = [i for i, c in enumerate(chunks) if c.id.startswith("syn")]
    if not idx:
        return {"sampled": 0, "mean_cosine": None}
    rng = np.random.default_rng(seed)
    pick = rng.choice(idx, min(sample, len(idx)), replace=False)
    true = embedder.encode([chunks[i].indexed_text for i in pick])
    cos = np.sum(true * vectors[pick], axis=1)
    return {"sampled": int(len(pick)), "mean_cosine": round(float(cos.mean()), 3), "min_cosine": round(float(cos.min()), 3)}


def synthetic_index(settings: Settings, embedder, corpus_index, n: int, progress: bool = True) -> tuple[Assistant, dict]:
    """An assistant over an index of n chunks under <data>/bench/scale-<n>, built once (cached while the
    corpus and the generator version are unchanged). Returns (assistant, info)."""
    real, vectors = real_chunks_with_vectors(corpus_index)
    folder = Path(settings.data_dir) / "bench" / f"scale-{n}"
    key = {"n": n, "version": VERSION, "real": len(real), "corpus_generation": corpus_index.load_manifest()["generation"],
           "embedding_model": embedder.name}
    scale_settings = settings.model_copy(deep=True)
    scale_settings.data_dir = folder
    scale_settings.store.chroma_host = None  # the scale indexes are embedded; the server part loads its own copy
    assistant = Assistant(scale_settings, embedder=embedder)
    marker = folder / "bench-synthetic.json"
    if marker.exists() and json.loads(marker.read_text())["key"] == key and assistant.index.count() == n:
        return assistant, json.loads(marker.read_text())["info"]
    shutil.rmtree(folder, ignore_errors=True)
    chunks, all_vectors = make_chunks(real, vectors, n)
    info = {"real_chunks": min(len(real), n), "synthetic_chunks": max(0, n - len(real)),
            "fidelity": fidelity(embedder, chunks, all_vectors)}
    index = assistant.index
    files: dict[str, dict] = {}
    for c in chunks:
        files.setdefault(c.source, {"root": "bench-synthetic", "hash": f"bench-{c.source}", "chunks": [], "size": 0})
        files[c.source]["chunks"].append(c.id)
    with index.writer():
        step = 2000
        with tqdm(total=n, desc=f"Building the {n:,}-chunk index", unit="chunk", disable=not progress) as bar:
            for start in range(0, n, step):
                index.upsert(chunks[start:start + step], all_vectors[start:start + step])
                bar.update(min(step, n - start))
        manifest = index.load_manifest()
        manifest["files"] = files
        index.save_manifest(manifest)
        index.record_info()
        index.rebuild_bm25()
    marker.write_text(json.dumps({"key": key, "info": info}, indent=1), encoding="utf-8")
    return assistant, info


def chunk_vectors(chunks: list[Chunk], vectors: np.ndarray) -> dict[str, np.ndarray]:
    return {c.id: v for c, v in zip(chunks, vectors)}
