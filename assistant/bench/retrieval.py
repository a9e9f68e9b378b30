"""Retrieval latency at 1k/10k/100k chunks: the full hybrid search vs a raw Chroma query with a
precomputed vector, with and without a metadata (domain) filter, and a check that BM25 is never rebuilt
per query.

Variants, interleaved query by query so machine noise hits them alike:
  hybrid        Assistant.search(question): query embedding + dense + BM25 + facts + fusion (what `study search` does)
  hybrid_vec    the same with the query vector precomputed: comparable with raw
  hybrid_where  hybrid_vec with the question's exam domain as filter
  raw           collection.query(query_embeddings=[v], n_results=k): Chroma alone
  raw_where     raw with where={"domain": d}
  bm25          the BM25 ranking alone;  embed  the query embedding alone
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from assistant.bench.embedder import BenchEmbedder
from assistant.bench.stats import median, ratio, summary, timed_ms
from assistant.bench.synthetic import synthetic_index
from assistant.index.bm25 import BM25Index

VARIANTS = ("hybrid", "hybrid_vec", "hybrid_where", "raw", "raw_where", "bm25", "embed")


def load_queries(evals_dir: Path, per_domain: int = 10) -> list[dict]:
    """The first `per_domain` retrieval-eval questions of each domain file, with their labels."""
    queries = []
    for path in sorted((Path(evals_dir) / "retrieval" / "dev").glob("*.jsonl")):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for item in lines[:per_domain]:
            queries.append({"question": item["question"], "domain": int(str(item["task"]).split(".")[0]),
                            "relevant": item.get("relevant", [])})
    if not queries:
        raise FileNotFoundError(f"no retrieval eval questions in {evals_dir}/retrieval/dev")
    return queries


def _hit(results, relevant: list[dict]) -> bool:
    for r in results:
        for label in relevant:
            if r.chunk.source == label["source"] and (r.chunk.heading == label["heading"]
                                                      or r.chunk.heading.startswith(label["heading"] + " > ")):
                return True
    return False


class _CountBuilds:
    """Counts BM25Index.build calls while active (a per-query rebuild would show here)."""

    def __enter__(self):
        self.count, self._orig = 0, BM25Index.__dict__["build"]
        orig = self._orig.__func__

        def counting(cls, *args, **kwargs):
            self.count += 1
            return orig(cls, *args, **kwargs)

        BM25Index.build = classmethod(counting)
        return self

    def __exit__(self, *exc):
        BM25Index.build = self._orig


def bench_size(settings, embedder, corpus_index, n: int, queries: list[dict], runs: int, progress: bool) -> dict:
    assistant, info = synthetic_index(settings, embedder, corpus_index, n, progress=progress)
    k = settings.retrieval.k
    texts = [q["question"] for q in queries]
    vectors = embedder.encode(texts)
    cached = BenchEmbedder(embedder, {t: v.tolist() for t, v in zip(texts, vectors)})
    vec_assistant = type(assistant)(assistant.settings, embedder=cached)
    collection = assistant.index.collection
    include = ["documents", "metadatas", "distances"]
    candidates = max(settings.retrieval.candidates, 3 * k)
    for q, v in list(zip(queries, vectors))[:3]:  # warm caches (BM25 load, fact vectors, HNSW pages)
        assistant.search(q["question"])
        vec_assistant.search(q["question"], domain=q["domain"])
        collection.query(query_embeddings=[v.tolist()], n_results=k, include=include)
    per_run: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    hits = []
    with _CountBuilds() as builds, tqdm(total=runs * len(queries), desc=f"Retrieval at {n:,} chunks", unit="query",
                                        disable=not progress) as bar:
        for run in range(runs):
            times: dict[str, list[float]] = {name: [] for name in VARIANTS}
            for q, v in zip(queries, vectors):
                question, domain, vec = q["question"], q["domain"], v.tolist()
                ms, results = timed_ms(assistant.search, question)
                times["hybrid"].append(ms)
                if run == 0:
                    hits.append(_hit(results, q["relevant"]))
                times["hybrid_vec"].append(timed_ms(vec_assistant.search, question)[0])
                times["hybrid_where"].append(timed_ms(vec_assistant.search, question, domain=domain)[0])
                times["raw"].append(timed_ms(collection.query, query_embeddings=[vec], n_results=k, include=include)[0])
                times["raw_where"].append(timed_ms(collection.query, query_embeddings=[vec], n_results=k,
                                                   include=include, where={"domain": domain})[0])
                times["bm25"].append(timed_ms(vec_assistant.retriever.bm25, question, candidates)[0])
                times["embed"].append(timed_ms(embedder.embed_query, question)[0])
                bar.update(1)
            for name in VARIANTS:
                per_run[name].append(summary(times[name]))
    out = {"chunks": n, **info, "queries": len(queries), "runs": runs, "k": k,
           "bm25_builds_during_queries": builds.count, "hit_at_k": round(float(np.mean(hits)), 3)}
    for name in VARIANTS:
        out[name] = {"p50_ms": round(median([r["p50"] for r in per_run[name]]), 2),
                     "p95_ms": round(median([r["p95"] for r in per_run[name]]), 2)}
    out["hybrid_over_raw_p95"] = ratio(out["hybrid_vec"]["p95_ms"], out["raw"]["p95_ms"])
    out["hybrid_with_embed_over_raw_p95"] = ratio(out["hybrid"]["p95_ms"], out["raw"]["p95_ms"])
    out["where_over_plain_raw_p95"] = ratio(out["raw_where"]["p95_ms"], out["raw"]["p95_ms"])
    return out


def bench_retrieval(settings, embedder, corpus_index, sizes: list[int], runs: int, progress: bool) -> dict:
    queries = load_queries(settings.evals_dir)
    return {str(n): bench_size(settings, embedder, corpus_index, n, queries, runs, progress) for n in sizes}
