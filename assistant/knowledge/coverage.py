"""Coverage per task statement: indexed chunks and decision facts, and which tasks are thin.

Works on any ingested notes: chunks from files without front matter count as "untagged".
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from assistant.knowledge.facts import read_yaml

THIN_CHUNKS = 8
THIN_FACTS = 5


def count_facts(facts_dir: Path) -> Counter:
    counts: Counter = Counter()
    for path in sorted(Path(facts_dir).glob("*.yaml")):
        data = read_yaml(path) or {}
        for kind in ("decisions", "sequences", "matchings"):
            for entry in data.get(kind) or []:
                counts[str(entry.get("task"))] += 1
    return counts


def coverage_report(assistant) -> dict:
    blueprint = assistant.blueprint
    chunks = assistant.index.load_bm25().chunks
    per_task = Counter(c.task or "untagged" for c in chunks)
    sources: dict[str, set] = {}
    for c in chunks:
        sources.setdefault(c.task or "untagged", set()).add(c.source)
    facts = count_facts(Path(assistant.settings.corpus) / "facts")
    rows = []
    for domain in blueprint.domains:
        for task, title in domain.tasks.items():
            thin = per_task[task] < THIN_CHUNKS or facts[task] < THIN_FACTS
            rows.append({"task": task, "domain": domain.id, "title": title, "chunks": per_task[task],
                         "files": len(sources.get(task, ())), "facts": facts[task], "thin": thin})
    known = set(blueprint.tasks)
    other = {t: n for t, n in per_task.items() if t not in known}
    return {"exam": blueprint.exam, "tasks": rows, "untagged": other.pop("untagged", 0), "unknown_tasks": other,
            "total_chunks": len(chunks), "total_facts": sum(facts.values()),
            "thin": [r["task"] for r in rows if r["thin"]]}


def format_coverage(report: dict) -> str:
    lines = [f"Coverage of {report['exam']}: {report['total_chunks']} chunks, {report['total_facts']} decision facts",
             "", f"{'task':<5} {'chunks':>6} {'files':>5} {'facts':>5}  title"]
    for r in report["tasks"]:
        flag = "  <- thin" if r["thin"] else ""
        lines.append(f"{r['task']:<5} {r['chunks']:>6} {r['files']:>5} {r['facts']:>5}  {r['title']}{flag}")
    lines.append(f"untagged chunks (files without front matter): {report['untagged']}")
    for task, n in report["unknown_tasks"].items():
        lines.append(f"chunks tagged with a task not in the blueprint ({task}): {n}")
    lines.append("thin tasks: " + (", ".join(report["thin"]) or "none"))
    return "\n".join(lines)
