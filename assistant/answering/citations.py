"""Number sources [1..n], parse the model's citations, verify each sentence against its passages.

Grounding is the system's job, not the model's: a sentence counts as supported only when a cited,
retrieved passage backs it (embedding similarity with the real embedder plus overlap of key terms,
and no contradiction in numbers or negation). Where the model cited nothing useful, the best
supporting retrieved passage is attached (post-hoc citation). Numbers that are not retrieved
passages are dropped and reported, never kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.text import NEGATIONS, VENDOR, flatten_tables, key_terms, split_sentences
from assistant.types import Chunk

_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_STEP = re.compile(r"\(\d{1,2}\)")


@dataclass
class SentenceCheck:
    text: str
    cited: list[int]  # what the model cited (valid numbers only)
    supported_by: list[int] = field(default_factory=list)  # passages that really back it
    posthoc: bool = False  # the citation was attached by the verifier, not by the model
    score: float = 0.0  # best support score
    reason: str = ""  # why unsupported

    @property
    def supported(self) -> bool:
        return bool(self.supported_by)


@dataclass
class Verification:
    sentences: list[SentenceCheck]
    invalid_citations: list[int]  # numbers the model cited that were not retrieved passages

    @property
    def supported_share(self) -> float:
        return sum(s.supported for s in self.sentences) / len(self.sentences) if self.sentences else 0.0


def _negated(text: str) -> bool:
    words = set(re.findall(r"[a-z']+", text.lower()))
    return bool(words & NEGATIONS) or "n't" in text.lower()


_NEGATION = re.compile(r"\b(?:(?:do|does|did|is|are|was|were|can|will|would|should)\s+not|cannot|never|not|no)\b|n't\b",
                       re.IGNORECASE)


def _without_negation(text: str) -> str:
    return re.sub(r"\s{2,}", " ", _NEGATION.sub("", text)).strip()


_NEGATED_TERMS = re.compile(r"\b(?:no|not|cannot|never)\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.IGNORECASE)
_GENERIC = {"support", "use", "need", "requir", "allow", "have", "be", "provid", "includ", "work", "run", "be", "an",
            "the", "a", "to", "for", "more", "longer", "only", "same", "longer"}


def _denied_terms(passage: str) -> set[str]:
    """Key terms a passage says 'no/not/cannot/never' about, e.g. 'CPU only (no GPUs)' -> {'gpu'}."""
    return {t for m in _NEGATED_TERMS.finditer(passage) for t in key_terms(m.group(1))} - _GENERIC


def _denied_heads(text: str) -> set[str]:
    """The first meaningful term after each no/not/cannot/never: 'CPU only (no GPUs)' -> {'gpu'}, 'users never
    see the shadow answers' -> {'see'} (not 'shadow': what is denied is seeing it)."""
    heads = set()
    for m in _NEGATED_TERMS.finditer(text):
        for word in m.group(1).split():
            terms = key_terms(word) - _GENERIC - VENDOR - {"ml"}
            if terms:
                heads |= terms
                break
    return heads


