"""Dense (Chroma) + BM25 retrieval fused with reciprocal rank fusion, with an optional domain/task filter.

>>> rrf([["a", "b"], ["b", "c"]], weights=[1, 1], k=60)[0][0]
'b'
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from assistant.config import RetrievalSettings
from assistant.index.store import Index
from assistant.types import Chunk, SearchResult

Mode = Literal["hybrid+facts", "hybrid", "dense", "bm25"]


class FactRanker:
    """Decision facts as a retrieval signal: a question close to a fact's *need* points to the note section
    that supports the fact. Only where facts exist (the bundled corpus); learners' own notes get none."""

    def __init__(self, decisions, embedder, chunks: list[Chunk], generation: int):
        self.generation = generation
        first: dict[tuple[str, str], Chunk] = {}
        for c in chunks:
            first.setdefault((c.source, c.heading), c)
        self.targets: list[Chunk] = []
        needs = []
        for d in decisions:
            chunk = first.get((d.source, d.section)) or next(
                (c for (src, h), c in first.items() if src == d.source and h.startswith(d.section + " > ")), None)
            if chunk is not None:
                self.targets.append(chunk)
                needs.append(d.need)
        self.vectors = embedder.encode(needs) if needs else np.zeros((0, 1))

    def rank(self, vector, n: int, domain: int | None = None, task: str | None = None,
             floor: float = 0.0) -> list[tuple[Chunk, float]]:
        """The facts' sections, closest need first; needs less similar than `floor` are left out."""
        if not self.targets:
            return []
        sims = self.vectors @ np.asarray(vector)
        out, seen = [], set()
        for i in np.argsort(-sims):
            if sims[i] < floor:
                break
            c = self.targets[int(i)]
            if c.id in seen or (domain is not None and c.domain != domain) or (task is not None and c.task != task):
                continue
            seen.add(c.id)
            out.append((c, float(sims[i])))
            if len(out) >= n:
                break
        return out


def rrf(rankings: list[list[str]], weights: list[float], k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), ranks from 1."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc_id in enumerate(ranking, 1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class Retriever:
    def __init__(self, index: Index, settings: RetrievalSettings, facts=None):
        self.index = index
        self.settings = settings
        self._facts = facts  # callable -> list of decision facts (or None)
        self._fact_ranker: FactRanker | None = None

    def fact_ranker(self) -> FactRanker | None:
        if self._facts is None:
            return None
        bm25 = self.index.load_bm25()
        if self._fact_ranker is None or self._fact_ranker.generation != bm25.generation:
            self._fact_ranker = FactRanker(self._facts(), self.index.text_vectors, bm25.chunks, bm25.generation)
        return self._fact_ranker

    def search(self, query: str, k: int | None = None, *, domain: int | None = None, task: str | None = None,
               mode: Mode | None = None) -> list[SearchResult]:
        k = k or self.settings.k
        mode = mode or self.settings.mode
        n = max(self.settings.candidates, 3 * k)
        if mode == "dense":
            ranked = self.dense(query, n, domain=domain, task=task)
        elif mode == "bm25":
            ranked = self.bm25(query, n, domain=domain, task=task)
        else:
            vector = self.index.embedder.embed_query(query)
            lists = [self.dense(query, n, domain=domain, task=task, vector=vector),
                     self.bm25(query, n, domain=domain, task=task)]
            weights = [self.settings.dense_weight, self.settings.bm25_weight]
            ranker = self.fact_ranker() if mode == "hybrid+facts" else None
            if ranker is not None:
                lists.append(ranker.rank(vector, n, domain, task, self.settings.fact_min_similarity))
                weights.append(self.settings.fact_weight)
            chunks = {c.id: c for ranking in lists for c, _ in ranking}
            fused = rrf([[c.id for c, _ in ranking] for ranking in lists], weights, self.settings.rrf_k)
            ranked = [(chunks[i], s) for i, s in fused]
        if self.settings.one_per_section:
            ranked = _one_per_section(ranked)
        return [SearchResult(c, s, r) for r, (c, s) in enumerate(ranked[:k], 1)]

    def dense(self, query: str, n: int, *, domain: int | None = None, task: str | None = None,
              vector=None) -> list[tuple[Chunk, float]]:
        # no count() first: an empty collection answers with no rows, and count() cost ~2.5 ms a query (study bench)
        vector = vector if vector is not None else self.index.embedder.embed_query(query)
        where = _where(domain, task)
        if where is None:
            return self._query(vector, n)
        # A `where` filter makes Chroma scan metadata: 23-31 ms vs 3 ms unfiltered at 10k chunks (study bench).
        # Ask for twice the candidates unfiltered and filter here (the same order as `where` gives); use `where`
        # only when under a third of them match, e.g. a domain filter on a question about another domain.
        rows = [(c, s) for c, s in self._query(vector, 2 * n)
                if (domain is None or c.domain == domain) and (task is None or c.task == task)]
        return rows[:n] if len(rows) >= max(1, n // 3) else self._query(vector, n, where)

    def _query(self, vector, n: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        # whole rows of the last complete index, also while another process writes (see Index.dense_query)
        return self.index.dense_query(vector, n, where)

    def bm25(self, query: str, n: int, *, domain: int | None = None, task: str | None = None) -> list[tuple[Chunk, float]]:
        bm25 = self.index.load_bm25()
        mask = None
        if domain is not None or task is not None:
            allowed = np.ones(len(bm25.chunks), dtype=bool)
            if domain is not None:
                allowed &= bm25.domains == domain
            if task is not None:
                allowed &= bm25.tasks == task
            if not allowed.any():
                return []
            mask = allowed.astype(np.float32)
        return bm25.search(query, n, mask)


SAME_PLACE = 5  # chunks of one section this close in the file are one place (the bundled corpus: <= 5 per section)


def _one_per_section(ranked: list[tuple[Chunk, float]]) -> list[tuple[Chunk, float]]:
    """Keep the best chunk of each place in the notes: other sections say more than a second piece of the same
    one. A long section (a PDF or a flashcard file has one heading for everything) is several places: chunks
    at least SAME_PLACE apart are kept apart, so a flat file still yields more than one passage."""
    kept: dict[tuple[str, str], list[int]] = {}
    out = []
    for chunk, score in ranked:
        places = kept.setdefault((chunk.source, chunk.heading), [])
        if all(abs(chunk.position - p) >= SAME_PLACE for p in places):
            places.append(chunk.position)
            out.append((chunk, score))
    return out


def _where(domain: int | None, task: str | None) -> dict | None:
    clauses = [c for c in ({"domain": domain} if domain is not None else None,
                           {"task": task} if task is not None else None) if c]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
