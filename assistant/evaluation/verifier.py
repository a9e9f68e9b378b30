"""The product's verifier against hand labels: false rejections and false acceptances per label set.

Each label is one (sentence, passage) pair with `supports` true/false, labelled by reading the passage
(`evals/judge/labels.jsonl`, `evals/judge/verifier-heldout.jsonl`). The verifier runs as it does in an answer
(`Verifier.verify` with the real embedder and `settings.support`): the sentence cites the labelled passage as
[1]; a label's optional `context` (the answer's other passages, as the model saw them) comes after it, so
the cross-passage denial can see them; the pair counts as accepted when [1] is among the passages that back
the sentence. With a `question` (or a dev `qid`), the key point of that question is found among the
curated facts, and `KeyPoint.mispaired` is applied as the answer does (when `settings.answer.mispairing`).

- false rejection: labelled "supports", the verifier drops the pair (a right sentence lost)
- false acceptance: labelled "does not support", the verifier keeps it (an unsupported claim shown as fact)

Label sets are reported apart, never pooled: `dev` (qid d... in labels.jsonl, tuned on), `tuning`
(verifier-tuning.jsonl: pairs on dev questions written for the verifier, tuned on), `test` (qid t... in
labels.jsonl, reported only) and `heldout` (verifier-heldout.jsonl, from test-split answers, reported only).

>>> confusion([True, True, False], [True, False, True], ["a", "b", "c"])["false_rejections"]
['b']
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.answering.citations import Verifier
from assistant.answering.key_points import KeyPointFinder
from assistant.config import Settings
from assistant.evaluation.judge import load_jsonl
from assistant.types import Chunk


def confusion(labels: list[bool], accepted: list[bool], ids: list[str]) -> dict:
    """Counts and ids of the disagreements between hand labels and the verifier."""
    rejections = [i for i, truth, a in zip(ids, labels, accepted) if truth and not a]
    acceptances = [i for i, truth, a in zip(ids, labels, accepted) if a and not truth]
    n = len(ids)
    return {"n": n, "labelled_yes": sum(labels), "labelled_no": n - sum(labels),
            "agreement": (n - len(rejections) - len(acceptances)) / max(n, 1),
            "false_rejections": rejections, "false_acceptances": acceptances}


def label_set(label: dict, path: Path) -> str:
    """labels.jsonl splits by question (dev / test); another file is its own set ("verifier-heldout" -> heldout)."""
    if Path(path).name != "labels.jsonl":
        return Path(path).stem.removeprefix("verifier-")
    return "test" if str(label.get("qid", "")).startswith("t") else "dev"


def corpus_sources(corpus: Path) -> dict[str, str]:
    """A note's title (its first `# ` heading, the first part of a heading path) -> its path in the corpus."""
    out = {}
    for path in sorted(Path(corpus).rglob("*.md")):
        match = re.search(r"^# (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            out.setdefault(match.group(1).strip(), path.relative_to(corpus).as_posix())
    return out


class PairChecker:
    """Runs the answer's verification on one labelled pair (and its key point's pairing check)."""

    def __init__(self, embedder, settings: Settings, questions: dict[str, str] | None = None):
        from assistant.knowledge.facts import load_facts

        self.embedder = embedder
        self.settings = settings
        self.verifier = Verifier(embedder, settings.support)
        self.questions = questions or {}
        self.sources = corpus_sources(settings.corpus)
        self.finder = KeyPointFinder(load_facts(settings.facts_dir), embedder, settings.answer.fact_match)

    def chunk(self, label_id: str, n: int, p: dict) -> Chunk:
        heading = p.get("heading", "")
        source = p.get("source") or self.sources.get(heading.split(" > ")[0], "")
        return Chunk(id=f"{label_id}#{n}", source=source, heading=heading, text=p.get("passage") or p["text"])

    def __call__(self, label: dict) -> dict:
        passages = [self.chunk(label["id"], n, p) for n, p in enumerate([label, *label.get("context", [])], 1)]
        check = self.verifier.verify([(label["sentence"], [1])], passages).sentences[0]
        accepted, reason = 1 in check.supported_by, check.reason
        question = label.get("question") or self.questions.get(label.get("qid", ""))
        if accepted and question and self.settings.answer.mispairing:
            qvec = self.embedder.encode([question])[0]
            point = self.finder.find(question, qvec, passages, passages)
            mispaired = point.mispaired(label["sentence"]) if point is not None else ""
            if mispaired:
                accepted, reason = False, mispaired
        elif not accepted and check.supported_by:
            reason = f"backed by another passage of the answer ([{check.supported_by[0]}]), not by the labelled one"
        return {"id": label["id"], "label": bool(label["supports"]), "accepted": accepted,
                "score": round(check.score, 3), "reason": reason}


def dev_questions(evals: Path) -> dict[str, str]:
    """Question text per dev qid (the test split's questions are never read here)."""
    from assistant.evaluation.retrieval import load_items

    folder = Path(evals) / "answers" / "dev"
    return {item["id"]: item["question"] for item in load_items(folder)} if folder.exists() else {}


def run_verifier_eval(embedder, settings: Settings, label_files: list[Path]) -> dict:
    checker = PairChecker(embedder, settings, dev_questions(settings.evals_dir))
    rows, sets = [], {}
    for path in label_files:
        for label in load_jsonl(path):
            row = dict(checker(label), set=label_set(label, path), qid=label.get("qid", ""))
            rows.append(row)
            sets.setdefault(row["set"], []).append(row)
    return {"label_files": [str(p) for p in label_files],
            "settings": {"support": settings.support.model_dump(), "answer.mispairing": settings.answer.mispairing},
            "sets": {name: confusion([r["label"] for r in rs], [r["accepted"] for r in rs], [r["id"] for r in rs])
                     for name, rs in sets.items()},
            "rows": rows}


def format_verifier_report(report: dict) -> str:
    lines = ["| label set | pairs (yes/no) | agreement | false rejections | false acceptances |", "|---|---|---|---|---|"]
    for name, s in report["sets"].items():
        lines.append(f"| {name} | {s['n']} ({s['labelled_yes']}/{s['labelled_no']}) | {100 * s['agreement']:.0f}% "
                     f"| {len(s['false_rejections'])} | {len(s['false_acceptances'])} |")
    for name, s in report["sets"].items():
        lines.append(f"\n{name}: rejected but supported: {', '.join(s['false_rejections']) or '-'}; "
                     f"accepted but not supported: {', '.join(s['false_acceptances']) or '-'}")
    return "\n".join(lines)


def cmd_verifier_eval(assistant, args, evals: Path) -> int:
    from assistant.evaluation.retrieval import write_results

    names = ("labels.jsonl", "verifier-tuning.jsonl", "verifier-heldout.jsonl")
    files = [args.labels] if args.labels else [evals / "judge" / n for n in names if (evals / "judge" / n).exists()]
    report = run_verifier_eval(assistant.embedder, assistant.settings, files)
    off = [name for name, on in (("cross-passage-denial", assistant.settings.support.cross_passage_denial),
                                 ("mispairing", assistant.settings.answer.mispairing)) if not on]
    path = write_results(report, args.out or evals / "results", name="-".join(["verifier", *(f"no-{o}" for o in off)]))
    print(json.dumps(report["sets"], indent=1) if args.json else format_verifier_report(report))
    if not args.json:
        print(f"\nresults written to {path}")
    return 0
