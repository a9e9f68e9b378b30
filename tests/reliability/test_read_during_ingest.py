"""The UI reading while the CLI ingests in another process: every query answers, from whole chunks of the
last complete index (Chroma itself shows rows without their document mid-write: counted, never used),
and the unchanged notes keep answering as before."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from pathlib import Path

from assistant.app import Assistant
from assistant.config import Settings

from test_kill_ingest import WORKER, write_note

QUESTIONS = {  # unchanged notes of the small corpus: the answer must not move while others are written
    "What keeps provisioned training instances alive between consecutive jobs?": "Managed warm pools",
    "Which endpoint queues large payloads and scales to zero?": "Asynchronous inference",
    "How should notebook instances share permissions?": "Notebook roles",
}


def test_reader_keeps_answering_while_another_process_ingests(small_corpus, tmp_path, embedder):
    data = tmp_path / "data"
    reader = Assistant(Settings(data_dir=data), embedder=embedder)
    reader.ingest([small_corpus], progress=False)
    before = {c.id for c in reader.index.all_chunks()}
    rng = random.Random(6)
    for i in range(12):  # the other process has real work: 48 new chunks, plus edits
        write_note(small_corpus, f"extra{i}", rng)
    training = small_corpus / "d2" / "training.md"
    training.write_text(training.read_text().replace("at a discount", "at a steep discount"), encoding="utf-8")

    worker = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    result: dict = {}
    try:
        assert worker.stdout.readline().strip() == "ready"

        def ingest():
            worker.stdin.write(json.dumps(["ingest", str(data), str(small_corpus), 600]) + "\n")
            worker.stdin.flush()
            result.update(json.loads(worker.stdout.readline()))

        writer = threading.Thread(target=ingest)
        writer.start()
        queries = errors = partial_rows = 0
        wrong: list[str] = []
        seen_ids: set[str] = set()
        while writer.is_alive():
            for question, heading in QUESTIONS.items():
                try:
                    hits = reader.search(question, 3)
                    dense = reader.retriever.dense(question, 10)
                    raw = reader.index.collection.query(query_embeddings=[embedder.embed_query(question)], n_results=10,
                                                        include=["documents", "metadatas"])
                except Exception as exc:  # noqa: BLE001 - counted: the test wants none
                    errors += 1
                    print("reader error:", type(exc).__name__, exc)
                    continue
                queries += 1
                partial_rows += sum(d is None or m is None for d, m in zip(raw["documents"][0], raw["metadatas"][0]))
                if not hits or not hits[0].chunk.heading.endswith(heading):
                    wrong.append(question)
                assert all(h.chunk.text and h.chunk.source for h in hits)
                assert dense and all(c.text and c.source for c, _ in dense)
                seen_ids |= {h.chunk.id for h in hits} | {c.id for c, _ in dense}
        writer.join()
    finally:
        worker.stdin.close()
        worker.kill()
        worker.wait()
    assert result.get("exit") == 0, result
    print(f"\n{queries} queries during a {result['seconds']:.1f} s ingest: {errors} errors, {len(wrong)} wrong; "
          f"Chroma returned {partial_rows} rows without their document (never used)")
    assert queries >= 10 and errors == 0 and wrong == []
    after = Assistant(Settings(data_dir=data), embedder=embedder)
    final = {c.id for c in after.index.all_chunks()}
    assert seen_ids <= before | final  # whole chunks of the old or the new index, nothing else
    assert len(final) == len(before) + 48
    hits = reader.search("Managed Spot Training runs jobs on spare EC2 capacity at a steep discount", 3)
    assert any("steep discount" in h.chunk.text for h in hits)  # the same reader sees the new index once complete
