"""Number sources [1..n], parse the model's citations, verify each sentence against its passages.

Grounding is the system's job, not the model's: a sentence counts as supported only when a cited,
retrieved passage backs it (embedding similarity with the real embedder plus overlap of key terms,
and no contradiction in numbers or negation). Where the model cited nothing useful, the best
supporting retrieved passage is attached (post-hoc citation). Numbers that are not retrieved
passages are dropped and reported, never kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.answering.support import (GENERIC, NUMBER, STEP, SupportRule, denied_heads, negated,
                                        swapped_span)
from assistant.config import SupportSettings
from assistant.text import key_terms
from assistant.types import Chunk


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


class Verifier:
    """Checks an answer's sentences against its numbered passages with the one support rule
    (assistant.answering.support), then across sentences and passages for contradictions."""

    def __init__(self, embedder, settings: SupportSettings | None = None):
        self.embedder = embedder
        self.rule = SupportRule(embedder, settings)
        self.cross_passage_denial = (settings or SupportSettings()).cross_passage_denial

    def support(self, sentence: str, passage: Chunk, sent_vec, passage_vecs: dict,
                given: frozenset = frozenset()) -> tuple[float, str]:
        """Support score in [0, 1] of `sentence` by `passage` and, when 0, the reason."""
        return self.rule.score(sentence, passage, sent_vec, passage_vecs[passage.id], given=given)

    def _parts(self, passage: Chunk) -> tuple[list[str], np.ndarray]:
        return self.rule.parts(passage)

    def _drop_contradicted_elsewhere(self, checks: list[SentenceCheck], vectors, passages: list[Chunk]) -> None:
        """A claim backed by one passage but denied by a sentence of another that is closer to it does not stand:
        "Serverless Inference supports GPUs" reads like an SDK passage that never mentions GPUs, while the
        serverless section says "CPU only (no GPUs)". Compared sentence by sentence, so a "not" elsewhere in a
        passage about something else denies nothing."""
        for check, vec in zip(checks, vectors):
            if not check.supported or negated(check.text):
                continue
            terms = key_terms(check.text) - GENERIC
            backing = max(float(max(self._parts(passages[n - 1])[1] @ vec)) for n in check.supported_by)
            for n, p in enumerate(passages, 1):
                parts, part_vecs = self._parts(p)
                for part, similarity in zip(parts, part_vecs @ vec):
                    if similarity < self.rule.strong or similarity <= backing:
                        continue
                    denied = terms & denied_heads(part)
                    rest = terms - denied  # and the denial is about the claim's subject: most of its other terms
                    if denied and len(rest & key_terms(part)) >= 0.5 * len(rest):
                        check.supported_by, check.posthoc = [], False
                        check.reason = f"contradicts passage [{n}]: {part[:160]!r}"
                        break
                if not check.supported:
                    break

    def _drop_swapped(self, checks: list[SentenceCheck], vectors, passages: list[Chunk]) -> None:
        """A sentence that copies its closest passage sentence but one span, which it took from another passage
        of the prompt, states neither: "Check the instance quota of the caller ..." (see support.swapped_span)."""
        prompt_text = " ".join(p.indexed_text for p in passages)
        for check, vec in zip(checks, vectors):
            if not check.supported:
                continue
            closest = max(((float(s), part) for n in check.supported_by
                           for part, s in zip(*self._scored_parts(passages[n - 1], vec))), default=(0.0, ""))[1]
            swapped = swapped_span(check.text, closest, prompt_text)
            if swapped:
                check.supported_by, check.posthoc = [], False
                check.reason = f"copies {closest[:100]!r} with {swapped[:60]!r} in place of its own words"

    def _scored_parts(self, passage: Chunk, vec) -> tuple[list[str], np.ndarray]:
        parts, part_vecs = self._parts(passage)
        return parts, part_vecs @ vec

    def verify(self, sentences: list[tuple[str, list[int]]], passages: list[Chunk], question: str = "") -> Verification:
        """`sentences`: (text, cited numbers 1..n) as the model wrote them; `passages`: numbered from 1; the
        numbers the `question` states may be repeated without a passage stating them ("30,000 products")."""
        given = frozenset(NUMBER.findall(question))
        invalid: list[int] = []
        self.rule.clear_cache()
        if not sentences:
            return Verification([], invalid)
        vectors = self.embedder.encode([STEP.sub("", s) for s, _ in sentences] + [p.indexed_text for p in passages])
        sent_vecs, passage_vecs = vectors[: len(sentences)], {p.id: v for p, v in zip(passages, vectors[len(sentences):])}
        checks = []
        for (text, cited), vec in zip(sentences, sent_vecs):
            valid = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
            invalid += [n for n in cited if not 1 <= n <= len(passages)]
            check = SentenceCheck(text=text, cited=valid)
            reasons = []
            for n in valid:
                score, reason = self.support(text, passages[n - 1], vec, passage_vecs, given)
                if score > 0:
                    check.supported_by.append(n)
                    check.score = max(check.score, score)
                else:
                    reasons.append(f"[{n}] {reason}")
            if not check.supported_by:  # post-hoc: the best retrieved passage that supports it
                best = max(((self.support(text, p, vec, passage_vecs, given)[0], n) for n, p in enumerate(passages, 1)
                            if n not in valid), default=(0.0, 0))
                if best[0] > 0:
                    check.supported_by, check.score, check.posthoc = [best[1]], best[0], True
                else:
                    check.reason = "; ".join(reasons) or "no retrieved passage states it"
            checks.append(check)
        if self.cross_passage_denial:
            self._drop_contradicted_elsewhere(checks, sent_vecs, passages)
        self._drop_swapped(checks, sent_vecs, passages)
        _drop_self_contradictions(checks, sent_vecs)
        return Verification(checks, sorted(set(invalid)))


def _drop_self_contradictions(checks: list[SentenceCheck], vectors) -> None:
    """Two supported sentences that say the same thing with opposite polarity cannot both stand: keep the
    better-supported one ("X does not support GPUs" vs "X supports GPUs")."""
    for i, a in enumerate(checks):
        for j in range(i + 1, len(checks)):
            b = checks[j]
            if a.supported and b.supported and negated(a.text) != negated(b.text) and float(vectors[i] @ vectors[j]) >= 0.8:
                loser = a if a.score < b.score else b
                loser.supported_by, loser.posthoc = [], False
                loser.reason = "contradicts another sentence of the answer"
