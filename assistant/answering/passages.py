"""Which passages an answer is given, and the prompt they make: the closest first, the lead passage's note
section whole, fitted to the model's context window (never overflowing it).
"""
from __future__ import annotations

from assistant.answering import prompts
from assistant.answering.prompts import format_passage
from assistant.llm.base import BackendError
from assistant.types import Chunk, SearchResult

MAX_SENTENCES = 4
MAX_SENTENCE_CHARS = 320


def answer_schema(n_passages: int) -> dict:
    """JSON schema for the model: cites first, bounded lengths so it cannot run to max_tokens."""
    return {"type": "object", "required": ["sentences"], "properties": {"sentences": {
        "type": "array", "minItems": 1, "maxItems": MAX_SENTENCES, "items": {
            "type": "object", "required": ["cites", "text"], "properties": {
                "cites": {"type": "array", "maxItems": 2,
                          "items": {"type": "integer", "enum": list(range(1, n_passages + 1))}},
                "text": {"type": "string", "maxLength": MAX_SENTENCE_CHARS}}}}}}


REPLY_FORMATS = {  # how the instruction asks for each output format (STUDY_LLM__OUTPUT)
    "json": {"reply": "in JSON", "cites": 'For each sentence put first, in "cites", the numbers of the passages '
                                           'that state it, then the sentence in "text".'},
    "text": {"reply": "in plain text", "cites": "End each sentence with the numbers of the passages that state it "
                                                "in square brackets, like [2] or [1][3]."},
}


def system_prompt(output: str = "json") -> str:
    """The answer instruction for an output format.

    >>> "in plain text" in system_prompt("text"), '"cites"' in system_prompt("json")
    (True, True)
    """
    return prompts.render("answer_system", **REPLY_FORMATS[output])


def prompt_overhead(llm, question: str, key_point: str = "", output: str = "json") -> int:
    """Tokens of the prompt without passages (64 for the chat template's own tokens)."""
    empty = prompts.render("answer_user", passages="", key_point=key_point, question=question)
    return llm.count_tokens(system_prompt(output)) + llm.count_tokens(empty) + 64


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


def closest_lines(hits: list[SearchResult], qvec, embedder, n: int) -> list[SearchResult]:
    r"""Passages of other sections than the first one's cut to their `n` lines closest to the question.

    The lead section answers; the other passages are there for a second side or a near miss, and each costs
    ~60-120 prompt tokens of prefill. Their lines were embedded already (retrieval's line relevance), so
    choosing them costs no encode. A table keeps its header rows, so its cells stay labelled. `n` = 0: whole.

    >>> from types import SimpleNamespace as N
    >>> from assistant.types import Chunk
    >>> import numpy as np
    >>> enc = N(encode=lambda ls: np.array([[1.0] if "b" in l else [0.0] for l in ls]))
    >>> hits = [SearchResult(Chunk("1", "a.md", "A", "x\ny"), 0.9, 1), SearchResult(Chunk("2", "b.md", "B", "a\nb\nc"), 0.5, 2)]
    >>> [h.chunk.text for h in closest_lines(hits, np.array([1.0]), enc, 1)]
    ['x\ny', 'b']
    """
    if n <= 0 or not hits:
        return hits
    lead = hits[0].chunk
    out = hits[:1]
    for hit in hits[1:]:
        chunk = hit.chunk
        lines = [line.strip() for line in chunk.text.splitlines() if line.strip()]
        said = [k for k, line in enumerate(lines) if not line.startswith("#")]
        if (chunk.source, chunk.heading) == (lead.source, lead.heading) or len(said) <= n:
            out.append(hit)
            continue
        scores = embedder.encode([lines[k] for k in said]) @ qvec
        keep = {said[i] for i in sorted(range(len(said)), key=lambda i: -float(scores[i]))[:n]}
        for k in list(keep):  # a table row keeps the table's header and separator rows
            if lines[k].startswith("|"):
                top = k
                while top > 0 and lines[top - 1].startswith("|"):
                    top -= 1
                keep |= {top, top + 1} & set(range(len(lines)))
        text = "\n".join(lines[k] for k in sorted(keep))
        out.append(SearchResult(Chunk(**{**chunk.__dict__, "text": text}), hit.score, hit.rank))
    return out


def checked_passages(sent: list[Chunk], whole: list[Chunk]) -> list[Chunk]:
    """What a lean prompt's answer is checked against: the passages as sent, each whole again (`whole` holds the
    uncut ones, by id), then the retrieved ones the prompt left out, after them so the numbers the model cites
    stay valid.

    >>> from assistant.types import Chunk
    >>> a, b, cut = Chunk("1", "a.md", "A", "x y"), Chunk("2", "b.md", "B", "z"), Chunk("1", "a.md", "A", "x")
    >>> [c.text for c in checked_passages([cut], [a, b])]
    ['x y', 'z']
    """
    by_id = {c.id: c for c in whole}
    checked = [by_id.get(c.id, c) for c in sent]
    ids = {c.id for c in checked}
    return checked + [c for i, c in by_id.items() if i not in ids]


def fit_passages(llm, question: str, hits: list[SearchResult], max_answer_tokens: int,
                 key_point: str = "", output: str = "json") -> tuple[list[Chunk], list[dict]]:
    """Keep the best-ranked passages that fit the model's window; drop the lowest-ranked, never overflow."""
    system = system_prompt(output)
    budget = llm.context_window - max_answer_tokens - prompt_overhead(llm, question, key_point, output)
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
