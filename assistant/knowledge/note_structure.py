"""The structure of a learner's note, read without a model: sections by heading path (Markdown headings, or
line shapes in plain text and PDF text), and in each section the entities it names with what it says about
them ("X: Y" and "X -> Y" lines, "X is ..." sentences, table rows, Q/A cards), ordered lists and tables.

>>> secs = note_sections("# Formats\\n- Parquet: columnar, read few columns\\n- Avro: row based, schema evolution\\n", "markdown")
>>> [(i.name, i.text) for i in entity_items(secs[0])]
[('Parquet', 'columnar, read few columns'), ('Avro', 'row based, schema evolution')]
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from assistant.ingest.markdown import HEADING_SEPARATOR, parse_markdown

BULLET = re.compile(r"^\s*(?:[-*\u2022+]|(\d{1,2})[.)])\s+(.*)$")
DEFINITION = re.compile(r"^(?P<term>[^:;.?!|]{2,70}?)\s*(?::|->|→|=>|\s[-–—]\s)\s*(?P<desc>\S.{7,})$")
IS_SENTENCE = re.compile(r"^(?P<term>(?:(?:[A-Z0-9][\w\-+/.()]*|for|of|on|and|with|the)\s+){0,6}?[A-Z0-9][\w\-+/]*(?:\s+\([A-Z0-9][\w-]*\))?)"
                         r"\s+(?P<verb>is|are|lets|offers|provides|creates|runs|gives|keeps|detects|computes|measures|"
                         r"stores|sits|tracks|routes|scales|uses|adds|hosts|finds|generates|monitors|records|"
                         r"automates|evaluates|speaks|moves|reduces|turns)\s+(?P<desc>.{10,})$")
NOT_ENTITY = re.compile(r"^(?:rule of thumb|note|notes|tip|tips|gotcha|gotchas|clues?|answer|example|e\.g|why|decision|"
                        r"exam cue|exam tip|remember|summary|key|when|how|what|which|also|other|see|q|a|step \d+|"
                        r"this|that|these|it|they|you|we|i|if|use|the|my|our|rules?|cost|watch out|trap|traps|"
                        r"scenario|part \d+|week \d+|domain \d+|pattern|idea|mnemonic|important)\b", re.IGNORECASE)
STEP_WORDS = re.compile(r"\b(steps?|order|workflow|procedure|process|setting up|set up|creating|how to|pipeline of|"
                        r"lifecycle|sequence)\b", re.IGNORECASE)
TASK_ID = re.compile(r"(?<![\d.])([1-9])\.([1-9])(?![\d.])")
ANSWER_LINE = re.compile(r"^(?P<q>.{15,}?[?.])\s*Answer:\s*(?P<a>\S.+)$")
DOMAIN_ID = re.compile(r"\b(?:domain|dom|d)\s*([1-9])\b|^\s*([1-9])\.\s+[A-Z]", re.IGNORECASE)


def normalise(text: str) -> str:
    """NFKC (PDF ligatures such as 'ﬁ' -> 'fi'), unified dashes and quotes."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


@dataclass
class NoteSection:
    heading: str  # heading path as the chunker writes it ("A > B")
    lines: list[str]


@dataclass
class Item:
    """One entity the notes say something about, with the exact line or sentence it came from."""
    name: str
    text: str  # what the notes say about it (name not included for "X: Y" lines and table rows)
    evidence: str  # the exact line / sentence / row
    heading: str
    group: str  # siblings share a group (a list, a table, a section)
    rule: str  # "definition", "is-sentence", "table", "qa", "heading"
    extra: dict = field(default_factory=dict)


def note_sections(text: str, kind: str, title: str = "") -> list[NoteSection]:
    text = normalise(text)
    if kind == "markdown":
        doc = parse_markdown(text)
        title = str(doc.meta.get("title") or title)
        return [NoteSection(s.heading or title, _join_wrapped(s.text.splitlines())) for s in doc.sections]
    return _text_sections(text.splitlines(), title)


