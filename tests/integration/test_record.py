"""The learner's record with the real bank, facts, retrieval and embedder: FSRS reviews through an injected
clock, mock exams (proportions, resume, scoring), Anki and CSV exports, migrations, the refusal log."""
from __future__ import annotations

import sqlite3
import zipfile

import pytest

from assistant.learner.bank import MIGRATIONS, Bank
from assistant.learner.exports import (export_anki, export_attempts_csv, export_questions_csv, read_attempts_csv,
                               read_questions_csv)
from assistant.llm.fake import ScriptedLLM
from assistant.quiz.generate import QuizResult, plan_tasks
from assistant.quiz.models import Question
from tests.conftest import wrong

MIN = 60.0


def test_a_miss_comes_back_sooner_than_a_hit_and_reviews_serve_a_fresh_question(learner):
    q1, q2 = learner.quiz_maker(seed=3).make(2, kind="mcq", progress=False, tasks=["1.1", "3.1"]).accepted
    assert not learner.record_attempt(q1, wrong(q1)) and not learner.record_attempt(q2, wrong(q2))
    assert learner.reviews.due() == []  # nothing is due the moment it is missed
    learner.clock.t += 15 * MIN
    due = learner.reviews.due()
    assert len(due) == 2 and {d.task for d in due} == {"1.1", "3.1"}
    maker = learner.quiz_maker(seed=4)
    fresh = {d.task: maker.for_review(d) for d in due}
    for d in due:
        q = fresh[d.task]
        assert q is not None and q.passed, q and q.gate
        assert learner.facts.by_id(q.fact_id).concept == d.concept.partition(":")[2]  # same concept
        assert q.id not in (q1.id, q2.id) and q.id.startswith("q-review-")  # kept out of mock exams
    assert learner.record_attempt(fresh["1.1"], fresh["1.1"].keys)  # hit
    assert not learner.record_attempt(fresh["3.1"], wrong(fresh["3.1"]))  # miss again
    due_hit = next(d for d in learner.reviews.upcoming() if d.task == "1.1").due
    due_miss = next(d for d in learner.reviews.upcoming() if d.task == "3.1").due
    assert due_miss < due_hit
    assert due_hit - learner.clock.t >= 10 * MIN  # the hit moves on from the relearning step
    logged = learner.bank.db.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
    assert logged == 4


def test_a_hit_on_a_new_concept_schedules_nothing_and_a_failed_write_leaves_no_attempt(learner):
    (q,) = learner.quiz_maker(seed=5).make(1, kind="mcq", progress=False, tasks=["2.2"]).accepted
    assert learner.record_attempt(q, q.keys)
    assert learner.reviews.upcoming() == []

    def boom(db, attempt_id):
        raise RuntimeError("crash between the attempt and its review update")

    with pytest.raises(RuntimeError):
        learner.bank.record_attempt(q.id, wrong(q), False, 1.0, also=boom)
    assert len(learner.bank.attempts()) == 1  # the half-written attempt was rolled back
    assert learner.bank.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_exam_slot_whose_task_is_used_up_is_filled_from_the_same_domain(learner):
    """A 65-question exam drew more slots of a small task than its facts could fill (CI, stop 21): the slot must
    go to another task of that domain, not to whichever task of the exam has most facts."""
    domain = next(d for d in learner.blueprint.domains if d.id == 4)
    tasks = sorted(domain.tasks, key=lambda t: -len(learner.facts.for_task(t).decisions))
    used_up = set(tasks[:-1])  # every task of the domain but the one with fewest facts
    real = type(learner).quiz_maker

    class Maker:  # the real maker, except that a used-up task yields no question
        def __init__(self, seed=None):
            self.maker = real(learner, seed=seed)

        def make(self, n, *, tasks, **kw):
            result = QuizResult()
            for i in range(n):  # the same plan as the real make: the tasks in turn
                if tasks[i % len(tasks)] not in used_up:
                    result.accepted += self.maker.make(1, tasks=[tasks[i % len(tasks)]], **kw).accepted
            return result

    learner.quiz_maker = Maker
    chosen = [None]
    learner.exams._build_missing([(tasks[0], "mcq")], chosen, seed=3, progress=False)
    assert chosen[0] is not None and chosen[0].task == tasks[-1]


