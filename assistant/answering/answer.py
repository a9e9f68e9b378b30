"""Ask: retrieve -> choose passages -> key point -> instant -> prompt -> generate (streamed, JSON-constrained) -> verify
citations -> complete from the notes -> present, one method of `Answerer` per stage.

Refusal is decided in code, from the retrieval evidence and from what verification leaves standing,
never left to the model (a small model told "say you don't know" refuses everything).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from assistant.answering.asked_value import ValueAsk, answers_value, asked_value, has_value
from assistant.answering.citations import SentenceCheck, Verification, Verifier
from assistant.answering.choice import near_decisions
from assistant.answering.instant import Instant, best_line_similarity, instant_sentences, merged
from assistant.answering.key_points import KeyPoint, KeyPointFinder
from assistant.answering.model_reply import enough_sentences, parse_answer_json, parse_answer_text
from assistant.answering.relevance import NOT_COVERED, Settled, adds_nothing, on_topic_in_context, settle
from assistant.answering.passages import (MAX_SENTENCE_CHARS, MAX_SENTENCES, answer_schema,  # noqa: F401
                                          checked_passages, closest_lines, fit_passages, focus_passages,
                                          passage_cost, prompt_overhead, section_first)
from assistant.config import Settings
from assistant.llm.base import BackendError
from assistant.llm.jsonstream import JsonAnswerStream
from assistant.retrieval.query import check_query
from assistant.text import plain
from assistant.types import Chunk, Citation, SearchResult


@dataclass
class Answer:
    question: str
    answer: str  # supported sentences with inline [n] markers
    citations: list[Citation]
    unsupported: list[str]
    refused: bool
    backend: str
    model: str
    retrieve_ms: float = 0.0
    first_token_ms: float | None = None
    total_ms: float = 0.0
    complete: bool = True  # False when the stream broke off or the JSON was cut short
    closest: list[dict] = field(default_factory=list)  # nearest notes (shown when refused)
    retrieved_ids: list[str] = field(default_factory=list)
    invalid_citations: list[int] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)  # names in the question that no note mentions
    sentences: list[dict] = field(default_factory=list)  # every model sentence with its verification
    supported_share: float = 0.0  # of the model's sentences
    filled: list[dict] = field(default_factory=list)  # note sentences added for key points the model left out
    key_fact: str = ""  # id of the corpus fact the question matched, if any
    relevance: float = 0.0  # best question-passage similarity (a whole chunk or its closest line)
    chunk_relevance: float = 0.0  # best question-chunk similarity: how near the notes' topics are at all
    prompt_tokens: int = 0
    output_tokens: int = 0
    passages_used: int = 0
    error: str = ""
    instant: list[dict] = field(default_factory=list)  # verified note sentences shown before the model's answer
    first_content_ms: float | None = None  # until the learner saw something true: the instant part, or else the model
    kind: str = ""  # what the question asks: choice, steps, definition, comparison, why, how, other
    choice: str = ""  # the option the notes support for the question's constraints (choice questions)
    choice_confidence: str = ""  # high | low | tie | unsupported
    model_choice: str = ""  # the option the model named instead, when it differs
    choices: list[dict] = field(default_factory=list)  # the scored candidates, best first
    dropped_off_target: list[str] = field(default_factory=list)  # supported, but about something else
    dropped_garbled: list[str] = field(default_factory=list)  # stray tokens or cut off
    dropped_wrong_choice: list[str] = field(default_factory=list)  # asserting an option the notes rule out
    unanswered: str = ""  # the kind of value asked for (price, count, ...) that no verified sentence gives

    def to_json(self) -> dict:
        return asdict(self)


def is_heading(sentence: str, passages: list[Chunk]) -> bool:
    """A passage's heading copied as a sentence ("When to choose serverless inference"): a title, not a claim.

    >>> from types import SimpleNamespace as C
    >>> is_heading("When to choose serverless inference.", [C(heading="Inference > When to choose serverless inference")])
    True
    """
    return any(plain(sentence) == plain(part) for p in passages for part in p.heading.split(" > "))


@dataclass
class Found:
    """What retrieval found for a question: the passages, the question's vector, each passage's similarity to it."""
    hits: list[SearchResult]
    qvec: np.ndarray
    similarity: list[float]


class Answerer:
    """`ask` runs the stages top to bottom: retrieve -> choose passages -> key point -> instant -> prompt ->
    generate -> verify -> complete -> present. Each stage records what it decided on the Answer.

    It receives what it uses: the model, a search function (`search(question, k, domain=...)`), the embedder,
    the index (its BM25 side: terms the notes never use, a passage's whole section), the facts (a callable:
    they follow the index) and its settings (`settings.answer`, `settings.llm`, `settings.support`).
    """

    def __init__(self, llm, *, search, embedder, index, facts, settings: Settings):
        self.llm = llm
        self.search = search
        self.embedder = embedder
        self.index = index
        self.facts = facts
        self.settings = settings.answer
        self.llm_settings = settings.llm
        self.verifier = Verifier(embedder, settings.support)
        self._key_points: tuple[object, KeyPointFinder] | None = None

    def ask(self, question: str, *, domain: int | None = None, on_text: Callable[[str], None] | None = None,
            on_instant: Callable[[Instant], None] | None = None) -> Answer:
        started = time.perf_counter()
        question = check_query(question)
        answer, found = self.retrieve(question, domain, started)
        if not self.covered(answer):  # decided before the model is even loaded
            return self._refuse(answer, started)
        focused = self.choose_passages(found)
        point, focused = self.key_point(question, found, focused)
        shown = self.instant(answer, found, focused, point, started, on_instant)
        passages, messages = self.prompt(answer, question, focused, point, found.qvec)
        raw = self.generate(answer, messages, len(passages), started, on_text)
        if self.llm_settings.other_lines:  # a lean prompt: the checks read what it cut or left out
            passages = checked_passages(passages, [h.chunk for h in [*focused, *found.hits]])
        verification = self.verify(answer, raw, passages, point)
        supported = self.complete(answer, verification, passages, point)
        settled = None
        if self.settings.on_target:  # on the model's sentences: which choice *it* named is part of the check
            supported, settled = self.on_target(answer, supported, passages, found.qvec)
        passages, supported = self.lead_with_instant(answer, shown, passages, supported, settled)
        self.present(answer, supported, passages, found.qvec)
        answer.total_ms = 1000 * (time.perf_counter() - started)
        return answer

    # ---- the stages, in order --------------------------------------------------------------------
    def retrieve(self, question: str, domain: int | None, started: float) -> tuple[Answer, Found]:
        """The passages for the question, and how close each is to it."""
        hits = self.search(question, self.llm_settings.passages, domain=domain)
        answer = Answer(question=question, answer="", citations=[], unsupported=[], refused=False,
                        backend=self.llm.backend, model=self.llm.model,
                        retrieve_ms=1000 * (time.perf_counter() - started))
        answer.closest = [{"source": h.chunk.source, "heading": h.chunk.heading} for h in hits[:3]]
        answer.retrieved_ids = [h.chunk.id for h in hits]
        qvec = self.embedder.encode([question])[0]
        pvecs = self.passage_vectors([h.chunk for h in hits], len(qvec))
        similarity = [float(x) for x in pvecs @ qvec]
        # a whole multi-topic chunk dilutes the match; its closest line does not (instant.best_line_similarity)
        lines = best_line_similarity(qvec, [h.chunk for h in hits], self.embedder) if self.settings.line_relevance else 0.0
        answer.chunk_relevance = max(similarity, default=0.0)
        answer.relevance = max(answer.chunk_relevance, lines)
        unknown = self.index.load_bm25().unknown_terms(question)
        if unknown and answer.relevance < self.settings.strong_relevance:
            answer.missing_terms = unknown
        return answer, Found(hits, qvec, similarity)

    def passage_vectors(self, chunks: list[Chunk], dim: int) -> np.ndarray:
        """The passages' vectors as stored at ingest (the same embedding of their `indexed_text`, read in
        milliseconds instead of embedded again: a second of CPU per question); any not stored are embedded."""
        if not chunks:
            return np.zeros((0, dim))
        stored = getattr(self.index, "stored_vectors", None)
        found = stored([c.id for c in chunks]) if stored else {}
        if found and hasattr(self.embedder, "remember"):  # the verifier and the instant part embed them again
            by_id = {c.id: c for c in chunks}
            self.embedder.remember([by_id[i].indexed_text for i in found], list(found.values()))
        missing = [c for c in chunks if c.id not in found]
        if missing:
            found.update(zip([c.id for c in missing], self.embedder.encode([c.indexed_text for c in missing])))
        return np.array([found[c.id] for c in chunks])

    def covered(self, answer: Answer) -> bool:
        """Do the notes cover the question? Not when nothing is close, or it names things no note mentions."""
        return answer.relevance >= self.settings.min_relevance and not answer.missing_terms

    def choose_passages(self, found: Found) -> list[SearchResult]:
        """The passages closest to the question, first; those far below the best left out."""
        return focus_passages(found.hits, found.similarity, self.settings.focus_margin, self.settings.sole_passage)

    def key_point(self, question: str, found: Found, focused: list[SearchResult]) -> tuple[KeyPoint | None, list[SearchResult]]:
        """The corpus fact the question asks about, if any; its section leads, whole, so what it states can be
        checked there (without one, the closest passage's section leads)."""
        point = self.key_points().find(question, found.qvec, [h.chunk for h in found.hits[:2]],
                                       [h.chunk for h in focused])
        if point is not None:
            focused = sorted(focused, key=lambda h: not point.in_section(h.chunk))
        section = self.index.load_bm25().section(focused[0].chunk)
        focused = section_first(focused, section, self.llm_settings.section_chars)
        self.passage_vectors([h.chunk for h in focused], len(found.qvec))  # the verifier reads them, not embeds
        return point, focused

    def instant(self, answer: Answer, found: Found, focused: list[SearchResult], point: KeyPoint | None,
                started: float, on_instant: Callable[[Instant], None] | None) -> Instant:
        """What is already known and verified, shown before the model is loaded or called: the key point's note
        sentences, or the best passage's sentences that answer the question (see answering/instant.py)."""
        chunks = [h.chunk for h in focused]
        if not self.settings.instant:
            return Instant([], chunks)
        lead = max(zip(found.similarity, range(len(found.hits))))[1]
        checks = instant_sentences(found.qvec, chunks, found.hits[lead].chunk, point, self.embedder, self.verifier,
                                   self.settings.min_answer_relevance)
        if checks and not self._gives_asked_value(answer.question, checks, chunks):
            checks = []  # near the question, not its answer: no figure of the kind asked (asked_value.py)
        shown = Instant(checks, chunks, 1000 * (time.perf_counter() - started))
        if checks:
            answer.instant, answer.first_content_ms = shown.to_json(), shown.ms
            if on_instant:
                on_instant(shown)
        return shown

    def prompt(self, answer: Answer, question: str, focused: list[SearchResult],
               point: KeyPoint | None, qvec) -> tuple[list[Chunk], list[dict]]:
        """The messages: the passages that fit the model's window (other sections' cut to their closest lines),
        numbered, and the key point."""
        answer.retrieved_ids += [h.chunk.id for h in focused if h.chunk.id not in answer.retrieved_ids]
        focused = closest_lines(focused, qvec, self.embedder, self.llm_settings.other_lines)
        passages, messages = fit_passages(self.llm, question, focused, self.llm_settings.max_answer_tokens,
                                          point.prompt() if point else "", output=self.llm_settings.output)
        answer.passages_used = len(passages)
        answer.prompt_tokens = sum(self.llm.count_tokens(m["content"]) for m in messages)
        return passages, messages

    def generate(self, answer: Answer, messages: list[dict], n_passages: int, started: float,
                 on_text: Callable[[str], None] | None) -> str:
        """The model's reply (JSON, or plain text with [n] markers), streamed and its sentences shown as they
        come; a broken-off stream keeps what arrived, a failure before any output is raised."""
        as_text = self.llm_settings.output == "text"
        raw, display = "", JsonAnswerStream()
        try:
            stream = self.llm.stream(messages, schema=None if as_text else answer_schema(n_passages),
                                     max_tokens=self.llm_settings.max_answer_tokens)
            try:
                for piece in stream:
                    if answer.first_token_ms is None:
                        answer.first_token_ms = 1000 * (time.perf_counter() - started)
                        answer.first_content_ms = answer.first_content_ms or answer.first_token_ms
                    raw += piece
                    if as_text and enough_sentences(raw):  # no grammar bounds a plain reply: stop it in code
                        break
                    shown = piece if as_text else display.feed(piece)
                    if shown and on_text:
                        on_text(shown)
            finally:  # a stopped stream releases the model (and an HTTP stream its connection) now
                getattr(stream, "close", lambda: None)()
        except BackendError as exc:
            answer.complete, answer.error = False, str(exc)
            if not raw:
                raise
        answer.output_tokens = self.llm.count_tokens(raw) if raw else 0
        return raw

    def verify(self, answer: Answer, raw: str, passages: list[Chunk], point: KeyPoint | None) -> Verification:
        """Each of the model's sentences checked against the passages (and the key point's pairs)."""
        parse = parse_answer_text if self.llm_settings.output == "text" else parse_answer_json
        sentences, complete = parse(raw)
        sentences = [(text, cites) for text, cites in sentences if not is_heading(text, passages)]
        answer.complete = answer.complete and complete
        verification = self.verifier.verify(sentences, passages, answer.question)
        for check in verification.sentences:
            reason = point.mispaired(check.text) if point is not None and check.supported and self.settings.mispairing else ""
            if reason:  # reads like its passage, which pairs the same words differently
                check.supported_by, check.posthoc, check.reason = [], False, reason
        answer.invalid_citations = verification.invalid_citations
        answer.supported_share = verification.supported_share
        answer.sentences = [{"text": s.text, "cited": s.cited, "supported_by": s.supported_by, "posthoc": s.posthoc,
                             "score": round(s.score, 3), "reason": s.reason} for s in verification.sentences]
        answer.unsupported = [s.text for s in verification.sentences if not s.supported]
        return verification

    def complete(self, answer: Answer, verification: Verification, passages: list[Chunk],
                 point: KeyPoint | None) -> list[SentenceCheck]:
        """The supported sentences, and what the key point says that they leave out, quoted from the notes."""
        supported = [s for s in verification.sentences if s.supported]
        if (supported or answer.instant) and point is not None:
            answer.key_fact = point.id  # what the instant part already quoted is no gap
            gaps = point.fill(" ".join([s.text for s in supported] + [s["text"] for s in answer.instant]), passages)
            added = [s for s in self.verifier.verify(gaps, passages).sentences if s.supported] if gaps else []
            answer.filled = [{"text": s.text, "supported_by": s.supported_by} for s in added]
            supported = supported + added
        return supported

    def lead_with_instant(self, answer: Answer, shown: Instant, passages: list[Chunk], supported: list[SentenceCheck],
                          settled=None) -> tuple[list[Chunk], list[SentenceCheck]]:
        """The instant part first, cited by the prompt's passage numbers (a passage the prompt left out is added,
        so a citation shown at once stays valid)."""
        if not shown.sentences or not supported:  # alone it may be near the question without answering it: a figure
            answer.instant = []                    # the notes never give (near-topic) is refused, as before
            return passages, supported
        passages = list(passages)
        first = shown.renumbered(passages)
        answer.instant = [{"text": s.text, "supported_by": s.supported_by} for s in first]
        return passages, merged(first, supported, settled)

    def on_target(self, answer: Answer, supported: list[SentenceCheck], passages: list[Chunk], qvec
                  ) -> tuple[list[SentenceCheck], Settled]:
        """What answers the question: the notes' choice first, garbled and off-target sentences out (relevance.py)."""
        finder = self.key_points()
        near = near_decisions(finder.facts, finder.vectors, qvec, passages)
        supported, done = settle(answer.question, qvec, supported, passages, near, self.embedder, self.verifier,
                                 answer.complete)
        for name in ("kind", "choice", "choice_confidence", "model_choice", "choices", "dropped_off_target",
                     "dropped_garbled", "dropped_wrong_choice"):
            setattr(answer, name, getattr(done, name))
        return supported, done

    def present(self, answer: Answer, supported: list[SentenceCheck], passages: list[Chunk], qvec) -> None:
        """Each thing said once (the instant part first: a model sentence repeating it is dropped), with its [n]
        citations; refused when nothing on the question's topic stands."""
        on_topic = 0.0
        if supported:
            vecs = self.embedder.encode([s.text for s in supported])
            on_topic = max(float(max(vecs @ qvec)), on_topic_in_context(supported, passages, qvec, self.embedder))
            supported = [s for i, s in enumerate(supported)  # a small model repeats itself: say each thing once
                         if not any(float(vecs[i] @ vecs[j]) >= self.settings.repeat for j in range(i))]
            supported = [s for s, nothing in zip(supported, adds_nothing([s.text for s in supported], answer.question))
                         if not nothing]  # ... or in other words, or joins two earlier sentences into one
            answer.filled = [f for f in answer.filled if any(f["text"] == s.text for s in supported)]
        # "The notes do not cover how to ..." is no claim to show as verified (the topic check above still reads it)
        supported = [s for s in supported if not NOT_COVERED.match(s.text)]
        if not supported or (on_topic < self.settings.min_answer_relevance and not answer.choice):  # a choice is on topic
            answer.filled, answer.instant = [], []
            self._refuse(answer, None)
            return
        ask = asked_value(answer.question) if self.settings.value_check else None
        if ask is not None and not self._gives_asked_value(answer.question, supported, passages):
            self._refuse_unanswered(answer, ask, supported, passages, qvec)
            return
        used = sorted({n for s in supported for n in s.supported_by})
        answer.citations = [Citation.of(n, passages[n - 1]) for n in used]
        answer.answer = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.supported_by) for s in supported).strip()
        answer.instant = [i for i in answer.instant if any(i["text"] == s.text for s in supported)]

    # ---- helpers ---------------------------------------------------------------------------------

    def key_points(self) -> KeyPointFinder:
        """Matches questions to the facts, built again when the facts change (they follow the index)."""
        facts = self.facts()
        if self._key_points is None or self._key_points[0] is not facts:
            self._key_points = (facts, KeyPointFinder(facts, self.index.text_vectors, self.settings.fact_match))
        return self._key_points[1]

    def _gives_asked_value(self, question: str, sentences: list[SentenceCheck], passages: list[Chunk]) -> bool:
        """False when the question asks for a value (a price, a count, a default, ...) that none of the verified
        `sentences` gives (each read with the headings of the passages that back it, its value found in their text)."""
        where = [" ".join(passages[n - 1].heading for n in s.supported_by) for s in sentences]
        backing = ["\n".join(passages[n - 1].text for n in s.supported_by) for s in sentences]
        return not self.settings.value_check or answers_value([s.text for s in sentences], asked_value(question), where,
                                                              backing, "\n".join(p.text for p in passages))

    def _refuse_unanswered(self, answer: Answer, ask: ValueAsk, supported: list[SentenceCheck], passages: list[Chunk],
                           qvec) -> None:
        """Refused: true sentences near the question, none with the value it asks for (a near-topic question).
        The refusal says what is missing and quotes the nearest thing the notes hold, with where it is: never a
        sentence stating a figure of the kind asked (that figure was found not to be the notes')."""
        plain_ones = [s for s in supported if not has_value(s.text, ask)]
        nearest = (plain_ones[int(np.argmax(self.embedder.encode([s.text for s in plain_ones]) @ qvec))]
                   if plain_ones else None)
        where = passages[nearest.supported_by[0] - 1] if nearest is not None and nearest.supported_by else None
        answer.unanswered = ask.kind
        answer.filled, answer.instant = [], []
        self._refuse(answer, None)
        answer.answer = (f"Your notes do not state {ask.describe()} for this question, so I will not guess. "
                         + (f"The nearest they hold: \"{nearest.text}\"" if nearest is not None else "")
                         + (f" ({where.source} — {where.heading}). " if where is not None else " ")
                         + "Check the current AWS documentation for the figure, or add it to your notes.")

    def _refuse(self, answer: Answer, started: float | None) -> Answer:
        answer.refused = True
        answer.citations = []
        closest = "; ".join(f"{c['source']} — {c['heading']}" for c in answer.closest) or "none"
        missing = f" They never mention {', '.join(answer.missing_terms)}." if answer.missing_terms else ""
        answer.answer = (f"Your notes do not cover this question, so I will not guess.{missing} "
                         f"The closest notes are: {closest}. Add notes on this topic to get a grounded answer.")
        if answer.dropped_wrong_choice and answer.model_choice:  # the notes are on it; they did not back the draft
            answer.answer = (f"Your notes are on this topic but do not settle it for what you describe, so I will not "
                             f"guess: the drafted answer named {answer.model_choice}, which they do not back here. "
                             f"Read the closest notes: {closest}.")
        elif refusal_kind(answer) == "off-topic":  # nothing in the notes is near: naming "closest" notes misleads
            answer.answer = ("Your notes do not cover this question, so I will not guess: it is outside the MLA-C01 "
                             "exam topics. Ask about machine learning engineering on AWS.")
        if started is not None:
            answer.total_ms = 1000 * (time.perf_counter() - started)
        return answer


OFF_TOPIC = 0.25  # best question-chunk similarity; dev questions: off-topic <= 0.21, AWS/ML not in the notes >= 0.31


def refusal_kind(answer: Answer) -> str:
    """'off-topic' (nothing in the notes is near: not a gap in them) or 'near-topic' (the exam's ground, but the
    notes lack it: a gap worth reporting).

    Judged on whole chunks: one line of the notes can share a word or two with a question about bread (line
    relevance is for deciding whether to answer, not whether the topic is the exam's).

    >>> refusal_kind(Answer("how do I bake bread", "", [], [], True, "fake", "fake", chunk_relevance=0.15))
    'off-topic'
    >>> refusal_kind(Answer("Route 53 latency routing?", "", [], [], True, "fake", "fake", chunk_relevance=0.36))
    'near-topic'
    """
    return "off-topic" if answer.chunk_relevance < OFF_TOPIC else "near-topic"
