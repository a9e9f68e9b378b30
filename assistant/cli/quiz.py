"""`study quiz`, `study practice`, `study explain`: thin terminal front ends over the quiz and explain modules."""
from __future__ import annotations

import json
import sys
import time

from assistant.quiz.models import LETTERS, Question
from assistant.answering.render import inert


def add_parsers(sub) -> None:
    for name, help_text in (("quiz", "generate practice questions (printed with an answer key)"),
                            ("practice", "answer practice questions one at a time; every attempt is recorded")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--n", type=int, default=10, help="number of questions (default 10)")
        scope = p.add_mutually_exclusive_group()
        scope.add_argument("--domain", type=int, choices=[1, 2, 3, 4])
        scope.add_argument("--task", help="a task statement, e.g. 2.2")
        scope.add_argument("--topic", help="free text, e.g. 'inference endpoints'")
        scope.add_argument("--weak", action="store_true", help="the 3 weakest task statements (see `study progress`)")
        p.add_argument("--type", default="mixed", choices=["mcq", "multi", "ordering", "matching", "mixed"])
        p.add_argument("--seed", type=int, help="repeatable choice of facts and option order")
        p.add_argument("--source", default="facts", choices=["facts", "llm"],
                       help="facts: built from decision facts (instant); llm: the model writes multiple-choice "
                            "questions from retrieved passages (~40 s each with the local model)")
        p.add_argument("--solver", default="retrieval", choices=["retrieval", "llm"],
                       help="independent solve for fact-based questions (model-written ones always use the model)")
        if name == "quiz":
            p.add_argument("--json", action="store_true", help="print the questions as JSON lines")
        p.set_defaults(func=cmd_quiz if name == "quiz" else cmd_practice)

    p = sub.add_parser("explain", help="explain a wrong answer: why it is wrong, why the key is right, what was confused")
    p.add_argument("--id", help="a question id from the bank")
    p.add_argument("--question", help="the question text as pasted, options inline ('... ? A) x B) y') or one per "
                                      "line ('A. x'); or give the options with --option")
    p.add_argument("--option", action="append", default=[], help="an option, in order (repeat for each)")
    p.add_argument("--answer", required=True, help="the option you chose: A, B, ... or 1, 2, ...")
    p.add_argument("--key", help="the correct option if known; otherwise the notes decide")
    p.add_argument("--model", action="store_true", help="let the model word explanations the notes decide without "
                                                          "a fact (verified; slower: the local model takes a minute)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)


def make_quiz(assistant, args):
    assistant.ensure_index(progress=not getattr(args, "json", False))
    maker = assistant.quiz_maker(seed=args.seed)
    maker.solver = args.solver
    if args.task and args.task not in assistant.blueprint.tasks:
        raise ValueError(f"unknown task {args.task!r}; tasks are {', '.join(assistant.blueprint.tasks)}")
    if args.n < 1 or args.n > 100:
        raise ValueError("--n must be between 1 and 100")
    tasks = assistant.weakest_tasks() if args.weak else None
    if tasks and not getattr(args, "json", False):
        print(f"weakest tasks: {', '.join(tasks)}")
    return maker.make(args.n, domain=args.domain, task=args.task, topic=args.topic, kind=args.type,
                      source=args.source, progress=not getattr(args, "json", False), tasks=tasks)


def show_question(q: Question, number: int | None = None) -> None:
    head = f"Question {number}" if number else "Question"
    print(f"\n{head} [{q.type}, domain {q.domain}, task {q.task}]  id {q.id}")
    print(inert(q.stem))
    if q.type == "matching":
        for i, prompt in enumerate(q.prompts, 1):
            print(f"  {i}. {inert(prompt)}")
        print("  Options:")
    for i, option in enumerate(q.options):
        print(f"  {LETTERS[i]}. {inert(option)}")


def show_key(q: Question) -> None:
    print(f"Answer: {q.key_letters}")
    labels = [f"{i + 1}." for i in range(len(q.prompts))] if q.type == "matching" else [f"{LETTERS[i]}." for i in range(len(q.options))]
    for label, text in zip(labels, q.explanations):
        print(f"  {label} {inert(text)}")
    for c in q.citations:
        print(f"  [{c.n}] {c.source} — {c.heading}")


def cmd_quiz(assistant, args) -> int:
    result = make_quiz(assistant, args)
    if args.json:
        for q in result.accepted:
            print(json.dumps(q.model_dump()))
    else:
        for i, q in enumerate(result.accepted, 1):
            show_question(q, i)
        print("\n=== Answer key ===")
        for i, q in enumerate(result.accepted, 1):
            print(f"\n{i}. ", end="")
            show_key(q)
        print(f"\n{len(result.accepted)} questions passed the quality gate, {len(result.rejected)} candidates rejected "
              f"({result.seconds:.1f}s); saved to the question bank.")
    if result.unfilled:
        print(f"no question passed the gate for task(s) {', '.join(result.unfilled)}", file=sys.stderr)
    return 0


def parse_response(q: Question, text: str) -> list[int]:
    """'B' (mcq), 'B,D' (multi), 'C A B' (ordering), '1B 2A 3C' or 'B A C' (matching)."""
    tokens = [t for t in text.upper().replace(",", " ").split() if t]
    if q.type == "matching" and tokens and tokens[0][0].isdigit():
        pairs = {int(t[:-1]) - 1: LETTERS.index(t[-1]) for t in tokens if t[:-1].isdigit() and t[-1] in LETTERS}
        return [pairs.get(i, -1) for i in range(len(q.prompts))]
    if len(tokens) == 1 and len(tokens[0]) > 1 and q.type != "mcq":
        tokens = list(tokens[0])
    answer = [LETTERS.index(t) for t in tokens if t in LETTERS[: len(q.options)]]
    if not answer:
        raise ValueError("answer with option letters, e.g. B  or  B,D  or  C A B")
    return answer


def read_answer(q: Question) -> list[int] | None:
    """Prompt until the learner types a valid answer to q; None when the input ends (Ctrl-D)."""
    while True:
        try:
            raw = input("your answer> ")
        except EOFError:
            return None
        try:
            return parse_response(q, raw)
        except ValueError as exc:
            print(exc)


def cmd_practice(assistant, args) -> int:
    result = make_quiz(assistant, args)
    explainer = assistant.explainer(with_model=False)
    right = 0
    for i, q in enumerate(result.accepted, 1):
        show_question(q, i)
        started = time.monotonic()
        answer = read_answer(q)
        if answer is None:
            print(f"\nstopped: {right}/{i - 1} correct")
            return 0
        correct = assistant.record_attempt(q, answer, time.monotonic() - started)
        right += correct
        print("Correct!" if correct else "Not quite.")
        show_key(q)
        if not correct and q.type == "mcq" and q.fact_id:
            e = explainer.explain_question(q, answer)
            print(f"You confused: {e.confusion}")
            if e.follow_up:
                print("Try a follow-up on the same concept:")
                show_question(e.follow_up)
                print(f"(answer: {e.follow_up.key_letters})")
    print(f"\n{right}/{len(result.accepted)} correct; attempts saved.")
    return 0


def cmd_explain(assistant, args) -> int:
    from assistant.quiz.pasted import choice_index, parse_pasted

    assistant.ensure_index(progress=not args.json)
    explainer = assistant.explainer(with_model=args.model)
    if args.id:
        q = assistant.bank.question(args.id)
        if q is None:
            raise ValueError(f"no question {args.id!r} in the bank; use an id printed by `study quiz`")
        chosen = parse_response(q, args.answer)
        e = explainer.explain_question(q, chosen)
    else:
        if not args.question:
            raise ValueError("give --id, or --question (with its options inline or as --option values)")
        pasted = parse_pasted(args.question, args.option or None)  # a PasteError says what to fix
        chosen = choice_index(args.answer, len(pasted.options))
        key = choice_index(args.key, len(pasted.options)) if args.key else None
        e = explainer.explain(pasted.stem, pasted.options, chosen, key)
    if args.json:
        print(json.dumps(e.to_json(), indent=1))
        return 0
    if e.verdict == "undecided":
        print(f"Verdict: undecided. {inert(e.confusion)}")
        print(f"Your answer: {inert(e.chosen)} (not graded)")
        for c in e.citations:
            print(f"[{c.n}] {c.source} — {c.heading}")
            print("    " + inert(c.text.replace(chr(10), " "))[:300])
        return 0
    print(f"Verdict: your answer is {e.verdict}.")
    if not e.key_given:
        print(f"The notes point to: {inert(e.key)} (confidence {e.confidence:.0%})")
    if e.why_chosen_wrong:
        print(f"Why '{inert(e.chosen)}' is wrong: {inert(e.why_chosen_wrong)}")
    print(f"Why '{inert(e.key)}' is right: {inert(e.why_key_right)}")
    if e.confusion:
        print(f"The confusion: {inert(e.confusion)}")
    for c in e.citations:
        print(f"[{c.n}] {c.source} — {c.heading}")
    if e.follow_up:
        print("\nFollow-up question on the same concept:")
        show_question(e.follow_up)
        print(f"(answer: {e.follow_up.key_letters})")
    return 0
