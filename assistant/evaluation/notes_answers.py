"""Answer eval on a learner's own notes (`study eval answers --notes PATH`): each note set is indexed alone in a
scratch data folder (facts mined at ingest, none of the bundled corpus's), then its `questions.jsonl` is asked
with the same model. Reported per set: correct with the mined key points (the answer as shown, fill included),
correct from the model's sentences alone, how many answers matched a mined fact, refusals and latency.

The questions were written with the notes, before any tuning (evals/notes/README.md).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from assistant.evaluation.answers import run_answer_eval
from assistant.evaluation.notes_quiz import note_sets


def load_questions(folder: Path) -> list[dict]:
    path = folder / "questions.jsonl"
    if not path.exists():
        raise ValueError(f"{folder} has no questions.jsonl: write one question per line as in evals/notes/README.md")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_notes_answer_eval(assistant, notes: Path, *, limit: int | None = None, progress: bool = True,
                          replay: Path | None = None) -> dict:
    """One answers eval per note set; the model is loaded once and shared by every scratch assistant. With
    `replay` (an earlier results file of this eval), the model's recorded sentences stand in for the model, as
    `study eval answers --replay` does for a split: a change after the model measured in minutes."""
    from assistant.app import Assistant
    from assistant.evaluation.answers import run_answer_replay

    llm = assistant.llm if replay is None else None  # a replay gives each scratch assistant its scripted model
    results = {"backend": "replay" if replay else assistant.llm.backend,
               "model": f"recorded output of {replay.name}" if replay else assistant.llm.model, "sets": [], "rows": []}
    for folder in note_sets(notes):
        items = load_questions(folder)
        with tempfile.TemporaryDirectory(prefix="notes-answers-") as tmp:
            settings = assistant.settings.model_copy(update={"data_dir": Path(tmp)})
            scratch = Assistant(settings, embedder=assistant.embedder, llm=llm)
            scratch.ingest([folder], progress=progress)
            if replay is not None:
                run = run_answer_replay(scratch, replay, items[:limit] if limit else items, progress=progress,
                                        split=folder.name)
            else:
                run = run_answer_eval(scratch, items=items, limit=limit, progress=progress, split=folder.name)
        rows = run["rows"]
        ins = [r for r in rows if r["in_notes"]]
        results["sets"].append({"notes": folder.name, **run["summary"],
                                "matched_mined_fact": sum(bool(r["key_fact"]) for r in ins) / max(1, len(ins)),
                                "seconds": round(run["seconds"], 1)})
        results["rows"] += [{"notes": folder.name, **r} for r in rows]
    return results


def format_notes_answer_table(results: dict) -> str:
    lines = ["| notes | questions (in / out) | correct, with mined key points | correct, model's sentences alone | "
             "matched a mined fact | correct refusals | false refusals | median s per answer |",
             "|---|---|---|---|---|---|---|---|"]
    for s in results["sets"]:
        lines.append(f"| {s['notes']} | {s['in_notes']} / {s['out_of_notes']} | {s['correct']:.0%} | "
                     f"{s['correct_model_alone']:.0%} | {s['matched_mined_fact']:.0%} | {s['correct_refusals']:.0%} | "
                     f"{s['false_refusals']:.0%} | {s['median_total_ms'] / 1000:.1f} |")
    return "\n".join(lines)
