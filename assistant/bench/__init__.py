"""`study bench`: speed and scale as ratios against the raw engines, all measured in one run.

    results = run_bench(assistant, sizes=[1000, 10000], runs=3)   # -> dict (also written as JSON + Markdown)

Parts, in order (each can be chosen with `parts`):
  ingest      the bundled corpus end to end vs raw sentence-transformers encode; unchanged re-ingest
  retrieval   hybrid vs raw Chroma p50/p95 at each size, domain filter cost, BM25 rebuild count
  server      a real `chroma run` with 10k chunks and 20 concurrent clients
  generation  `study ask` vs raw llama.cpp: first verified content, time to first token, decode tok/s, total
              (p50/p95), KV-cache reuse, bandwidth bound; then a cold `study ask` process to its first content
  memory      peak RSS of `study ask` and of the Streamlit UI, each in its own process
The benchmark works in <data>/bench/ (its own index of the corpus, cached synthetic indexes); the
learner's index is never touched.
"""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

PARTS = ("ingest", "retrieval", "server", "generation", "memory")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_bench(assistant, *, sizes: list[int], runs: int = 3, parts: tuple[str, ...] = PARTS,
              server_chunks: int = 10_000, clients: int = 20, questions: list[str] | None = None,
              ui: bool = True, progress: bool = True, command: str = "study bench") -> dict:
    from assistant.bench.ingest import bench_ingest, corpus_assistant
    from assistant.bench.report import targets

    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown benchmark part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    if runs < 1:
        raise ValueError("--runs must be at least 1")
    settings = assistant.settings
    started = time.perf_counter()
    results: dict = {
        "command": command, "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": _load()},
    }
    embedder = assistant.embedder
    corpus = Path(settings.corpus)
    if "ingest" in parts:
        results["ingest"], corpus_app = bench_ingest(settings, embedder, corpus, runs, progress)
    else:
        corpus_app = corpus_assistant(settings, embedder)
        corpus_app.ingest([corpus], progress=progress)  # incremental: about a second when already indexed
    if "retrieval" in parts:
        from assistant.bench.retrieval import bench_retrieval

        results["retrieval"] = bench_retrieval(settings, embedder, corpus_app.index, sizes, runs, progress)
    if "server" in parts:
        from assistant.bench.retrieval import load_queries
        from assistant.bench.server import bench_server

        vectors = embedder.encode([q["question"] for q in load_queries(settings.evals_dir)])
        results["server"] = bench_server(settings, corpus_app.index, vectors, n=server_chunks, clients=clients,
                                         progress=progress)
    if "generation" in parts or "memory" in parts:
        from assistant.bench.generation import load_questions, model_file_for

        model_path = model_file_for(corpus_app)
        corpus_app.settings.llm.model_path = model_path
        asked = questions or load_questions(settings.evals_dir, runs)
        if "generation" in parts:
            from assistant.bench.generation import bench_generation

            results["generation"] = bench_generation(corpus_app, asked, progress)
            from assistant.bench.cold_start import bench_cold_start

            if progress:
                print("Cold start: `study ask` in a fresh process until its first verified content ...", flush=True)
            results["cold_start"] = bench_cold_start(corpus_app.settings, asked)
        if "memory" in parts:
            from assistant.bench.memory import bench_memory

            if progress:
                print("Memory: `study ask` and the UI, each in its own process ...", flush=True)
            results["memory"] = bench_memory(corpus_app.settings, asked[0], ui=ui)
    results["machine"]["load_after"] = _load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["targets"] = targets(results)
    return results
