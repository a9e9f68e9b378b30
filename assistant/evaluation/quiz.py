"""Quiz eval: per domain, generate a batch and report gate pass rate, rejection reasons, key positions,
time per accepted question and how often the independent solve agreed; plus one question per task."""
from __future__ import annotations

import time
from collections import Counter

from assistant.quiz.generate import QuizMaker


def run_quiz_eval(assistant, per_domain: int = 6, llm_per_domain: int = 2, seed: int = 11, progress: bool = True) -> dict:
    results = {"batches": [], "per_task": {}, "questions": []}
    for source, n in (("facts", per_domain), ("llm", llm_per_domain)):
        if n <= 0:
            continue
        for domain in assistant.blueprint.domains:
            maker = QuizMaker(assistant, None, assistant.facts, seed=seed + domain.id)
            started = time.perf_counter()
            kind = "mixed" if source == "facts" else "mcq"
            batch = maker.make(n, domain=domain.id, kind=kind, source=source, progress=progress, save=False)
            seconds = time.perf_counter() - started
            candidates = batch.accepted + batch.rejected
            solved = [q for q in candidates if "independent_solve" in q.gate]
            results["batches"].append({
                "source": source, "domain": domain.id, "requested": n, "accepted": len(batch.accepted),
                "candidates": len(candidates), "writer_failures": len(maker.writer_failures),
                "pass_rate": len(batch.accepted) / max(1, len(candidates) + len(maker.writer_failures)),
                "rejections": dict(Counter(k for q in batch.rejected for k, v in q.gate.items() if not v["ok"])),
                "key_positions": key_position_counts(batch.accepted),
                "solve_agreement": sum(q.gate["independent_solve"]["ok"] for q in solved) / max(1, len(solved)),
                "seconds_per_accepted": seconds / max(1, len(batch.accepted)),
                "types": dict(Counter(q.type for q in batch.accepted)),
            })
            results["questions"] += [q.model_dump() for q in batch.accepted]
    maker = QuizMaker(assistant, None, assistant.facts, seed=seed)
    for task in assistant.blueprint.tasks:
        batch = maker.make(1, task=task, kind="mcq", progress=False, save=False)
        results["per_task"][task] = len(batch.accepted)
    return results


def key_position_counts(questions, positions: int = 5) -> list[int]:
    """How often each option position (A..E) is a key, as a list: JSON keeps it as it is, where a dict's int
    keys would come back as strings and read as zero."""
    counts = Counter(k for q in questions if q.type in ("mcq", "multi") for k in q.keys)
    return [counts.get(i, 0) for i in range(positions)]


def positions_cell(key_positions) -> str:
    """"A,B,C,D,E" counts from a list, or from the dict older results files hold (int or, after JSON, str keys)."""
    if isinstance(key_positions, dict):
        key_positions = [key_positions.get(i, key_positions.get(str(i), 0)) for i in range(5)]
    return ",".join(str(n) for n in key_positions)


def format_quiz_table(results: dict) -> str:
    lines = ["| source | domain | accepted / requested | gate pass rate | independent solve agreed | key positions (A,B,C,D,E) | s per accepted | main rejections |",
             "|---|---|---|---|---|---|---|---|"]
    for b in results["batches"]:
        positions = positions_cell(b["key_positions"])
        top = ", ".join(f"{k} {v}" for k, v in sorted(b["rejections"].items(), key=lambda kv: -kv[1])[:3]) or "-"
        if b["writer_failures"]:
            top += f", invalid output {b['writer_failures']}"
        lines.append(f"| {b['source']} | {b['domain']} | {b['accepted']} / {b['requested']} | {b['pass_rate']:.0%} | "
                     f"{b['solve_agreement']:.0%} | {positions} | {b['seconds_per_accepted']:.1f} | {top} |")
    tasks = results["per_task"]
    lines.append(f"\nTasks able to produce a gate-passing question: {sum(1 for v in tasks.values() if v)}/{len(tasks)}"
                 + (f" (none for {', '.join(t for t, v in tasks.items() if not v)})" if not all(tasks.values()) else ""))
    return "\n".join(lines)
