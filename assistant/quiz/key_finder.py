"""Which option of a pasted question is the key, decided in code (never by a model echoing the learner).

1. A fact matched by meaning: the stem close to a decision's need (or to one side of a matching pair), and
   the options mapped onto the fact's choice and alternatives as an assignment (embedding + key terms), so
   "Keep a pool of pre-initialized instances between jobs" maps to "managed warm pools" because the other
   options take the other alternatives. The key is the option assigned to the choice, kept only with a margin.
2. Otherwise a retrieval solver: each option scored by how well the passages retrieved for the stem state it,
   and how well its own notes (searched with the option and the stem) meet the stem. Decided only with a margin.
3. Otherwise undecided: the notes do not separate the options, and nothing is graded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from assistant.knowledge.facts import Decision, Matching
from assistant.text import NEGATIONS, VENDOR, key_terms, split_sentences
from assistant.types import Chunk

_GENERIC = {"option", "solution", "use", "data", "model", "service", "feature", "aw", "amazon", "sagemaker", "ai",
            "create", "run", "set", "make", "new", "instead", "direct", "company", "team"}


def terms(text: str) -> set[str]:
    """Key terms that name something: vendor words and generic verbs say nothing about which option is meant."""
    return key_terms(text) - VENDOR - _GENERIC


def overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


@dataclass
class KeyDecision:
    index: int | None  # the key option (0-based); None: the notes do not separate the options
    method: str  # "fact", "solver" or "undecided"
    confidence: float
    fact: Decision | Matching | None = None
    mapping: dict[int, str] = field(default_factory=dict)  # option -> the fact option it was assigned to
    pair: tuple[str, str] | None = None  # matching facts: the (asked, answer) pair the stem asks about
    partners: dict[str, str] = field(default_factory=dict)  # matching facts: answer -> the item it goes with
    scores: list[float] = field(default_factory=list)  # solver scores per option
    passages: list[Chunk] = field(default_factory=list)  # the closest notes, best first
    detail: str = ""
    margin: float = 0.0  # how far the decision leads the best other way to read the options
    fit: float = 0.0  # facts: how well the options as a whole read like the fact's options


class KeyFinder:
    def __init__(self, assistant, facts, *, need_min: float = 0.42, margin: float = 0.12, fit_min: float = 0.45,
                 rival_gap: float = 0.1, solver_margin: float = 0.15):
        self.assistant = assistant
        self.facts = facts
        self.need_min, self.margin, self.fit_min, self.rival_gap = need_min, margin, fit_min, rival_gap
        self.solver_margin = solver_margin
        self._vec: dict[str, np.ndarray] = {}
        self._needs: tuple[list[Decision], np.ndarray] | None = None

    # ---- vectors --------------------------------------------------------------------------------------
    def vectors(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors, cached per text (fact options recur from question to question)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vec))
        if missing:
            for t, v in zip(missing, self.assistant.embedder.encode(missing)):
                self._vec[t] = v
        return np.array([self._vec[t] for t in texts])

    def need_vectors(self) -> tuple[list[Decision], np.ndarray]:
        """Decision needs, read from the vectors stored with the index (shared with answers and retrieval)."""
        if self._needs is None:
            decisions = list(self.facts.decisions)
            needs = [d.need for d in decisions]
            vectors = self.assistant.index.text_vectors.encode(needs) if needs else np.zeros((0, 1))
            self._needs = (decisions, vectors)
        return self._needs

    def similarity(self, options: list[str], names: list[str], notes: list[str]) -> np.ndarray:
        """options x fact options: the best of cosine to the name and to name + its explanation, plus terms."""
        ov = self.vectors(options)
        s_name = ov @ self.vectors(names).T
        s_note = ov @ self.vectors([f"{n}. {w}" for n, w in zip(names, notes)]).T
        t = np.array([[overlap(terms(o), terms(n)) for n in names] for o in options])
        return np.maximum(s_name, 0.85 * s_note) + 0.25 * t

    # ---- 1. facts -------------------------------------------------------------------------------------
    def from_decisions(self, stem: str, options: list[str], n_candidates: int = 12) -> KeyDecision | None:
        """The decision whose need reads like the stem and whose choice and alternatives read like the options
        as a whole (mean assigned similarity >= fit_min); none when a close rival fact points to another key."""
        decisions, needs = self.need_vectors()
        if not decisions:
            return None
        stem_vec = self.vectors([stem])[0]
        stem_terms = terms(stem)
        need_sims = needs @ stem_vec
        accepted: list[tuple[float, KeyDecision]] = []
        for i in np.argsort(-need_sims)[:n_candidates]:
            d = decisions[int(i)]
            need = float(need_sims[i]) + 0.15 * overlap(terms(d.need), stem_terms)
            if need < self.need_min:
                continue
            names = [d.choice] + [a.option for a in d.alternatives]
            notes = [d.why_right] + [a.why_wrong for a in d.alternatives]
            sim = self.similarity(options, names, notes)
            key, fit, margin = _assign(sim)
            if key is None or sim[key, 0] < 0.35 or margin < self.margin or fit < self.fit_min:
                continue
            rows, cols = linear_sum_assignment(-sim)
            mapping = {int(r): names[int(c)] for r, c in zip(rows, cols) if sim[r, c] >= 0.3}
            mapping[key] = d.choice
            accepted.append((need + fit, KeyDecision(
                key, "fact", round(min(1.0, 0.5 + margin), 2), fact=d, mapping=mapping, margin=margin, fit=fit,
                detail=f"{d.id}: need {need:.2f}, fit {fit:.2f}, margin {margin:.2f}")))
        if not accepted:
            return None
        accepted.sort(key=lambda a: -a[0])
        score, best = accepted[0]
        rival = next((s for s, k in accepted[1:] if k.index != best.index), None)
        if rival is not None and score - rival < self.rival_gap:
            return None  # two facts read the question differently: the facts do not settle it
        return best

    def from_matchings(self, stem: str, options: list[str]) -> KeyDecision | None:
        """'Which technique fits a Type_Year column?': the stem names one side of a pair, the options the other."""
        best, best_score = None, -1.0
        stem_vec = self.vectors([stem])[0]
        for m in self.facts.matchings:
            for side in (0, 1):
                asked = [p[side] for p in m.pairs]
                answers = [p[1 - side] for p in m.pairs]
                asked_sims = self.vectors(asked) @ stem_vec + 0.25 * np.array(
                    [overlap(terms(a), terms(stem)) for a in asked])
                order = np.argsort(-asked_sims)
                top = int(order[0])
                gap = float(asked_sims[top] - asked_sims[order[1]]) if len(order) > 1 else 1.0
                if asked_sims[top] < 0.5 or gap < 0.1:
                    continue
                answers = [answers[top]] + answers[:top] + answers[top + 1:]  # the asked pair's answer first
                sim = self.similarity(options, answers, answers)
                key, fit, margin = _assign(sim)
                if key is None or sim[key, 0] < 0.45 or margin < self.margin:
                    continue
                score = float(asked_sims[top]) + fit
                if score > best_score:
                    best_score = score
                    rows, cols = linear_sum_assignment(-sim)
                    best = KeyDecision(key, "fact", round(min(1.0, 0.5 + margin), 2), fact=m,
                                       mapping={int(r): answers[int(c)] for r, c in zip(rows, cols) if sim[r, c] >= 0.45},
                                       pair=(asked[top], answers[0]), partners={p[1 - side]: p[side] for p in m.pairs},
                                       detail=f"{m.id}: asked {asked_sims[top]:.2f}, margin {margin:.2f}", margin=margin)
        return best

    # ---- 2. the solver --------------------------------------------------------------------------------
    def solve(self, stem: str, options: list[str]) -> KeyDecision:
        """Each option scored against the stem's passages and its own notes; decided only with a margin."""
        search = self.assistant.search
        stem_hits = [h.chunk for h in search(stem, 6)]
        stem_vec = self.vectors([stem])[0]
        scores = []
        for option in options:
            own = [h.chunk for h in search(f"{option} {stem}", 3)]
            ov = self.vectors([option])[0]
            mention = max((self._stated(option, ov, c, rank) for rank, c in enumerate(stem_hits)), default=0.0)
            fit = max((self._fits(stem_vec, option, c) for c in own), default=0.0)
            scores.append(0.6 * mention + 0.4 * fit)
        order = np.argsort(scores)[::-1]
        margin = float(scores[order[0]] - scores[order[1]]) if len(options) > 1 else 1.0
        closest = stem_hits[:3]
        detail = "solver scores " + ", ".join(f"{s:.2f}" for s in scores)
        if margin < self.solver_margin:
            return KeyDecision(None, "undecided", 0.0, scores=scores, passages=closest, detail=detail, margin=margin)
        return KeyDecision(int(order[0]), "solver", round(min(0.9, 0.4 + margin), 2), scores=scores,
                           passages=closest, detail=detail, margin=margin)

    def _sentences(self, chunk: Chunk) -> tuple[list[str], np.ndarray]:
        parts = [s for line in chunk.text.splitlines() for s in split_sentences(line) if len(s) > 12] or [chunk.text]
        return parts, self.vectors(parts)

    def _stated(self, option: str, option_vec, chunk: Chunk, rank: int) -> float:
        """How plainly a passage retrieved for the stem states the option (not in a 'not'/'never' sentence)."""
        parts, vecs = self._sentences(chunk)
        sims = vecs @ option_vec
        opt_terms = terms(option)
        best = 0.0
        for part, sim in zip(parts, sims):
            score = float(sim) + 0.5 * overlap(opt_terms, terms(part))
            if _negated(part):
                score *= 0.5
            best = max(best, score)
        return best * (1 - 0.08 * rank)

    def _fits(self, stem_vec, option: str, chunk: Chunk) -> float:
        """How well a passage found for the option answers the stem, when it is about the option."""
        about = overlap(terms(option), terms(chunk.heading + " " + chunk.text))
        parts, vecs = self._sentences(chunk)
        return float((vecs @ stem_vec).max()) * (0.5 + 0.5 * about)

    # ---- all together ---------------------------------------------------------------------------------
    def find(self, stem: str, options: list[str]) -> KeyDecision:
        found = [k for k in (self.from_decisions(stem, options), self.from_matchings(stem, options)) if k]
        if found:
            return max(found, key=lambda k: k.margin)
        return self.solve(stem, options)


def _negated(text: str) -> bool:
    words = set(re.findall(r"[a-z']+", text.lower()))
    return bool(words & NEGATIONS) or "n't" in text.lower()


def _assign(sim: np.ndarray) -> tuple[int | None, float, float]:
    """Options (rows) onto fact options (columns, the right one first), one each: (the option given the
    right fact option, mean similarity of the assignment, margin over the best assignment that gives the
    right fact option to any other option)."""
    rows, cols = linear_sum_assignment(-sim)
    total = float(sim[rows, cols].sum())
    key = next((int(r) for r, c in zip(rows, cols) if c == 0), None)
    if key is None:
        return None, 0.0, 0.0
    blocked = sim.copy()
    blocked[key, 0] = -10.0
    r2, c2 = linear_sum_assignment(-blocked)
    alternative = float(blocked[r2, c2].sum())
    return key, total / len(rows), total - alternative
