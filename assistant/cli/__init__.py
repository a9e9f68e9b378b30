"""`study ...`: thin commands over the assistant's functions.

    study ingest [PATH ...] [--rebuild]        index notes (default: the bundled corpus)
    study search "QUERY" [--k 5] [--domain N] [--json] | --queries FILE --json
    study ask "QUESTION" [--domain N] [--backend local|bedrock] [--json]
    study eval retrieval [--split dev|test|all] [--json]   recall/MRR/nDCG for BM25, dense and hybrid
    study eval answers [--split dev|test|all] [--backend local|bedrock] [--exercises] [--ids ID,...]   correctness, refusals, latency
    study eval explain [--split dev|test|all] [--backend local|bedrock]   pasted questions explained: right key, wrong never endorsed
    study eval judge [--results FILE] [--labels]   citation precision/recall by a separate judge; agreement with hand labels
    study eval verifier [--labels FILE]        the product's verifier vs hand labels: false rejections/acceptances
    study coverage [--json]                    chunks and decision facts per task statement
    study quiz [--n 10] [--domain N | --task 2.2 | --topic TEXT] [--type mcq|multi|ordering|matching|mixed]
    study practice [...same...]                answer questions one at a time; attempts recorded
    study explain --id QID --answer B | --question TEXT --option A1 --option A2 ... --answer B [--key C]
    study progress [--json]                    accuracy per domain/task, readiness, what to reread, gaps
    study review [--list]                      fresh questions on the concepts due for spaced review (FSRS)
    study exam [--new] [--n 65] [--minutes 130]   timed, resumable mock exam scored per domain
    study export anki|questions|attempts [--out FILE]
    study shell                                a warm session: answers (and 'search:' lookups) one after another
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.app import Assistant, QueryError, build_assistant
from assistant.config import Settings
from assistant.index.embeddings import EmbeddingModelError
from assistant.llm.base import BackendError
from assistant.llm.model_file import ModelFileError
from assistant.index.store import IndexBusyError, IndexMismatchError, StorageError, preload_chroma

USER_ERRORS = (ValueError, QueryError, IndexBusyError, IndexMismatchError, EmbeddingModelError, FileNotFoundError, BackendError,
               ModelFileError, StorageError)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    assistant = None
    try:
        assistant = build_assistant()
        return args.func(assistant, args) or 0
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a learner sees a message, never a traceback (details on request)
        if _debug(assistant):
            raise
        print(f"error: something went wrong ({type(exc).__name__}); run again with STUDY_DEBUG=1 to see the details",
              file=sys.stderr)
        return 1


def _debug(assistant) -> bool:
    """STUDY_DEBUG, read like every other setting (Settings.debug)."""
    try:
        return bool((assistant.settings if assistant is not None else Settings()).debug)
    except Exception:  # noqa: BLE001 - settings that do not validate: no details either
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="study", description="Study assistant for AWS MLA-C01.")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("ingest", help="index notes (Markdown, text, PDF, HTML)")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: STUDY_CORPUS / the bundled corpus)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it again")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="ranked passages for a question")
    p.add_argument("query", nargs="?", help="the question")
    p.add_argument("--queries", type=Path, help="file of queries: one per line, or JSONL with a 'question' field")
    p.add_argument("--k", type=int, default=None, help="passages to return (default 5)")
    p.add_argument("--domain", type=int, choices=[1, 2, 3, 4], help="only this exam domain")
    p.add_argument("--task", help="only this task statement, e.g. 2.2")
    p.add_argument("--mode", choices=["hybrid+facts", "hybrid", "dense", "bm25"], help="retriever (default: setting)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="a short answer from your notes, with verified [n] citations")
    p.add_argument("question")
    p.add_argument("--domain", type=int, choices=[1, 2, 3, 4], help="only this exam domain")
    p.add_argument("--backend", choices=["local", "bedrock", "fake"], help="which model (default: setting)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="run an eval suite")
    p.add_argument("suite", choices=["retrieval", "answers", "quiz", "judge", "explain", "verifier"], help="which eval")
    p.add_argument("--notes", type=Path, help="quiz/answers eval on your own notes: a notes folder, or a folder of "
                                              "them (e.g. evals/notes), each indexed alone with facts mined")
    p.add_argument("--split", choices=["dev", "test", "all"], default="dev",
                   help="retrieval/answers: dev (tuned on, default), test (frozen, reported) or both")
    p.add_argument("--results", type=Path, help="judge: an answers results file (default: evals/results/answers-<backend>-<split>-latest.json)")
    p.add_argument("--labels", type=Path, help="judge/verifier: hand labels to measure on (default: evals/judge/labels.jsonl; "
                   "the verifier also reads verifier-tuning.jsonl and verifier-heldout.jsonl there)")
    p.add_argument("--resume", type=Path, help="answers: graded rows appended here as they finish and reused on a rerun")
    p.add_argument("--replay", type=Path, help="answers: replay the model output recorded in this results or "
                                               "--resume file through the current code (no model is run)")
    p.add_argument("--judge-backend", choices=["local", "bedrock"], help="judge: model for the judge (default: setting)")
    p.add_argument("--per-domain", type=int, default=6, help="quiz eval: fact-based questions per domain")
    p.add_argument("--llm-per-domain", type=int, default=2, help="quiz eval: model-written questions per domain")
    p.add_argument("--backend", choices=["local", "bedrock"], help="model for the answers eval")
    p.add_argument("--limit", type=int, help="answers eval: only the first N questions")
    p.add_argument("--ids", help="answers eval: only these question ids, comma-separated (e.g. d1-a01,d4-a03)")
    p.add_argument("--exercises", action="store_true", help="answers eval: only the learner's exercises")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--out", type=Path, help="results folder (default: evals/results)")
    p.set_defaults(func=cmd_eval)

    from assistant.cli import quiz as cli_quiz
    cli_quiz.add_parsers(sub)
    from assistant.cli import bench as cli_bench
    cli_bench.add_parsers(sub)
    from assistant.cli import record as cli_record
    cli_record.add_parsers(sub)
    from assistant.cli import facts as cli_facts
    cli_facts.add_parsers(sub)

    p = sub.add_parser("shell", help="a warm session: type questions to get answers, 'search: words' for passages, empty line to quit")
    p.set_defaults(func=cmd_shell)

    p = sub.add_parser("coverage", help="chunks and decision facts per task statement; thin tasks")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_coverage)
    return parser


def cmd_ingest(assistant: Assistant, args) -> int:
    report = assistant.ingest(args.paths or None, progress=not (args.quiet or args.json), rebuild=args.rebuild)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        print(f"indexed: {len(report.added)} new, {len(report.changed)} changed, {len(report.unchanged)} unchanged, "
              f"{len(report.deleted)} deleted, {len(report.duplicates)} duplicate files; "
              f"+{report.chunks_added}/-{report.chunks_deleted} chunks in {report.seconds:.1f}s")
        for dup in report.duplicates:
            print(f"  skipped duplicate: {dup}")
        if report.repaired:
            print(f"  repaired an interrupted ingest: {report.repaired}")
        for source, why in report.flagged.items():
            print(f"  flagged: {source} seems to give the assistant instructions ({'; '.join(why)}); it is indexed "
                  "as notes only, never obeyed: check that file")
    for err in report.errors:
        print(f"error: {err.source}: {err.message}", file=sys.stderr)
    return 1 if report.errors else 0


def cmd_search(assistant: Assistant, args) -> int:
    if (args.query is None) == (args.queries is None):
        raise QueryError("give either a QUERY or --queries FILE")
    assistant.ensure_index(progress=not args.json)
    if args.queries:
        for query in read_queries(args.queries):
            hits = assistant.search(query, args.k, domain=args.domain, task=args.task, mode=args.mode)
            if args.json:
                print(json.dumps({"query": query, "results": [h.to_json() for h in hits]}))
            else:
                print(f"## {query}")
                print_hits(hits)
        return 0
    hits = assistant.search(args.query, args.k, domain=args.domain, task=args.task, mode=args.mode)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], indent=1))
    else:
        print_hits(hits)
    return 0


def read_queries(path: Path) -> list[str]:
    queries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QueryError(f"{path}:{n}: not valid JSON ({exc.msg}); use one query per line or JSONL") from None
            if not isinstance(item, dict) or not item.get("question"):
                raise QueryError(f"{path}:{n}: JSON line has no 'question' field")
            line = item["question"]
        queries.append(line)
    return queries


def print_hits(hits) -> None:
    if not hits:
        print("(no passages found)")
    for h in hits:
        tag = f"domain {h.chunk.domain}, task {h.chunk.task}" if h.chunk.task else "untagged"
        print(f"[{h.rank}] {h.chunk.source} — {h.chunk.heading}  ({tag}, score {h.score:.3f})")
        text = h.chunk.text.replace("\n", " ")
        print(f"    {text[:300]}{'…' if len(text) > 300 else ''}")


def cmd_ask(assistant: Assistant, args) -> int:
    preload_chroma()
    if args.backend:
        assistant = with_backend(assistant, args.backend)
    assistant.ensure_index(progress=not args.json)
    stream = instant = None
    if not args.json:
        instant, stream = print_instant, _labelled_stream()
    answer = assistant.ask(args.question, domain=args.domain, on_text=stream, on_instant=instant)
    if args.json:
        print(json.dumps(answer.to_json(), indent=1))
        return 0
    print_answer(answer, streamed=True)
    return 0


def print_instant(shown) -> None:
    """The verified note sentences known before the model runs, at once, labelled and cited."""
    from assistant.answering.render import inert

    print("From your notes (verified):\n" + inert(shown.text))
    for c in shown.citations:
        print(f"  [{c.n}] {c.source} — {c.heading}")
    print(flush=True)


def _labelled_stream():
    """Prints the model's stream, under a label the first time it says something."""
    started = []

    def stream(text: str) -> None:
        if not started:
            started.append(True)
            print("The model's answer (unverified until it ends):")
        print(text, end="", flush=True)

    return stream


