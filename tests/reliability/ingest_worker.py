"""A fork server for the kill -9 tests: loads the embedder once, then runs `study ingest` in forked children
and SIGKILLs each one after the delay it is given (so 20+ crashes cost seconds, not 20 model loads).

Protocol, one JSON line per command on stdin, one JSON line back:
    ["ingest", DATA_DIR, CORPUS, delay_s, *ARGS] -> {"pid": ..., "killed": true|false, "exit": code, "seconds": s}
    ["check", DATA_DIR]                   -> what the next start finds, after its automatic repair
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant import cli  # noqa: E402
from assistant.app import Assistant  # noqa: E402
from assistant.config import EmbeddingSettings, Settings  # noqa: E402
from assistant.index.embeddings import Embedder  # noqa: E402
import chromadb  # noqa: E402,F401  (imported before forking: the children skip the import cost)



def main() -> None:
    embedder = Embedder(EmbeddingSettings())
    embedder.encode(["warm up"])  # load the weights before forking
    print("ready", flush=True)
    for line in sys.stdin:
        command, data_dir, *rest = json.loads(line)
        if command == "check":
            print(json.dumps(run_child(lambda: check(data_dir, embedder))), flush=True)
            continue
        corpus, delay, *args = rest
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child is `study ingest CORPUS` with the model already in memory
            os.environ["STUDY_DATA_DIR"] = data_dir
            cli.build_assistant = lambda: Assistant(Settings(), embedder=embedder)
            sys.stdout = open(os.devnull, "w")
            os._exit(cli.main(["ingest", corpus, "--quiet", *args]))
        deadline = time.monotonic() + delay
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            status = None
            time.sleep(0.005)
        killed = status is None
        if killed:
            os.kill(pid, signal.SIGKILL)  # our own child, still running (not reaped, so the pid is not reused)
            _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"pid": pid, "killed": killed, "exit": code, "seconds": time.monotonic() - started}), flush=True)


def run_child(job) -> dict:
    """Run `job` in a forked child (a fresh process as far as Chroma is concerned) and return its result."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            result = job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            result = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write, "w") as out:
            out.write(json.dumps(result))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as inp:
        text = inp.read()
    os.waitpid(pid, 0)
    return json.loads(text)


def check(data_dir: str, embedder) -> dict:
    """The next start: repair if an ingest was killed, then report what Chroma, manifest and BM25 hold."""
    assistant = Assistant(Settings(data_dir=data_dir), embedder=embedder)
    index = assistant.index
    repaired = index.repair_if_needed()
    manifest = index.load_manifest()
    listed = [i for entry in manifest["files"].values() for i in entry.get("chunks", [])]
    stored = index.collection.get(include=[])["ids"]
    return {"repaired": repaired, "dirty": index.needs_repair(), "files": sorted(manifest["files"]),
            "hashes": {src: e["hash"] for src, e in manifest["files"].items()},
            "manifest_ids": listed, "chroma_ids": stored,
            "bm25_ids": [c.id for c in index.load_bm25().chunks],
            "without_vectors": index._without_vectors(sorted(stored))}


if __name__ == "__main__":
    main()