def _is_text_heading(line: str, nxt: str) -> bool:
    s = line.strip()
    if not s or not nxt.strip() or BULLET.match(s) or s.startswith(("Q:", "A:", "|")):
        return False
    if re.match(r"^=+.*=+$", s):
        return True
    words = s.split()
    if len(words) > 9 or s[-1] in ".,;?!" or s.lower().startswith(("answer", "clues")):
        return False
    if s.endswith(":") and len(words) > 4:
        return False
    caps = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    return caps >= max(1, len(words) // 2) and not DEFINITION.match(s) or s.lower().startswith("scenario:")


def _text_sections(lines: list[str], title: str) -> list[NoteSection]:
    sections: list[NoteSection] = []
    top, current, body = "", "", []

    def flush():
        joined = _join_wrapped(body)
        if any(b.strip() for b in joined):
            heading = HEADING_SEPARATOR.join(h for h in (top, current) if h) or title
            sections.append(NoteSection(heading, joined))
        body.clear()

    for i, line in enumerate(lines):
        nxt = next((ln for ln in lines[i + 1:] if ln.strip()), "")
        if _is_text_heading(line, nxt):
            flush()
            name = line.strip().strip("=").strip()
            if re.match(r"^=+", line.strip()) or re.match(r"^(part|domain|week|module)\s+\d", name, re.IGNORECASE):
                top, current = name, ""
            else:
                current = name
        else:
            body.append(line)
    flush()
    return sections


def _join_wrapped(lines: list[str]) -> list[str]:
    """Lines wrapped by a PDF export or an editor joined back: a continuation starts in lower case (or with a
    digit or bracket) after a line without end punctuation."""
    out: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        s = line.strip()
        if out and s and out[-1].strip() and not BULLET.match(s) and not s.startswith(("|", "Q:", "A:")) \
                and (s[0].islower() or s[0] in "(\"'") and not out[-1].rstrip().endswith((".", ":", "?", "!")):
            out[-1] = out[-1].rstrip() + " " + s
        else:
            out.append(line)
    return out


NOT_NAME_START = re.compile(r"^(?:(?:both|records|data|models|inputs|outputs|results|teams|users|people)$|"
                            r"for|in|on|at|with|when|if|after|before|during|to|from|by|confirm|build|check|automate|use|run|create|enable|"
                            r"set|make|add|deploy|train|store|compute|track|collect|schedule|register|reduce|increase|"
                            r"choose|pick|avoid|prefer|keep|move|turn|call|define|prepare|ingest|open|select|start|get|"
                            r"there|here|most|many|some|each|every|no|not|company|diagnosis|typical|troubleshoot)\b",
                            re.IGNORECASE)


def is_entity_name(term: str) -> bool:
    term = term.strip()
    words = term.split()
    first_ok = bool(words) and (words[0][:1].isupper() or words[0][:1].isdigit()
                                or any(re.search(r"[A-Z]{2}", w) for w in words[:1]))
    dangling = bool(words) and words[-1].lower() in {"on", "for", "of", "with", "to", "in", "and", "or", "the", "a", "an"}
    return (1 <= len(words) <= 6 and first_ok and not dangling and not NOT_NAME_START.match(term)
            and not re.search(r"\s(?:is|are|was|were)\s", term) and any(c.isupper() for c in term) and not NOT_ENTITY.match(term)
            and not term.endswith(("?", "!")) and len(term) <= 60 and not re.search(r"\d{3,}", term)
            and not re.search(r"\s(vs\.?|versus|or|and then)\s|\bis the fit\b", term, re.IGNORECASE))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_`]+", "", text)).strip()


def entity_items(section: NoteSection) -> list[Item]:
    """Entities with what the section says about them (definition lines, "X is ..." sentences, Q/A cards)."""
    items: list[Item] = []
    lines = [ln for ln in section.lines if ln.strip()]
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith("|"):
            i += 1
            continue
        if s.startswith("Q:") and i + 1 < len(lines) and lines[i + 1].strip().startswith("A:"):
            item = _qa_item(s[2:].strip(), lines[i + 1].strip()[2:].strip(), section)
            if item:
                items.append(item)
            i += 2
            continue
        bullet = BULLET.match(s)
        body = _clean(bullet.group(2) if bullet else s)
        qa = ANSWER_LINE.match(body)
        if qa:
            item = _qa_item(qa.group("q"), qa.group("a"), section, any_question=True)
            if item:
                items.append(item)
            i += 1
            continue
        m = DEFINITION.match(body)
        answer = _clean(m.group("desc")).rstrip(".") if m else ""
        if m and len(m.group("term").split()) >= 2 and len(answer.split()) <= 6 and is_entity_name(answer) \
                and not (bullet and bullet.group(1)):  # "situation: answer" ("Company standard is Airflow: Amazon MWAA.")
            items.append(Item(answer, _clean(m.group("term")), s, section.heading, section.heading + "#list", "definition"))
        elif m and is_entity_name(_clean(m.group("term"))) and not bullet or (m and bullet and bullet.group(1) is None
                                                                                and is_entity_name(_clean(m.group("term")))):
            items.append(Item(_clean(m.group("term")), m.group("desc").strip(), s, section.heading,
                              section.heading + "#list", "definition"))
        else:
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", body):
                m2 = IS_SENTENCE.match(sentence)
                if m2 and is_entity_name(m2.group("term")) and len(sentence.split()) <= 60:
                    items.append(Item(_clean(m2.group("term")), sentence.strip(), sentence.strip(), section.heading,
                                      section.heading + "#prose", "is-sentence"))
        i += 1
    return _merge_same(items)


def _qa_item(question: str, answer: str, section: NoteSection, any_question: bool = False) -> Item | None:
    if not any_question and (not re.match(r"^(which|what)\b", question, re.IGNORECASE) or not question.endswith("?")
                             or re.match(r"^what\s+(is|are|does|do|did|must|should|can|happens)\b", question, re.IGNORECASE)):
        return None
    head = re.split(r"\s[-–—]\s|[.;,(:]|\s(?:with|to|because|which|so|in|on)\s", answer, maxsplit=1)[0].strip()
    head = re.sub(r"^(the|an?|use|enable|choose)\s+", "", head, flags=re.IGNORECASE).strip()
    if not is_entity_name(head) or len(head.split()) > 6:
        return None
    return Item(head, question, f"Q: {question} A: {answer}", section.heading, section.heading + "#qa", "qa",
                {"answer": answer})


def _merge_same(items: list[Item]) -> list[Item]:
    """One item per name and group: later sentences about the same entity extend its text."""
    out: dict[tuple[str, str], Item] = {}
    for it in items:
        key = (it.name.lower(), it.group)
        if key in out:
            out[key].extra.setdefault("more", []).append(it.text)
        else:
            out[key] = it
    return list(out.values())


@dataclass
class Table:
    heading: str
    header: list[str]
    rows: list[list[str]]
    evidence: list[str]


def tables(section: NoteSection) -> list[Table]:
    found, current = [], None
    for line in section.lines + [""]:
        s = line.strip()
        if s.startswith("|") and s.endswith("|") and len(s) > 2:
            cells = [_clean(c) for c in s.strip("|").split("|")]
            if current is None:
                current = Table(section.heading, cells, [], [])
            elif not all(set(c) <= set("-: ") for c in cells):
                current.rows.append(cells + [""] * (len(current.header) - len(cells)))
                current.evidence.append(s)
        elif current is not None:
            if current.rows and len(current.header) >= 2:
                found.append(current)
            current = None
    return found


def ordered_lists(section: NoteSection) -> list[tuple[str, list[str], list[str]]]:
    """(title, steps, evidence lines) for numbered lists (3+ items) and for the lines of a "steps" section."""
    out: list[tuple[str, list[str], list[str]]] = []
    run: list[tuple[str, str]] = []
    intro = ""
    last = section.heading.split(HEADING_SEPARATOR)[-1]
    for line in section.lines + [""]:
        s = line.strip()
        m = BULLET.match(s)
        if m and m.group(1):
            run.append((_clean(m.group(2)), s))
            continue
        if len(run) >= 3:
            out.append((_title(intro, last), [r[0] for r in run], [r[1] for r in run]))
        run = []
        if s:
            intro = s
    for line in section.lines:  # inline "1) ...; 2) ...; 3) ..." answers to a question about steps or order
        s = line.strip()
        parts = re.split(r"(?:^|\s|;\s*)(?:A:\s*)?\(?\d[.)]\s+", s)
        if len(parts) >= 4 and STEP_WORDS.search(intro_of(section, line)):
            steps = [_clean(p).rstrip(";.") for p in parts[1:] if p.strip()]
            out.append((_title(intro_of(section, line), last), steps, [s]))
    if not out and STEP_WORDS.search(last):
        plain = [ln.strip() for ln in section.lines if ln.strip() and not ln.strip().lower().startswith(("gotcha", "note", "tip"))]
        if 3 <= len(plain) <= 8 and all(len(p.split()) <= 40 and p[0].isupper() for p in plain):
            out.append((last, [_clean(p) for p in plain], plain))
    return out


def intro_of(section: NoteSection, line: str) -> str:
    lines = [ln.strip() for ln in section.lines if ln.strip()]
    idx = lines.index(line.strip()) if line.strip() in lines else 0
    return (lines[idx - 1] if idx > 0 and lines[idx - 1].startswith("Q:") else section.heading)


def _title(intro: str, heading: str) -> str:
    intro = re.sub(r"^(Q:|A:)\s*", "", intro).strip()
    usable = intro.endswith((":", "?")) and STEP_WORDS.search(intro)
    intro = intro.rstrip(":").strip()
    if usable and len(intro.split()) <= 25 and not BULLET.match(intro):
        return intro.rstrip("?.")
    return heading


def task_hint(heading: str, tasks: set[str]) -> tuple[str | None, int | None]:
    """A task id ("1.1") or a domain number stated in the heading path, when it names a real one."""
    for part in reversed(heading.split(HEADING_SEPARATOR)):
        m = TASK_ID.search(part)
        if m and f"{m.group(1)}.{m.group(2)}" in tasks:
            return f"{m.group(1)}.{m.group(2)}", int(m.group(1))
    for part in heading.split(HEADING_SEPARATOR):
        m = DOMAIN_ID.search(part)
        if m:
            return None, int(m.group(1) or m.group(2))
    return None, None
