"""Explain eval: reworded practice questions, pasted with their options inline, each with a wrong option chosen.

evals/explain/{dev,test}.jsonl hold one exercise a line: stem, options (reworded, re-ordered), key (0-based), chosen
(a wrong option). Scored: the right key found, a wrong answer called correct (must be 0), undecided, seconds.
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from assistant.quiz.pasted import LETTERS, parse_pasted


def load_exercises(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def pasted_text(item: dict) -> str:
    """The exercise as a learner pastes it: the stem, then 'A) ... B) ...' on the same line."""
    return item["stem"] + " " + " ".join(f"{LETTERS[i]}) {o}" for i, o in enumerate(item["options"]))


def run_explain_eval(assistant, path: Path, with_model: bool = False, progress: bool = True) -> dict:
    explainer = assistant.explainer(seed=0, with_model=with_model)
    rows = []
    for item in load_exercises(path):
        started = time.perf_counter()
        q = parse_pasted(pasted_text(item))
        if q.options != item["options"]:
            raise ValueError(f"{item['id']}: the paste parser split the options differently: {q.options}")
        e = explainer.explain(q.stem, q.options, item["chosen"])
        seconds = time.perf_counter() - started
        right = e.verdict != "undecided" and e.key == item["options"][item["key"]]
        row = {"id": item["id"], "verdict": e.verdict, "key": e.key, "expected": item["options"][item["key"]],
               "right_key": right, "endorsed_wrong": e.verdict == "correct", "undecided": e.verdict == "undecided",
               "method": e.method, "fact_id": e.fact_id, "confidence": e.confidence, "seconds": round(seconds, 2)}
        rows.append(row)
        if progress:
            mark = "ok" if right else ("UNDECIDED" if row["undecided"] else "WRONG")
            print(f"{item['id']}: {mark} {e.verdict} key={e.key[:60]!r} ({e.method}, {seconds:.1f}s)", flush=True)
    summary = {"exercises": len(rows), "right_key": sum(r["right_key"] for r in rows),
               "endorsed_wrong": sum(r["endorsed_wrong"] for r in rows),
               "undecided": sum(r["undecided"] for r in rows),
               "wrong_key": sum(not r["right_key"] and not r["undecided"] for r in rows),
               "median_seconds": round(statistics.median(r["seconds"] for r in rows), 2) if rows else 0.0}
    return {"split": Path(path).stem, "with_model": with_model, "summary": summary, "rows": rows}


def format_explain_table(results: dict) -> str:
    s = results["summary"]
    n = s["exercises"]
    return (f"Explain eval ({results['split']}, {'with' if results['with_model'] else 'without'} the model): "
            f"{n} reworded exercises, a wrong option chosen in each\n"
            f"  right key:                  {s['right_key']}/{n}\n"
            f"  wrong answer called correct: {s['endorsed_wrong']}\n"
            f"  undecided (said so):         {s['undecided']}\n"
            f"  wrong key (not endorsed):    {s['wrong_key']}\n"
            f"  median seconds:              {s['median_seconds']}")


def cmd_explain_eval(assistant, args, evals: Path) -> int:
    """`study eval explain --split dev|test|all [--backend local|bedrock] [--json]`."""
    from assistant.evaluation.retrieval import write_results

    with_model = bool(getattr(args, "backend", None))  # the CLI has already switched the assistant to it
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    for split in splits:
        path = Path(evals) / "explain" / f"{split}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"no explain eval split {path}")
        results = run_explain_eval(assistant, path, with_model=with_model, progress=not args.json)
        out = write_results(results, args.out or Path(evals) / "results", name=f"explain-{split}")
        print(json.dumps(results["summary"]) if args.json else format_explain_table(results))
        if not args.json:
            print(f"results written to {out}\n")
    return 0
