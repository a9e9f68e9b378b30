"""Spaced review of concepts with FSRS (the maintained `fsrs` package): a missed question schedules its concept,
and every later answer on that concept moves the concept's card. The clock is injectable (the bank's clock).

A concept is what a learner must tell apart, not a letter to remember: for a question built from a decision
fact it is the fact's concept ("Kinesis Data Streams vs Amazon Data Firehose"), so the review serves a fresh
question from any decision of that concept. Orderings and matchings are their own concept; a model-written
question without a fact is reviewed as itself.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from assistant.knowledge.facts import Decision, FactBook
from assistant.quiz.models import Question


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


@dataclass(frozen=True)
class Due:
    concept: str
    task: str
    fact_ids: tuple[str, ...]
    question_id: str | None
    due: float


def concepts_of(q: Question, facts: FactBook) -> list[tuple[str, list[str]]]:
    """(concept key, fact ids) for each concept a question tests."""
    out: dict[str, list[str]] = {}
    for fid in (q.fact_id or "").split("+"):
        fact = facts.by_id(fid) if fid else None
        if isinstance(fact, Decision):
            out.setdefault(f"concept:{fact.concept}", []).append(fid)
        elif fact is not None:
            out.setdefault(f"fact:{fid}", []).append(fid)
    return list(out.items()) or [(f"question:{q.id}", [])]


class Reviews:
    def __init__(self, bank, facts: FactBook):
        self.bank = bank
        self.facts = facts
        self.scheduler = Scheduler(enable_fuzzing=False)  # the same history always gives the same schedule

    def writer(self, q: Question, correct: bool):
        """The review update to run inside the attempt's transaction (see Bank.record_attempt(also=...)).
        A miss creates the concept's card; a later answer on a concept with a card moves it."""
        now = utc(self.bank.clock())

        def write(db: sqlite3.Connection, attempt_id: int) -> None:
            for concept, fact_ids in concepts_of(q, self.facts):
                row = db.execute("SELECT card, fact_ids FROM reviews WHERE concept = ?", (concept,)).fetchone()
                if row is None and correct:
                    continue
                card = Card.from_json(row[0]) if row else Card()
                known = json.loads(row[1]) if row else []
                rating = Rating.Good if correct else Rating.Again
                card, _ = self.scheduler.review_card(card, rating, now)
                ids = json.dumps(sorted(set(known) | set(fact_ids)))
                db.execute("""INSERT INTO reviews (concept, task, fact_ids, question_id, card, due, updated)
                              VALUES (?, ?, ?, ?, ?, ?, ?)
                              ON CONFLICT(concept) DO UPDATE SET fact_ids = excluded.fact_ids, card = excluded.card,
                              due = excluded.due, updated = excluded.updated, question_id = excluded.question_id""",
                           (concept, q.task, ids, q.id, card.to_json(), card.due.timestamp(), now.timestamp()))
                db.execute("INSERT INTO review_log (concept, attempt_id, rating, reviewed_at) VALUES (?, ?, ?, ?)",
                           (concept, attempt_id, int(rating), now.timestamp()))
        return write

    def due(self, at: float | None = None, limit: int | None = None) -> list[Due]:
        at = self.bank.clock() if at is None else at
        sql = "SELECT concept, task, fact_ids, question_id, due FROM reviews WHERE due <= ? ORDER BY due"
        rows = self.bank.db.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), (at,))
        return [Due(c, t, tuple(json.loads(f)), q, d) for c, t, f, q, d in rows]

    def upcoming(self, limit: int = 20) -> list[Due]:
        rows = self.bank.db.execute("SELECT concept, task, fact_ids, question_id, due FROM reviews ORDER BY due LIMIT ?",
                                    (limit,))
        return [Due(c, t, tuple(json.loads(f)), q, d) for c, t, f, q, d in rows]

    def card(self, concept: str) -> Card | None:
        row = self.bank.db.execute("SELECT card FROM reviews WHERE concept = ?", (concept,)).fetchone()
        return Card.from_json(row[0]) if row else None
