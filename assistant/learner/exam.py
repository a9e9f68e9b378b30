"""Mock exams: the blueprint's number of questions in its domain and format proportions, timed, resumable,
scored per domain with an explanation for every miss.

Questions come from the bank first (ones the learner has not answered before), and what is missing is built
from decision facts ahead of time, with a progress bar, so the learner never waits question by question.
Time counts only while the exam is open: each answer adds its seconds, so an interrupted exam resumes with
the time it had left.
"""
from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field

from tqdm.auto import tqdm

from assistant.quiz.generate import plan_tasks
from assistant.quiz.models import Question

PASS_MARK = 0.72  # MLA-C01 passes at 720 of a scaled 1000; read as a share correct it is only a rough guide


def largest_remainder(n: int, shares: list[float]) -> list[int]:
    """Split n in proportion to shares; whole numbers that sum to n.

    >>> largest_remainder(65, [0.75, 0.15, 0.05, 0.05])
    [49, 10, 3, 3]
    """
    total = sum(shares)
    quotas = [n * s / total for s in shares]
    counts = [int(q) for q in quotas]
    for i in sorted(range(len(shares)), key=lambda i: quotas[i] - counts[i], reverse=True)[: n - sum(counts)]:
        counts[i] += 1
    return counts


def exam_plan(blueprint, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(task, format) for each question: tasks by domain weight, formats by the blueprint's shares."""
    tasks = plan_tasks(blueprint, n)
    names = [f for f, _ in blueprint.formats]
    kinds = [k for k, c in zip(names, largest_remainder(n, [s for _, s in blueprint.formats])) for _ in range(c)]
    rng.shuffle(kinds)
    return list(zip(tasks, kinds))


@dataclass
class Exam:
    id: str
    questions: list[Question]
    seconds_allowed: float
    seconds_used: float = 0.0
    answers: dict[int, dict] = field(default_factory=dict)  # position -> {"answer": [...], "correct": bool}
    finished: float | None = None

    @property
    def remaining(self) -> float:
        return max(0.0, self.seconds_allowed - self.seconds_used)

    @property
    def next_position(self) -> int | None:
        return next((i for i in range(len(self.questions)) if i not in self.answers), None)


@dataclass
class ExamScore:
    correct: int
    total: int
    per_domain: dict[int, tuple[int, int]]  # domain -> (correct, questions)
    misses: list[tuple[int, Question, list[int] | None]]  # (position, question, answer or None if unanswered)

    @property
    def share(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.share >= PASS_MARK


class MockExams:
    def __init__(self, assistant):
        self.assistant = assistant
        self.bank = assistant.bank

    def create(self, n: int | None = None, minutes: float | None = None, seed: int | None = None,
               progress: bool = True) -> Exam:
        blueprint = self.assistant.blueprint
        n = n or blueprint.questions
        if not 1 <= n <= 200:
            raise ValueError("an exam has between 1 and 200 questions")
        rng = random.Random(seed)
        plan = exam_plan(blueprint, n, rng)
        seen = {r[0] for r in self.bank.db.execute("SELECT DISTINCT question_id FROM attempts")}
        pool: dict[tuple[str, str], list[Question]] = {}
        for q in self.bank.questions():
            if q.id not in seen and not q.id.startswith("q-review-"):  # a review re-asks a missed concept
                pool.setdefault((q.task, q.type), []).append(q)
        chosen: list[Question | None] = []
        for slot in plan:
            chosen.append(pool[slot].pop(rng.randrange(len(pool[slot]))) if pool.get(slot) else None)
        missing = Counter(slot for slot, q in zip(plan, chosen) if q is None)
        if missing:
            maker = self.assistant.quiz_maker(seed=seed)
            built: dict[tuple[str, str], list[Question]] = {}
            bar = tqdm(total=sum(missing.values()), desc="Building exam questions", disable=not progress)
            for (task, kind), count in missing.items():
                made = maker.make(count, task=task, kind=kind, progress=False).accepted
                if len(made) < count:  # a task short of facts: top up with any format of that task
                    made += maker.make(count - len(made), task=task, kind="mcq", progress=False).accepted
                built[(task, kind)] = made
                bar.update(count)
            bar.close()
            for i, slot in enumerate(plan):
                if chosen[i] is None and built.get(slot):
                    chosen[i] = built[slot].pop()
        questions = [q for q in chosen if q is not None]
        if len(questions) < n:
            raise ValueError(f"could only assemble {len(questions)} of {n} questions: add notes/facts for the "
                             "thin tasks (`study coverage`) or lower --n")
        rng.shuffle(questions)
        exam = Exam(id="exam-" + uuid.uuid4().hex[:10], questions=questions,
                    seconds_allowed=60.0 * (minutes if minutes is not None else blueprint.minutes))
        with self.bank.transaction() as db:
            db.execute("INSERT INTO exams VALUES (?, ?, ?, ?, ?, NULL)", (exam.id, self.bank.clock(),
                       exam.seconds_allowed, 0.0, json.dumps([q.id for q in questions])))
        return exam

    def unfinished(self) -> Exam | None:
        row = self.bank.db.execute("SELECT id FROM exams WHERE finished IS NULL ORDER BY created DESC LIMIT 1").fetchone()
        return self.load(row[0]) if row else None

    def load(self, exam_id: str) -> Exam:
        row = self.bank.db.execute("SELECT seconds_allowed, seconds_used, question_ids, finished FROM exams WHERE id = ?",
                                   (exam_id,)).fetchone()
        if row is None:
            raise ValueError(f"no exam {exam_id!r}")
        questions = [self.bank.question(qid) for qid in json.loads(row[2])]
        exam = Exam(exam_id, [q for q in questions if q is not None], row[0], row[1], finished=row[3])
        for position, answer, correct in self.bank.db.execute(
                """SELECT e.position, a.answer, a.correct FROM exam_answers e JOIN attempts a ON a.id = e.attempt_id
                   WHERE e.exam_id = ?""", (exam_id,)):
            exam.answers[position] = {"answer": json.loads(answer), "correct": bool(correct)}
        return exam

    def answer(self, exam: Exam, position: int, answer: list[int], seconds: float) -> bool:
        """Grade and store one answer: the attempt, its review update, the exam's answer and clock, in one transaction."""
        if exam.finished is not None:
            raise ValueError("this exam is finished; start a new one with `study exam --new`")
        if position in exam.answers:
            raise ValueError(f"question {position + 1} is already answered")
        q = exam.questions[position]
        correct = q.grade(answer)
        review = self.assistant.reviews.writer(q, correct)
        seconds = max(0.0, float(seconds))

        def also(db, attempt_id: int) -> None:
            review(db, attempt_id)
            db.execute("INSERT INTO exam_answers VALUES (?, ?, ?)", (exam.id, position, attempt_id))
            db.execute("UPDATE exams SET seconds_used = seconds_used + ? WHERE id = ?", (seconds, exam.id))

        self.bank.record_attempt(q.id, answer, correct, seconds, also=also)
        exam.answers[position] = {"answer": list(answer), "correct": correct}
        exam.seconds_used += seconds
        return correct

    def finish(self, exam: Exam) -> ExamScore:
        if exam.finished is None:
            exam.finished = self.bank.clock()
            with self.bank.transaction() as db:
                db.execute("UPDATE exams SET finished = ? WHERE id = ?", (exam.finished, exam.id))
        return score(exam)


def score(exam: Exam) -> ExamScore:
    per_domain: dict[int, list[int]] = {}
    misses = []
    for i, q in enumerate(exam.questions):
        got = exam.answers.get(i)
        tally = per_domain.setdefault(q.domain, [0, 0])
        tally[1] += 1
        if got and got["correct"]:
            tally[0] += 1
        else:
            misses.append((i, q, got["answer"] if got else None))
    correct = sum(c for c, _ in per_domain.values())
    return ExamScore(correct, len(exam.questions), {d: (c, t) for d, (c, t) in sorted(per_domain.items())}, misses)
