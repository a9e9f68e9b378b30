"""The model's reply read as (sentence, cited passage numbers) pairs, in either output format.

`json` (the default): `{"sentences": [{"cites": [1], "text": "..."}]}` under a JSON-schema grammar.
`text`: plain sentences, each ending with its passages' numbers in brackets ("... [2]"), no grammar, so the
local model decodes at its raw speed; the stream is stopped in code once the answer has its sentences.
Either way the citations are only claims: the verifier checks every one against its passage.
"""
from __future__ import annotations

import json
import re

from assistant.answering.passages import MAX_SENTENCE_CHARS, MAX_SENTENCES
from assistant.ingest.injection import find_instructions
from assistant.text import split_sentences

KEY_LABEL = re.compile(r"^Key (?:point|steps|pairs) from the notes[^:]*:\s*", re.IGNORECASE)
CITE_IN_TEXT = re.compile(r"\s*\[\s*\d+(?:\s*[,-]\s*\d+)*\s*\]")
_CITE_NUMBERS = re.compile(r"\[\s*(\d+(?:\s*[,-]\s*\d+)*)\s*\]")
# markers written after the full stop ("... pools. [2]") belong to the sentence before them
_CITES_AFTER_END = re.compile(r"([.!?])((?:\s*\[\s*\d+(?:\s*[,-]\s*\d+)*\s*\])+)")
_LEAD_LABEL = re.compile(r"^\s*(?:\*\*)?(?:final\s+)?(?:answer|reply)\s*:?\s*(?:\*\*)?\s*:?\s*", re.IGNORECASE)


def keep(sentence: str) -> bool:
    """Not a question copied from a worked example, not an instruction planted in a note and echoed."""
    return not sentence.endswith("?") and not find_instructions(sentence)


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
        out += [(sentence, cites) for sentence in split_sentences(text) if keep(sentence)]
    return out, complete


def cited_numbers(text: str) -> list[int]:
    """The passage numbers of the bracketed markers in `text`, in order, each once.

    >>> cited_numbers("Use warm pools [2][1, 3] and [4-5].")
    [2, 1, 3, 4, 5]
    """
    numbers: list[int] = []
    for group in _CITE_NUMBERS.findall(text):
        for part in group.split(","):
            low, _, high = part.partition("-")
            span = range(int(low), int(high) + 1) if high.strip() and int(high) - int(low) < 10 else [int(low)]
            numbers += [n for n in span if n not in numbers]
    return numbers


def text_sentences(raw: str) -> list[tuple[str, list[int]]]:
    """Plain-text reply -> (sentence without markers, its cites); an unfinished last sentence is kept here.

    >>> text_sentences("Answer: Use warm pools. [2] They keep instances [1][3].\\n- Cheaper")
    [('Use warm pools.', [2]), ('They keep instances.', [1, 3]), ('Cheaper', [])]
    """
    text = _CITES_AFTER_END.sub(lambda m: m.group(2) + m.group(1), raw.replace("**", ""))
    out = []
    for line in text.splitlines():
        line = KEY_LABEL.sub("", _LEAD_LABEL.sub("", line.strip()))
        for sentence in split_sentences(line):
            cites = cited_numbers(sentence)
            sentence = re.sub(r"\s+([.!?])$", r"\1", CITE_IN_TEXT.sub("", sentence)).strip()
            if sentence:
                out.append((sentence, cites))
    return out


def finished(sentence: str) -> bool:
    return sentence.endswith((".", "!", "?", ")", '"'))


def parse_answer_text(raw: str) -> tuple[list[tuple[str, list[int]]], bool]:
    """(sentences with cites, complete?) from a plain-text reply: at most MAX_SENTENCES finished sentences.

    >>> parse_answer_text("Use warm pools [2]. They keep instances")
    ([('Use warm pools.', [2])], False)
    """
    sentences = text_sentences(raw)
    if sentences and not finished(sentences[-1][0]):  # cut off at the token limit, or the stream was stopped
        complete, sentences = len(sentences) > MAX_SENTENCES, sentences[:-1]
    else:
        complete = True
    return [(s, c) for s, c in sentences if keep(s)][:MAX_SENTENCES], complete


def enough_sentences(raw: str) -> bool:
    """The reply has begun a sentence past the last one it may show: the stream can stop.

    >>> enough_sentences("A [1]. B [1]. C [2]. D [2]."), enough_sentences("A [1]. B [1]. C [2]. D [2]. E")
    (False, True)
    """
    return len(text_sentences(raw)) > MAX_SENTENCES