class Verifier:
    """Checks sentences against passages with the embedder (normalised vectors: dot = cosine)."""

    def __init__(self, embedder, strong: float = 0.62, weak: float = 0.45, overlap: float = 0.5):
        self.embedder = embedder
        self.strong, self.weak, self.overlap = strong, weak, overlap
        self._part_cache: dict[str, tuple[list[str], np.ndarray]] = {}

    def support(self, sentence: str, passage: Chunk, sent_vec, passage_vecs: dict) -> tuple[float, str]:
        """Support score in [0, 1] of `sentence` by `passage` and, when 0, the reason."""
        text = passage.indexed_text
        numbers = set(_NUMBER.findall(_STEP.sub("", sentence))) - set(_NUMBER.findall(text))  # "(2)" is no number
        if numbers:
            return 0.0, f"numbers {sorted(numbers)} are not in the passage"
        cos = float(np.dot(sent_vec, passage_vecs[passage.id]))
        terms = key_terms(sentence)
        overlap = len(terms & key_terms(text)) / len(terms) if terms else 0.0
        parts, vecs = self._parts(passage)
        best = int(np.argmax(vecs @ sent_vec))
        closest, same = parts[best], float(vecs[best] @ sent_vec)
        # a long passage (a table, a list of steps) embeds as a blur: a claim may match one of its lines instead
        # (a short step reads like one sentence of a passage and uses nearly all of its words: "Apply the
        # trail to all Regions" / "Apply it to all Regions (the console default), and ...")
        part_overlap = len(terms & key_terms(closest)) / len(terms) if terms else 0.0
        if not (cos >= self.strong or (cos >= self.weak and overlap >= self.overlap)
                or (same >= self.strong and overlap >= self.overlap) or (same >= self.weak and part_overlap >= 0.8)):
            return 0.0, f"not stated in the passage (similarity {max(cos, same):.2f}, shared key terms {overlap:.0%})"
        if not _negated(sentence):
            denied = (terms - _GENERIC) & _denied_terms(text)
            if denied:
                return 0.0, f"contradicts the passage, which says no/not about {sorted(denied)}"
        # a contradiction reads like its passage: compare polarity with the passage's closest sentence
        if _negated(closest) != _negated(sentence):
            # the same statement once the negation is removed, and closer without it: a contradiction
            a, b = (_without_negation(sentence), closest) if _negated(sentence) else (sentence, _without_negation(closest))
            va, vb = self.embedder.encode([a, b])
            flipped = float(va @ vb)
            if flipped >= 0.85 and flipped > same + 0.02:
                return 0.0, "contradicts the passage (one says not, the other does not)"
        return max(cos, same) * 0.7 + overlap * 0.3, ""

    def _parts(self, passage: Chunk) -> tuple[list[str], np.ndarray]:
        """The passage's sentences and table rows (as "header: cell" lines) with their vectors, cached per passage."""
        if passage.id not in self._part_cache:
            parts = [s for line in flatten_tables(passage.text).splitlines() for s in split_sentences(line)]
            parts = parts or [passage.text]
            self._part_cache[passage.id] = (parts, self.embedder.encode(parts))
        return self._part_cache[passage.id]

    def _drop_contradicted_elsewhere(self, checks: list[SentenceCheck], vectors, passages: list[Chunk]) -> None:
        """A claim backed by one passage but denied by a sentence of another that is closer to it does not stand:
        "Serverless Inference supports GPUs" reads like an SDK passage that never mentions GPUs, while the
        serverless section says "CPU only (no GPUs)". Compared sentence by sentence, so a "not" elsewhere in a
        passage about something else denies nothing."""
        for check, vec in zip(checks, vectors):
            if not check.supported or _negated(check.text):
                continue
            terms = key_terms(check.text) - _GENERIC
            backing = max(float(max(self._parts(passages[n - 1])[1] @ vec)) for n in check.supported_by)
            for n, p in enumerate(passages, 1):
                parts, part_vecs = self._parts(p)
                for part, similarity in zip(parts, part_vecs @ vec):
                    if similarity < self.strong or similarity <= backing:
                        continue
                    denied = terms & _denied_heads(part)
                    rest = terms - denied  # and the denial is about the claim's subject: most of its other terms
                    if denied and len(rest & key_terms(part)) >= 0.5 * len(rest):
                        check.supported_by, check.posthoc = [], False
                        check.reason = f"contradicts passage [{n}]: {part[:160]!r}"
                        break
                if not check.supported:
                    break

    def verify(self, sentences: list[tuple[str, list[int]]], passages: list[Chunk]) -> Verification:
        """`sentences`: (text, cited numbers 1..n) as the model wrote them; `passages`: numbered from 1."""
        invalid: list[int] = []
        self._part_cache: dict[str, tuple[list[str], np.ndarray]] = {}
        if not sentences:
            return Verification([], invalid)
        vectors = self.embedder.encode([_STEP.sub("", s) for s, _ in sentences] + [p.indexed_text for p in passages])
        sent_vecs, passage_vecs = vectors[: len(sentences)], {p.id: v for p, v in zip(passages, vectors[len(sentences):])}
        checks = []
        for (text, cited), vec in zip(sentences, sent_vecs):
            valid = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
            invalid += [n for n in cited if not 1 <= n <= len(passages)]
            check = SentenceCheck(text=text, cited=valid)
            reasons = []
            for n in valid:
                score, reason = self.support(text, passages[n - 1], vec, passage_vecs)
                if score > 0:
                    check.supported_by.append(n)
                    check.score = max(check.score, score)
                else:
                    reasons.append(f"[{n}] {reason}")
            if not check.supported_by:  # post-hoc: the best retrieved passage that supports it
                best = max(((self.support(text, p, vec, passage_vecs)[0], n) for n, p in enumerate(passages, 1)
                            if n not in valid), default=(0.0, 0))
                if best[0] > 0:
                    check.supported_by, check.score, check.posthoc = [best[1]], best[0], True
                else:
                    check.reason = "; ".join(reasons) or "no retrieved passage states it"
            checks.append(check)
        self._drop_contradicted_elsewhere(checks, sent_vecs, passages)
        _drop_self_contradictions(checks, sent_vecs)
        return Verification(checks, sorted(set(invalid)))


def _drop_self_contradictions(checks: list[SentenceCheck], vectors) -> None:
    """Two supported sentences that say the same thing with opposite polarity cannot both stand: keep the
    better-supported one ("X does not support GPUs" vs "X supports GPUs")."""
    for i, a in enumerate(checks):
        for j in range(i + 1, len(checks)):
            b = checks[j]
            if a.supported and b.supported and _negated(a.text) != _negated(b.text) and float(vectors[i] @ vectors[j]) >= 0.8:
                loser = a if a.score < b.score else b
                loser.supported_by, loser.posthoc = [], False
                loser.reason = "contradicts another sentence of the answer"
