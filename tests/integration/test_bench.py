"""`study bench` at tiny sizes: every figure is present and sane (real embedder, real Chroma, real model)."""
import json
import shutil

import pytest

from assistant.bench import run_bench
from assistant.bench.report import markdown
from assistant.config import LLMSettings
from tests.conftest import REPO

FILES = ["d2-model-development/training-jobs.md", "d2-model-development/model-registry.md",
         "d3-deployment-orchestration/inference-options.md"]


@pytest.fixture
def three_notes(tmp_path):
    root = tmp_path / "notes"
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "corpus" / rel, root / rel)
    return root


def positive(*values):
    return all(isinstance(v, (int, float)) and v > 0 for v in values)


def test_bench_cli_ingest_and_retrieval(tmp_path, three_notes, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("STUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STUDY_CORPUS", str(three_notes))
    out = tmp_path / "results"
    assert main(["bench", "--parts", "ingest,retrieval", "--sizes", "300", "--runs", "1", "--out", str(out),
                 "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((out / "bench-latest.json").read_text())
    assert printed == saved

    ing = saved["ingest"]
    assert ing["files"] == 3 and ing["chunks"] > 20
    assert positive(ing["ingest_chunks_per_s"], ing["raw_chunks_per_s"], ing["ratio_vs_raw"])
    assert 0.2 < ing["ratio_vs_raw"] < 3 and ing["reingest_unchanged_s"] < 5
    assert ing["ingest_embed_s"] <= ing["ingest_s"]

    r = saved["retrieval"]["300"]
    assert r["chunks"] == 300 and r["real_chunks"] == ing["chunks"] and r["synthetic_chunks"] == 300 - ing["chunks"]
    assert 0.5 < r["fidelity"]["mean_cosine"] <= 1
    assert r["bm25_builds_during_queries"] == 0
    for name in ("hybrid", "hybrid_vec", "hybrid_where", "raw", "raw_where", "bm25", "embed"):
        assert positive(r[name]["p50_ms"], r[name]["p95_ms"]) and r[name]["p95_ms"] >= r[name]["p50_ms"], name
    assert r["hybrid"]["p50_ms"] > r["raw"]["p50_ms"]  # the full path does more than one Chroma query
    assert 0 <= r["hit_at_k"] <= 1

    met = {t["target"]: t["met"] for t in saved["targets"]}
    assert met["BM25 rebuilds during 40 queries at 300"] is True
    assert met["re-ingest unchanged corpus (s)"] is True
    assert met["ask decode tok/s / raw decode"] is None  # generation not run
    md = (out / "bench.md").read_text()
    assert "| 300 |" in md and str(ing["chunks"]) in md and "**Targets**" in md


@pytest.mark.server
def test_bench_chroma_server_under_load(make_assistant, three_notes):
    results = run_bench(make_assistant(corpus=three_notes), sizes=[300], runs=1, parts=("server",),
                        server_chunks=300, clients=4, progress=False)
    srv = results["server"]
    assert srv["chunks"] == 300 and srv["clients"] == 4
    assert positive(srv["single_client"]["p95_ms"], srv["loaded"]["p50_ms"], srv["loaded"]["p95_ms"], srv["queries_per_s"])
    assert srv["loaded"]["p95_ms"] >= srv["loaded"]["p50_ms"]


@pytest.mark.llm
def test_bench_generation_and_cli_memory(make_assistant, three_notes, model_path):
    assistant = make_assistant(corpus=three_notes, llm=LLMSettings(model_path=model_path, passages=1,
                                                                   max_answer_tokens=64, n_ctx=2048))
    questions = ["How can I minimise infrastructure start-up time for consecutive SageMaker training jobs?",
                 "Our company needs a central model registry to manage different versions of our models. What should "
                 "we use for the least operational overhead?"]
    results = run_bench(assistant, sizes=[300], runs=1, parts=("generation", "memory"), questions=questions,
                        ui=False, progress=False)
    gen = results["generation"]
    assert gen["answered"] == 2
    for run in gen["runs"]:
        assert run["prompt_tokens"] > 100 and run["output_tokens"] >= 3
        assert positive(run["app_first_token_ms"], run["raw_prefill_ms"], run["app_decode_tok_s"],
                        run["raw_decode_tok_s"])
        assert run["prefix_tokens_reused"] == run["raw_prefix_tokens_reused"]  # the same cache state both sides
    assert gen["runs"][0]["prefix_tokens_reused"] == 0  # cold
    assert 0.3 < gen["first_token_over_raw_prefill"] < 5 and 0.2 < gen["decode_over_raw"] < 3
    kv = gen["kv_cache"]
    assert kv["prefix_tokens_reused"] > 50  # at least the fixed instruction prefix
    assert kv["repeat_tokens_reused"] >= kv["repeat_prompt_tokens"] - 1
    assert kv["repeat_model_first_token_ms"] < kv["cold_model_first_token_ms"]
    assert positive(gen["memory_bandwidth"]["gbs"], gen["decode_bound_tok_s"])
    assert gen["raw_decode_share_of_bound"] < 1.5  # cannot beat memory bandwidth by much (caches)
    lat = gen["latency"]
    assert lat["total_ms"]["n"] == 2 and lat["first_content_ms"]["p50"] <= lat["total_ms"]["p50"]
    assert lat["model_first_token_ms"]["p95"] >= lat["model_first_token_ms"]["p50"] > 0
    cold = results["cold_start"]  # a fresh `study ask` process, stopped at its first verified content
    assert cold["shown"] == 2 and cold["first_content_ms"]["p50"] > cold["python_start_ms"]["p50"] > 0
    assert "Latency per answer" in markdown(results) and "cold `study ask`" in markdown(results)
    mem = results["memory"]
    assert mem["cli_ask"]["exit_status"] == 0 and mem["cli_ask"]["answered"]
    assert mem["cli_search"]["exit_status"] == 0 and mem["cli_search"]["found"]
    assert 500 < mem["cli_ask"]["peak_rss_mb"] < 8000  # embedder + the 1.1 GB model
    assert mem["cli_search"]["peak_rss_mb"] < mem["cli_ask"]["peak_rss_mb"]  # no model loaded
    assert "`study ask` (CLI)" in markdown(results)
