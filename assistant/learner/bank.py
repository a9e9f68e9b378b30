"""The learner's SQLite record: the question bank, every attempt, review state, mock exams, refusals.

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
from assistant.index.store import storage_error


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


def _m002_reviews_exams_refusals(db: sqlite3.Connection) -> None:
    db.execute("""CREATE TABLE reviews (
        concept TEXT PRIMARY KEY, task TEXT NOT NULL, fact_ids TEXT NOT NULL, question_id TEXT REFERENCES questions(id),
        card TEXT NOT NULL, due REAL NOT NULL, updated REAL NOT NULL)""")
    db.execute("CREATE INDEX reviews_due ON reviews(due)")
    db.execute("""CREATE TABLE review_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, concept TEXT NOT NULL REFERENCES reviews(concept),
        attempt_id INTEGER NOT NULL REFERENCES attempts(id), rating INTEGER NOT NULL, reviewed_at REAL NOT NULL)""")
    db.execute("""CREATE TABLE exams (
        id TEXT PRIMARY KEY, created REAL NOT NULL, seconds_allowed REAL NOT NULL, seconds_used REAL NOT NULL,
        question_ids TEXT NOT NULL, finished REAL)""")
    db.execute("""CREATE TABLE exam_answers (
        exam_id TEXT NOT NULL REFERENCES exams(id), position INTEGER NOT NULL,
        attempt_id INTEGER NOT NULL REFERENCES attempts(id), PRIMARY KEY (exam_id, position))""")
    db.execute("""CREATE TABLE refusals (
        id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at REAL NOT NULL, question TEXT NOT NULL, closest TEXT NOT NULL)""")


def _m003_exam_drafts(db: sqlite3.Connection) -> None:
    """Mock exam answers kept (changeable, skippable, flagged for review) until the exam is finished."""
    db.execute("""CREATE TABLE exam_drafts (
        exam_id TEXT NOT NULL REFERENCES exams(id), position INTEGER NOT NULL, answer TEXT NOT NULL,
        flagged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (exam_id, position))""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m001_questions_and_attempts, _m002_reviews_exams_refusals,
                                                          _m003_exam_drafts]


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

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM _migrations ORDER BY applied, name")]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing; a full disk or read-only folder becomes a StorageError naming the folder."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            problem = storage_error(self.path.parent, exc)
            if problem is None:
                raise
            raise problem from exc

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

    def record_attempt(self, qid: str, answer: list[int], correct: bool, seconds: float | None = None,
                       also: Callable[[sqlite3.Connection, int], None] | None = None) -> int:
        """One transaction: the attempt, plus whatever `also(db, attempt_id)` writes with it (review state,
        an exam answer), so after a crash all of it is there or none of it."""
        with self.transaction() as db:
            cur = db.execute("INSERT INTO attempts (question_id, answered_at, answer, correct, seconds) VALUES (?, ?, ?, ?, ?)",
                             (qid, self.clock(), json.dumps(answer), int(correct), seconds))
            attempt_id = int(cur.lastrowid)
            if also is not None:
                also(db, attempt_id)
            return attempt_id

    def history(self) -> list[dict]:
        """Every attempt with its question's domain, task, type and body, oldest first."""
        rows = self.db.execute("""SELECT a.id, a.question_id, a.answered_at, a.answer, a.correct, a.seconds,
                                         q.domain, q.task, q.type, q.body
                                  FROM attempts a JOIN questions q ON q.id = a.question_id ORDER BY a.answered_at, a.id""")
        cols = ("id", "question_id", "answered_at", "answer", "correct", "seconds", "domain", "task", "type", "body")
        return [dict(zip(cols, r)) for r in rows]

    def log_refusal(self, question: str, closest: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO refusals (asked_at, question, closest) VALUES (?, ?, ?)", (self.clock(), question, closest))

    def refusals(self, limit: int = 20) -> list[dict]:
        """The most recent questions the notes could not answer, newest first, each question once."""
        rows = self.db.execute("""SELECT question, MAX(asked_at), closest, COUNT(*) FROM refusals
                                  GROUP BY question ORDER BY MAX(asked_at) DESC LIMIT ?""", (limit,))
        return [{"question": q, "asked_at": t, "closest": c, "times": n} for q, t, c, n in rows]

    def attempts(self) -> list[dict]:
        cols = ("id", "question_id", "answered_at", "answer", "correct", "seconds")
        return [dict(zip(cols, r)) for r in self.db.execute(f"SELECT {', '.join(cols)} FROM attempts ORDER BY id")]

    def close(self) -> None:
        self.db.close()
