"""Retrieval eval: recall@1/3/5/10, MRR@10 and nDCG@10 for BM25, dense and hybrid, side by side.

Labels name sections (source + heading path), not chunk ids, so re-chunking never breaks them: a
retrieved chunk counts for a label when it lies in that section or below it. Metrics come from
trec_eval (pytrec-eval-terrier), fed strictly decreasing scores and an entry for every query.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm.auto import tqdm

from assistant.ingest.markdown import HEADING_SEPARATOR

MODES = ("bm25", "dense", "hybrid", "hybrid+facts")
MEASURES = {"recall_1": "recall@1", "recall_3": "recall@3", "recall_5": "recall@5", "recall_10": "recall@10",
            "recip_rank": "MRR@10", "ndcg_cut_10": "nDCG@10"}
NO_RESULT = "__no_result__"


SPLITS = ("dev", "test", "all")


def split_folders(evals_dir: Path, kind: str, split: str = "dev") -> list[Path]:
    """`evals/<kind>/dev` is tuned on; `evals/<kind>/test` is frozen (see its README) and only reported."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    names = ("dev", "test") if split == "all" else (split,)
    return [Path(evals_dir) / kind / name for name in names]


def load_split(evals_dir: Path, kind: str, split: str = "dev") -> list[dict]:
    items = [item for folder in split_folders(evals_dir, kind, split) for item in load_items(folder)]
    ids = [item["id"] for item in items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate eval ids in {kind}/{split}")
    return items


def load_items(folder: Path) -> list[dict]:
    items = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                items.append(json.loads(line))
    if not items:
        raise FileNotFoundError(f"no eval questions (*.jsonl) in {folder}")
    return items


def label_key(source: str, heading: str) -> str:
    return f"{source}#{heading}"


def collapse_labels(labels: list[dict]) -> list[dict]:
    """A parent heading covers its subsections: drop labels nested under another label of the same file."""
    def under(a, b):
        return a["source"] == b["source"] and a["heading"].startswith(b["heading"] + HEADING_SEPARATOR)

    unique = list({label_key(label["source"], label["heading"]): label for label in labels}.values())
    return [label for label in unique if not any(under(label, other) for other in unique if other is not label)]


def doc_key(source: str, heading: str, chunk_id: str, labels: list[dict]) -> str:
    for label in labels:
        h = label["heading"]
        if source == label["source"] and (heading == h or heading.startswith(h + HEADING_SEPARATOR)):
            return label_key(label["source"], h)
    return chunk_id


def score_run(items: list[dict], ranked: dict[str, list[tuple[str, str, str]]]) -> dict:
    """Per-query and mean metrics. `ranked[qid]` is [(chunk_id, source, heading), ...] best first."""
    import pytrec_eval

    labels = {it["id"]: collapse_labels(it["relevant"]) for it in items}
    qrels = {qid: {label_key(label["source"], label["heading"]): 1 for label in ls} for qid, ls in labels.items()}
    run = {}
    for it in items:
        seen: dict[str, float] = {}
        for rank, (cid, source, heading) in enumerate(ranked.get(it["id"], [])[:10], 1):
            seen.setdefault(doc_key(source, heading, cid, labels[it["id"]]), 1.0 / rank)
        run[it["id"]] = seen or {NO_RESULT: 0.0}  # a query missing from the run would be dropped silently
    per_query = pytrec_eval.RelevanceEvaluator(qrels, set(MEASURES)).evaluate(run)
    means = {name: sum(q[m] for q in per_query.values()) / len(per_query) for m, name in MEASURES.items()}
    return {"mean": means, "per_query": per_query}


def run_retrieval_eval(assistant, folder: Path | None = None, modes=MODES, progress: bool = True, *,
                       items: list[dict] | None = None, split: str = "") -> dict:
    items = items if items is not None else load_items(folder)
    results = {"split": split, "questions": len(items), "modes": {}, "misses": {}}
    assistant.search(items[0]["question"], k=1)  # load models before timing
    for mode in modes:
        ranked, started = {}, time.perf_counter()
        for it in tqdm(items, desc=f"eval {mode}", disable=not progress):
            hits = assistant.search(it["question"], k=10, mode=mode)
            ranked[it["id"]] = [(h.chunk.id, h.chunk.source, h.chunk.heading) for h in hits]
        scored = score_run(items, ranked)
        scored["mean"]["ms/query"] = 1000 * (time.perf_counter() - started) / len(items)
        results["modes"][mode] = scored["mean"]
        results["misses"][mode] = [
            {"id": it["id"], "question": it["question"], "expected": it["relevant"],
             "got": [f"{s}#{h}" for _, s, h in ranked[it["id"]][:5]]}
            for it in items if scored["per_query"][it["id"]]["recall_5"] < 1.0
        ]
    return results


def format_table(results: dict) -> str:
    names = list(MEASURES.values()) + ["ms/query"]
    modes = list(results["modes"])
    lines = ["| metric | " + " | ".join(modes) + " |", "|---|" + "---|" * len(modes)]
    for name in names:
        cells = [f"{results['modes'][m][name]:.3f}" if name != "ms/query" else f"{results['modes'][m][name]:.0f}"
                 for m in modes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(results: dict, out_dir: Path, name: str = "retrieval") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = out_dir / f"{name}-{stamp}.json"
    text = json.dumps(results, indent=1)
    path.write_text(text, encoding="utf-8")
    (out_dir / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path
