"""`study progress`, `study review`, `study exam`, `study export`: thin front ends over the learner's record."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from assistant.cli.quiz import read_answer, show_key, show_question
from assistant.learner.exam import PASS_MARK
from assistant.learner.progress import format_progress
from assistant.answering.render import inert


def add_parsers(sub) -> None:
    p = sub.add_parser("progress", help="accuracy per domain and task, readiness for the exam, what to reread")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("review", help="answer fresh questions on the concepts due for spaced review")
    p.add_argument("--n", type=int, default=10, help="at most this many concepts (default 10)")
    p.add_argument("--list", action="store_true", help="only list what is due and when the next reviews are")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("exam", help="a timed mock exam in the blueprint's proportions; resumes an unfinished one")
    p.add_argument("--new", action="store_true", help="start a new exam even if one is unfinished")
    p.add_argument("--n", type=int, help="questions (default: the blueprint's 65)")
    p.add_argument("--minutes", type=float, help="time allowed (default: the blueprint's 130)")
    p.add_argument("--seed", type=int)
    p.add_argument("--prepare", action="store_true", help="only assemble the exam (build missing questions) and stop")
    p.set_defaults(func=cmd_exam)

    p = sub.add_parser("export", help="export the question bank (Anki deck or CSV) or your attempts (CSV)")
    p.add_argument("what", choices=["anki", "questions", "attempts"])
    p.add_argument("--out", type=Path, help="file to write (default: in the data folder's exports/)")
    p.set_defaults(func=cmd_export)


def cmd_progress(assistant, args) -> int:
    report = assistant.progress()
    due = len(assistant.reviews.due())
    gaps = assistant.gaps()
    if args.json:
        print(json.dumps({**report, "due_reviews": due, "gaps": gaps}, indent=1))
    else:
        print(format_progress(report, due, gaps))
    return 0


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def cmd_review(assistant, args) -> int:
    due = assistant.reviews.due(limit=args.n)
    if args.list or not due:
        print(f"{len(due)} concept(s) due now.")
        for d in due:
            print(f"  {d.concept.partition(':')[2]} (task {d.task}) due {_when(d.due)}")
        upcoming = [d for d in assistant.reviews.upcoming() if d not in due][:5]
        for d in upcoming:
            print(f"  next: {d.concept.partition(':')[2]} (task {d.task}) on {_when(d.due)}")
        return 0
    assistant.ensure_index()
    maker = assistant.quiz_maker()
    right = 0
    for i, d in enumerate(due, 1):
        q = maker.for_review(d)
        if q is None:
            print(f"(no question can be built for {d.concept}; skipped)")
            continue
        right += _ask_one(assistant, q, i)
    print(f"\n{right}/{len(due)} right; each concept is rescheduled (`study review --list`).")
    return 0


def _ask_one(assistant, q, number: int) -> bool:
    show_question(q, number)
    started = time.monotonic()
    answer = read_answer(q)
    if answer is None:
        raise KeyboardInterrupt
    correct = assistant.record_attempt(q, answer, time.monotonic() - started)
    print("Correct!" if correct else "Not quite.")
    show_key(q)
    return correct


def cmd_exam(assistant, args) -> int:
    assistant.ensure_index()
    exams = assistant.exams
    exam = None if args.new else exams.unfinished()
    if exam is None:
        exam = exams.create(args.n, args.minutes, args.seed)
        print(f"Exam {exam.id}: {len(exam.questions)} questions, {exam.seconds_allowed / 60:.0f} minutes. "
              "Interrupt any time (Ctrl-C / Ctrl-D); `study exam` resumes it.")
    else:
        print(f"Resuming exam {exam.id}: {len(exam.answers)}/{len(exam.questions)} answered, "
              f"{exam.remaining / 60:.0f} minutes left.")
    if args.prepare:
        return 0
    while (position := exam.next_position) is not None and exam.remaining > 0:
        q = exam.questions[position]
        show_question(q, position + 1)
        print(f"  ({exam.remaining / 60:.0f} min left)")
        started = time.monotonic()
        answer = read_answer(q)
        if answer is None:
            print(f"\npaused: {len(exam.answers)}/{len(exam.questions)} answered; `study exam` resumes.")
            return 0
        exams.answer(exam, position, answer, time.monotonic() - started)
    show_score(assistant, exams.finish(exam))
    return 0


def show_score(assistant, score) -> None:
    names = {d.id: d.name for d in assistant.blueprint.domains}
    verdict = "at or above" if score.passed else "below"
    print(f"\nScore: {score.correct}/{score.total} ({100 * score.share:.0f}%), {verdict} the ~{100 * PASS_MARK:.0f}% "
          "rough pass guide (the real exam passes at 720 of a scaled 1000).")
    for d, (right, total) in score.per_domain.items():
        print(f"  Domain {d} {names.get(d, '')}: {right}/{total}")
    explainer = assistant.explainer(with_model=False)
    for position, q, answer in score.misses:
        print(f"\n--- Missed question {position + 1} (task {q.task}); you answered "
              f"{'nothing' if answer is None else ', '.join('ABCDEFGH'[i] for i in answer if 0 <= i < 8)}")
        print(inert(q.stem))
        show_key(q)
        if answer and q.type == "mcq" and q.fact_id:
            print(f"The confusion: {inert(explainer.explain_question(q, answer).confusion)}")


def cmd_export(assistant, args) -> int:
    from assistant.learner import exports
    out_dir = Path(assistant.settings.data_dir) / "exports"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    if args.what == "anki":
        path = args.out or out_dir / f"mla-c01-{stamp}.apkg"
        n = exports.export_anki(assistant.bank.questions(), path, assistant.blueprint.exam)
    elif args.what == "questions":
        path = args.out or out_dir / f"questions-{stamp}.csv"
        out_dir.mkdir(parents=True, exist_ok=True)
        n = exports.export_questions_csv(assistant.bank.questions(), path)
    else:
        path = args.out or out_dir / f"attempts-{stamp}.csv"
        out_dir.mkdir(parents=True, exist_ok=True)
        n = exports.export_attempts_csv(assistant.bank.history(), path)
    print(f"wrote {n} {'attempts' if args.what == 'attempts' else 'questions'} to {path}")
    return 0
