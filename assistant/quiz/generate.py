"""Make a batch of practice questions: plan tasks by exam weight, build each question (from decision
facts, or written by the model from retrieved passages), run the quality gate, keep what passes.
"""
from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from itertools import cycle

import numpy as np
from tqdm.auto import tqdm

from assistant.answering.support import SupportRule
from assistant.text import key_terms
from assistant.knowledge.facts import FactBook, Sequence
from assistant.quiz import gate
from assistant.quiz.from_facts import matching, mcq, multi, ordering, question_id
from assistant.quiz.models import Citation, Question

STATEMENT = re.compile(r"^To (.+), use (.+)\.$", re.DOTALL)
MIXED = ["mcq", "mcq", "multi", "mcq", "ordering", "mcq", "matching", "mcq", "multi", "mcq"]


@dataclass
class QuizResult:
    accepted: list[Question] = field(default_factory=list)
    rejected: list[Question] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)  # tasks for which no question passed
    seconds: float = 0.0


def plan_tasks(blueprint, n: int, domain: int | None = None, task: str | None = None) -> list[str]:
    """Tasks for n questions: by domain weight (largest remainder), then spread over each domain's tasks."""
    if task:
        return [task] * n
    domains = [d for d in blueprint.domains if domain is None or d.id == domain]
    total = sum(d.weight for d in domains)
    quotas = [n * d.weight / total for d in domains]
    counts = [int(q) for q in quotas]
    for i in sorted(range(len(domains)), key=lambda i: quotas[i] - counts[i], reverse=True)[: n - sum(counts)]:
        counts[i] += 1
    plan = []
    for d, count in zip(domains, counts):
        tasks = cycle(d.tasks)
        plan += [next(tasks) for _ in range(count)]
    return plan


