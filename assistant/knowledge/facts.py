"""The corpus's structured decision facts (corpus/facts/*.yaml), as plain dataclasses.

A decision says, for one need a learner must recognise, the right choice and 2-4 confusable alternatives
with why each is wrong there; sequences are ordered steps; matchings are pairs. Question building and the
wrong-answer explainer use them without a large model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Alternative:
    option: str
    why_wrong: str


@dataclass(frozen=True)
class Decision:
    id: str
    need: str
    choice: str
    why_right: str
    alternatives: tuple[Alternative, ...]
    concept: str
    domain: int
    task: str
    source: str
    section: str
    qualifier: str = ""
    keywords: tuple[str, ...] = ()  # terms `study check` guarantees appear in the section
    evidence: tuple[str, ...] = ()  # mined facts: the exact line(s) of the note the fact came from


@dataclass(frozen=True)
class Sequence:
    id: str
    title: str
    steps: tuple[str, ...]
    domain: int
    task: str
    source: str
    section: str
    keywords: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matching:
    id: str
    title: str
    pairs: tuple[tuple[str, str], ...]
    domain: int
    task: str
    source: str
    section: str
    keywords: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass
class FactBook:
    decisions: list[Decision] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    matchings: list[Matching] = field(default_factory=list)

    def for_task(self, task: str) -> "FactBook":
        return FactBook([d for d in self.decisions if d.task == task], [s for s in self.sequences if s.task == task],
                        [m for m in self.matchings if m.task == task])

    def by_id(self, fact_id: str):
        return next((f for f in (*self.decisions, *self.sequences, *self.matchings) if f.id == fact_id), None)

    def __len__(self) -> int:
        return len(self.decisions) + len(self.sequences) + len(self.matchings)


def read_yaml(path: Path) -> dict:
    """A YAML file parsed with libyaml when PyYAML has it (the pure-Python parser took 1.6 s of a cold `study
    ask` on the corpus's facts; the same data either way)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_facts(folder: Path) -> FactBook:
    book = FactBook()
    for path in sorted(Path(folder).glob("*.yaml")):
        data = read_yaml(path) or {}
        for d in data.get("decisions") or []:
            book.decisions.append(Decision(
                id=d["id"], need=d["need"].strip(), choice=d["choice"].strip(), why_right=d["why_right"].strip(),
                alternatives=tuple(Alternative(a["option"].strip(), a["why_wrong"].strip()) for a in d["alternatives"]),
                concept=d.get("concept", ""), domain=int(d["domain"]), task=str(d["task"]), source=d["source"],
                section=d["section"], qualifier=d.get("qualifier") or "", keywords=tuple(d.get("keywords") or ())))
        for s in data.get("sequences") or []:
            book.sequences.append(Sequence(s["id"], s["title"], tuple(s["steps"]), int(s["domain"]), str(s["task"]),
                                           s["source"], s["section"], tuple(s.get("keywords") or ())))
        for m in data.get("matchings") or []:
            book.matchings.append(Matching(m["id"], m["title"], tuple((p["left"], p["right"]) for p in m["pairs"]),
                                           int(m["domain"]), str(m["task"]), m["source"], m["section"],
                                           tuple(m.get("keywords") or ())))
    return book
