"""Which option the notes support for a choice question, decided in code from each option's own notes.

A 1.5B model picks the option it has seen most ("real-time inference", "fine-tuning") even when the passages
in front of it rule that option out for the question's constraints. So the candidates are gathered from what
retrieval found, each with its *own* notes:

- the entities the retrieved sections are about: a heading such as "When to choose serverless inference" or
  "How does SageMaker Neo optimize ...", and the first column of a comparison table, each row being that
  option's notes;
- the decision facts (curated or mined) whose need is near the question: the choice with its need and why,
  each alternative with why it is wrong there.

Each candidate is scored against the question's constraints (`question_kind.read_question`):

- quantities: a candidate whose notes put a limit on payload size or processing time below what the question
  needs is ruled out; one whose limit covers it gains;
- terms: the question's situation terms found in the candidate's notes, weighted by how few candidates share
  them (a term every option mentions decides nothing); a term the question rules out ("no prompt-response
  pairs") that the candidate's notes rely on counts against it;
- meaning: the closest of its notes' sentences to the question (the embedder);
- facts: a decision whose need is close to the question adds to its choice and takes from its alternatives;
- kind: when the question asks for a kind of thing ("which purchase option") and some candidates are of that
  kind, the others lose, and a decision fact picking one of them does not speak for it (a curated fact about
  Inference Recommender is about cost, but it is no way to buy).

The winner and its margin over the runner-up give the confidence ("high", "low", "tie").
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.question_kind import ASKING, QuestionRead, asked_kind, denied_in_notes, quantities
from assistant.answering.key_points import note_sentences
from assistant.knowledge.facts import Decision
from assistant.answering.names import name_terms, names_any
from assistant.text import key_terms
from assistant.types import Chunk

FACT_NEAR = 0.5  # question-need similarity from which a decision fact speaks for its choice (dev: right facts 0.51-0.91)
KIND_PENALTY = 0.3  # a candidate of another kind than the question asks for, when some are of that kind
KIND_NEAR = 0.3  # kind phrase vs a candidate's name or heading ("pricing option" vs "... purchase options": 0.35-0.43)
HIGH_MARGIN = 0.12  # winner's lead over the runner-up for "high" confidence
LOW_MARGIN = 0.04  # below this the evidence does not separate them: "tie"
TERMS_WEIGHT = 0.8  # the situation's terms found in an option's own notes: the most telling signal on our questions
MAX_NOTES = 14  # sentences of one candidate's notes that are embedded
_HEADING_NAME = [
    re.compile(r"^when (?:to|should you|do you) (?:choose|use|pick) (?:an? |the )?(.+?)(?:\s+(?:over|instead of|rather than|"
               r"for|to|with|in|vs\.?|versus)\s.*)?\??$", re.I),
    re.compile(r"^what (?:is|are) (.+?)(?:\s+and\s+(?:when|how|why|what)\b.*|\s+(?:used|good) for.*|\s+for\s.*)?\??$", re.I),
    re.compile(r"^why (?:use|choose) (.+?)(?:\s+(?:as|for|over|to)\s.*)?\??$", re.I),
    re.compile(r"^[Hh]ow (?:does|do|can) ((?:[A-Z0-9][\w\-]*\s?)+?)\s+[a-z].*$"),
]
_LIMIT_CUE = re.compile(r"(?:up to|limit|limits|maximum|max\.?|at most|within|above|over|longer than|exceed\w*|"
                        r"timeout|allows? only|only|payload|payloads)\s*(?:of\s*|size\s*|is\s*)?$", re.I)


@dataclass
class Candidate:
    name: str
    terms: frozenset  # the name's distinctive terms
    aliases: list = field(default_factory=list)  # other names' terms ("multi-model endpoint" for "MME")
    notes: list[str] = field(default_factory=list)  # sentences about it: what it is, what it fits
    against: list[str] = field(default_factory=list)  # why it does not fit a need the notes name
    prior: float = 0.0  # from decision facts near the question
    origin: list[str] = field(default_factory=list)  # headings of the sections it was found in
    score: float = 0.0
    parts: dict = field(default_factory=dict)

    def text(self) -> str:
        return " ".join(self.notes + self.against)


@dataclass
class ChoiceResult:
    candidates: list[Candidate]  # best first
    confidence: str  # "high" | "low" | "tie" | "" (no candidates)

    @property
    def winner(self) -> Candidate | None:
        return self.candidates[0] if self.candidates and self.confidence in ("high", "low") else None

    @property
    def margin(self) -> float:
        if len(self.candidates) < 2:
            return 1.0 if self.candidates else 0.0
        return self.candidates[0].score - self.candidates[1].score

    def summary(self) -> list[dict]:
        return [{"name": c.name, "score": round(c.score, 3), **{k: round(v, 3) for k, v in c.parts.items()}}
                for c in self.candidates[:5]]


def heading_entity(heading: str) -> str:
    """The option a heading is about, or "".

    >>> [heading_entity(h) for h in ("When to choose serverless inference", "How does SageMaker Neo optimize models for "
    ...  "edge devices?", "What is AWS Step Functions and when should you choose it for ML workflows?",
    ...  "How to decide between real-time and batch deployment")]
    ['serverless inference', 'SageMaker Neo', 'AWS Step Functions', '']
    """
    for pattern in _HEADING_NAME:
        m = pattern.match(heading.strip())
        if m:
            name = m.group(1).strip(" ?.")
            if 0 < len(name.split()) <= 7 and not re.search(r"\b(?:vs|versus|or|and|between)\b", name, re.I):
                return name
    return ""


def mentions(text: str, candidate: Candidate) -> bool:
    """Does the text name the candidate (by its name or one of its other names)?"""
    return names_any(text, [candidate.terms, *candidate.aliases])


_NEED_COLUMN = re.compile(r"\b(?:need|symptom|scenario|question|requirement|problem|goal|task|situation|use case|when)\b",
                          re.I)
_NAME_COLUMN = re.compile(r"option|service|tool|technique|answer|choice|method|approach|strategy|algorithm|feature|"
                          r"workforce|target|policy|family|type|mode|fix|solution|use\b", re.I)


def table_entities(text: str) -> list[tuple[str, list[str]]]:
    r"""(option, its notes) from each Markdown table: an option per row when the first column names options
    ("Option", "Technique", ...), the named column of a row when the first column is a need ("Need", "Symptom"),
    an option per column when the first header is empty (a "vs" table whose rows are aspects).

    >>> table_entities("| | A | B |\n|---|---|---|\n| Best for | x | y |")
    [('A', ['Best for: x.']), ('B', ['Best for: y.'])]
    >>> table_entities("| Need | Service |\n|---|---|\n| Store records for replay | Kinesis Data Streams |")
    [('Kinesis Data Streams', ['Store records for replay.'])]
    """
    tables, current = [], None
    for line in text.splitlines() + [""]:
        s = line.strip()
        if s.startswith("|") and s.endswith("|") and len(s) > 2:
            cells = [c.strip().replace("**", "") for c in s.strip("|").split("|")]
            if current is None:
                current = (cells, [])
            elif not all(set(c) <= set("-: ") for c in cells):
                current[1].append(cells + [""] * (len(current[0]) - len(cells)))
        elif current is not None:
            tables.append(current)
            current = None
    out: list[tuple[str, list[str]]] = []
    for header, rows in tables:
        if len(header) < 2 or not rows:
            continue
        if not header[0]:
            out += [(h, [f"{r[0]}: {r[j]}." for r in rows if r[j]]) for j, h in enumerate(header) if j and h]
        elif _NEED_COLUMN.search(header[0]):
            named = next((j for j, h in enumerate(header) if j and _NAME_COLUMN.search(h)), 1)
            out += [(r[named], [r[0] + "."] + [f"{h}: {c}." for h, c in zip(header[1:], r[1:]) if c and h != header[named]])
                    for r in rows if r[named]]
        else:
            out += [(r[0], [f"{r[0]}: " + "; ".join(f"{h}: {c}" for h, c in zip(header[1:], r[1:]) if c) + "."])
                    for r in rows if r[0]]
    return [(name, notes) for name, notes in out if 0 < len(name.split()) <= 6 and not name.endswith("?")]


_LIST_ENTITY = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+\**([A-Za-z][^:;=>]{1,48}?)\**\s*(?::|->|=>| - | \u2014 )\s*(.{12,})$")


def list_entities(text: str) -> list[tuple[str, list[str]]]:
    """(option, its line) for list lines that define a short name: "- KDF (Amazon Data Firehose): fully managed ...".

    >>> list_entities("- Pipe mode: streams data from S3 straight into the algorithm")
    [('Pipe mode', ['Pipe mode: streams data from S3 straight into the algorithm.'])]
    """
    out = []
    for line in text.splitlines():
        m = _LIST_ENTITY.match(line)
        if m and len(m.group(1).split()) <= 6:
            body = m.group(2).strip().replace("**", "")
            out.append((m.group(1).strip(), [f"{m.group(1).strip()}: {body}" + ("" if body.endswith(".") else ".")]))
    return out


def _proper(name: str, terms: frozenset) -> bool:
    """Is `name` specific enough to stand for a longer name holding its terms? Two terms, or one written as a
    proper name inside it ("SageMaker Neo", "KDS"), not a common word ("Streaming").

    >>> _proper("SageMaker Neo", frozenset({"neo"})), _proper("Streaming", frozenset({"stream"}))
    (True, False)
    """
    if len(terms) >= 2:
        return True
    words = re.findall(r"[\w\-]+", name)
    return any(w.isupper() and len(w) >= 2 or (i and w[:1].isupper()) for i, w in enumerate(words)
               if key_terms(w) & terms)


class Candidates:
    """Gathers candidates by name, merging the same option named two ways ("Serverless inference",
    "SageMaker Serverless Inference")."""

    def __init__(self):
        self.items: list[Candidate] = []

    def get(self, name: str) -> Candidate | None:
        aside = re.findall(r"\(([^)]*)\)", name)  # "MME (multi-model endpoint)": another name for it
        name = re.sub(r"\s*\([^)]*\)", "", name).strip(" *_.:")  # "Amazon Data Firehose (formerly ...)"
        name = re.sub(r"^(?:an?|the)\s+", "", name.replace("**", ""), flags=re.I)  # "an **event time feature**"
        terms = name_terms(name)
        c = self._get(name, terms)
        if c is not None:
            for a in aside:
                alias = name_terms(re.sub(r"^(?:formerly|ex|aka|a\.k\.a\.|also)\s+", "", a.strip(), flags=re.I))
                if alias and 0 < len(a.split()) <= 5 and alias not in c.aliases:
                    c.aliases.append(alias)
        return c

    def _get(self, name: str, terms: frozenset) -> Candidate | None:
        if not terms or len(name.split()) > 8:
            return None
        for c in self.items:
            small, big = sorted((terms, c.terms), key=len)
            short = name if small is terms else c.name
            if terms == c.terms or (small and small <= big and _proper(short, small)):
                if len(terms) < len(c.terms):  # the shorter name reads better and matches more mentions
                    c.name, c.terms = name, terms
                return c
        c = Candidate(name, terms)
        self.items.append(c)
        return c


def gather(sections: list[Chunk], decisions: list[tuple[float, Decision]], asked: list[str] = ()) -> list[Candidate]:
    """Candidates from the retrieved sections (heading entities, table rows), near decision facts and the options
    the question names (`asked`)."""
    found = Candidates()
    for chunk in sections:
        entity = heading_entity(chunk.heading.split(" > ")[-1])
        if entity and (c := found.get(entity)):
            c.notes += note_sentences(chunk.text)
            c.origin.append(chunk.heading)
        for name, notes in table_entities(chunk.text) + list_entities(chunk.text):
            if (c := found.get(name)):
                c.notes += notes
                c.origin.append(chunk.heading)
    for sim, d in decisions:
        weight = 2.0 * (sim - FACT_NEAR + 0.05)
        if (c := found.get(d.choice)):
            c.notes += [d.need + ".", d.why_right]
            c.prior += weight
            c.origin.append(d.section)
        for alt in d.alternatives:
            if (c := found.get(alt.option)):
                c.against.append(alt.why_wrong)
                c.prior -= weight
    for name in asked:
        found.get(name)
    # a sentence of any retrieved section that names one candidate alone is about it too
    for chunk in sections:
        for sentence in note_sentences(chunk.text):
            named = [c for c in found.items if mentions(sentence, c)]
            if len(named) == 1 and sentence not in named[0].notes:
                named[0].notes.append(sentence)
    return [c for c in found.items if c.notes or c.against]


def asked_options(question: str) -> list[str]:
    """Options the question names itself: "Should we use SageMaker Clarify or SageMaker Model Monitor?".

    >>> asked_options("We must check bias. Should we use SageMaker Clarify or SageMaker Model Monitor?")
    ['SageMaker Clarify', 'SageMaker Model Monitor']
    """
    m = re.search(r"\b(?:use|choose|pick|between|prefer)\s+(?:an?\s+|the\s+)?(.+?),?\s+or\s+(?:an?\s+|the\s+)?(.+?)\s*\??$",
                  question.strip(), re.I)
    return [m.group(1).strip(), m.group(2).strip()] if m else []


def _limits(sentences: list[str]) -> dict[str, float]:
    """The largest size and duration the sentences state as a limit ("payload up to 6 MB", "60-second timeout")."""
    out: dict[str, float] = {}
    for sentence in sentences:
        for q in quantities(sentence):
            out.setdefault(q.dimension, 0.0)
        for m in re.finditer(r"\d[\d,.]*\s*[- ]?(?:kb|mb|gb|tb|s|secs?|seconds?|mins?|minutes?|hrs?|hours?)\b|"
                             r"\b(?:one|an) hour\b",
                             sentence, re.I):
            before = sentence[max(0, m.start() - 30):m.start()]
            after = sentence[m.end():m.end() + 12]
            if not (_LIMIT_CUE.search(before) or re.match(r"\s*(?:timeout|limit|max)", after, re.I)):
                continue
            for q in quantities(m.group(0)):
                out[q.dimension] = max(out.get(q.dimension, 0.0), q.value)
    return {k: v for k, v in out.items() if v > 0}


def of_kind(candidates: list[Candidate], phrase: str, kind: frozenset, embedder) -> list[bool]:
    """Is each candidate a thing of the kind asked ("purchase option")? Its name, notes or the headings it was
    found under use the kind's words, or its name or a heading reads like the kind ("pricing option" and
    "Cost monitoring and purchase options": KIND_NEAR)."""
    words = [kind <= key_terms(" ".join([c.name, c.text(), *c.origin])) for c in candidates]
    labels = [[c.name, *dict.fromkeys(c.origin)] for c in candidates]
    flat = [t for ts in labels for t in ts]
    sims = embedder.encode(flat) @ np.asarray(embedder.encode([phrase])[0]) if flat else np.zeros(0)
    near, i = [], 0
    for ts in labels:
        near.append(bool(len(ts)) and float(max(sims[i:i + len(ts)])) >= KIND_NEAR)
        i += len(ts)
    return [w or n for w, n in zip(words, near)]


def score(question: QuestionRead, qvec, candidates: list[Candidate], embedder) -> ChoiceResult:
    if not candidates:
        return ChoiceResult([], "")
    texts = [key_terms(c.text()) for c in candidates]
    df = {t: sum(t in ts for ts in texts) for t in question.terms | question.negated}
    n = len(candidates)
    sentences = [(i, s) for i, c in enumerate(candidates) for s in (c.notes[:MAX_NOTES] or c.against[:2])]
    vecs = embedder.encode([s for _, s in sentences]) if sentences else np.zeros((0, len(qvec)))
    sims = vecs @ np.asarray(qvec) if len(sentences) else np.zeros(0)
    # the options the question names ("Clarify or Model Monitor?") are no constraint on which one fits
    names = set().union(*(c.terms for c in candidates if mentions(question.text, c)))
    situation = question.terms - names
    wanted = [t for t in situation if df.get(t) and df[t] < n] or [t for t in situation if df.get(t)]
    # "which purchase option ...": when some candidates are of that kind, the others are not what was asked for
    phrase, kind = asked_kind(question.text)
    fitting = of_kind(candidates, phrase, kind, embedder) if kind else []
    fitting = fitting if any(fitting) else []
    for i, c in enumerate(candidates):
        own = texts[i] - key_terms(" ".join(c.against))
        meaning = max((float(sims[j]) for j, (k, _) in enumerate(sentences) if k == i), default=0.0)
        weight = sum(math.log(1 + n / df[t]) for t in wanted) or 1.0
        terms = sum(math.log(1 + n / df[t]) for t in wanted if t in own) / weight
        # a term the question rules out counts against an option whose notes use it, unless they deny it too
        # ("so no future data leaks in" vs notes that say the option "prevents data leakage from the future")
        denied = denied_in_notes(" ".join(c.notes)) if question.negated else set()
        ruled_out = sum(1 for t in question.negated if t in own and t not in denied and df.get(t, 0) < n)
        fit = 0.0
        limits = _limits(c.notes + c.against)
        for q in question.quantities:
            if q.dimension in limits:
                fit += 0.25 if limits[q.dimension] >= q.value else -0.6
        other_kind = -KIND_PENALTY if kind and fitting and not fitting[i] else 0.0
        # a fact that picks an option of another kind than the one asked answers another need (Inference
        # Recommender cuts cost, but it is no pricing option): it does not speak for it here
        prior = min(c.prior, 0.0) if other_kind else c.prior
        c.parts = {"meaning": meaning, "terms": TERMS_WEIGHT * terms, "ruled_out": -0.15 * ruled_out, "limits": fit,
                   "facts": prior, "kind": other_kind}
        c.score = meaning + TERMS_WEIGHT * terms - 0.15 * ruled_out + fit + prior + other_kind
    ranked = sorted(candidates, key=lambda c: -c.score)
    margin = ranked[0].score - ranked[1].score if len(ranked) > 1 else 1.0
    confidence = "high" if margin >= HIGH_MARGIN else "low" if margin >= LOW_MARGIN else "tie"
    return ChoiceResult(ranked, confidence)


def near_decisions(facts: list, vectors, qvec, passages: list[Chunk]) -> list[tuple[float, Decision]]:
    """(similarity, decision) for the decision facts whose need is near the question and whose note is among
    the `passages` (a need that merely reads alike belongs to another topic)."""
    if not len(facts):
        return []
    sims = np.asarray(vectors) @ np.asarray(qvec)
    sources = {p.source for p in passages}
    return [(float(s), f) for s, f in zip(sims, facts)
            if isinstance(f, Decision) and s >= FACT_NEAR and f.source in sources]


def choose(question: QuestionRead, qvec, sections: list[Chunk], decisions: list[tuple[float, Decision]],
           embedder) -> ChoiceResult:
    """The candidates of the retrieved `sections` and near `decisions` ((similarity, fact)), scored, best first."""
    candidates = gather(sections, decisions, asked_options(question.text))
    candidates = [c for c in candidates if not c.terms <= question.negated]
    return score(question, qvec, candidates, embedder)


__all__ = ["ASKING", "Candidate", "ChoiceResult", "choose", "gather", "heading_entity", "mentions", "score"]