class QuizMaker:
    def __init__(self, assistant, bank, facts: FactBook, seed: int | None = None, solver: str = "retrieval"):
        self.assistant = assistant
        self.solver = solver  # independent solve of fact-based questions: "retrieval" (fast) or "llm"
        self.writer_failures: list[str] = []
        self.bank = bank
        self.facts = facts
        self.rng = random.Random(seed)
        self.chunks = assistant.index.load_bm25().chunks
        self.indexed = {c.id for c in self.chunks}
        self.support_rule = SupportRule(assistant.embedder, assistant.settings.support)
        self.mcq_positions = cycle(self._shuffled([0, 1, 2, 3]))
        self.multi_positions = cycle(self._shuffled([(0, 2), (1, 3), (2, 4), (0, 3), (1, 4), (0, 4), (1, 2), (3, 4)]))

    def _shuffled(self, items):
        items = list(items)
        self.rng.shuffle(items)
        return items

    # ---- choosing facts ----------------------------------------------------------------------
    def _candidates(self, task: str, kind: str, topic_vec=None, used: set[str] = frozenset()):
        pool = {"mcq": self.facts.for_task(task).decisions, "multi": self.facts.for_task(task).decisions,
                "ordering": self.facts.for_task(task).sequences, "matching": self.facts.for_task(task).matchings}[kind]
        sources = {c.source for c in self.chunks}
        pool = [f for f in pool if f.source in sources]  # only facts whose notes are indexed
        pool = [f for f in pool if f.id not in used] or list(pool)
        self.rng.shuffle(pool)
        if topic_vec is not None and pool:
            texts = [getattr(f, "need", getattr(f, "title", "")) + " " + getattr(f, "choice", "") for f in pool]
            sims = self.assistant.embedder.encode(texts) @ topic_vec
            pool = [f for _, f in sorted(zip(sims, pool), key=lambda x: -x[0]) if _ >= 0.3]
        return pool

    def build(self, task: str, kind: str, used: set[str], topic_vec=None) -> list[Question]:
        """Candidate questions of one kind for one task, best first (the caller gates them)."""
        return [self._cite_evidence(q) for q in self._build(task, kind, used, topic_vec)]

    def _cite_evidence(self, q: Question) -> Question:
        """A mined fact cites the indexed passage holding the line(s) it came from (a long section spans several
        chunks, and a plain-text note is one section), not merely the first chunk of its section."""
        from assistant.knowledge.fact_store import evidence_chunk

        for n, fact_id in enumerate((q.fact_id or "").split("+"), 1):
            fact = self.facts.by_id(fact_id)
            chunk = evidence_chunk(self.chunks, fact) if fact is not None and getattr(fact, "evidence", ()) else None
            if chunk is not None:
                cite = Citation(n=n, id=chunk.id, source=chunk.source, heading=chunk.heading, text=chunk.text)
                q.citations = [c for c in q.citations if c.n != n] + [cite]
                q.citations.sort(key=lambda c: c.n)
        if q.type == "mcq" and (q.fact_id or "").startswith("mined-") and q.citations:
            self._cite_distractors(q)
        return q

    def _cite_distractors(self, q: Question) -> None:
        """A mined distractor's why-not quotes its own notes: cite the passage that holds them when [1] does not."""
        from assistant.knowledge.fact_store import _flat

        fact = self.facts.by_id(q.fact_id)
        for i, text in enumerate(q.explanations):
            quoted = re.match(r"^Incorrect: In the notes, .+? is for something else: (.+?)\.? \[1\]$", text)
            if i in q.keys or not quoted or _flat(quoted.group(1))[:50] in _flat(q.citations[0].text):
                continue
            want = _flat(quoted.group(1))[:50]
            chunk = next((c for c in self.chunks if c.source == fact.source and want in _flat(c.text)), None)
            if chunk is None:
                continue
            cite = next((c for c in q.citations if c.id == chunk.id), None)
            if cite is None:
                cite = Citation(n=len(q.citations) + 1, id=chunk.id, source=chunk.source, heading=chunk.heading,
                                text=chunk.text)
                q.citations.append(cite)
            q.explanations[i] = text[: -len("[1]")] + f"[{cite.n}]"

    def _build(self, task: str, kind: str, used: set[str], topic_vec=None) -> list[Question]:
        pool = self._candidates(task, kind, topic_vec, used)
        title = self.assistant.blueprint.tasks.get(task, task)
        if kind == "mcq":
            return [mcq(d, next(self.mcq_positions), self.chunks, self.rng) for d in pool[:10]]
        if kind == "multi":
            pairs = [(a, b) for a, b in zip(pool[::2], pool[1::2]) if a.concept != b.concept]
            return [multi(a, b, next(self.multi_positions), self.chunks, self.rng, title) for a, b in pairs[:6]]
        if kind == "ordering":
            return [ordering(s, self.chunks, self.rng) for s in pool[:3]]
        return [matching(m, self.chunks, self.rng) for m in pool[:3]]

    # ---- the gate ----------------------------------------------------------------------------
    def supports(self, text: str, citation) -> bool:
        """The answer verifier's support rule (assistant.answering.support): an option may be a bare name, and
        numbers and negation are checked as for an answer."""
        statement = STATEMENT.match(text)
        if statement:  # "To <need>, use <option>.": the passage must back the option
            text = statement.group(2)
        return self.support_rule.backs(text, citation, names_suffice=True)

    def solve(self, q: Question) -> list[int]:
        """Answer fresh, without the key: the options best backed by the passages retrieved for the stem.

        A question mined from notes is scored by lines instead (`_line_scores`): notes list neighbours side by
        side, so the passage as a whole cannot tell them apart; the line about each can."""
        if q.type in ("ordering", "matching"):
            return list(q.keys)  # see check_solve: these are checked against the supporting passage instead
        if (q.fact_id or "").startswith("mined-"):
            score = self._line_scores
        else:
            def score(need, options):
                return self._option_scores(need, options, q.task)
        statements = [STATEMENT.match(o) for o in q.options]
        if q.type == "multi" and all(statements):
            # one best option per need, each need looked up on its own
            groups: dict[str, list[int]] = {}
            for i, m in enumerate(statements):
                groups.setdefault(m.group(1), []).append(i)
            picks = []
            for need, idx in groups.items():
                scores = score(need, [statements[i].group(2) for i in idx])
                picks.append((float(max(scores)), idx[int(np.argmax(scores))]))
            return sorted(i for _, i in sorted(picks, reverse=True)[: len(q.keys)])
        scores = score(q.stem, q.options)
        return sorted(int(i) for i in np.argsort(-scores)[: len(q.keys)])

    def _line_scores(self, query: str, options: list[str]) -> np.ndarray:
        from assistant.knowledge.mining import mask, name_variants

        quoted = re.search(r'"(.+)"', query, re.DOTALL)
        query = quoted.group(1) if quoted else query
        hits = self.assistant.search(query, 5)
        text = "\n".join(re.sub(r"\n(?=\s*(?:A|Answer):)", " ", h.chunk.text) for h in hits)  # a card's Q and A together
        lines = [line.strip() for line in re.split(r"\n|(?<=[.!?])\s+(?=[A-Z])(?!A:)", text) if line.strip()]
        texts, owner = [], []
        for i, option in enumerate(options):
            variants = [v for v in name_variants(option)[:4] if len(v) >= 2]
            for line in lines:
                if any(re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", line, re.IGNORECASE) for v in variants):
                    texts.append(mask(line, option))
                    owner.append(i)
        scores = np.full(len(options), -1.0)
        if not texts:
            return scores
        vectors = self.assistant.embedder.encode([query] + texts)
        want = key_terms(query)
        for (i, text), v in zip(zip(owner, texts), vectors[1:]):
            score = float(vectors[0] @ v) + 0.5 * len(want & key_terms(text)) / max(1, len(want))
            scores[i] = max(scores[i], score)
        return scores

    def _option_scores(self, query: str, options: list[str], task: str) -> np.ndarray:
        hits = self.assistant.search(query, 4, task=task) or self.assistant.search(query, 4)
        passages = self.assistant.embedder.encode([h.chunk.indexed_text for h in hits])
        cos = (self.assistant.embedder.encode(options) @ passages.T).max(axis=1)
        terms = [key_terms(h.chunk.indexed_text) for h in hits]
        overlap = np.array([max(len(key_terms(o) & t) / max(1, len(key_terms(o))) * (1 - 0.15 * r)
                                for r, t in enumerate(terms)) for o in options])
        return cos + overlap

    def build_llm(self, task: str, topic_vec=None) -> list[Question]:
        """One model-written question from passages retrieved for one of the task's needs (or the topic)."""
        from assistant.quiz.llm_writer import WriterError, write_question

        seeds = self._candidates(task, "mcq", topic_vec)
        query = seeds[0].need if seeds else self.assistant.blueprint.tasks.get(task, task)
        hits = self.assistant.search(query, 3, task=task) or self.assistant.search(query, 3)
        domain = self.assistant.blueprint.domain_of(task) or 0
        try:
            return [write_question(self.assistant.llm, [h.chunk for h in hits], task, domain, next(self.mcq_positions))]
        except WriterError as exc:
            self.writer_failures.append(str(exc))
            return []

    def check_solve(self, q: Question) -> dict:
        if q.type in ("ordering", "matching"):
            items = q.options + q.prompts  # each step, item and answer backed by a cited passage (the one rule)
            missing = [i for i in items if not any(self.support_rule.backs(i, c, names_suffice=True) for c in q.citations)]
            return gate._check(not missing, "every item is backed by the supporting passage" if not missing
                               else f"not in the passage: {missing[:2]}")
        if q.method == "llm" or self.solver == "llm":
            from assistant.quiz.llm_writer import solve_with_model

            passages = [self.assistant.index.get_chunks([c.id])[0] for c in q.citations if c.id in self.indexed]
            if not passages:
                passages = [h.chunk for h in self.assistant.search(q.stem, 3)]
            answer = solve_with_model(self.assistant.llm, q, passages)
            return gate._check(sorted(answer) == sorted(q.keys), f"model solver chose {answer}, key {q.keys}")
        answer = self.solve(q)
        return gate._check(sorted(answer) == sorted(q.keys), f"retrieval solver chose {answer}, key {q.keys}")

    def run_gate(self, q: Question, bank_vectors: np.ndarray | None) -> np.ndarray:
        """Every check on q (recorded in q.gate); bank_vectors=None skips the near-duplicate check (reviews)."""
        q.gate.update(gate.form_checks(q))
        q.gate.update(gate.explanation_checks(q, self.assistant.embedder.encode))
        if q.gate["schema"]["ok"]:
            q.gate.update(gate.citation_checks(q, self.indexed, self.supports))
            q.gate["independent_solve"] = self.check_solve(q)
        vector = self.assistant.embedder.encode([q.stem + " " + " ".join(q.options)])[0]
        if bank_vectors is not None:
            q.gate.update(gate.near_duplicate(vector, bank_vectors))
        return vector

    def for_review(self, due) -> Question | None:
        """A fresh, gated question on a concept that is due (see assistant.learner.review): a decision of that concept
        the learner has not been asked yet where there is one, options in a new order; an ordering/matching
        rebuilt and reshuffled; otherwise the original question."""
        kind, _, name = due.concept.partition(":")
        candidates: list[Question] = []
        if kind == "concept":
            pool = [d for d in self.facts.decisions if d.concept == name]
            self.rng.shuffle(pool)
            pool.sort(key=lambda d: d.id in due.fact_ids)  # facts not asked yet first
            candidates = [mcq(d, self.rng.randrange(4), self.chunks, self.rng) for d in pool[:4]]
        elif kind == "fact":
            fact = self.facts.by_id(name)
            build = ordering if isinstance(fact, Sequence) else matching
            candidates = [build(fact, self.chunks, self.rng)] if fact is not None else []
        for q in candidates:
            # another order is another question; "q-review-" keeps review questions out of mock exams
            q.id = "q-review-" + question_id("review", q.id, *q.options, *q.prompts).removeprefix("q-")
            vector = self.run_gate(q, None)
            if q.passed:
                if self.bank:
                    self.bank.add_question(q, vector)
                return q
        return self.bank.question(due.question_id) if self.bank and due.question_id else None

    def _plan_with_facts(self, plan: list[str], domain: int | None, kind: str = "mixed") -> list[str]:
        """Planned tasks that have no facts in the index (notes indexed alone cover some tasks only) are replaced
        by the tasks that have, most facts first, so a batch is not left empty."""
        sources = {c.source for c in self.chunks}
        counts: dict[str, int] = {}
        usable = {"ordering": self.facts.sequences, "matching": self.facts.matchings}.get(kind, self.facts.decisions)
        for f in usable:  # mixed batches fall back to multiple choice, so they need decisions too
            if f.source in sources and (domain is None or f.domain == domain):
                counts[f.task] = counts.get(f.task, 0) + 1
        if not counts or all(t in counts for t in plan):
            return plan
        spare = cycle(sorted(counts, key=lambda t: -counts[t]))
        return [t if t in counts else next(spare) for t in plan]

    def _rebalance(self, q: Question, accepted: list[Question]) -> Question:
        """Move a multiple-choice key to the least-used position so far (the gate's checks do not depend on
        positions), so keys spread evenly over A-D across the batch."""
        if q.type != "mcq":
            return q
        counts = [sum(1 for a in accepted if a.type == "mcq" and a.keys == [p]) for p in range(len(q.options))]
        least = [p for p, c in enumerate(counts) if c == min(counts)]
        target, key = self.rng.choice(least), q.keys[0]
        if target != key:
            for items in (q.options, q.explanations):
                items[key], items[target] = items[target], items[key]
            q.keys = [target]
        return q

    # ---- a batch -----------------------------------------------------------------------------
    def make(self, n: int = 10, *, domain: int | None = None, task: str | None = None, topic: str | None = None,
             kind: str = "mixed", source: str = "facts", progress: bool = True, save: bool = True,
             tasks: list[str] | None = None) -> QuizResult:
        """n gated questions; `tasks` (e.g. the weakest ones) spreads them over those tasks in turn."""
        started = time.perf_counter()
        result = QuizResult()
        topic_vec = self.assistant.embedder.encode([topic])[0] if topic else None
        plan = [tasks[i % len(tasks)] for i in range(n)] if tasks else plan_tasks(self.assistant.blueprint, n, domain, task)
        if topic and not task:  # the topic decides where the questions come from
            pool = [d for d in self.facts.decisions if domain is None or d.domain == domain]
            sims = self.assistant.embedder.encode([d.need + " " + d.choice for d in pool]) @ topic_vec
            ranked = [pool[i].task for i in np.argsort(-sims)]
            plan = (ranked * n)[:n]
        if source == "facts" and not tasks and not task:
            plan = self._plan_with_facts(plan, domain, kind)
        kinds = [kind] * n if kind != "mixed" else [MIXED[i % len(MIXED)] for i in range(n)]
        used = set(self.bank.used_facts()) if self.bank else set()
        bank_vectors = self.bank.stem_vectors() if self.bank else np.zeros((0, 0))
        for task_id, want in tqdm(list(zip(plan, kinds)), desc="Building questions", disable=not progress):
            accepted = None
            for q_kind in dict.fromkeys([want, "mcq"]):  # a task without orderings falls back to multiple choice
                candidates = (self.build_llm(task_id, topic_vec) if source == "llm" and q_kind == "mcq"
                              else self.build(task_id, q_kind, used, topic_vec))
                for q in candidates:
                    vector = self.run_gate(q, bank_vectors)
                    if q.passed:
                        accepted = self._rebalance(q, result.accepted)
                        bank_vectors = vector[None, :] if bank_vectors.size == 0 else np.vstack([bank_vectors, vector])
                        used.update((q.fact_id or "").split("+"))
                        if save and self.bank:
                            self.bank.add_question(q, vector)
                        break
                    result.rejected.append(q)
                if accepted:
                    break
            if accepted:
                result.accepted.append(accepted)
            else:
                result.unfilled.append(task_id)
        balance = gate.key_balance(result.accepted)
        for q in result.accepted:
            q.gate.update(balance)
        result.seconds = time.perf_counter() - started
        return result