def with_backend(assistant: Assistant, backend: str) -> Assistant:
    settings = assistant.settings.model_copy(deep=True)
    settings.llm.backend = backend
    return Assistant(settings, embedder=assistant.embedder)


def print_answer(answer, streamed: bool) -> None:
    """After the streamed text: the verified answer and its sources (the streamed text was unverified)."""
    from assistant.answering.render import inert

    print("\n")
    if answer.refused:
        print(inert(answer.answer))
        return
    if not answer.complete:
        print("(the answer was cut off: " + (answer.error or "incomplete output") + ")")
    print("Verified answer:\n" + inert(answer.answer))
    if answer.unsupported:
        print("\nNot supported by your notes (left out): " + " | ".join(inert(s) for s in answer.unsupported))
    if answer.filled:
        print(f"\n({len(answer.filled)} sentence(s) quoted from your notes: the model left out part of the key point)")
    if answer.model_choice and answer.choice:
        print(f"\n(The model named {inert(answer.model_choice)}; the notes point to {inert(answer.choice)} for this "
              f"question's constraints ({answer.choice_confidence} confidence), so the notes' choice is shown.)")
    if answer.dropped_off_target:
        print(f"\n({len(answer.dropped_off_target)} supported sentence(s) left out: they do not bear on the question)")
    print("\nSources:")
    for c in answer.citations:
        print(f"[{c.n}] {c.source} — {c.heading}")
        print("    " + inert(c.text.replace(chr(10), " "))[:400])
    first = f"{answer.first_token_ms / 1000:.1f}s" if answer.first_token_ms else "-"
    notes = f"from your notes {answer.first_content_ms / 1000:.1f}s, " if answer.instant else ""
    print(f"\n({answer.backend}: {answer.model}; retrieval {answer.retrieve_ms:.0f} ms, {notes}first token {first}, "
          f"total {answer.total_ms / 1000:.1f}s)")