def test_mock_exam_proportions_resume_and_score(learner, tmp_path):
    reused = learner.quiz_maker(seed=6).make(4, kind="mcq", progress=False).accepted
    exam = learner.exams.create(n=12, minutes=30, seed=7, progress=False)
    assert len(exam.questions) == 12
    planned = [learner.blueprint.domain_of(t) for t in plan_tasks(learner.blueprint, 12)]
    assert sorted(q.domain for q in exam.questions) == sorted(planned)
    bank_ids = {q.id for q in reused}
    assert bank_ids & {q.id for q in exam.questions}  # unanswered bank questions are used first

    for position in range(5):
        q = exam.questions[position]
        learner.exams.answer(exam, position, q.keys if position % 2 == 0 else wrong(q) if q.type == "mcq" else [0], 60)
    # interrupted: a new process opens the same database
    learner.bank.close()
    learner.__dict__.pop("exams")
    learner.__dict__.pop("reviews")
    learner.__dict__["bank"] = Bank(tmp_path / "learner.db", clock=learner.clock)
    resumed = learner.exams.unfinished()
    assert resumed.id == exam.id and [q.id for q in resumed.questions] == [q.id for q in exam.questions]
    assert resumed.next_position == 5 and len(resumed.answers) == 5
    assert resumed.remaining == pytest.approx(30 * 60 - 5 * 60)
    with pytest.raises(ValueError, match="already answered"):
        learner.exams.answer(resumed, 0, [0], 1)
    for position in range(5, 12):
        learner.exams.answer(resumed, position, resumed.questions[position].keys, 10)
    score = learner.exams.finish(resumed)
    right = sum(a["correct"] for a in resumed.answers.values())
    assert score.correct == right and score.total == 12
    assert sum(t for _, t in score.per_domain.values()) == 12
    assert {p for p, _, _ in score.misses} == {p for p, a in resumed.answers.items() if not a["correct"]}
    assert learner.exams.unfinished() is None
    assert len(learner.bank.history()) == 12  # every exam answer is an attempt (progress and reviews see it)
    with pytest.raises(ValueError, match="finished"):
        learner.exams.answer(resumed, 0, [0], 1)


def test_anki_package_is_a_valid_apkg_with_every_question(learner, tmp_path):
    questions = learner.quiz_maker(seed=8).make(4, progress=False).accepted
    hostile = questions[0].model_copy(update={"id": "q-hostile", "stem": "Is <script>alert(1)</script> inert?"})
    path = tmp_path / "deck.apkg"
    assert export_anki(questions + [hostile], path) == 5
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        (tmp_path / "col").write_bytes(z.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "col")
    notes = db.execute("SELECT flds, tags FROM notes").fetchall()
    assert len(notes) == 5
    fields = [n[0].split("\x1f") for n in notes]
    assert {f[0] for f in fields} == {q.id for q in questions} | {"q-hostile"}
    by_id = {f[0]: f for f in fields}
    for q, (flds, tags) in zip(questions, notes):
        f = by_id[q.id]
        assert q.key_letters.split(",")[0].split(" ")[0] in f[3]
        assert q.citations[0].source in f[5]  # the cited passage is on the back
    assert "&lt;script&gt;" in by_id["q-hostile"][1] and "<script>" not in by_id["q-hostile"][1]
    assert all("MLA-C01::domain-" in t and "MLA-C01::task-" in t for _, t in notes)
    assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 5
    with pytest.raises(ValueError, match="empty"):
        export_anki([], tmp_path / "empty.apkg")


