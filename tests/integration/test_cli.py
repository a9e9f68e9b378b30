"""The `study` command as a learner runs it (a real process, real models)."""
import json
import os
import subprocess
import sys

import pytest

STUDY = [sys.executable, "-m", "assistant.cli"]


def run(args, data_dir, **kw):
    env = {**os.environ, "STUDY_DATA_DIR": str(data_dir)}
    return subprocess.run(STUDY + args, capture_output=True, text=True, env=env, timeout=300, **kw)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    from tests.conftest import SMALL_CORPUS

    root = tmp_path_factory.mktemp("cli")
    notes = root / "notes"
    for rel, text in SMALL_CORPUS.items():
        (notes / rel).parent.mkdir(parents=True, exist_ok=True)
        (notes / rel).write_text(text, encoding="utf-8")
    out = run(["ingest", str(notes), "--json"], root / "data")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["added"]) == 4
    return root


def test_search_json_has_the_documented_fields(indexed):
    out = run(["search", "start-up time of consecutive training jobs", "--k", "3", "--json"], indexed / "data")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3
    assert {"id", "source", "heading", "text", "score", "domain", "task"} <= set(hits[0])
    assert hits[0]["heading"] == "SageMaker training > Managed warm pools" and hits[0]["task"] == "2.2"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_domain_filter(indexed):
    hits = json.loads(run(["search", "permissions", "--domain", "4", "--json"], indexed / "data").stdout)
    assert hits and all(h["domain"] == 4 for h in hits)


def test_batch_queries_one_json_line_each(indexed, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"question": "scale to zero endpoint"}\n\n{"question": "IAM groups vs roles"}\n')
    out = run(["search", "--queries", str(queries), "--json", "--k", "2"], indexed / "data")
    lines = [json.loads(row) for row in out.stdout.splitlines()]
    assert [row["query"] for row in lines] == ["scale to zero endpoint", "IAM groups vs roles"]
    assert all(len(row["results"]) == 2 for row in lines)
    plain = tmp_path / "q.txt"
    plain.write_text("warm pools\nbatch transform\n")
    assert len(run(["search", "--queries", str(plain), "--json"], indexed / "data").stdout.splitlines()) == 2


@pytest.mark.parametrize("args,message", [
    (["search", ""], "empty"),
    (["search"], "either a QUERY or --queries"),
    (["ingest", "/no/such/folder"], "no such file or folder"),
])
def test_user_errors_are_plain_messages(indexed, args, message):
    out = run(args, indexed / "data")
    assert out.returncode in (1, 2)
    assert message in out.stderr and "Traceback" not in out.stderr


def test_reingest_unchanged_is_fast(indexed):
    out = run(["ingest", str(indexed / "notes"), "--json"], indexed / "data")
    report = json.loads(out.stdout)
    assert len(report["unchanged"]) == 4 and report["seconds"] < 1.0
