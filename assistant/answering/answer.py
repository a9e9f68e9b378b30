"""Ask: retrieve -> prompt -> generate (streamed, JSON-constrained) -> verify citations -> Answer.

Refusal is decided in code, from the retrieval evidence and from what verification leaves standing,
never left to the model (a small model told "say you don't know" refuses everything).
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

from assistant.answering import prompts
from assistant.answering.prompts import format_passage
from assistant.retrieval.query import check_query
from assistant.ingest.injection import find_instructions
from assistant.answering.citations import Verification, Verifier
from assistant.text import split_sentences
from assistant.answering.key_points import KeyPoint, KeyPointFinder
from assistant.llm.base import BackendError
from assistant.llm.jsonstream import JsonAnswerStream
from assistant.types import Chunk, SearchResult

MAX_SENTENCES = 4
MAX_SENTENCE_CHARS = 320


@dataclass
class Citation:
    n: int
    id: str
    source: str
    heading: str
    text: str


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
    relevance: float = 0.0  # best question-passage similarity
    prompt_tokens: int = 0
    output_tokens: int = 0
    passages_used: int = 0
    error: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def answer_schema(n_passages: int) -> dict:
    """JSON schema for the model: cites first, bounded lengths so it cannot run to max_tokens."""
    return {"type": "object", "required": ["sentences"], "properties": {"sentences": {
        "type": "array", "minItems": 1, "maxItems": MAX_SENTENCES, "items": {
            "type": "object", "required": ["cites", "text"], "properties": {
                "cites": {"type": "array", "maxItems": 2,
                          "items": {"type": "integer", "enum": list(range(1, n_passages + 1))}},
                "text": {"type": "string", "maxLength": MAX_SENTENCE_CHARS}}}}}}


def prompt_overhead(llm, question: str, key_point: str = "") -> int:
    """Tokens of the prompt without passages (64 for the chat template's own tokens)."""
    empty = prompts.render("answer_user", passages="", key_point=key_point, question=question)
    return llm.count_tokens(prompts.load("answer_system")) + llm.count_tokens(empty) + 64


def passage_cost(llm, n: int, chunk: Chunk) -> int:
    return llm.count_tokens(format_passage(n, chunk)) + 2


def focus_passages(hits: list[SearchResult], similarity, margin: float, sole: float = 0.85) -> list[SearchResult]:
    """The passages most like the question first; those far below the best dropped.

    A 1.5B model answers from whatever comes first and gets distracted by near-misses, and every passage costs
    prefill time (~45 tok/s here). Retrieval already put the right section in the top few; the closest one to
    the question (often a worked example of the very same question) is the one to answer from. A passage at
    `sole` or above states the question itself: it is sent alone.

    >>> from types import SimpleNamespace as N
    >>> [h.rank for h in focus_passages([N(rank=1), N(rank=2), N(rank=3)], [0.6, 0.8, 0.3], 0.25)]
    [2, 1]
    """
    best = max(similarity, default=0.0)
    order = sorted(range(len(hits)), key=lambda i: -similarity[i])
    if best >= sole:
        return [hits[order[0]]]
    return [hits[i] for i in order if similarity[i] >= best - margin]


def section_first(focused: list[SearchResult], section: list[Chunk], max_chars: int) -> list[SearchResult]:
    """The closest passage's whole note section first, in document order, then the other passages.

    Sections are chunked at ~200 word pieces, so a worked example arrives in parts (scenario; answer; why
    not the alternatives) and retrieval returns one part per section: the model saw the scenario without
    the steps. A section longer than `max_chars` keeps the chunks nearest the closest one.

    >>> from types import SimpleNamespace as N
    >>> c = [N(id=i, text="x" * 10, position=i) for i in range(5)]
    >>> [h.chunk.id for h in section_first([N(chunk=c[2]), N(chunk=N(id=9, text="y"))], c, 30)]
    [1, 2, 3, 9]
    """
    lead = focused[0].chunk
    at = next((k for k, c in enumerate(section) if c.id == lead.id), None)
    if at is None:  # the index changed since retrieval: the passage alone
        return focused
    keep, size = {at}, len(lead.text)
    for k in sorted(range(len(section)), key=lambda k: (abs(k - at), k)):
        if k != at and size + len(section[k].text) <= max_chars and (k - 1 in keep or k + 1 in keep):
            keep.add(k)
            size += len(section[k].text)
    chunks = [section[k] for k in sorted(keep)]
    ids = {c.id for c in chunks}
    return ([focused[0] if c.id == lead.id else SearchResult(c, 0.0, 0) for c in chunks]
            + [h for h in focused[1:] if h.chunk.id not in ids])


def fit_passages(llm, question: str, hits: list[SearchResult], max_answer_tokens: int,
                 key_point: str = "") -> tuple[list[Chunk], list[dict]]:
    """Keep the best-ranked passages that fit the model's window; drop the lowest-ranked, never overflow."""
    system = prompts.load("answer_system")
    budget = llm.context_window - max_answer_tokens - prompt_overhead(llm, question, key_point)
    if budget <= 0:
        raise BackendError("the question is too long for the model's context window; ask a shorter question")
    kept: list[Chunk] = []
    for hit in hits:
        cost = passage_cost(llm, len(kept) + 1, hit.chunk)
        if cost <= budget:
            kept.append(hit.chunk)
            budget -= cost
        elif not kept:  # even the best passage is too long: keep its head
            chunk = hit.chunk
            words = chunk.text.split()
            while words and passage_cost(llm, 1, Chunk(**{**chunk.__dict__, "text": " ".join(words)})) > budget:
                words = words[: int(len(words) * 0.8)]
            if words:
                kept.append(Chunk(**{**chunk.__dict__, "text": " ".join(words)}))
            break
    system_msg = {"role": "system", "content": system}
    user_msg = {"role": "user", "content": prompts.render(
        "answer_user", passages="\n".join(format_passage(n, c) for n, c in enumerate(kept, 1)),
        key_point=key_point, question=question)}
    return kept, [system_msg, user_msg]


KEY_LABEL = re.compile(r"^Key (?:point|steps|pairs) from the notes[^:]*:\s*", re.IGNORECASE)
CITE_IN_TEXT = re.compile(r"\s*\[\s*\d+(?:\s*[,-]\s*\d+)*\s*\]")


def parse_answer_json(raw: str) -> tuple[list[tuple[str, list[int]]], bool]:
    """(sentences with cites, complete?) from the model's JSON; salvages what it can from cut-off output."""
    try:
        data = json.loads(raw)
        items = data.get("sentences", []) if isinstance(data, dict) else []
        complete = True
    except json.JSONDecodeError:
        items, complete = [], False
        for part in raw.split("{")[2:]:  # salvage whole sentence objects before the cut
            try:
                items.append(json.loads("{" + part.rstrip().rstrip(",").rstrip("]}").rstrip() + "}"))
            except json.JSONDecodeError:
                continue
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        cites = [c for c in item.get("cites", []) if isinstance(c, int)]
        text = item["text"].strip()
        if len(text) >= MAX_SENTENCE_CHARS - 2 and not text.endswith((".", "!", "?", ")")):
            text = text[: max(text.rfind(". "), 0)].strip()  # cut off by maxLength: keep whole sentences only
        text = CITE_IN_TEXT.sub("", text)  # citations come from "cites" only; markers in the text are forgeable
        text = KEY_LABEL.sub("", text)  # the prompt's key point copied with its label
        for sentence in split_sentences(text):
            if sentence.endswith("?"):  # a question copied from the notes' worked example is no answer
                continue
            if find_instructions(sentence):  # an instruction planted in a note, echoed by the model: never shown
                continue
            out.append((sentence, cites))
    return out, complete


def is_heading(sentence: str, passages: list[Chunk]) -> bool:
    """A passage's heading copied as a sentence ("When to choose serverless inference"): a title, not a claim.

    >>> from types import SimpleNamespace as C
    >>> is_heading("When to choose serverless inference.", [C(heading="Inference > When to choose serverless inference")])
    True
    """
    norm = lambda t: " ".join(re.findall(r"[a-z0-9]+", t.lower()))  # noqa: E731
    return any(norm(sentence) == norm(part) for p in passages for part in p.heading.split(" > "))


class Answerer:
    def __init__(self, assistant, llm, verifier: Verifier | None = None, min_relevance: float = 0.42,
                 strong_relevance: float = 0.6, min_answer_relevance: float = 0.35, focus_margin: float = 0.25,
                 fact_match: float = 0.6, repeat: float = 0.92):
        self.assistant = assistant
        self.llm = llm
        self.verifier = verifier or Verifier(assistant.embedder)
        self.min_relevance = min_relevance  # calibrated on evals/answers: in-notes questions score >= 0.48
        self.strong_relevance = strong_relevance
        self.min_answer_relevance = min_answer_relevance
        self.focus_margin = focus_margin  # passages this far below the best question similarity are left out
        self.repeat = repeat  # sentences this similar to an earlier one of the answer are repeats
        self.fact_match = fact_match  # question-fact similarity for a key point (see key_points.KeyPointFinder)

    def ask(self, question: str, *, domain: int | None = None, on_text: Callable[[str], None] | None = None) -> Answer:
        started = time.perf_counter()
        question = check_query(question)
        settings = self.assistant.settings.llm
        hits = self.assistant.search(question, settings.passages, domain=domain)
        retrieve_ms = 1000 * (time.perf_counter() - started)
        answer = Answer(question=question, answer="", citations=[], unsupported=[], refused=False,
                        backend=self.llm.backend, model=self.llm.model, retrieve_ms=retrieve_ms)
        answer.closest = [{"source": h.chunk.source, "heading": h.chunk.heading} for h in hits[:3]]
        answer.retrieved_ids = [h.chunk.id for h in hits]
        qvec = self.assistant.embedder.encode([question])[0]
        pvecs = self.assistant.embedder.encode([h.chunk.indexed_text for h in hits]) if hits else np.zeros((0, len(qvec)))
        similarity = [float(x) for x in pvecs @ qvec]
        answer.relevance = max(similarity, default=0.0)
        unknown = self.assistant.index.load_bm25().unknown_terms(question)
        if answer.relevance < self.min_relevance or (unknown and answer.relevance < self.strong_relevance):
            answer.missing_terms = unknown  # nothing close, or it names things no note mentions
            return self._refuse(answer, started)

        focused = focus_passages(hits, similarity, self.focus_margin)
        point = self.key_points.find(question, qvec, [h.chunk for h in hits[:2]], [h.chunk for h in focused])
        if point is not None:  # the key point's section leads, whole, so what it states can be checked there
            focused.sort(key=lambda h: not point.in_section(h.chunk))
        focused = section_first(focused, self.assistant.index.load_bm25().section(focused[0].chunk),
                                settings.section_chars)
        answer.retrieved_ids += [h.chunk.id for h in focused if h.chunk.id not in answer.retrieved_ids]
        passages, messages = fit_passages(self.llm, question, focused, settings.max_answer_tokens,
                                          point.prompt() if point else "")
        answer.passages_used = len(passages)
        answer.prompt_tokens = sum(self.llm.count_tokens(m["content"]) for m in messages)
        raw, display = "", JsonAnswerStream()
        try:
            for piece in self.llm.stream(messages, schema=answer_schema(len(passages)), max_tokens=settings.max_answer_tokens):
                if answer.first_token_ms is None:
                    answer.first_token_ms = 1000 * (time.perf_counter() - started)
                raw += piece
                shown = display.feed(piece)
                if shown and on_text:
                    on_text(shown)
        except BackendError as exc:
            answer.complete, answer.error = False, str(exc)
            if not raw:
                raise
        answer.output_tokens = self.llm.count_tokens(raw) if raw else 0
        sentences, complete = parse_answer_json(raw)
        sentences = [(text, cites) for text, cites in sentences if not is_heading(text, passages)]
        answer.complete = answer.complete and complete
        verification = self.verifier.verify(sentences, passages)
        self._assemble(answer, verification, passages, qvec, point)
        answer.total_ms = 1000 * (time.perf_counter() - started)
        return answer

    @cached_property
    def key_points(self) -> KeyPointFinder:
        return KeyPointFinder(self.assistant.facts, self.assistant.embedder, self.fact_match)

    def _assemble(self, answer: Answer, verification: Verification, passages: list[Chunk], qvec,
                  point: KeyPoint | None = None) -> None:
        for check in verification.sentences:
            reason = point.mispaired(check.text) if point is not None and check.supported else ""
            if reason:  # reads like its passage, which pairs the same words differently
                check.supported_by, check.posthoc, check.reason = [], False, reason
        answer.invalid_citations = verification.invalid_citations
        answer.supported_share = verification.supported_share
        answer.sentences = [{"text": s.text, "cited": s.cited, "supported_by": s.supported_by, "posthoc": s.posthoc,
                             "score": round(s.score, 3), "reason": s.reason} for s in verification.sentences]
        supported = [s for s in verification.sentences if s.supported]
        answer.unsupported = [s.text for s in verification.sentences if not s.supported]
        if supported and point is not None:
            answer.key_fact = point.id
            gaps = point.fill(" ".join(s.text for s in supported), passages)
            added = [s for s in self.verifier.verify(gaps, passages).sentences if s.supported] if gaps else []
            answer.filled = [{"text": s.text, "supported_by": s.supported_by} for s in added]
            supported = supported + added
        on_topic = 0.0
        if supported:
            vecs = self.assistant.embedder.encode([s.text for s in supported])
            on_topic = float(max(vecs @ qvec))
            supported = [s for i, s in enumerate(supported)  # a small model repeats itself: say each thing once
                         if not any(float(vecs[i] @ vecs[j]) >= self.repeat for j in range(i))]
            answer.filled = [f for f in answer.filled if any(f["text"] == s.text for s in supported)]
        if not supported or on_topic < self.min_answer_relevance:
            answer.filled = []
            self._refuse(answer, None)
            return
        used = sorted({n for s in supported for n in s.supported_by})
        answer.citations = [Citation(n, passages[n - 1].id, passages[n - 1].source, passages[n - 1].heading,
                                     passages[n - 1].text) for n in used]
        answer.answer = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.supported_by) for s in supported).strip()

    def _refuse(self, answer: Answer, started: float | None) -> Answer:
        answer.refused = True
        answer.citations = []
        closest = "; ".join(f"{c['source']} — {c['heading']}" for c in answer.closest) or "none"
        missing = f" They never mention {', '.join(answer.missing_terms)}." if answer.missing_terms else ""
        answer.answer = (f"Your notes do not cover this question, so I will not guess.{missing} "
                         f"The closest notes are: {closest}. Add notes on this topic to get a grounded answer.")
        if started is not None:
            answer.total_ms = 1000 * (time.perf_counter() - started)
        return answer
