"""Text helpers shared by the verifier, key points and the quiz gate: sentences, key terms, tables as lines."""
from __future__ import annotations

import re

STOPWORDS = set("""a an and are as at be by can do does for from has have how i if in into is it its of on or
so such that the their then there these this to use used uses using was what when which while who why will
with you your they them than also more most only other should would could may might must each any all
one two both between over under about after before via per not no""".split())
NEGATIONS = {"not", "no", "never", "cannot", "can't", "doesn't", "don't", "isn't", "aren't", "won't", "neither",
             "nor", "none", "unsupported", "lacks"}
VENDOR = {"aws", "amazon", "sagemaker", "ai"}  # in most service names: saying them names nothing in particular
WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-']*|\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.")


_ENUMERATOR = re.compile(r"^(?:\(?\d{1,2}[.)]|[-*\u2022])\s*")
_LEAD_IN = re.compile(r":\s*\(?\d{1,2}[.)]$")  # "steps: 1." -> "steps:"


def split_sentences(text: str) -> list[str]:
    """Sentences, without list markers (a step's "1." is not a claim, nor a number to find in the passage).

    >>> split_sentences("Follow these steps: 1. Create the group. 2. Ingest the data.")
    ['Follow these steps:', 'Create the group.', 'Ingest the data.']
    """
    protected = text.strip()
    for abbr in _ABBREVIATIONS:
        protected = protected.replace(abbr + " ", abbr.replace(".", "\x00") + " ")
    parts = (_LEAD_IN.sub(":", _ENUMERATOR.sub("", s.replace("\x00", ".").strip())).strip()
             for s in _SENTENCE_END.split(protected))
    return [s for s in parts if s]


def key_terms(text: str) -> set[str]:
    return {stem(w.lower()) for w in WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1}


def stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word



def plain(text: str) -> str:
    """Lower-case words and numbers only, one space apart: the form two texts are compared in.

    >>> plain("When to choose *serverless* inference?")
    'when to choose serverless inference'
    """
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def flatten_tables(text: str) -> str:
    """Markdown table rows as "header: cell" lines: a small model misreads which cell belongs to which row. A
    table with no |---| row under its first row (a chunk that starts inside a long table) has no header: its
    rows are joined cell by cell, never labelled with another row's cells.

    >>> print(flatten_tables("| Field | Technique |\\n|---|---|\\n| City | One-hot |"))
    - Field: City; Technique: One-hot
    >>> print(flatten_tables("| Flag unusual IPs | IP Insights |\\n| Forecast series | DeepAR |"))
    - Flag unusual IPs; IP Insights
    - Forecast series; DeepAR
    """
    def row(line: str) -> list[str] | None:
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            return [c.strip() for c in stripped.strip("|").split("|")]
        return None

    def separator(cells: list[str] | None) -> bool:
        return cells is not None and all(set(c) <= set("-: ") for c in cells)

    lines = text.splitlines()
    rows = [row(line) for line in lines]
    out, header, inside = [], None, False
    for i, (line, cells) in enumerate(zip(lines, rows)):
        if cells is None:
            out.append(line)
            header, inside = None, False
            continue
        if not inside:  # the table's first row: a header only when the |---| row follows it
            inside = True
            if i + 1 < len(rows) and separator(rows[i + 1]):
                header = cells
                continue
        if separator(cells):
            continue
        labels = header or [""] * len(cells)
        out.append("- " + "; ".join(f"{h}: {c}" if h else c for h, c in zip(labels, cells)))
    return "\n".join(out)
