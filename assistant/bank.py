"""The learner's SQLite record: the question bank and every attempt.

WAL journal, foreign keys on, `synchronous=FULL` so a committed attempt survives a crash; each attempt is
one transaction (fully there or absent). Migrations are a plain list of functions applied in order and
recorded in the database (like simonw/llm's migrations.py). Chroma's own SQLite file is never opened.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from assistant.quiz.models import Question


def _m001_questions_and_attempts(db: sqlite3.Connection) -> None:
    db.execute("""CREATE TABLE questions (
        id TEXT PRIMARY KEY, created REAL NOT NULL, type TEXT NOT NULL, domain INTEGER NOT NULL, task TEXT NOT NULL,
        fact_id TEXT, method TEXT NOT NULL, model TEXT NOT NULL, body TEXT NOT NULL, stem_vector BLOB)""")
    db.execute("CREATE INDEX questions_task ON questions(task)")
    db.execute("CREATE INDEX questions_fact ON questions(fact_id)")
    db.execute("""CREATE TABLE attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, question_id TEXT NOT NULL REFERENCES questions(id),
        answered_at REAL NOT NULL, answer TEXT NOT NULL, correct INTEGER NOT NULL, seconds REAL)""")
    db.execute("CREATE INDEX attempts_question ON attempts(question_id)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m001_questions_and_attempts]


class Bank:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
        done = {row[0] for row in self.db.execute("SELECT name FROM _migrations")}
        for migration in MIGRATIONS:
            if migration.__name__ not in done:
                with self.transaction():
                    migration(self.db)
                    self.db.execute("INSERT INTO _migrations VALUES (?, ?)", (migration.__name__, self.clock()))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def add_question(self, q: Question, stem_vector: np.ndarray | None = None) -> None:
        blob = None if stem_vector is None else np.asarray(stem_vector, dtype=np.float32).tobytes()
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (q.id, self.clock(), q.type, q.domain, q.task, q.fact_id, q.method, q.model,
                        q.model_dump_json(), blob))

    def question(self, qid: str) -> Question | None:
        row = self.db.execute("SELECT body FROM questions WHERE id = ?", (qid,)).fetchone()
        return Question.model_validate_json(row[0]) if row else None

    def questions(self, task: str | None = None) -> list[Question]:
        sql, args = "SELECT body FROM questions", ()
        if task:
            sql, args = sql + " WHERE task = ?", (task,)
        return [Question.model_validate_json(r[0]) for r in self.db.execute(sql + " ORDER BY created", args)]

    def used_facts(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT fact_id FROM questions WHERE fact_id IS NOT NULL")}

    def stem_vectors(self) -> np.ndarray:
        rows = [np.frombuffer(r[0], dtype=np.float32) for r in
                self.db.execute("SELECT stem_vector FROM questions WHERE stem_vector IS NOT NULL")]
        return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def record_attempt(self, qid: str, answer: list[int], correct: bool, seconds: float | None = None) -> int:
        with self.transaction() as db:
            cur = db.execute("INSERT INTO attempts (question_id, answered_at, answer, correct, seconds) VALUES (?, ?, ?, ?, ?)",
                             (qid, self.clock(), json.dumps(answer), int(correct), seconds))
            return int(cur.lastrowid)

    def attempts(self) -> list[dict]:
        cols = ("id", "question_id", "answered_at", "answer", "correct", "seconds")
        return [dict(zip(cols, r)) for r in self.db.execute(f"SELECT {', '.join(cols)} FROM attempts ORDER BY id")]

    def close(self) -> None:
        self.db.close()
