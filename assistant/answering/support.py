"""The one rule for "does this passage back this text", used by the answer verifier (assistant.answering.citations)
and by the quiz gate (assistant.quiz.gate): embedding similarity with the real embedder plus overlap of key
terms, and no contradiction in numbers or negation.

Thresholds come from the settings tree (`settings.support`, env `STUDY_SUPPORT__STRONG` etc.).
"""
from __future__ import annotations

import re

import numpy as np

from assistant.config import SupportSettings
from assistant.text import NEGATIONS, VENDOR, flatten_tables, key_terms, split_sentences
from assistant.types import Chunk, Citation

NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
STEP = re.compile(r"\(\d{1,2}\)")  # "(2)" numbers a step: it is no number to find in the passage


def negated(text: str) -> bool:
    words = set(re.findall(r"[a-z']+", text.lower()))
    return bool(words & NEGATIONS) or "n't" in text.lower()


_NEGATION = re.compile(r"\b(?:(?:do|does|did|is|are|was|were|can|will|would|should)\s+not|cannot|never|not|no)\b|n't\b",
                       re.IGNORECASE)


def without_negation(text: str) -> str:
    return re.sub(r"\s{2,}", " ", _NEGATION.sub("", text)).strip()


_NEGATED_TERMS = re.compile(r"\b(?:no|not|cannot|never)\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.IGNORECASE)
GENERIC = {"support", "use", "need", "requir", "allow", "have", "be", "provid", "includ", "work", "run", "be", "an",
           "the", "a", "to", "for", "more", "longer", "only", "same", "longer"}


def denied_terms(passage: str) -> set[str]:
    """Key terms a passage says 'no/not/cannot/never' about, e.g. 'CPU only (no GPUs)' -> {'gpu'}."""
    return {t for m in _NEGATED_TERMS.finditer(passage) for t in key_terms(m.group(1))} - GENERIC


def denied_heads(text: str) -> set[str]:
    """The first meaningful term after each no/not/cannot/never: 'CPU only (no GPUs)' -> {'gpu'}, 'users never
    see the shadow answers' -> {'see'} (not 'shadow': what is denied is seeing it)."""
    heads = set()
    for m in _NEGATED_TERMS.finditer(text):
        for word in m.group(1).split():
            terms = key_terms(word) - GENERIC - VENDOR - {"ml"}
            if terms:
                heads |= terms
                break
    return heads


def as_chunk(passage: Chunk | Citation) -> Chunk:
    """A cited passage (quiz questions carry Citations) as the Chunk the rule reads."""
    if isinstance(passage, Chunk):
        return passage
    return Chunk(id=passage.id, source=passage.source, heading=passage.heading, text=passage.text)


class SupportRule:
    """Scores how well a passage backs a sentence (normalised vectors: dot = cosine)."""

    def __init__(self, embedder, settings: SupportSettings | None = None):
        self.embedder = embedder
        settings = settings or SupportSettings()
        self.strong, self.weak, self.overlap = settings.strong, settings.weak, settings.overlap
        self._part_cache: dict[str, tuple[list[str], np.ndarray]] = {}

    def clear_cache(self) -> None:
        self._part_cache = {}

    def backs(self, text: str, passage: Chunk | Citation, *, names_suffice: bool = False) -> bool:
        """One statement against one passage, vectors computed here (the quiz gate's question)."""
        chunk = as_chunk(passage)
        sent_vec, passage_vec = self.embedder.encode([STEP.sub("", text), chunk.indexed_text])
        return self.score(text, chunk, sent_vec, passage_vec, names_suffice=names_suffice)[0] > 0

    def score(self, sentence: str, passage: Chunk, sent_vec, passage_vec, *,
              names_suffice: bool = False) -> tuple[float, str]:
        """Support score in [0, 1] of `sentence` by `passage` and, when 0, the reason.

        Evidence first: similarity, shared key terms. An answer's sentence must read like the passage; a quiz
        option is often a bare name ("Amazon MWAA", "SSE-C") whose vector says little, so with `names_suffice`
        the passage naming `overlap` of its key terms, or `weak` similarity alone, is evidence enough, and a
        denial counts only in the passage's sentence closest to it (and only a negated option can be flipped).
        Then, for both, the same contradiction checks: numbers the passage lacks, a "no/not" about the claim's
        terms, a flipped polarity.
        """
        text = passage.indexed_text
        numbers = set(NUMBER.findall(STEP.sub("", sentence))) - set(NUMBER.findall(text))
        if numbers:
            return 0.0, f"numbers {sorted(numbers)} are not in the passage"
        cos = float(np.dot(sent_vec, passage_vec))
        terms = key_terms(sentence)
        overlap = len(terms & key_terms(text)) / len(terms) if terms else 0.0
        parts, vecs = self.parts(passage)
        best = int(np.argmax(vecs @ sent_vec))
        closest, same = parts[best], float(vecs[best] @ sent_vec)
        # a long passage (a table, a list of steps) embeds as a blur: a claim may match one of its lines instead
        # (a short step reads like one sentence of a passage and uses nearly all of its words: "Apply the
        # trail to all Regions" / "Apply it to all Regions (the console default), and ...")
        part_overlap = len(terms & key_terms(closest)) / len(terms) if terms else 0.0
        named = names_suffice and (overlap >= self.overlap or max(cos, same) >= self.weak)
        # an answer's claim reads like its passage AND uses its words: similarity alone is topical likeness (a
        # "why not the alternatives" paragraph reads like the worked example's answer it never states)
        alone = names_suffice and cos >= self.strong
        if not (named or alone or (cos >= self.weak and overlap >= self.overlap)
                or (same >= self.strong and overlap >= self.overlap) or (same >= self.weak and part_overlap >= 0.8)):
            return 0.0, f"not stated in the passage (similarity {max(cos, same):.2f}, shared key terms {overlap:.0%})"
        if not negated(sentence):
            # a name is checked against the sentence that names it: "no key management" elsewhere in a table
            # does not deny "a customer managed KMS key"
            denied = (terms - GENERIC) & denied_terms(closest if names_suffice else text)
            if denied:
                return 0.0, f"contradicts the passage, which says no/not about {sorted(denied)}"
        # a contradiction reads like its passage: compare polarity with the passage's closest sentence (a name
        # states nothing a "not" in that sentence could contradict: "batch transform runs a job, not an endpoint")
        if negated(closest) != negated(sentence) and (negated(sentence) or not names_suffice):
            # the same statement once the negation is removed, and closer without it: a contradiction
            a, b = (without_negation(sentence), closest) if negated(sentence) else (sentence, without_negation(closest))
            va, vb = self.embedder.encode([a, b])
            flipped = float(va @ vb)
            if flipped >= 0.85 and flipped > same + 0.02:
                return 0.0, "contradicts the passage (one says not, the other does not)"
        return max(cos, same) * 0.7 + overlap * 0.3, ""

    def parts(self, passage: Chunk) -> tuple[list[str], np.ndarray]:
        """The passage's sentences and table rows (as "header: cell" lines) with their vectors, cached per passage."""
        if passage.id not in self._part_cache:
            parts = [s for line in flatten_tables(passage.text).splitlines() for s in split_sentences(line)]
            parts = parts or [passage.text]
            self._part_cache[passage.id] = (parts, self.embedder.encode(parts))
        return self._part_cache[passage.id]
