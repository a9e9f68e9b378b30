"""kill -9 during `study ingest`, 20+ times at random points: the next start repairs the index by itself
(Chroma, manifest and BM25 agree, every vector readable), no note is lost, and every chunk is findable."""
from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

from assistant.app import Assistant
from assistant.config import Settings

KILLS = 22
WORDS = ("warm pool spot checkpoint endpoint serverless batch transform drift monitor clarify bias feature store "
         "pipeline registry lineage canary shadow autoscaling quantization pruning distillation tokenizer embedding "
         "kinesis firehose glue crawler athena parquet partition encryption kms vpc role policy bucket lifecycle").split()
WORKER = Path(__file__).with_name("ingest_worker.py")


def section(rng: random.Random, tag: str) -> str:
    return f"Fact {tag}: " + " ".join(rng.choice(WORDS) for _ in range(55)) + f" ends {tag}."


def write_note(corpus: Path, name: str, rng: random.Random) -> None:
    sections = "".join(f"## Part {j} of {name}\n{section(rng, f'{name}x{j}x{rng.randrange(10**6)}')}\n\n" for j in range(4))
    (corpus / f"{name}.md").write_text(f"# Note {name}\n{sections}", encoding="utf-8")


def mutate(corpus: Path, rng: random.Random, serial: list[int]) -> None:
    """Two or three changes a learner makes between ingests: edit a section, add, delete or rename a note."""
    for _ in range(rng.choice((2, 3))):
        notes = sorted(corpus.glob("*.md"))
        action = rng.choice(("edit", "edit", "add", "delete", "rename"))
        if action == "edit" or (action in ("delete", "rename") and len(notes) <= 5):
            path = rng.choice(notes)
            text = path.read_text(encoding="utf-8").split("\n")
            line = rng.choice([i for i, t in enumerate(text) if t.startswith("Fact ")])
            text[line] = section(rng, f"{path.stem}e{rng.randrange(10**6)}")
            path.write_text("\n".join(text), encoding="utf-8")
        elif action == "add":
            serial[0] += 1
            write_note(corpus, f"n{serial[0]}", rng)
        elif action == "delete":
            rng.choice(notes).unlink()
        else:
            serial[0] += 1
            rng.choice(notes).rename(corpus / f"n{serial[0]}.md")


def test_kill9_during_ingest_20_times_then_repaired_and_nothing_lost(tmp_path, embedder):
    rng = random.Random(8)
    corpus, data = tmp_path / "notes", tmp_path / "data"
    corpus.mkdir()
    serial = [0]
    for _ in range(7):
        serial[0] += 1
        write_note(corpus, f"n{serial[0]}", rng)
    worker = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])

    def call(*command):
        worker.stdin.write(json.dumps(command) + "\n")
        worker.stdin.flush()
        return json.loads(worker.stdout.readline())

    kills = repairs = trials = 0
    try:
        assert worker.stdout.readline().strip() == "ready"
        calibration = call("ingest", str(tmp_path / "calibration"), str(corpus), 600)
        assert calibration["exit"] == 0
        window = calibration["seconds"]  # a first ingest: every phase of it is a kill point
        while kills < KILLS:
            trials += 1
            assert trials <= 3 * KILLS, f"only {kills} kills in {trials} runs"
            if trials > 1:
                mutate(corpus, rng, serial)
            args = ["--rebuild"] if trials % 7 == 0 else []
            run = call("ingest", str(data), str(corpus), rng.uniform(0.0, window), *args)
            if run["killed"]:
                kills += 1
            else:
                assert run["exit"] == 0, run
                window = max(run["seconds"], 0.3)  # incremental runs are shorter: aim inside them
            state = call("check", str(data))  # the next start, after its automatic repair
            assert "error" not in state, state
            repairs += bool(state["repaired"])
            assert not state["dirty"]
            assert len(state["manifest_ids"]) == len(set(state["manifest_ids"])), "a chunk id listed twice"
            assert set(state["manifest_ids"]) == set(state["chroma_ids"]) == set(state["bm25_ids"]), (
                f"run {trials}: manifest {len(state['manifest_ids'])}, chroma {len(state['chroma_ids'])}, "
                f"bm25 {len(state['bm25_ids'])}")
            assert state["without_vectors"] == []
        final = call("ingest", str(data), str(corpus), 600)
        assert final["exit"] == 0 and not final["killed"]
    finally:
        worker.stdin.close()
        worker.kill()
        worker.wait()
    print(f"\n{kills} kills in {trials} runs; {repairs} repairs at the next start")
    assert repairs > 0  # the kills did land mid-write

    assistant = Assistant(Settings(data_dir=data), embedder=embedder)
    files = assistant.index.load_manifest()["files"]
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in corpus.glob("*.md")}
    assert {src: e["hash"] for src, e in files.items()} == on_disk  # every note, its current content, nothing else
    chunks = assistant.index.all_chunks()
    assert len(chunks) == sum(len(e["chunks"]) for e in files.values()) == 4 * len(on_disk)
    current = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.md")}
    assert all(c.text in current[c.source] for c in chunks)  # no old text survives
    for mode in ("hybrid", "bm25"):
        misses = [c.heading for c in chunks if c.id not in [r.chunk.id for r in assistant.search(c.text, 3, mode=mode)]]
        assert not misses, f"{mode}: not findable by their own text: {misses}"
