"""Checks of the bundled corpus: front matter, decision facts and eval labels all point at real sections.

Run `python -m assistant.knowledge.corpus_check corpus evals` for a report; tests call `check_corpus`.
Pure Python (stdlib + PyYAML): no models are loaded.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.knowledge.blueprint import Blueprint, load_blueprint
from assistant.knowledge.facts import read_yaml
from assistant.ingest.markdown import HEADING_SEPARATOR as HEADING_SEP, FrontMatterError, MarkdownDoc, parse_markdown

FACTS_DIR = "facts"
REQUIRED_META = ("title", "domain", "task", "services", "exam")
FACT_FIELDS = {
    "decisions": ("id", "need", "choice", "why_right", "alternatives", "concept", "domain", "task", "source", "section", "keywords"),
    "sequences": ("id", "title", "steps", "domain", "task", "source", "section", "keywords"),
    "matchings": ("id", "title", "pairs", "domain", "task", "source", "section", "keywords"),
}


@dataclass
class CorpusReport:
    errors: list[str] = field(default_factory=list)
    files: int = 0
    words: int = 0
    facts: Counter = field(default_factory=Counter)  # kind -> count
    notes_per_task: Counter = field(default_factory=Counter)
    facts_per_task: Counter = field(default_factory=Counter)
    evals: Counter = field(default_factory=Counter)  # eval file -> lines

    @property
    def ok(self) -> bool:
        return not self.errors


def load_docs(corpus: Path) -> dict[str, MarkdownDoc]:
    """Every Markdown note under `corpus`, keyed by its path relative to the corpus (forward slashes)."""
    docs = {}
    for path in sorted(corpus.rglob("*.md")):
        docs[path.relative_to(corpus).as_posix()] = parse_markdown(path.read_text(encoding="utf-8"))
    return docs


def check_corpus(corpus: Path, evals: Path | None = None, blueprint: Blueprint | None = None) -> CorpusReport:
    blueprint = blueprint or load_blueprint()
    report = CorpusReport()
    docs: dict[str, MarkdownDoc] = {}
    for path in sorted(corpus.rglob("*.md")):
        rel = path.relative_to(corpus).as_posix()
        text = path.read_text(encoding="utf-8")
        try:
            docs[rel] = doc = parse_markdown(text)
        except FrontMatterError as exc:
            report.errors.append(f"{rel}: {exc}")
            continue
        report.files += 1
        report.words += sum(len(s.text.split()) for s in doc.sections)
        _check_meta(rel, doc, blueprint, report)
    for path in sorted((corpus / FACTS_DIR).glob("*.yaml")):
        _check_facts(path, docs, blueprint, report)
    if evals is not None:
        for path in sorted(p for kind in ("answers", "retrieval") for p in (evals / kind).rglob("*.jsonl")):  # dev + test
            _check_eval_file(path, docs, report)
    return report


def _check_meta(rel: str, doc: MarkdownDoc, bp: Blueprint, report: CorpusReport) -> None:
    meta = doc.meta
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        report.errors.append(f"{rel}: front matter lacks {', '.join(missing)}")
        return
    task = str(meta["task"])
    if task not in bp.tasks:
        report.errors.append(f"{rel}: task {task!r} is not a task of {bp.exam}")
    elif bp.domain_of(task) != meta["domain"]:
        report.errors.append(f"{rel}: task {task} belongs to domain {bp.domain_of(task)}, not {meta['domain']}")
    if meta["exam"] != bp.exam:
        report.errors.append(f"{rel}: exam is {meta['exam']!r}, expected {bp.exam!r}")
    if not isinstance(meta["services"], list) or not meta["services"]:
        report.errors.append(f"{rel}: services must be a non-empty list")
    top = {s.heading.split(HEADING_SEP)[0] for s in doc.sections if s.level >= 1}
    if top != {meta["title"]}:
        report.errors.append(f"{rel}: the single '# ' heading must equal the title {meta['title']!r}; found {sorted(top)}")
    headings = [s.heading for s in doc.sections]
    for heading, n in Counter(headings).items():
        if n > 1:
            report.errors.append(f"{rel}: heading path {heading!r} is used {n} times; make headings unique")
    report.notes_per_task[task] += 1


def _section_text(docs: dict[str, MarkdownDoc], source: str, section: str) -> str | None:
    doc = docs.get(source)
    if doc is None:
        return None
    text = doc.section_tree_text(section)
    return text or None


def _check_facts(path: Path, docs: dict[str, MarkdownDoc], bp: Blueprint, report: CorpusReport) -> None:
    name = path.name
    try:
        data = read_yaml(path) or {}
    except yaml.YAMLError as exc:
        report.errors.append(f"facts/{name}: not valid YAML: {exc}")
        return
    for kind, fields in FACT_FIELDS.items():
        for i, entry in enumerate(data.get(kind) or []):
            where = f"facts/{name} {kind}[{i}] {entry.get('id', '?')}"
            missing = [f for f in fields if not entry.get(f)]
            if missing:
                report.errors.append(f"{where}: missing {', '.join(missing)}")
                continue
            report.facts[kind] += 1
            task = str(entry["task"])
            report.facts_per_task[task] += 1
            if bp.domain_of(task) != entry["domain"]:
                report.errors.append(f"{where}: task {task} is not in domain {entry['domain']}")
            text = _section_text(docs, entry["source"], entry["section"])
            if text is None:
                report.errors.append(f"{where}: no section {entry['section']!r} in {entry['source']!r}")
                continue
            lowered = _norm(text)
            for kw in entry["keywords"]:
                if _norm(kw) not in lowered:
                    report.errors.append(f"{where}: keyword {kw!r} does not appear in section {entry['section']!r}")
            if kind == "decisions":
                alts = entry["alternatives"]
                if not (2 <= len(alts) <= 4) or any(not a.get("option") or not a.get("why_wrong") for a in alts):
                    report.errors.append(f"{where}: needs 2-4 alternatives, each with option and why_wrong")
                options = [_norm(entry["choice"])] + [_norm(a.get("option", "")) for a in alts]
                if len(set(options)) != len(options):
                    report.errors.append(f"{where}: choice and alternatives must all differ")
            if kind == "sequences" and not (3 <= len(entry["steps"]) <= 5):
                report.errors.append(f"{where}: an ordering needs 3-5 steps")
            if kind == "matchings":
                pairs = entry["pairs"]
                if not (3 <= len(pairs) <= 7) or any(not p.get("left") or not p.get("right") for p in pairs):
                    report.errors.append(f"{where}: a matching needs 3-7 pairs with left and right")
    ids = [e.get("id") for kind in FACT_FIELDS for e in (data.get(kind) or [])]
    for fid, n in Counter(ids).items():
        if n > 1:
            report.errors.append(f"facts/{name}: id {fid!r} used {n} times")


def _check_eval_file(path: Path, docs: dict[str, MarkdownDoc], report: CorpusReport) -> None:
    name = path.as_posix()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            report.errors.append(f"{where}: not JSON: {exc}")
            continue
        if not item.get("question"):
            report.errors.append(f"{where}: no question")
        report.evals[path.relative_to(path.parents[2]).as_posix()] += 1  # answers/test/in-notes.jsonl
        for label in item.get("relevant", []):
            if _section_text(docs, label.get("source", ""), label.get("heading", "")) is None:
                report.errors.append(f"{where}: no section {label.get('heading')!r} in {label.get('source')!r}")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text)).lower()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    corpus = Path(args[0] if args else "corpus")
    evals = Path(args[1]) if len(args) > 1 else None
    report = check_corpus(corpus, evals)
    for error in report.errors:
        print("ERROR", error)
    print(f"files={report.files} words={report.words} facts={dict(report.facts)} evals={dict(report.evals)}")
    print("notes per task:", dict(sorted(report.notes_per_task.items())))
    print("facts per task:", dict(sorted(report.facts_per_task.items())))
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
