"""Something true at once: the verified note sentences an answer can show before the model says a word.

Retrieval, the key point and the verifier all run before the model, and they already know the answer's core:
the matched key point's own note sentences (those `KeyPoint.fill` picks for an empty answer), or else the one
or two sentences of the closest passage that answer the question (a worked example's "Answer:" line first;
never its "Scenario:" line, which restates the question). Each is checked by the same verifier as the model's
sentences and shown only when it stands, with its [n] citation, labelled as quoted from the notes. The model's
answer then streams below it, and `present` drops model sentences that repeat it.

>>> from assistant.types import Chunk
>>> c = Chunk(id="a", text="Use Y.", source="n.md", heading="N > Y")
>>> Instant([SentenceCheck("Use Y for X.", [1], [1])], [c]).text
'Use Y for X. [1]'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.citations import SentenceCheck, Verifier
from assistant.answering.key_points import KeyPoint, note_sentences
from assistant.types import Chunk, Citation

MAX_INSTANT = 2  # sentences of the best passage shown at once (a key point may bring up to 3)
SECOND_MARGIN = 0.05  # a second sentence joins the first only when about as close to the question
_SCENARIO = re.compile(r"^\s*(?:\*\*)?(?:Scenario|Question)\b", re.IGNORECASE)
_ANSWER = re.compile(r"^\s*(?:\*\*)?Answer\b", re.IGNORECASE)


@dataclass
class Instant:
    """The verified note sentences shown first; `supported_by` numbers point into `chunks` (from 1)."""
    sentences: list[SentenceCheck] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    ms: float = 0.0  # from the question to this content

    @property
    def text(self) -> str:
        return " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.supported_by) for s in self.sentences).strip()

    @property
    def citations(self) -> list[Citation]:
        used = sorted({n for s in self.sentences for n in s.supported_by})
        return [Citation.of(n, self.chunks[n - 1]) for n in used]

    def renumbered(self, passages: list[Chunk]) -> list[SentenceCheck]:
        """The sentences cited by their number in `passages` (the ones the model was given); a passage the prompt
        left out is appended to `passages`, so a citation shown at once stays valid in the final answer."""
        ids = [p.id for p in passages]
        out = []
        for s in self.sentences:
            numbers = []
            for n in s.supported_by:
                chunk = self.chunks[n - 1]
                if chunk.id not in ids:
                    passages.append(chunk)
                    ids.append(chunk.id)
                numbers.append(ids.index(chunk.id) + 1)
            out.append(SentenceCheck(s.text, numbers, numbers, s.posthoc, s.score, s.reason))
        return out

    def to_json(self) -> list[dict]:
        return [{"text": s.text, "supported_by": list(s.supported_by)} for s in self.sentences]


def note_lines(text: str) -> list[str]:
    """A passage's lines that say something: one card side, list item, table row or paragraph each (no
    headings, no blank lines). The unit a learner writes one point in.

    >>> note_lines("# Glue\\nQ: What is DQDL?\\n\\nA: The rule language of Glue Data Quality.")
    ['Q: What is DQDL?', 'A: The rule language of Glue Data Quality.']
    """
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def best_line_similarity(qvec, chunks: list[Chunk], embedder) -> float:
    """The question's similarity to the closest single line of the passages.

    A flashcard file, a PDF or a cheat sheet packs many topics into one ~200-token chunk, so the question's
    similarity to the whole chunk is diluted even when one card answers it exactly (issue #14: 38 of 50 false
    refusals on learners' own notes were decided here, before the model). One line is one point, so its score
    is not. Costs one encode of a few dozen short lines per question.
    """
    lines = list(dict.fromkeys(line for c in chunks for line in note_lines(c.text)))
    if not lines:
        return 0.0
    return float(max(embedder.encode(lines) @ qvec))


def best_passage_sentences(chunks: list[Chunk], lead: Chunk, qvec, embedder, min_relevance: float
                           ) -> list[tuple[str, list[int]]]:
    """One or two sentences of the lead passage's section (numbered as in `chunks`) that answer the question."""
    section = [(n, c) for n, c in enumerate(chunks, 1) if c.source == lead.source and c.heading == lead.heading]
    candidates: list[tuple[str, int]] = []  # (sentence, passage number), in the notes' order
    answer_line: list[tuple[str, int]] = []
    for n, chunk in section:
        for line in note_lines(chunk.text):
            if _SCENARIO.match(line):
                continue
            quoted = [(s, n) for s in note_sentences(line)]
            if _ANSWER.match(line) and not answer_line:
                answer_line = quoted[:MAX_INSTANT]
            candidates += quoted
    if answer_line:  # a worked example's answer states the answer to a question like it
        candidates = answer_line
    if not candidates:
        return []
    vecs = embedder.encode([s for s, _ in candidates])
    scores = [float(v) for v in vecs @ qvec]
    if answer_line:
        keep = [i for i, s in enumerate(scores) if s >= min_relevance]
    else:
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        top = scores[order[0]]
        keep = [i for i in order[:MAX_INSTANT] if scores[i] >= min_relevance and scores[i] >= top - SECOND_MARGIN]
    return [(candidates[i][0], [candidates[i][1]]) for i in sorted(keep)]


def instant_sentences(qvec, chunks: list[Chunk], lead: Chunk, point: KeyPoint | None,
                      embedder, verifier: Verifier, min_relevance: float) -> list[SentenceCheck]:
    """The verified sentences to show at once: the key point's note sentences, or the best passage's."""
    proposed = point.fill("", chunks) if point is not None else []
    if not proposed:
        proposed = best_passage_sentences(chunks, lead, qvec, embedder, min_relevance)
    if not proposed:
        return []
    checks = verifier.verify(proposed, chunks).sentences
    return [c for c in checks if c.supported]  # what the verifier rejects is never shown


def merged(first: list[SentenceCheck], supported: list[SentenceCheck], settled=None) -> list[SentenceCheck]:
    """The final answer's order: the instant sentences first, unless the on-target stage found the notes' choice
    (`settled`, answering/relevance.py): then an instant sentence asserting a ruled-out option is dropped, and
    the answer still opens with a sentence naming the choice (an instant one if any names it, else the stage's
    lead)."""
    if settled is None or settled.winner is None:
        return first + supported
    first = [s for s in first if settled.agrees(s.text)]
    naming = [s for s in first if settled.names_choice(s.text)]
    if naming or not supported:
        return naming + [s for s in first if s not in naming] + supported
    return supported[:1] + first + supported[1:]
