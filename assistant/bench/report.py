"""Targets, the Markdown table the README shows, and where the results are written."""
from __future__ import annotations

from pathlib import Path


def _get(results: dict, *path):
    node = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def targets(results: dict) -> list[dict]:
    """Each target with its measured value and whether it is met (None: not measured in this run)."""
    out = []

    def add(name, value, target, ok):
        out.append({"target": name, "value": value, "goal": target, "met": None if value is None else bool(ok(value))})

    add("ingest chunks/s vs raw encode", _get(results, "ingest", "ratio_vs_raw"), ">= 0.8", lambda v: v >= 0.8)
    add("re-ingest unchanged corpus (s)", _get(results, "ingest", "reingest_unchanged_s"), "<= 1", lambda v: v <= 1)
    for size, limit in (("10000", 100), ("100000", 250)):
        add(f"hybrid p95 at {int(size):,} chunks (ms, with query embedding)",
            _get(results, "retrieval", size, "hybrid", "p95_ms"), f"<= {limit}", lambda v, lim=limit: v <= lim)
    for size, row in (_get(results, "retrieval") or {}).items():
        add(f"hybrid / raw Chroma p95 at {int(size):,} (same query vector)", row.get("hybrid_over_raw_p95"), "<= 3",
            lambda v: v <= 3)
        add(f"domain filter / no filter p95 at {int(size):,} (hybrid)",
            _ratio(_get(row, "hybrid_where", "p95_ms"), _get(row, "hybrid_vec", "p95_ms")), "<= 1.5", lambda v: v <= 1.5)
        add(f"BM25 rebuilds during {row['queries'] * row['runs']} queries at {int(size):,}",
            row.get("bm25_builds_during_queries"), "0", lambda v: v == 0)
    add("ask time to first token / raw prefill", _get(results, "generation", "first_token_over_raw_prefill"), "<= 1.1",
        lambda v: v <= 1.1)
    add("ask decode tok/s / raw decode", _get(results, "generation", "decode_over_raw"), ">= 0.9", lambda v: v >= 0.9)
    add("first verified content p50, warm (ms)", _get(results, "generation", "latency", "first_content_ms", "p50"),
        "<= 1000", lambda v: v <= 1000)
    add("cold `study ask` to first content p50 (ms)", _get(results, "cold_start", "first_content_ms", "p50"), "<= 3000",
        lambda v: v <= 3000)
    add("model time to first token p50 (ms)", _get(results, "generation", "latency", "model_first_token_ms", "p50"),
        "<= 4000", lambda v: v <= 4000)
    add("total per answer p50 (ms)", _get(results, "generation", "latency", "total_ms", "p50"), "<= 9000",
        lambda v: v <= 9000)
    add("instruction prefix tokens served from the KV cache (next question)",
        _get(results, "generation", "kv_cache", "prefix_tokens_reused"), "> 0", lambda v: v > 0)
    return out


def _ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{value}{unit}"


