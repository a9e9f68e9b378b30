"""`study facts [--source FILE] [--json] [--rejected]`: the facts mined from your indexed notes, each with the
file, heading path and exact line(s) it came from; and the candidates that were dropped, with the reason."""
from __future__ import annotations

import json

from assistant.answering.render import inert


def add_parsers(sub) -> None:
    p = sub.add_parser("facts", help="facts mined from your notes (with where each came from) and why others were dropped")
    p.add_argument("--source", help="only this note (its path as indexed, e.g. course-notes.md)")
    p.add_argument("--rejected", action="store_true", help="also list the dropped candidates and why")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_facts)


def cmd_facts(assistant, args) -> int:
    from assistant.knowledge.fact_store import describe, from_dict, load_store

    notes = load_store(assistant.settings.data_dir)["notes"]
    if args.source:
        if args.source not in notes:
            known = ", ".join(sorted(notes)[:10]) or "none (run `study ingest PATH` on your notes first)"
            raise ValueError(f"no mined facts for {args.source!r}; notes with mined facts: {known}")
        notes = {args.source: notes[args.source]}
    if args.json:
        print(json.dumps({src: {"words": e["words"], "facts": e["facts"], "rejected": e["rejected"],
                                "error": e.get("error", "")} for src, e in notes.items()}, indent=1))
        return 0
    if not notes:
        print("No mined facts: index your own notes with `study ingest PATH` (the bundled corpus uses curated facts).")
        return 0
    for src, entry in sorted(notes.items()):
        facts = [from_dict(f) for f in entry["facts"]]
        print(f"\n## {src}: {len(facts)} facts from {entry['words']} words, {len(entry['rejected'])} dropped"
              + (f" (error: {entry['error']})" if entry.get("error") else ""))
        for f in facts:
            kind = type(f).__name__.lower()
            print(f"- [{kind} {f.id}, task {f.task}] {inert(describe(f))}")
            print(f"    from: {f.source} — {f.section}")
            for line in f.evidence[:3]:
                print(f"    line: {inert(line)[:300]}")
        if args.rejected:
            for r in entry["rejected"]:
                print(f"- [dropped {r['kind']}] {inert(r['name'])}: {r['reason']}")
                print(f"    from: {src} — {r['heading']}\n    line: {inert(r['evidence'])[:300]}")
    return 0
