"""Mined facts on disk (`<data_dir>/index/mined_facts.json`), kept in step with the index like the chunks are:
a note whose content hash changed is mined again, a note no longer indexed takes its facts with it.

Notes in the folder holding the curated facts (the bundled corpus, with corpus/facts) are not mined: the
curated facts cover them.

    fact_summary(assistant) -> {source: {"words", "decisions", "sequences", "matchings", "rejected",
                                         "per_1k_words", "samples": [str], "rejected_samples": [str]}}
is what the Library page shows per note.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

from assistant.knowledge.facts import Alternative, Decision, FactBook, Matching, Sequence

VERSION = 1
KINDS = {"decision": Decision, "sequence": Sequence, "matching": Matching}


def store_path(data_dir: Path) -> Path:
    return Path(data_dir) / "index" / "mined_facts.json"


def load_store(data_dir: Path) -> dict:
    path = store_path(data_dir)
    if not path.exists():
        return {"version": VERSION, "notes": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"version": VERSION, "notes": {}}  # a damaged store is mined again on the next ingest
    return data if data.get("version") == VERSION else {"version": VERSION, "notes": {}}


def save_store(data_dir: Path, data: dict) -> None:
    path = store_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def to_dict(fact) -> dict:
    kind = next(k for k, cls in KINDS.items() if isinstance(fact, cls))
    return {"kind": kind, **dataclasses.asdict(fact)}


def from_dict(d: dict):
    d = dict(d)
    cls = KINDS[d.pop("kind")]
    if cls is Decision:
        d["alternatives"] = tuple(Alternative(**a) for a in d["alternatives"])
    if cls is Matching:
        d["pairs"] = tuple(tuple(p) for p in d["pairs"])
    for key in ("steps", "keywords", "evidence"):
        if key in d:
            d[key] = tuple(d[key])
    return cls(**d)


def task_prototypes(embedder, blueprint, curated: FactBook | None) -> dict:
    """Vectors labelled with an exam task: each task's title and the curated facts filed under it (the mined
    sections' tasks are judged by their nearest labelled vectors)."""
    tasks = list(blueprint.tasks)
    texts, labels = [], []
    for t in tasks:
        texts.append(blueprint.tasks[t])
        labels.append(t)
    for d in curated.decisions if curated else []:
        if d.task in blueprint.tasks:
            texts.append(f"{d.section.split(' > ')[-1]}. {d.need}: {d.choice}")
            labels.append(d.task)
    return {"tasks": tasks, "labels": labels, "vectors": embedder.encode(texts),
            "domain_of": {t: blueprint.domain_of(t) for t in tasks}}


def sync_facts(index, manifest: dict, loaded: dict | None = None, *, progress: bool = True) -> dict:
    """Mine the indexed notes whose facts are missing or stale and drop the facts of notes no longer indexed.
    `loaded` holds texts the ingest already read ({source: LoadedText}). Returns {"mined": [...], "dropped": [...]}."""
    from assistant.ingest.loaders import LoadError, load_file
    from assistant.knowledge.blueprint import load_blueprint
    from assistant.knowledge.facts import load_facts
    from assistant.knowledge.mining import mine_note

    settings = index.settings
    data = load_store(settings.data_dir)
    notes = data["notes"]
    bundled = str(Path(settings.facts_dir).resolve().parent)  # the folder the curated facts describe
    indexed = {src: e for src, e in manifest["files"].items() if e.get("chunks")}
    wanted = {src: e for src, e in indexed.items() if str(e.get("root", "")) != bundled}
    dropped = [src for src in notes if src not in wanted]
    for src in dropped:
        notes.pop(src)
    todo = [src for src, e in wanted.items() if notes.get(src, {}).get("hash") != e["hash"]]
    if todo:
        protos = task_prototypes(index.embedder, load_blueprint(settings.blueprint), load_facts(settings.facts_dir))
        for src in tqdm(todo, desc="Mining facts", unit="note", disable=not progress):
            entry = wanted[src]
            text = (loaded or {}).get(src)
            if text is None:
                try:
                    text = load_file(Path(entry["root"]) / src, int(settings.store.max_file_mb * 1e6))
                except (LoadError, OSError) as exc:
                    notes[src] = {"hash": entry["hash"], "words": 0, "facts": [], "rejected": [],
                                  "error": str(exc)}
                    continue
            try:
                mined = mine_note(text.text, text.kind, src, index.embedder, protos, title=Path(src).stem)
            except (ValueError, KeyError, IndexError, TypeError) as exc:  # one odd note never fails the ingest
                notes[src] = {"hash": entry["hash"], "words": len(text.text.split()), "facts": [], "rejected": [],
                              "error": f"fact mining failed ({type(exc).__name__}: {exc})"}
                continue
            notes[src] = {"hash": entry["hash"], "words": mined.words, "facts": [to_dict(f) for f in mined.facts],
                          "rejected": mined.rejected}
    if todo or dropped:
        save_store(settings.data_dir, data)
    return {"mined": todo, "dropped": dropped}


