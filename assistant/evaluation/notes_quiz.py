"""Quiz eval on a learner's own notes (`study eval quiz --notes PATH`): each note set is indexed alone in a
scratch data folder, facts are mined at ingest, then a mixed batch is built without a model. Reported per set:
words, facts mined per 1,000 words, gate pass rate, gate-passing questions per minute, formats, key positions
and the main rejection reasons. PATH is one notes folder or a folder of them (e.g. evals/notes: one per style).
"""
from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

from assistant.evaluation.quiz import key_position_counts, positions_cell
from assistant.ingest.loaders import SUPPORTED_SUFFIXES


def note_sets(path: Path) -> list[Path]:
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no such notes folder or file: {path}")
    if path.is_file():
        return [path]
    subdirs = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    has_notes = any(f.suffix.lower() in SUPPORTED_SUFFIXES for f in path.iterdir() if f.is_file() and f.name != "README.md")
    return [path] if has_notes or not subdirs else subdirs


def run_notes_quiz_eval(assistant, notes: Path, n: int = 40, seed: int = 7, progress: bool = True) -> dict:
    from assistant.app import Assistant
    from assistant.knowledge.fact_store import load_store
    from assistant.quiz.generate import QuizMaker

    results = {"sets": [], "questions": []}
    for folder in note_sets(notes):
        with tempfile.TemporaryDirectory(prefix="notes-quiz-") as tmp:
            settings = assistant.settings.model_copy(update={"data_dir": Path(tmp)})
            a = Assistant(settings, embedder=assistant.embedder)
            started = time.perf_counter()
            report = a.ingest([folder], progress=progress)
            ingest_s = time.perf_counter() - started
            store = load_store(Path(tmp))["notes"]
            words = sum(e["words"] for e in store.values())
            mined = sum(len(e["facts"]) for e in store.values())
            rejected = sum(len(e["rejected"]) for e in store.values())
            maker = QuizMaker(a, None, a.facts, seed=seed)
            started, cpu = time.perf_counter(), time.process_time()
            batch = maker.make(n, kind="mixed", progress=progress, save=False)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            candidates = batch.accepted + batch.rejected
            results["sets"].append({
                "notes": str(folder), "files": len(store), "errors": [f"{e.source}: {e.message}" for e in report.errors],
                "words": words, "facts": mined, "facts_rejected_at_mining": rejected,
                "facts_per_1k_words": round(1000 * mined / max(1, words), 1),
                "requested": n, "accepted": len(batch.accepted), "candidates": len(candidates),
                "pass_rate": round(len(batch.accepted) / max(1, len(candidates)), 3),
                "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "ingest_seconds": round(ingest_s, 1),
                "questions_per_minute": round(60 * len(batch.accepted) / max(seconds, 1e-6), 1),
                "types": dict(Counter(q.type for q in batch.accepted)),
                "key_positions": key_position_counts(batch.accepted),
                "rejections": dict(Counter(k for q in batch.rejected for k, v in q.gate.items() if not v["ok"])),
            })
            results["questions"] += [{"notes": folder.name, **q.model_dump()} for q in batch.accepted]
    return results


def format_notes_quiz_table(results: dict) -> str:
    lines = ["| notes | words | facts (per 1k words) | accepted / requested | gate pass rate | questions/min (wall s, CPU s) | "
             "formats | key positions (A..E) | main rejections |", "|---|---|---|---|---|---|---|---|---|"]
    for s in results["sets"]:
        positions = positions_cell(s["key_positions"])
        top = ", ".join(f"{k} {v}" for k, v in sorted(s["rejections"].items(), key=lambda kv: -kv[1])[:3]) or "-"
        formats = ", ".join(f"{k} {v}" for k, v in sorted(s["types"].items()))
        lines.append(f"| {Path(s['notes']).name} | {s['words']} | {s['facts']} ({s['facts_per_1k_words']}) | "
                     f"{s['accepted']} / {s['requested']} | {s['pass_rate']:.0%} | {s['questions_per_minute']} "
                     f"({s['seconds']}, {s['cpu_seconds']}) | {formats} | {positions} | {top} |")
    return "\n".join(lines)
