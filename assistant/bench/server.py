"""The Chroma server path under load: a real `chroma run` holding N chunks (the cached synthetic corpus),
queried by many concurrent clients the way the app's dense retriever queries it (30 candidates with
documents and metadata). Reports p50/p95 per query and the throughput, and a single client in the same
run as the baseline.

Clients are threads, each with its own HttpClient: on a 2-core machine they share the CPUs with the
server, as UI instances on the same host would.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm.auto import tqdm

from assistant.bench.stats import ratio, summary
from assistant.bench.synthetic import VERSION, make_chunks, real_chunks_with_vectors

BATCH = 2000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    chroma = shutil.which("chroma", path=os.path.dirname(sys.executable)) or shutil.which("chroma")
    if not chroma:
        raise FileNotFoundError("the `chroma` command (chromadb's CLI) is not installed in this environment")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"chroma run did not start on port {port}")


def _client(port: int):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))


def bench_server(settings, corpus_index, query_vectors, n: int = 10_000, clients: int = 20,
                 queries_per_client: int = 20, progress: bool = True) -> dict:
    folder = Path(settings.data_dir) / "bench" / f"server-{n}"
    marker = folder / "bench-synthetic.json"
    key = {"n": n, "version": VERSION, "corpus_generation": corpus_index.load_manifest()["generation"]}
    if not (marker.exists() and json.loads(marker.read_text()) == key):
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    proc = start_chroma(folder / "chroma", port)
    try:
        client = _client(port)
        collection = client.get_or_create_collection(
            settings.store.collection, configuration={"hnsw": {"space": "cosine", "ef_search": 200}})
        if collection.count() != n:
            client.delete_collection(settings.store.collection)
            collection = client.create_collection(
                settings.store.collection, configuration={"hnsw": {"space": "cosine", "ef_search": 200}})
            real, vectors = real_chunks_with_vectors(corpus_index)
            chunks, all_vectors = make_chunks(real, vectors, n)
            with tqdm(total=n, desc=f"Loading {n:,} chunks into the Chroma server", unit="chunk",
                      disable=not progress) as bar:
                for start in range(0, n, BATCH):
                    part = chunks[start:start + BATCH]
                    collection.add(ids=[c.id for c in part], documents=[c.indexed_text for c in part],
                                   metadatas=[c.metadata() for c in part],
                                   embeddings=all_vectors[start:start + BATCH].tolist())
                    bar.update(len(part))
            marker.write_text(json.dumps(key), encoding="utf-8")
        vectors = [v.tolist() for v in query_vectors]
        candidates = max(settings.retrieval.candidates, 3 * settings.retrieval.k)
        include = ["documents", "metadatas", "distances"]

        def one_client(worker: int, count: int) -> list[float]:
            coll = _client(port).get_collection(settings.store.collection)
            out = []
            for i in range(count):
                vec = vectors[(worker * 7 + i) % len(vectors)]
                started = time.perf_counter()
                coll.query(query_embeddings=[vec], n_results=candidates, include=include)
                out.append(1000 * (time.perf_counter() - started))
                bar.update(1)
            return out

        with tqdm(total=queries_per_client * (clients + 1), desc=f"Chroma server: 1 then {clients} clients",
                  unit="query", disable=not progress) as bar:
            one_client(0, 3)  # warm up the server's caches
            bar.update(-3)
            single = one_client(0, queries_per_client)
            started = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                lists = list(pool.map(lambda w: one_client(w, queries_per_client), range(clients)))
            wall = time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    loaded = [ms for lst in lists for ms in lst]
    one, many = summary(single), summary(loaded)
    return {"chunks": n, "clients": clients, "queries_per_client": queries_per_client, "n_results": candidates,
            "single_client": {"p50_ms": one["p50"], "p95_ms": one["p95"]},
            "loaded": {"p50_ms": many["p50"], "p95_ms": many["p95"]},
            "queries_per_s": round(len(loaded) / wall, 1),
            "loaded_over_single_p95": ratio(many["p95"], one["p95"])}