def mined_book(data_dir: Path, indexed_sources: set[str] | None = None) -> FactBook:
    """The mined facts of the notes in the store (only those in `indexed_sources` when given)."""
    book = FactBook()
    for src, entry in load_store(data_dir)["notes"].items():
        if indexed_sources is not None and src not in indexed_sources:
            continue
        for d in entry["facts"]:
            fact = from_dict(d)
            {Decision: book.decisions, Sequence: book.sequences, Matching: book.matchings}[type(fact)].append(fact)
    return book


def fact_summary(assistant, samples: int = 3) -> dict[str, dict]:
    """Per mined note: word count, facts by kind, facts per 1,000 words, rejected count, a few samples of each."""
    out = {}
    for src, entry in sorted(load_store(assistant.settings.data_dir)["notes"].items()):
        kinds = Counter(f["kind"] for f in entry["facts"])
        facts = [from_dict(f) for f in entry["facts"]]
        out[src] = {"words": entry["words"], "decisions": kinds["decision"], "sequences": kinds["sequence"],
                    "matchings": kinds["matching"], "rejected": len(entry["rejected"]),
                    "per_1k_words": round(1000 * len(facts) / max(1, entry["words"]), 1),
                    "samples": [describe(f) for f in facts[:samples]],
                    "rejected_samples": [f"{r['name']}: {r['reason']}" for r in entry["rejected"][:samples]],
                    "error": entry.get("error", "")}
    return out


def describe(fact) -> str:
    if isinstance(fact, Decision):
        return f"{fact.need} -> {fact.choice} (not {', '.join(a.option for a in fact.alternatives)})"
    if isinstance(fact, Sequence):
        return f"{fact.title}: " + " -> ".join(fact.steps)
    return f"{fact.title}: " + "; ".join(f"{ln} = {r}" for ln, r in fact.pairs)


def indexed_sections(chunks) -> set[tuple[str, str]]:
    return {(c.source, c.heading) for c in chunks}


def facts_for_index(index, facts_dir: Path) -> FactBook:
    """Facts follow the index: curated facts whose section is indexed, plus the facts mined from indexed notes.
    Before anything is indexed, all curated facts (the bundled corpus is indexed on first use)."""
    from assistant.knowledge.facts import load_facts

    curated = load_facts(facts_dir)
    if not index.exists():
        return curated
    chunks = index.load_bm25().chunks
    headings: dict[str, set[str]] = {}
    for c in chunks:
        headings.setdefault(c.source, set()).add(c.heading)

    def indexed(f) -> bool:
        return any(h == f.section or h.startswith(f.section + " > ") for h in headings.get(f.source, ()))

    book = FactBook([d for d in curated.decisions if indexed(d)], [s for s in curated.sequences if indexed(s)],
                    [m for m in curated.matchings if indexed(m)])
    mined = mined_book(index.settings.data_dir, set(headings))
    book.decisions += [d for d in mined.decisions if indexed(d)]
    book.sequences += [s for s in mined.sequences if indexed(s)]
    book.matchings += [m for m in mined.matchings if indexed(m)]
    return book


def cache_key(index) -> tuple:
    path = store_path(index.settings.data_dir)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime = 0
    return index.manifest_generation(), mtime


def _flat(text: str) -> str:
    import re
    import unicodedata

    return re.sub(r"[\s*_`|]+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def evidence_chunk(chunks, fact):
    """The chunk of the fact's note that holds most of its evidence lines (None when none does)."""
    lines = [_flat(e)[:80] for e in fact.evidence if e.strip()]
    best, best_hits = None, 0
    for c in chunks:
        if c.source != fact.source:
            continue
        flat = _flat(c.text)
        hits = sum(1 for line in lines if line and line in flat)
        if hits > best_hits:
            best, best_hits = c, hits
    return best
