"""The key point of a question, and the answer checked for it: a small model's gaps filled from the notes.

A 1.5B model names the right service but drops the second of three steps, or says "encoding" where the
notes say "one-hot encoding". When a question matches one of the corpus's facts closely (a decision's
*need*, a sequence's *title*) and retrieval put that fact's note section first, the fact is

1. stated in the prompt ("Key point from the notes: ..."), and
2. checked against the verified answer: every keyword of the fact (`python -m assistant.knowledge.corpus_check` checks each one appears
   in the section), every step of a sequence, the choice of a decision and the reason against an
   alternative the learner names must be there. What is missing is filled with the section's own
   sentences, cited to their passage (extractive, so the citation holds by construction), fewest first.

Notes without facts (a learner's own) get neither: their answers are the model's alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.knowledge.facts import Alternative, Decision, FactBook, Matching, Sequence
from assistant.ingest.injection import find_instructions
from assistant.text import VENDOR, flatten_tables, key_terms, split_sentences
from assistant.types import Chunk

MAX_FILLED = 3  # note sentences added to one answer at most
_LABEL = re.compile(r"^(?:Answer(?:,? in order)?|Why[\w ]{0,30}|Scenario|Correction[\w ]{0,30})\s*[:.]\s+", re.IGNORECASE)

CLAUSE = re.compile(r";|,\s*(?:while|whereas|but)\b", re.IGNORECASE)  # clauses that each pair on their own


@dataclass(frozen=True)
class Item:
    """Something the answer must state: one of `forms`, each a group of term sets that must all have at least
    `share` of their terms present (a keyword: one set; a pair: the item's and its answer's)."""
    label: str
    forms: tuple[tuple[frozenset, ...], ...]
    share: float

    def covered_by(self, terms: set[str]) -> bool:
        return any(all(len(g & terms) >= self.share * len(g) for g in form) for form in self.forms if all(form))


def _item(text: str, share: float) -> Item:
    return Item(text, tuple((frozenset(key_terms(form)),) for form in re.split(r"\s+or\s+", text)), share)


def _related(a: str, b: str) -> bool:
    """
    >>> _related("T > Topic", "T > Topic > Worked example"), _related("T", "T > Topic"), _related("T > A", "T > B")
    (True, False, False)
    """
    outer, inner = sorted((a, b), key=len)
    return a == b or (" > " in outer and inner.startswith(outer + " > "))


def _matches(term: str, terms: set[str]) -> bool:
    """A term or a word sharing its stem ("log" ~ "logarithmic", "split" ~ "splitt")."""
    return term in terms or any(len(t) >= 3 and len(term) >= 3 and (t.startswith(term) or term.startswith(t))
                                for t in terms)


def _mentioned(items: list[str], terms: set[str]) -> list[int]:
    """Which of `items` the text with key `terms` names: half of each item's own terms (those no other item
    has), or all its terms when it has none of its own."""
    sets = [key_terms(item) - VENDOR for item in items]
    out = []
    for i, own in enumerate(sets):
        distinct = own - set().union(*(t for j, t in enumerate(sets) if j != i))
        wanted, share = (distinct, 0.5) if distinct else (own, 1.0)
        if wanted and sum(_matches(t, terms) for t in wanted) >= share * len(wanted):
            out.append(i)
    return out


@dataclass
class KeyPoint:
    facts: list[Decision | Sequence | Matching]  # the closest of each kind: a choice, the steps, the pairs
    score: float  # best question-need (or title) similarity
    question: str = ""
    named: list[Alternative] = field(default_factory=list)  # alternatives the learner asks about

    @property
    def id(self) -> str:
        return "+".join(f.id for f in self.facts)

    def in_section(self, chunk: Chunk) -> bool:
        """In one of the facts' note sections: the same heading, or one heading inside the other (a worked example
        under its topic) unless the outer one is the file's title, which is no evidence of this fact."""
        return any(chunk.source == f.source and _related(chunk.heading, f.section) for f in self.facts)

    def prompt(self) -> str:
        lines = []
        for fact in self.facts:
            if isinstance(fact, Sequence):
                lines.append("Key steps from the notes, in order: " + " ".join(
                    f"({i}) {s}." for i, s in enumerate(fact.steps, 1)))
            elif isinstance(fact, Matching):
                lines.append("Key pairs from the notes: " + "; ".join(f"{left}: {right}" for left, right in fact.pairs) + ".")
            else:
                lines.append(f"Key point from the notes: {fact.choice}. {fact.why_right}")
        lines += [f"Not {alt.option}: {alt.why_wrong}" for alt in self.named]
        return "\n".join(lines) + "\n"

    def items(self) -> list[Item]:
        """What a complete answer states: each keyword whole (one of "a or b"); each step, choice and reason
        against a named alternative by half of its terms that the question does not already contain; each
        pair of a matching by half of both sides (a list of the answers alone pairs nothing)."""
        asked = key_terms(self.question)
        items = [_item(k, 1.0) for f in self.facts if not isinstance(f, Matching) for k in f.keywords]
        parts = [s for f in self.facts if isinstance(f, Sequence) for s in f.steps]
        parts += [f.choice for f in self.facts if isinstance(f, Decision)] + [a.why_wrong for a in self.named]
        items += [Item(p, ((frozenset(key_terms(p) - asked),),), 0.5) for p in parts if key_terms(p) - asked]
        items += [Item(f"{left}: {right}", ((frozenset(key_terms(left) - VENDOR), frozenset(key_terms(right) - VENDOR)),),
                       0.5) for f in self.facts if isinstance(f, Matching) for left, right in f.pairs]
        return items

    def mispaired(self, sentence: str) -> str:
        """Why `sentence` pairs an item of a matched matching with the wrong answer ("" when it does not): it
        names an item and another item's answer but not the item's own, e.g. "One-hot encoding fits the city
        name, the Type_Year field and the building size" (the notes: splitting and a log transform)."""
        for fact in self.facts:
            if not isinstance(fact, Matching):
                continue
            lefts, rights = [left for left, _ in fact.pairs], [right for _, right in fact.pairs]
            for clause in CLAUSE.split(sentence):  # "X measures a, while Y measures b": each clause pairs alone
                terms = key_terms(clause)
                named, answers = _mentioned(lefts, terms), _mentioned(rights, terms)
                wrong = [i for i in named if i not in answers]
                if answers and wrong:
                    i = wrong[0]
                    return f"pairs {lefts[i]!r} with {rights[answers[0]]!r}; the notes pair it with {rights[i]!r}"
        return ""

    def missing(self, text: str) -> list[Item]:
        terms = key_terms(text)
        return [item for item in self.items() if not item.covered_by(terms)]

    def fill(self, text: str, passages: list[Chunk]) -> list[tuple[str, list[int]]]:
        """Sentences of the facts' sections (passage numbers from 1) that state what `text` leaves out, in
        the order the notes give them; each picked for covering the most missing items, at most MAX_FILLED."""
        missing = self.missing(text)
        candidates = [(s, n, i) for n, p in enumerate(passages, 1) if self.in_section(p)
                      for i, s in enumerate(note_sentences(p.text))]
        picked: list[tuple[str, int, int]] = []
        while missing and candidates and len(picked) < MAX_FILLED:
            gains = [sum(item.covered_by(key_terms(s)) for item in missing) for s, _, _ in candidates]
            best = int(np.argmax(gains))  # ties: the earliest sentence
            if gains[best] == 0:
                break
            picked.append(candidates.pop(best))
            missing = [item for item in missing if not item.covered_by(key_terms(picked[-1][0]))]
        return [(s, [n]) for s, n, _ in sorted(picked, key=lambda p: (p[1], p[2]))]