def markdown(results: dict) -> str:
    """The benchmark tables (Markdown), figures from one run of `study bench`."""
    lines = [f"Measured by `{results['command']}` on {results['machine']['cpus']} CPUs "
             f"({results['machine']['load_before']} load average before, {results['machine']['load_after']} after), "
             f"{results['started']} UTC, {results['seconds']:.0f} s in all. Medians over {results['runs']} runs; "
             "ratios compare figures of this one run.", ""]
    ing = results.get("ingest")
    if ing:
        lines += ["**Ingestion** (bundled corpus, end to end vs raw sentence-transformers `encode` of the same texts)", "",
                  "| chunks | ingest chunks/s | raw encode chunks/s | ratio | embedding share of ingest | re-ingest unchanged |",
                  "|---|---|---|---|---|---|",
                  f"| {ing['chunks']} | {_fmt(ing['ingest_chunks_per_s'])} | {_fmt(ing['raw_chunks_per_s'])} | "
                  f"{_fmt(ing['ratio_vs_raw'])} | {_fmt(ing['ingest_embed_s'])} of {_fmt(ing['ingest_s'])} s | "
                  f"{_fmt(ing['reingest_unchanged_s'])} s |", ""]
    ret = results.get("retrieval")
    if ret:
        lines += ["**Retrieval** p50 / p95 in ms (k=5; hybrid = dense + BM25 + decision facts, fused; "
                  "raw = one Chroma query with a precomputed vector)", "",
                  "| chunks | hybrid (with query embedding) | hybrid (vector given) | raw Chroma | hybrid/raw p95 | "
                  "hybrid, domain filter | raw, `where` domain | BM25 alone | query embedding | hit@5 | BM25 rebuilds |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for size, r in ret.items():
            cell = lambda name: f"{_fmt(r[name]['p50_ms'])} / {_fmt(r[name]['p95_ms'])}"  # noqa: E731
            lines.append(f"| {int(size):,} | {cell('hybrid')} | {cell('hybrid_vec')} | {cell('raw')} | "
                         f"{_fmt(r['hybrid_over_raw_p95'])} | {cell('hybrid_where')} | {cell('raw_where')} | "
                         f"{cell('bm25')} | {cell('embed')} | {_fmt(r['hit_at_k'])} | {r['bm25_builds_during_queries']} |")
        fid = next((r["fidelity"] for r in ret.values() if r["fidelity"].get("mean_cosine")), None)
        if fid:
            lines.append(f"\nSynthetic chunks (beyond the {next(iter(ret.values()))['real_chunks']} real ones) recombine "
                         f"corpus sentences; their vectors mix their parents' real vectors (mean cosine to the true "
                         f"embedding {fid['mean_cosine']}, on {fid['sampled']} sampled).")
        lines.append("")
    srv = results.get("server")
    if srv:
        lines += [f"**Chroma server** (`chroma run`, {srv['chunks']:,} chunks, {srv['n_results']} candidates per query)", "",
                  "| clients | p50 ms | p95 ms | queries/s |", "|---|---|---|---|",
                  f"| 1 | {_fmt(srv['single_client']['p50_ms'])} | {_fmt(srv['single_client']['p95_ms'])} | – |",
                  f"| {srv['clients']} | {_fmt(srv['loaded']['p50_ms'])} | {_fmt(srv['loaded']['p95_ms'])} | "
                  f"{_fmt(srv['queries_per_s'])} |", ""]
    gen = results.get("generation")
    if gen:
        kv = gen["kv_cache"]
        lines += [f"**Generation** ({gen['model']}, {gen['n_threads']} threads, {gen['passages']} passages; "
                  f"medians of {gen['answered']} questions)", "",
                  "| figure | `study ask` | raw llama.cpp | ratio |", "|---|---|---|---|",
                  f"| prompt tokens | {_fmt(gen['median_prompt_tokens'])} | same messages | |",
                  f"| time to first token, ms | {_fmt(gen['median_app_first_token_ms'])} (model alone "
                  f"{_fmt(gen['median_app_model_first_token_ms'])}) | {_fmt(gen['median_raw_prefill_ms'])} (prefill, "
                  f"{_fmt(gen['median_raw_prefill_tok_s'])} tok/s) | {_fmt(gen['first_token_over_raw_prefill'])} |",
                  f"| decode tok/s | {_fmt(gen['median_app_decode_tok_s'])} (JSON grammar) | "
                  f"{_fmt(gen['median_raw_decode_tok_s'])} (plain), {_fmt(gen['raw_grammar_decode_tok_s'])} (same grammar) | "
                  f"{_fmt(gen['decode_over_raw'])} |",
                  f"| KV cache: model time to first token, ms | first question (cold, {kv['cold_prompt_tokens']} "
                  f"tokens) {_fmt(kv['cold_model_first_token_ms'])}; after another question "
                  f"{_fmt(kv['prefix_cached_model_first_token_ms'])} ({_fmt(kv['prefix_tokens_reused'])} of "
                  f"{_fmt(kv['prefix_cached_prompt_tokens'])} prompt tokens reused); same question again "
                  f"{_fmt(kv['repeat_model_first_token_ms'])} ({kv['repeat_tokens_reused']} of "
                  f"{kv['repeat_prompt_tokens']} reused) | same reuse | |",
                  "",
                  f"Physical bound: {gen['model_bytes'] / 1e9:.2f} GB of weights / {gen['memory_bandwidth']['gbs']} GB/s "
                  f"measured copy bandwidth = {gen['decode_bound_ms_per_token']} ms per token, at most "
                  f"{gen['decode_bound_tok_s']} tok/s; raw decode reaches {_fmt(gen['raw_decode_share_of_bound'])} of it.",
                  ""]
    lat = (gen or {}).get("latency")
    if lat:
        def row(name, key, raw_key=None, ratio_key=None):
            ours, raw = lat[key], lat.get(raw_key) if raw_key else None
            raw_text = f"{_fmt(raw['p50'])} / {_fmt(raw['p95'])}" if raw else "–"
            return f"| {name} | {_fmt(ours['p50'])} / {_fmt(ours['p95'])} | {raw_text} | {_fmt(lat.get(ratio_key)) if ratio_key else ''} |"

        lines += [f"**Latency per answer** (p50 / p95 over {lat['total_ms']['n']} answered questions; verified content "
                  f"from the notes shown before the model for {lat['instant_share']:.0%} of them)", "",
                  "| figure | `study ask` p50 / p95 | raw engine p50 / p95 | ratio (p50) |", "|---|---|---|---|",
                  row("first verified content, ms (warm process)", "first_content_ms"),
                  row("model time to first token, ms", "model_first_token_ms", "raw_prefill_ms",
                      "model_first_token_over_raw_prefill_p50"),
                  row("decode tok/s", "decode_tok_s", "raw_decode_tok_s", "decode_over_raw_p50"),
                  row("total per answer, ms", "total_ms")]
        cold = results.get("cold_start")
        if cold:
            fc, py = cold["first_content_ms"], cold["python_start_ms"]
            lines.append(f"| cold `study ask` to first content, ms (new process) | {_fmt(fc['p50'])} / {_fmt(fc['p95'])} | "
                         f"{_fmt(py['p50'])} / {_fmt(py['p95'])} (`python -c pass`) | {_fmt(cold['over_python_start_p50'])} |")
        lines.append("")
    mem = results.get("memory")
    if mem:
        lines += ["**Memory** (peak RSS of the process)", "", "| process | peak RSS MB | note |", "|---|---|---|",
                  f"| `study ask` (CLI) | {_fmt(mem['cli_ask']['peak_rss_mb'])} | one answer, "
                  f"{mem['cli_ask']['seconds']} s |"]
        if mem.get("cli_search"):
            lines.append(f"| `study search` (CLI, no model) | {_fmt(mem['cli_search']['peak_rss_mb'])} | "
                         "what a UI host using Bedrock needs |")
        ui = mem.get("ui")
        if ui:
            note = "one question answered, asked in headless Chromium" if ui.get("asked_in_browser") else ui.get("note", "")
            lines.append(f"| Streamlit UI | {_fmt(ui.get('peak_rss_mb'))} | {note}; "
                         f"{_fmt(ui.get('startup_peak_rss_mb'))} MB after start-up |")
        lines.append("")
    rows = results.get("targets", [])
    if rows:
        lines += ["**Targets**", "", "| target | measured | goal | met |", "|---|---|---|---|"]
        for t in rows:
            met = {True: "yes", False: "**no**", None: "not run"}[t["met"]]
            lines.append(f"| {t['target']} | {_fmt(t['value'])} | {t['goal']} | {met} |")
        lines.append("")
    return "\n".join(lines)


def write_markdown(results: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Benchmarks\n\n" + markdown(results), encoding="utf-8")
    return path
