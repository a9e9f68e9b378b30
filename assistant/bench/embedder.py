"""An embedder stand-in for the benchmarks: delegates to the real one, adds up the time spent encoding,
and can serve precomputed query vectors (so retrieval is timed without the query's embedding).

>>> # timed = BenchEmbedder(real); Index(settings, timed) ...; timed.encode_ms -> milliseconds spent in encode
"""
from __future__ import annotations

import time

from langchain_core.embeddings import Embeddings


class BenchEmbedder(Embeddings):
    def __init__(self, embedder, query_vectors: dict[str, list[float]] | None = None):
        self.inner = embedder
        self.query_vectors = query_vectors or {}
        self.encode_ms = 0.0
        self.encoded = 0

    def __getattr__(self, name):  # name, dimension, settings, count_tokens, model, ... of the real embedder
        return getattr(self.inner, name)

    def encode(self, texts: list[str], progress: bool = False):
        started = time.perf_counter()
        out = self.inner.encode(texts, progress)
        self.encode_ms += 1000 * (time.perf_counter() - started)
        self.encoded += len(texts)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        if text in self.query_vectors:
            return self.query_vectors[text]
        return self.encode([text])[0].tolist()
