"""Mock exams: the blueprint's number of questions in its domain and format proportions, timed, resumable,
scored per domain with an explanation for every miss.

Questions come from the bank first (ones the learner has not answered before), and what is missing is built
from decision facts ahead of time, with a progress bar, so the learner never waits question by question.
Time counts only while the exam is open: each answer adds its seconds, so an interrupted exam resumes with
the time it had left. As in the real exam, answers can be saved as drafts, changed, skipped and flagged for
review until the exam is finished; finishing grades the drafts.
"""
from __future__ import annotations

import copy
import json
import random
import uuid
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from assistant.quiz.generate import plan_tasks
from assistant.quiz.models import Question

PASS_MARK = 0.72  # MLA-C01 passes at 720 of a scaled 1000; read as a share correct it is only a rough guide


class MemoEmbedder:
    """An embedder that encodes each text once: the quality gate encodes the same note passages for question after
    question, so an exam's worth of questions is built in a fraction of the time. Lives for one assembly.

    >>> class Count:
    ...     calls = 0
    ...     def encode(self, texts):
    ...         Count.calls += len(texts)
    ...         return np.array([[len(t), 1.0] for t in texts])
    >>> memo = MemoEmbedder(Count())
    >>> memo.encode(["ab", "c", "ab"]).tolist(), memo.encode(["c"]).tolist(), Count.calls
    ([[2.0, 1.0], [1.0, 1.0], [2.0, 1.0]], [[1.0, 1.0]], 2)
    """

    def __init__(self, embedder):
        self.embedder = embedder
        self.memo: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.embedder.encode(missing)))
        if not texts:
            return self.embedder.encode(texts)
        return np.stack([self.memo[t] for t in texts])

    def __getattr__(self, name):
        return getattr(self.embedder, name)