def cmd_eval(assistant: Assistant, args) -> int:
    from assistant.evaluation.retrieval import format_table, load_split, run_retrieval_eval, write_results

    evals = assistant.settings.evals_dir
    if args.suite == "judge":
        from assistant.evaluation.judge import cmd_judge

        return cmd_judge(assistant, args, evals)
    if args.suite == "verifier":
        from assistant.evaluation.verifier import cmd_verifier_eval

        return cmd_verifier_eval(assistant, args, evals)
    if args.suite == "quiz" and args.notes:
        from assistant.evaluation.notes_quiz import format_notes_quiz_table, run_notes_quiz_eval

        results = run_notes_quiz_eval(assistant, args.notes, progress=not args.json)
        path = write_results(results, args.out or evals / "results", name="quiz-notes")
        print(json.dumps(results["sets"], indent=1) if args.json else format_notes_quiz_table(results))
        if not args.json:
            print(f"\nresults written to {path}")
        return 0
    if args.suite == "answers" and args.notes:
        from assistant.evaluation.notes_answers import format_notes_answer_table, run_notes_answer_eval

        if args.backend:
            assistant = with_backend(assistant, args.backend)
        results = run_notes_answer_eval(assistant, args.notes, limit=args.limit, progress=not args.json,
                                        replay=args.replay)
        path = write_results(results, args.out or evals / "results", name=f"answers-notes-{results['backend']}")
        print(json.dumps(results["sets"], indent=1) if args.json else format_notes_answer_table(results))
        if not args.json:
            print(f"\nresults written to {path}")
        return 0
    assistant.ensure_index(progress=not args.json)
    if args.suite == "explain":
        from assistant.evaluation.explain import cmd_explain_eval

        if getattr(args, "backend", None):
            assistant = with_backend(assistant, args.backend)
        return cmd_explain_eval(assistant, args, evals)
    if args.suite == "quiz":
        from assistant.evaluation.quiz import format_quiz_table, run_quiz_eval

        results = run_quiz_eval(assistant, args.per_domain, args.llm_per_domain, progress=not args.json)
        path = write_results(results, args.out or evals / "results", name="quiz")
        print(json.dumps(results["batches"], indent=1) if args.json else format_quiz_table(results))
        if not args.json:
            print(f"\nresults written to {path}")
        return 0
    if args.suite == "answers":
        from assistant.evaluation.answers import format_answer_table, run_answer_eval

        if args.backend:
            assistant = with_backend(assistant, args.backend)
        ids = [i.strip() for i in args.ids.split(",") if i.strip()] if args.ids else None
        if args.replay:
            from assistant.evaluation.answers import run_answer_replay, select_items

            items = select_items(load_split(evals, "answers", args.split), ids=ids, exercises_only=args.exercises,
                                 limit=args.limit)
            results = run_answer_replay(assistant, args.replay, items, progress=not args.json, split=args.split)
            name = f"answers-replay-{args.split}"
        else:
            results = run_answer_eval(assistant, limit=args.limit, progress=not args.json, ids=ids,
                                      exercises_only=args.exercises, items=load_split(evals, "answers", args.split),
                                      split=args.split, checkpoint=args.resume)
            partial = "-partial" if (ids or args.exercises or args.limit) else ""  # never replaces a full run's latest
            name = f"answers-{results['backend']}-{args.split}{partial}"
        path = write_results(results, args.out or evals / "results", name=name)
        print(json.dumps(results["summary"], indent=1) if args.json else format_answer_table(results))
        if not args.json:
            print(f"\nresults written to {path}")
        return 0
    results = run_retrieval_eval(assistant, progress=not args.json, items=load_split(evals, "retrieval", args.split),
                                 split=args.split)
    path = write_results(results, args.out or evals / "results", name=f"retrieval-{args.split}")
    if args.json:
        print(json.dumps(results["modes"], indent=1))
    else:
        print(f"Retrieval eval ({args.split} split): {results['questions']} questions, k up to 10\n")
        print(format_table(results))
        print(f"\nresults written to {path}")
    return 0


def cmd_shell(assistant: Assistant, args) -> int:
    """A warm session: the embedder, index and model load once, so every answer after the first starts at once."""
    assistant.ensure_index()
    print("Study Assistant: ask about the MLA-C01 exam notes; 'search: words' lists passages without an answer "
          "(empty line or Ctrl-D to quit).")
    while True:
        try:
            query = input("\nquestion> ").strip()
        except EOFError:
            return 0
        if not query:
            return 0
        try:
            if query.lower().startswith("search:"):
                print_hits(assistant.search(query.partition(":")[2].strip()))
                continue
            answer = assistant.ask(query, on_text=_labelled_stream(), on_instant=print_instant)
            print_answer(answer, streamed=True)
        except USER_ERRORS as exc:  # said plainly; the session goes on
            print(f"error: {exc}")


def cmd_coverage(assistant: Assistant, args) -> int:
    from assistant.knowledge.coverage import coverage_report, format_coverage

    assistant.ensure_index(progress=not args.json)
    report = coverage_report(assistant)
    print(json.dumps(report, indent=1) if args.json else format_coverage(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
