"""Ingestion: end-to-end chunks/s of `study ingest` vs the raw sentence-transformers encode of the same
texts (same model object, same thread setting), and the time to re-ingest an unchanged corpus.

The end-to-end figure includes discovery, hashing, loading, chunking, embedding, the Chroma upserts,
the manifest and the BM25 build; the embedding model is loaded before either side is timed.
"""
from __future__ import annotations

import time
from pathlib import Path

from assistant.app import Assistant
from assistant.bench.embedder import BenchEmbedder
from assistant.bench.stats import median, ratio
from assistant.config import Settings


def corpus_assistant(settings: Settings, embedder) -> Assistant:
    """The assistant over the benchmark's own index of the corpus (<data>/bench/corpus): never the learner's."""
    bench_settings = settings.model_copy(deep=True)
    bench_settings.data_dir = Path(settings.data_dir) / "bench" / "corpus"
    bench_settings.store.chroma_host = None
    return Assistant(bench_settings, embedder=embedder)


def bench_ingest(settings: Settings, embedder, corpus: Path, runs: int, progress: bool) -> tuple[dict, Assistant]:
    started = time.perf_counter()
    embedder.model  # noqa: B018 - load the model before timing either side
    load_ms = 1000 * (time.perf_counter() - started)
    timed = BenchEmbedder(embedder)
    assistant = corpus_assistant(settings, timed)
    embedder.encode(["warm up the model", "and its tokenizer"])
    report = assistant.ingest([corpus], progress=progress, rebuild=True)
    if report.errors:
        raise ValueError(f"the benchmark corpus {corpus} has unreadable files: "
                         + "; ".join(f"{e.source}: {e.message}" for e in report.errors))
    chunks = report.chunks_added
    texts = [c.indexed_text for c in assistant.index.all_chunks()]
    raw_started = time.perf_counter()
    embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)  # library defaults (batch 32)
    raw_s = time.perf_counter() - raw_started
    reingest = []
    for _ in range(max(1, runs)):
        again = assistant.ingest([corpus], progress=False)
        if again.added or again.changed or again.chunks_added:
            raise RuntimeError("re-ingesting an unchanged corpus embedded chunks again")
        reingest.append(again.seconds)
    e2e = chunks / report.seconds if report.seconds else None
    raw = len(texts) / raw_s if raw_s else None
    result = {
        "corpus": str(corpus), "files": len(report.added), "chunks": chunks,
        "embedding_model_load_ms": round(load_ms, 1),
        "ingest_s": round(report.seconds, 2), "ingest_embed_s": round(timed.encode_ms / 1000, 2),
        "ingest_other_s": round(report.seconds - timed.encode_ms / 1000, 2),
        "ingest_chunks_per_s": round(e2e, 2) if e2e else None,
        "raw_encode_s": round(raw_s, 2), "raw_chunks_per_s": round(raw, 2) if raw else None,
        "ratio_vs_raw": ratio(e2e, raw),
        "reingest_unchanged_s": round(median(reingest), 3), "reingest_runs": len(reingest),
    }
    # later parts use the plain embedder (the timing wrapper is only for this part)
    return result, Assistant(assistant.settings, embedder=embedder)