class ExamShort(ValueError):
    """Fewer questions passed the quality gate than asked for; `available` is the largest exam on offer now (the
    questions built so far stay in the bank, so an exam of that size starts at once)."""

    def __init__(self, wanted: int, available: int, tasks: list[str]):
        self.wanted, self.available, self.tasks = wanted, available, tasks
        where = f" (the short tasks: {', '.join(tasks)})" if tasks else ""
        super().__init__(f"only {available} of {wanted} questions passed the quality checks{where}: start an exam "
                         f"of {available} questions, or add notes and facts on those tasks to get more")


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
    drafts: dict[int, list[int]] = field(default_factory=dict)  # position -> answer saved, graded at the finish
    flagged: set[int] = field(default_factory=set)  # positions marked for review

    def answer_of(self, position: int) -> list[int]:
        """The learner's current answer at a position (graded or draft); empty when unanswered."""
        got = self.answers.get(position)
        return list(got["answer"]) if got else list(self.drafts.get(position, []))

    @property
    def unanswered(self) -> list[int]:
        return [i for i in range(len(self.questions)) if not self.answer_of(i)]

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
        if any(q is None for q in chosen):
            self._build_missing(plan, chosen, seed, progress)
        questions = [q for q in chosen if q is not None]
        if len(questions) < n:
            raise ExamShort(n, len(questions), sorted({t for (t, _), q in zip(plan, chosen) if q is None}))
        rng.shuffle(questions)
        exam = Exam(id="exam-" + uuid.uuid4().hex[:10], questions=questions,
                    seconds_allowed=60.0 * (minutes if minutes is not None else blueprint.minutes))
        with self.bank.transaction() as db:
            db.execute("INSERT INTO exams VALUES (?, ?, ?, ?, ?, NULL)", (exam.id, self.bank.clock(),
                       exam.seconds_allowed, 0.0, json.dumps([q.id for q in questions])))
        return exam

    def _build_missing(self, plan: list[tuple[str, str]], chosen: list[Question | None], seed: int | None,
                       progress: bool) -> None:
        """Fill the empty slots with new gated questions: the planned task and format first, then any format of
        that task, then the other tasks of the same domain (so the domain proportions hold), then any task."""
        view = copy.copy(self.assistant)  # the same parts, with an embedder that remembers what it encoded
        view.embedder = MemoEmbedder(self.assistant.embedder)
        maker = view.quiz_maker(seed=seed)
        blueprint = self.assistant.blueprint
        bar = tqdm(total=sum(q is None for q in chosen), desc="Building exam questions", disable=not progress)

        def fill(slots: list[int], tasks: list[str], kind: str) -> None:
            made = maker.make(len(slots), kind=kind, progress=False, tasks=tasks).accepted
            for i, q in zip(slots, made):
                chosen[i] = q
            bar.update(len(made))

        groups: dict[tuple[str, str], list[int]] = {}
        for i, slot in enumerate(plan):
            if chosen[i] is None:
                groups.setdefault(slot, []).append(i)
        for (task, kind), slots in groups.items():
            fill(slots, [task], kind)
        for step in ("domain", "any"):
            empty = [i for i, q in enumerate(chosen) if q is None]
            if not empty:
                break
            by_domain: dict[int, list[int]] = {}
            for i in empty:
                by_domain.setdefault(blueprint.domain_of(plan[i][0]) or 0, []).append(i)
            for domain, slots in by_domain.items():
                tasks = [t for d in blueprint.domains if step == "any" or d.id == domain for t in d.tasks]
                tasks.sort(key=lambda t: -len(self.assistant.facts.for_task(t).decisions))
                for task in tasks:  # one task at a time: a task whose facts are used up leaves the slot to the next
                    slots = [i for i in slots if chosen[i] is None]
                    if not slots:
                        break
                    fill(slots, [task], "mcq")
        bar.close()

    def drafts(self, exam: Exam) -> None:
        """Load the exam's saved drafts and flags (see save)."""
        for position, answer, flagged in self.bank.db.execute(
                "SELECT position, answer, flagged FROM exam_drafts WHERE exam_id = ?", (exam.id,)):
            if json.loads(answer):
                exam.drafts[position] = json.loads(answer)
            if flagged:
                exam.flagged.add(position)

    def save(self, exam: Exam, position: int, answer: list[int] | None = None, seconds: float = 0.0,
             flagged: bool | None = None) -> None:
        """Keep an answer (empty: skipped) and/or a review flag for a question, and the time spent, until the
        finish grades it; the learner may change it any number of times before then."""
        if exam.finished is not None:
            raise ValueError("this exam is finished; start a new one")
        if position in exam.answers:
            raise ValueError(f"question {position + 1} is already answered")
        if answer is not None:
            exam.drafts.pop(position, None)
            if answer:
                exam.drafts[position] = list(answer)
        if flagged is not None:
            (exam.flagged.add if flagged else exam.flagged.discard)(position)
        seconds = max(0.0, float(seconds))
        with self.bank.transaction() as db:
            db.execute("INSERT OR REPLACE INTO exam_drafts VALUES (?, ?, ?, ?)",
                       (exam.id, position, json.dumps(exam.drafts.get(position, [])), int(position in exam.flagged)))
            db.execute("UPDATE exams SET seconds_used = seconds_used + ? WHERE id = ?", (seconds, exam.id))
        exam.seconds_used += seconds

    def tick(self, exam: Exam, seconds: float) -> None:
        """Count time spent in the open exam without changing an answer (reading, reviewing)."""
        seconds = max(0.0, float(seconds))
        if exam.finished is None and seconds:
            with self.bank.transaction() as db:
                db.execute("UPDATE exams SET seconds_used = seconds_used + ? WHERE id = ?", (seconds, exam.id))
            exam.seconds_used += seconds

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
        self.drafts(exam)
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
        """Grade the saved drafts (each an attempt, as if answered one by one), then close the exam."""
        if exam.finished is None:
            for position, answer in sorted(exam.drafts.items()):
                if position not in exam.answers:
                    self.answer(exam, position, answer, 0.0)
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
