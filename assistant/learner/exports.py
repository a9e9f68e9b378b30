"""Exports of the learner's record: an Anki deck (genanki) and CSV files of the question bank and of attempts.

Anki cards carry the question and options on the front, the key, an explanation per option and the cited note
passages on the back, tagged by exam, domain and task. All text is HTML-escaped (notes and model output are
data, never markup). CSV list fields are JSON so a file reads back into the same questions.
"""
from __future__ import annotations

import csv
import html
import json
from datetime import datetime, timezone
from pathlib import Path

import genanki

from assistant.quiz.models import LETTERS, Question

DECK_ID = 1_733_460_001  # fixed ids: re-importing an updated deck updates the same cards in Anki
MODEL_ID = 1_733_460_002
CSS = ".card { font-family: sans-serif; font-size: 18px; text-align: left; } .src { color: #555; font-size: 14px; }"

CARD_MODEL = genanki.Model(
    MODEL_ID, "Study Assistant question",
    fields=[{"name": "Id"}, {"name": "Question"}, {"name": "Options"}, {"name": "Answer"}, {"name": "Explanation"},
            {"name": "Sources"}],
    templates=[{"name": "Card 1", "qfmt": "{{Question}}<br><br>{{Options}}",
                "afmt": "{{FrontSide}}<hr id=answer><b>{{Answer}}</b><br><br>{{Explanation}}<br><br>"
                        "<div class=src>{{Sources}}</div>"}],
    css=CSS, sort_field_index=1)

QUESTION_COLUMNS = ["id", "type", "domain", "task", "concept", "fact_id", "method", "model", "stem", "options",
                    "prompts", "keys", "key_letters", "explanations", "citations"]
ATTEMPT_COLUMNS = ["id", "question_id", "answered_at", "answer", "correct", "seconds", "domain", "task"]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def anki_note(q: Question, exam: str) -> genanki.Note:
    front = "".join(f"{i + 1}. {_e(p)}<br>" for i, p in enumerate(q.prompts))
    front += "".join(f"{LETTERS[i]}. {_e(o)}<br>" for i, o in enumerate(q.options))
    labels = [f"{i + 1}." for i in range(len(q.prompts))] if q.type == "matching" else \
        [f"{LETTERS[i]}." for i in range(len(q.options))]
    explanation = "".join(f"{label} {_e(text)}<br>" for label, text in zip(labels, q.explanations))
    sources = "".join(f"[{c.n}] {_e(c.source)} — {_e(c.heading)}<br><i>{_e(c.text)}</i><br>" for c in q.citations)
    tags = [exam, f"{exam}::domain-{q.domain}", f"{exam}::task-{q.task}", f"format-{q.type}"]
    return genanki.Note(model=CARD_MODEL, fields=[q.id, _e(q.stem), front, _e(q.key_letters), explanation, sources],
                        tags=tags, guid=genanki.guid_for(q.id))


def export_anki(questions: list[Question], path: Path, exam: str = "MLA-C01") -> int:
    if not questions:
        raise ValueError("the question bank is empty: make some questions first (`study quiz`)")
    deck = genanki.Deck(DECK_ID, f"{exam} practice (Study Assistant)")
    for q in questions:
        deck.add_note(anki_note(q, exam))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return len(questions)


def export_questions_csv(questions: list[Question], path: Path) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, QUESTION_COLUMNS)
        w.writeheader()
        for q in questions:
            w.writerow({"id": q.id, "type": q.type, "domain": q.domain, "task": q.task, "concept": q.concept,
                        "fact_id": q.fact_id or "", "method": q.method, "model": q.model, "stem": q.stem,
                        "options": json.dumps(q.options), "prompts": json.dumps(q.prompts), "keys": json.dumps(q.keys),
                        "key_letters": q.key_letters, "explanations": json.dumps(q.explanations),
                        "citations": json.dumps([c.to_json() for c in q.citations])})
    return len(questions)


def read_questions_csv(path: Path) -> list[Question]:
    with open(path, newline="", encoding="utf-8") as f:
        return [Question(id=r["id"], type=r["type"], domain=int(r["domain"]), task=r["task"], concept=r["concept"],
                         fact_id=r["fact_id"] or None, method=r["method"], model=r["model"], stem=r["stem"],
                         options=json.loads(r["options"]), prompts=json.loads(r["prompts"]), keys=json.loads(r["keys"]),
                         explanations=json.loads(r["explanations"]), citations=json.loads(r["citations"]))
                for r in csv.DictReader(f)]


def export_attempts_csv(history: list[dict], path: Path) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ATTEMPT_COLUMNS)
        w.writeheader()
        for r in history:
            when = datetime.fromtimestamp(r["answered_at"], tz=timezone.utc).isoformat()
            w.writerow({"id": r["id"], "question_id": r["question_id"], "answered_at": when, "answer": r["answer"],
                        "correct": int(r["correct"]), "seconds": "" if r["seconds"] is None else round(r["seconds"], 3),
                        "domain": r["domain"], "task": r["task"]})
    return len(history)


def read_attempts_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return [{"id": int(r["id"]), "question_id": r["question_id"],
                 "answered_at": datetime.fromisoformat(r["answered_at"]).timestamp(), "answer": r["answer"],
                 "correct": int(r["correct"]), "seconds": float(r["seconds"]) if r["seconds"] else None,
                 "domain": int(r["domain"]), "task": r["task"]} for r in csv.DictReader(f)]
