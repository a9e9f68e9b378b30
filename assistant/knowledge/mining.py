"""Fact mining: decisions, sequences and matchings from a learner's own notes, without a model.

An entity the notes describe (a heading, an "X: Y" line, an "X is ..." sentence, a table row, a Q/A card)
becomes a decision: the need is what the notes say about it with its own name masked out, the key is the
entity, the distractors are its neighbours (siblings in the same list, table or section first, then the
nearest entities elsewhere in the note), each with a why-not quoted from its own notes. Numbered lists and
"steps" sections become sequences; tables and runs of definition lines become matchings. Every fact keeps
the file, heading path and the exact line(s) it came from. A decision is dropped, with the reason kept, when
its need is generic or when a neighbour's own notes back the need as well (the embedder and key terms judge).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.ingest.markdown import HEADING_SEPARATOR
from assistant.knowledge.facts import Alternative, Decision, Matching, Sequence
from assistant.knowledge.note_structure import (Item, entity_items, is_entity_name, note_sections, ordered_lists,
                                                tables, task_hint)
from assistant.text import key_terms

VENDOR_WORDS = {"amazon", "aws", "sagemaker", "sm", "ai", "the", "service", "feature", "mode", "job", "data", "model",
                "store", "for", "of", "on", "and", "with", "endpoint", "inference", "training", "type", "types"}
GENERIC = re.compile(r"^(?:it\s+|this\s+|___\s+)?(?:is\s+)?(?:reduces?|lowers?|cuts?|saves?|improves?|increases?|"
                     r"speeds? up|helps?|makes?)\s+(?:the\s+)?(?:cost|costs|latency|time|performance|speed|things|"
                     r"it|accuracy|security)\b.{0,25}$|^(?:cheaper|faster|easier|better|simpler|more secure)\b.{0,30}$",
                     re.IGNORECASE)
PURPOSE_HEADER = re.compile(r"use it for|use for|used for|purpose|what it does|best for|good for|when to use|"
                            r"does|is for|role|use case|what", re.IGNORECASE)
NEED_HEADER = re.compile(r"^(?:need|task|goal|scenario|symptom|problem|requirement|situation|want|use case|when)\b",
                         re.IGNORECASE)
NAME_HEADER = re.compile(r"service|tool|answer|choice|pick|feature|option|solution|fix|use\b", re.IGNORECASE)
BACKED_OVERLAP = 0.6  # share of the need's key terms a neighbour's own notes contain for it to back the need
BACKED_COSINE = 0.78  # or: cosine between the need and the neighbour's notes


@dataclass
class MinedNote:
    source: str
    words: int
    facts: list = field(default_factory=list)  # Decision | Sequence | Matching
    rejected: list[dict] = field(default_factory=list)  # {"kind", "name", "heading", "evidence", "reason"}
    section_of: object = None  # heading path as mined -> the indexed section it lies in (plain text: one section)


def fact_id(source: str, *parts: str) -> str:
    return "mined-" + hashlib.sha256("\x1f".join((source, *parts)).encode()).hexdigest()[:12]


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(";,:-")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _short(text: str, words: int = 32) -> str:
    parts = text.split()
    if len(parts) <= words:
        return text.strip()
    cut = " ".join(parts[:words])
    stop = max(cut.rfind(". "), cut.rfind("; "), cut.rfind(", "))
    return (cut[:stop] if stop > len(cut) // 2 else cut).strip()


def name_variants(name: str) -> list[str]:
    """The name, its parts in brackets, without vendor prefixes, its acronym and its distinctive words."""
    out = {name}
    for inner in re.findall(r"\(([^)]+)\)", name):
        out.add(inner.strip())
    base = re.sub(r"\s*\([^)]*\)", "", name).strip()
    out.add(base)
    stripped = re.sub(r"^(?:(?:amazon|aws|sagemaker|sm|ai)\s+)+", "", base, flags=re.IGNORECASE).strip()
    out.add(stripped)
    caps = [w for w in re.split(r"[\s-]+", stripped) if w[:1].isupper()]
    if len(caps) >= 2:
        out.add("".join(w[0] for w in caps))
    for word in re.split(r"[\s/+,]+", base):
        w = word.strip("().,")
        if len(w) >= 3 and w.lower() not in VENDOR_WORDS:
            out.add(w)
    return sorted((v for v in out if v), key=len, reverse=True)


def display_name(name: str) -> str:
    """The name as an option shows it: a long name loses its bracketed expansion ("MWAA (Managed ...)" -> "MWAA")."""
    outside = re.sub(r"\s*\([^)]*\)", "", name).strip()
    return outside if len(name) > 24 and len(outside) >= 2 else name


def mask(text: str, name: str) -> str:
    masked = text
    for v in name_variants(name):
        masked = re.sub(rf"(?<![\w-]){re.escape(v)}(?!\w)", "___", masked, flags=re.IGNORECASE)
    own = key_terms(name) - {"amazon", "aws", "sagemaker", "ai", "sm"}
    masked = re.sub(r"[A-Za-z][A-Za-z0-9\-']*", lambda m: "___" if key_terms(m.group(0)) & own else m.group(0), masked)
    masked = re.sub(r"___(?:\s*(?:\(___\)|___))+", "___", masked)
    masked = re.sub(r"^(?:(?:Amazon|AWS|SageMaker|SM)\s+)*___\s+(?:is|are)\s+", "", masked)
    return re.sub(r"^___\s*[:,-]\s*", "", masked).strip()


def mine_note(text: str, kind: str, source: str, embedder, task_protos: dict, title: str = "") -> MinedNote:
    """All facts one note yields; `task_protos` = {"tasks": [ids], "vectors": array, "domain_of": {id: d}}."""
    sections = note_sections(text, kind, title)
    note = MinedNote(source, len(text.split()), section_of=(lambda h: h) if kind == "markdown" else (lambda h: title))
    items: list[Item] = []
    for sec in sections:
        items += entity_items(sec)
        items += _table_items(sec)
    items += _heading_items(sections, {it.heading for it in items})
    items = [it for it in items if it.text.strip()]
    needs = [_need_text(it) for it in items]
    need_vecs = embedder.encode(needs) if items else np.zeros((0, 1))
    vectors = embedder.encode([f"{it.name}: {it.text} {' '.join(it.extra.get('more', []))}" for it in items]) \
        if items else np.zeros((0, 1))
    section_task = _section_tasks(sections, embedder, task_protos)
    # what each entity's own notes say, its name masked: a neighbour "backs" a need by content, not by a similar name
    own_vecs = embedder.encode([mask(it.text, it.name) or it.text for it in items]) if items else np.zeros((0, 1))
    for i, it in enumerate(items):
        _decision(note, items, (vectors, own_vecs), i, section_task, needs[i], need_vecs[i])
    for sec in sections:
        task, domain = section_task[sec.heading]
        for title_, steps, evidence in ordered_lists(sec):
            _sequence(note, sec.heading, title_, steps, evidence, task, domain)
    _matchings(note, sections, items, section_task)
    return note


def _section_tasks(sections, embedder, protos) -> dict[str, tuple[str, int]]:
    out = {}
    headings = [s.heading for s in sections]
    texts = [f"{s.heading}\n{' '.join(s.lines)[:600]}" for s in sections]
    vecs = embedder.encode(texts) if texts else np.zeros((0, 1))
    tasks, domain_of = protos["tasks"], protos["domain_of"]
    for heading, vec in zip(headings, vecs):
        task, domain = task_hint(heading, set(tasks))
        if not task:
            sims = protos["vectors"] @ vec
            scores = {}
            for t in tasks:
                if domain is None or domain_of[t] == domain:
                    own = np.sort(sims[[j for j, lab in enumerate(protos["labels"]) if lab == t]])[::-1]
                    scores[t] = float(own[:3].mean()) if len(own) else -1.0
            task = max(scores or {t: 0 for t in tasks}, key=lambda t: scores.get(t, 0))
        out[heading] = (task, domain_of[task])
    return out


def _heading_items(sections, with_items: set[str]) -> list[Item]:
    """A section whose heading names one entity (and that lists no entities of its own) describes that entity."""
    out = []
    for sec in sections:
        parts = sec.heading.split(HEADING_SEPARATOR)
        name = parts[-1]
        words = name.split()
        named = len(words) == 1 or any(w[:1].isupper() or re.search(r"[A-Z]{2}", w) for w in words[1:])
        if len(parts) < 2 or sec.heading in with_items or not named or not is_entity_name(name) \
                or re.search(r"[:–—]|\bweek\b|\bpart\b|\d\.", name, re.IGNORECASE):
            continue
        body = [ln.strip() for ln in sec.lines if ln.strip() and not ln.strip().startswith("|")]
        if not body:
            continue
        first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", re.sub(r"^[-*\u2022]\s+", "", body[0]))[0]
        if len(first.split()) < 5:
            continue
        out.append(Item(name, first, first, sec.heading, HEADING_SEPARATOR.join(parts[:-1]) + "#headings", "heading"))
    return out


def _table_items(sec) -> list[Item]:
    out = []
    for t in tables(sec):
        header = [h.lower() for h in t.header]
        vs_table = re.search(r"\bvs\.?\b|versus", sec.heading, re.IGNORECASE) and len(t.header) >= 3 and \
            all(h and h.lower().split()[0] in sec.heading.lower() for h in t.header[1:3])
        if vs_table:  # columns are the contrasted entities, rows are aspects
            for col in range(1, len(t.header)):
                for row, ev in zip(t.rows, t.evidence):
                    if row[col] and len(row[col].split()) >= 3:
                        out.append(Item(t.header[col], f"{row[0]}: {row[col]}" if row[0] else row[col], ev, sec.heading,
                                        f"{sec.heading}#vs:{row[0]}", "comparison"))
            continue
        col = next((j for j, h in enumerate(header) if j and PURPOSE_HEADER.search(h)), 1)
        not_col = next((j for j, h in enumerate(header) if j and re.search(r"\bnot\b|avoid", h)), None)
        name_col = 0
        answer_col = next((j for j, h in enumerate(header) if j and NAME_HEADER.search(h)), None)
        if NEED_HEADER.search(header[0]) and answer_col is not None:  # "| Need | Service |": the answer is column 2
            name_col, col = answer_col, 0
        for row, ev in zip(t.rows, t.evidence):
            if row[name_col] and is_entity_name(row[name_col]) and row[col]:
                out.append(Item(row[name_col], row[col], ev, sec.heading, sec.heading + "#table", "table",
                                {"not_for": row[not_col] if not_col is not None else "",
                                 "columns": dict(zip(t.header, row))}))
    return out


def _need_text(it: Item) -> str:
    desc = it.text if it.rule != "qa" else it.text
    return _short(mask(desc, it.name), 40).rstrip(".")


def _backs(need_terms: set, need_vec, other_terms: set, other_vec) -> bool:
    overlap = len(need_terms & other_terms) / max(1, len(need_terms))
    return overlap >= BACKED_OVERLAP or float(need_vec @ other_vec) >= BACKED_COSINE


def _decision(note: MinedNote, items, vector_sets, i, section_task, need: str, need_vec) -> None:
    it = items[i]
    vectors, own_vecs = vector_sets
    reject = {"kind": "decision", "name": it.name, "heading": it.heading, "evidence": it.evidence}
    same = lambda o: o.name.lower() == it.name.lower() or any(  # noqa: E731
        v.lower() == o.name.lower() for v in name_variants(it.name)[:3])
    terms = key_terms(need)
    if len(terms) < 3 or GENERIC.match(need) or "___" == need.strip():
        note.rejected.append({**reject, "reason": f"generic need: \"{need}\" would fit many entities"})
        return
    if it.rule == "qa":
        stem_need = f'answer this card from the notes: "{need}"'
    else:
        stem_need = f'choose what the notes describe as "{need}"'
    siblings = [j for j, o in enumerate(items) if j != i and o.group == it.group and not same(o)]
    parent = it.heading.rsplit(HEADING_SEPARATOR, 1)[0]
    cousins = [j for j, o in enumerate(items) if j != i and j not in siblings and not same(o)
               and (o.heading.startswith(parent) or o.rule == it.rule)]
    backers = [items[j].name for j in siblings if _backs(terms, need_vec, key_terms(items[j].text), own_vecs[j])]
    if backers:
        note.rejected.append({**reject, "reason": f"ambiguous: the notes on {', '.join(backers[:3])} back the need too"})
        return
    sims = vectors @ vectors[i]
    key_name = display_name(it.name)
    order = sorted(siblings, key=lambda j: -sims[j]) + sorted(cousins, key=lambda j: -sims[j])
    alts, names = [], {it.name.lower()}
    for j in order:
        o = items[j]
        if o.name.lower() in names or sims[j] < 0.2:
            continue
        if _backs(terms, need_vec, key_terms(o.text), own_vecs[j]):
            continue  # a neighbour elsewhere that fits the need too is no distractor
        if key_terms(o.name) & key_terms(it.name) and not (key_terms(o.name) - key_terms(it.name)):
            continue
        shown = display_name(o.name)
        if not 0.25 <= len(shown) / max(1, len(key_name)) <= 4 or len(key_name) > 4 * len(shown):
            continue  # the gate rejects options of very different lengths
        names.add(o.name.lower())
        alts.append(Alternative(shown, _sentence(f"In the notes, {shown} is for something else: "
                                                 f"{_short(o.extra.get('answer') or o.text, 28)}")))
        if len(alts) == 3:
            break
    if len(alts) < 3:
        note.rejected.append({**reject, "reason": f"too few confusable neighbours ({len(alts)} of 3)"})
        return
    if len(key_name) > 1.4 * max(len(a.option) for a in alts):
        note.rejected.append({**reject, "reason": "the key's name is much longer than every neighbour's: it would give "
                                                  "the answer away"})
        return
    task, domain = section_task.get(it.heading, (None, None))
    why = it.evidence if it.rule == "is-sentence" else f"The notes say {it.name}: {_short(it.extra.get('answer') or it.text, 40)}"
    section_name = it.heading.split(HEADING_SEPARATOR)[-1]
    note.facts.append(Decision(
        id=fact_id(note.source, it.heading, it.name, it.rule), need=stem_need, choice=key_name, why_right=_sentence(why),
        alternatives=tuple(alts), concept=section_name[:80], domain=domain, task=task, source=note.source,
        section=note.section_of(it.heading), keywords=(), evidence=(it.evidence,)))


def _sequence(note, heading, title, steps, evidence, task, domain) -> None:
    steps = [s.strip().rstrip(".") for s in steps if s.strip()]
    reject = {"kind": "sequence", "name": title, "heading": heading, "evidence": " / ".join(evidence)[:400]}
    if len(steps) < 3 or len(set(s.lower() for s in steps)) < len(steps):
        note.rejected.append({**reject, "reason": "fewer than 3 distinct steps"})
        return
    if len(steps) > 5:
        title, steps = f"{title} (first five steps)", steps[:5]
    note.facts.append(Sequence(fact_id(note.source, heading, title, "seq"), title, tuple(steps), domain, task,
                               note.source, note.section_of(heading), (), tuple(evidence)))


def _matchings(note, sections, items, section_task) -> None:
    groups: dict[str, list[Item]] = {}
    for it in items:
        if it.rule in ("table", "definition"):
            groups.setdefault(it.group, []).append(it)
    for group, members in groups.items():
        pairs, seen = [], set()
        for it in members:
            right = _short(mask(it.text, it.name), 14).rstrip(".;,")
            if len(key_terms(right)) < 2 or right.lower() in seen or it.name.lower() in seen:
                continue
            seen.update((right.lower(), it.name.lower()))
            pairs.append((it.name, right, it.evidence))
        heading = members[0].heading
        reject = {"kind": "matching", "name": heading.split(HEADING_SEPARATOR)[-1], "heading": heading,
                  "evidence": " / ".join(p[2] for p in pairs)[:400]}
        if len(pairs) < 3:
            note.rejected.append({**reject, "reason": f"only {len(pairs)} distinct pairs"})
            continue
        task, domain = section_task.get(heading, (None, None))
        for start in range(0, min(len(pairs), 10), 5):
            chunk = pairs[start:start + 5]
            if len(chunk) < 3:
                break
            title = f"Match each item from the notes on {heading.split(HEADING_SEPARATOR)[-1]} to what it is for"
            note.facts.append(Matching(fact_id(note.source, group, str(start), "match"), title,
                                       tuple((ln, r) for ln, r, _ in chunk), domain, task, note.source,
                                       note.section_of(heading), (),
                                       tuple(e for _, _, e in chunk)))