def note_sentences(text: str) -> list[str]:
    """A passage's sentences as an answer can quote them: no markdown emphasis, no "Answer:" labels, no
    questions, nothing that reads like an instruction; table rows as "header: cell" lines."""
    out = []
    for line in flatten_tables(text).splitlines():
        if line.lstrip().startswith("#"):
            continue
        for sentence in split_sentences(line.replace("**", "").replace("__", "")):
            sentence = _LABEL.sub("", sentence).strip()
            if 20 <= len(sentence) <= 450 and not sentence.endswith(("?", ":")) and not find_instructions(sentence):
                out.append(sentence[0].upper() + sentence[1:] + ("" if sentence.endswith((".", "!", ")")) else "."))
    return out


class KeyPointFinder:
    """Decision needs and sequence titles, embedded once, matched against a question."""

    def __init__(self, facts: FactBook, embedder, match: float = 0.6):
        self.facts = [*facts.decisions, *facts.sequences, *facts.matchings]
        self.match = match  # on evals/answers the right fact scores 0.61-0.91, out-of-notes questions at most 0.50
        texts = [f.need if isinstance(f, Decision) else f.title if isinstance(f, Sequence)
                 else f"{f.title}: {', '.join(left for left, _ in f.pairs)}" for f in self.facts]
        self.vectors = embedder.encode(texts) if texts else np.zeros((0, 1))

    def find(self, question: str, qvec, top: list[Chunk], sent: list[Chunk]) -> KeyPoint | None:
        """The closest decision and the closest sequence the question asks about, each only when its section
        is among the `top` retrieved passages (a need that merely reads alike belongs to another topic) and
        `sent` to the model (so the answer stays checkable against it)."""
        if not self.facts:
            return None
        sims = self.vectors @ np.asarray(qvec)
        found: list[tuple[float, Decision | Sequence | Matching]] = []
        for kind in (Decision, Sequence, Matching):
            best = max((i for i, f in enumerate(self.facts) if isinstance(f, kind)), key=lambda i: sims[i], default=None)
            if best is None or sims[best] < self.match:
                continue
            probe = KeyPoint([self.facts[best]], float(sims[best]))
            if any(map(probe.in_section, top)) and any(map(probe.in_section, sent)):
                found.append((float(sims[best]), self.facts[best]))
        if not found:
            return None
        found.sort(key=lambda sf: -sf[0])
        point = KeyPoint([f for _, f in found], found[0][0], question)
        asked = key_terms(question) - VENDOR
        for fact in point.facts:
            for alt in getattr(fact, "alternatives", ()):
                terms = key_terms(alt.option) - VENDOR
                if terms and 2 * len(terms & asked) >= len(terms):  # the learner names this alternative
                    point.named.append(alt)
        return point