def test_csv_round_trip_of_questions_and_attempts(learner, tmp_path):
    questions = learner.quiz_maker(seed=9).make(6, progress=False).accepted
    assert {q.type for q in questions} >= {"mcq", "multi"}
    for q in questions:
        learner.record_attempt(q, q.keys if q.type != "mcq" else wrong(q), 12.5)
        learner.clock.t += 3600
    export_questions_csv(learner.bank.questions(), tmp_path / "q.csv")
    back = read_questions_csv(tmp_path / "q.csv")
    assert [b.model_dump(exclude={"gate"}) for b in back] == \
        [q.model_dump(exclude={"gate"}) for q in learner.bank.questions()]
    history = learner.bank.history()
    export_attempts_csv(history, tmp_path / "a.csv")
    rows = read_attempts_csv(tmp_path / "a.csv")
    keep = ("id", "question_id", "answered_at", "answer", "correct", "seconds", "domain", "task")
    assert rows == [{k: h[k] for k in keep} for h in history]


def test_migrations_from_empty_and_from_the_previous_schema(tmp_path):
    fresh = Bank(tmp_path / "new.db")
    assert fresh.applied_migrations() == [m.__name__ for m in MIGRATIONS]
    tables = {r[0] for r in fresh.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"questions", "attempts", "reviews", "review_log", "exams", "exam_answers", "refusals"} <= tables
    fresh.close()

    old = sqlite3.connect(tmp_path / "old.db", isolation_level=None)  # a database written by the first release
    old.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
    MIGRATIONS[0](old)
    old.execute("INSERT INTO _migrations VALUES (?, 1.0)", (MIGRATIONS[0].__name__,))
    q = Question(id="q-old", type="mcq", stem="?", options=["a", "b", "c", "d"], keys=[1], explanations=[""] * 4,
                 domain=1, task="1.1", method="facts", model="facts")
    old.execute("INSERT INTO questions VALUES ('q-old', 1.0, 'mcq', 1, '1.1', NULL, 'facts', 'facts', ?, NULL)",
                (q.model_dump_json(),))
    old.execute("INSERT INTO attempts (question_id, answered_at, answer, correct, seconds) VALUES ('q-old', 2.0, '[1]', 1, 3.0)")
    old.close()
    bank = Bank(tmp_path / "old.db")
    assert bank.applied_migrations()[-1] == MIGRATIONS[-1].__name__
    assert bank.question("q-old") == q and len(bank.attempts()) == 1 and bank.history()[0]["task"] == "1.1"
    bank.close()
    again = Bank(tmp_path / "old.db")  # reopening applies nothing twice
    assert again.applied_migrations() == [m.__name__ for m in MIGRATIONS]
    again.close()


def test_refused_questions_feed_the_gap_report(learner):
    learner.use_llm(ScriptedLLM())
    answer = learner.ask("How do I set up Amazon Cognito user pools for sign-in?")
    assert answer.refused
    learner.ask("How do I set up Amazon Cognito user pools for sign-in?")
    gaps = learner.gaps()
    assert gaps["refusals"][0]["question"].startswith("How do I set up Amazon Cognito")
    assert gaps["refusals"][0]["times"] == 2 and "—" in gaps["refusals"][0]["closest"]
    assert gaps["thin"] == []  # the bundled notes cover every task


def test_a_read_only_record_says_so_and_keeps_what_is_stored(learner):
    from assistant.index.store import StorageError

    (q,) = learner.quiz_maker(seed=13).make(1, kind="mcq", progress=False, tasks=["4.2"]).accepted
    learner.record_attempt(q, q.keys)
    learner.bank.db.execute("PRAGMA query_only = ON")  # what SQLite reports on a read-only folder
    with pytest.raises(StorageError, match=str(learner.bank.path.parent)):
        learner.record_attempt(q, wrong(q))
    learner.bank.db.execute("PRAGMA query_only = OFF")
    assert len(learner.bank.attempts()) == 1 and not learner.bank.db.in_transaction
