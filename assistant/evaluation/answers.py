"""Answer eval: correctness (key facts present), citation validity, supported sentences, refusals, latency.

In-notes questions carry `key_facts` ("a|b" = either); out-of-notes ones have `"in_notes": false`.
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from tqdm.auto import tqdm

from assistant.evaluation.retrieval import load_items


def shown_sentences(answer) -> list[dict]:
    """What the learner reads: each sentence of the final answer with the passages it cites ([n] markers).

    The note sentences shown at once (the instant part) come first, then the model sentences the verifier kept
    (and that survived de-duplication), then the key-point fill.
    Saved in the results so a separate judge (assistant/evaluation/judge.py) can run later without re-asking.
    """
    if answer.refused:
        return []
    out = [{"text": s["text"], "cites": list(s["supported_by"]), "origin": "instant"} for s in answer.instant]
    out += [{"text": s["text"], "cites": list(s["supported_by"]), "origin": "model"}
           for s in answer.sentences if s["supported_by"] and s["text"] in answer.answer]
    out += [{"text": f["text"], "cites": list(f["supported_by"]), "origin": "fill"} for f in answer.filled]
    return out


def has_fact(text: str, fact: str) -> bool:
    low = text.lower()
    return any(alt.strip().lower() in low for alt in fact.split("|"))


def grade(item: dict, answer) -> dict:
    in_notes = item.get("in_notes", True)
    retrieved = set(answer.retrieved_ids)
    cited_ok = all(c.id in retrieved for c in answer.citations)
    correct = in_notes and not answer.refused and all(has_fact(answer.answer, f) for f in item.get("key_facts", []))
    own = " ".join(s["text"] for s in answer.sentences if s["supported_by"])  # without the notes' key-point fill
    correct_alone = correct and all(has_fact(own, f) for f in item.get("key_facts", []))
    return {"id": item["id"], "in_notes": in_notes, "exercise": bool(item.get("exercise")), "refused": answer.refused,
            "correct": correct, "correct_model_alone": correct_alone, "filled": len(answer.filled),
            "key_fact": answer.key_fact, "citations_valid": cited_ok, "invalid_citations": answer.invalid_citations,
            "sentences": len(answer.sentences), "supported": sum(bool(s["supported_by"]) for s in answer.sentences),
            "instant": len(answer.instant), "first_content_ms": answer.first_content_ms,
            "first_token_ms": answer.first_token_ms, "total_ms": answer.total_ms, "output_tokens": answer.output_tokens,
            "prompt_tokens": answer.prompt_tokens, "complete": answer.complete, "answer": answer.answer,
            "unsupported": [{"text": s["text"], "reason": s["reason"]} for s in answer.sentences if not s["supported_by"]],
            "question": item["question"], "key_facts": item.get("key_facts", []), "kind": item.get("kind", ""),
            **{k: getattr(answer, k, "") for k in ("choice", "choice_confidence", "model_choice", "unanswered")},
            "question_kind": getattr(answer, "kind", ""),
            **{k: len(getattr(answer, k, [])) for k in ("dropped_off_target", "dropped_garbled", "dropped_wrong_choice")},
            "model_sentences": [{"text": s["text"], "cited": s.get("cited", []), "supported_by": s["supported_by"]}
                                for s in answer.sentences],
            "shown": shown_sentences(answer),
            "passages": {str(c.n): {"id": c.id, "source": c.source, "heading": c.heading, "text": c.text}
                         for c in answer.citations}}


def summarise(rows: list[dict]) -> dict:
    ins = [r for r in rows if r["in_notes"]]
    outs = [r for r in rows if not r["in_notes"]]
    ex = [r for r in ins if r["exercise"]]
    generated = [r for r in rows if r["sentences"]]
    decode = [r["output_tokens"] / ((r["total_ms"] - r["first_token_ms"]) / 1000) for r in generated
              if r["first_token_ms"] and r["total_ms"] > r["first_token_ms"] and r["output_tokens"]]
    ttft = [r["first_token_ms"] for r in generated if r["first_token_ms"]]
    first = [r["first_content_ms"] for r in rows if r.get("first_content_ms")]
    return {
        "questions": len(rows), "in_notes": len(ins), "out_of_notes": len(outs),
        "correct": sum(r["correct"] for r in ins) / max(len(ins), 1),
        "exercises_correct": f"{sum(r['correct'] for r in ex)}/{len(ex)}",
        "correct_model_alone": sum(r["correct_model_alone"] for r in ins) / max(len(ins), 1),
        "exercises_correct_model_alone": f"{sum(r['correct_model_alone'] for r in ex)}/{len(ex)}",
        "answers_filled": sum(bool(r["filled"]) for r in ins) / max(len(ins), 1),
        "answers_with_instant": sum(bool(r.get("instant")) for r in ins) / max(len(ins), 1),
        "citation_validity": sum(r["citations_valid"] for r in rows) / max(len(rows), 1),
        "model_citations_out_of_range": sum(len(r["invalid_citations"]) for r in rows),
        "supported_sentences": sum(r["supported"] for r in generated) / max(sum(r["sentences"] for r in generated), 1),
        "correct_refusals": sum(r["refused"] for r in outs) / max(len(outs), 1),
        "correct_refusals_by_kind": {kind: f"{sum(r['refused'] for r in outs if (r.get('kind') or 'unlabelled') == kind)}/"
                                           f"{sum((r.get('kind') or 'unlabelled') == kind for r in outs)}"
                                     for kind in sorted({r.get("kind") or "unlabelled" for r in outs})},
        "false_refusals": sum(r["refused"] for r in ins) / max(len(ins), 1),
        # shown as a verified answer yet missing its key facts: for a choice question, a wrong choice verified
        "wrong_shown": sum(not r["refused"] and not r["correct"] for r in ins) / max(len(ins), 1),
        "choices_overridden": sum(bool(r.get("model_choice")) for r in ins),
        "median_first_token_ms": statistics.median(ttft) if ttft else None,
        "median_first_content_ms": statistics.median(first) if first else None,
        "median_decode_tok_s": statistics.median(decode) if decode else None,
        "median_total_ms": statistics.median(r["total_ms"] for r in rows),
    }


def select_items(items: list[dict], *, ids: list[str] | None = None, exercises_only: bool = False,
                 limit: int | None = None) -> list[dict]:
    """The questions to run: by id (unknown ids are an error), exercises only, then the first `limit`.

    >>> select_items([{"id": "a"}, {"id": "b", "exercise": True}], exercises_only=True)
    [{'id': 'b', 'exercise': True}]
    """
    if ids:
        known = {item["id"] for item in items}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"no eval question with id {', '.join(unknown)}; ids look like d1-a01 or t-in-001 (see evals/answers/dev and test)")
        items = [item for item in items if item["id"] in set(ids)]
    if exercises_only:
        items = [item for item in items if item.get("exercise")]
    return items[:limit] if limit else items


def interleave(items: list[dict]) -> list[dict]:
    """In-notes and out-of-notes questions spread evenly, each group in its own order.

    >>> [i["id"] for i in interleave([{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "x", "in_notes": False}])]
    ['a', 'b', 'x', 'c']
    """
    ins = [i for i in items if i.get("in_notes", True)]
    outs = [i for i in items if not i.get("in_notes", True)]
    keyed = [((k + 0.5) / len(ins), 0, i) for k, i in enumerate(ins)] + [((k + 0.5) / len(outs), 1, i) for k, i in enumerate(outs)]
    return [i for _, _, i in sorted(keyed, key=lambda t: (t[0], t[1]))]


def run_answer_eval(assistant, folder=None, limit: int | None = None, progress: bool = True, *,
                    ids: list[str] | None = None, exercises_only: bool = False, items: list[dict] | None = None,
                    split: str = "", checkpoint: Path | None = None) -> dict:
    """`checkpoint`: a JSONL file of graded rows, appended as each question finishes; rows already there
    (same id and question) are reused, so a long run that was stopped continues where it left off."""
    items = select_items(items if items is not None else load_items(folder), ids=ids, exercises_only=exercises_only,
                         limit=limit)
    items = interleave(items)  # any prefix of a stopped run holds in- and out-of-notes questions in proportion
    done = {}
    if checkpoint is not None and checkpoint.exists():
        for line in checkpoint.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                done[(row["id"], row["question"])] = row
    rows, started = [], time.perf_counter()
    for item in tqdm(items, desc="eval answers", disable=not progress):
        row = done.get((item["id"], item["question"]))
        if row is None:
            row = grade(item, assistant.ask(item["question"]))
            if checkpoint is not None:
                with checkpoint.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row) + "\n")
        rows.append(row)
    return {"split": split, "backend": assistant.llm.backend, "model": assistant.llm.model, "summary": summarise(rows),
            "seconds": time.perf_counter() - started, "rows": rows}


def recorded_rows(path: Path) -> dict[str, dict]:
    """Graded rows of an earlier run by id: a results file (`{"rows": [...]}`) or a `--resume` JSONL file."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        rows = json.loads(text)["rows"]
    except (json.JSONDecodeError, KeyError, TypeError):
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {row["id"]: row for row in rows}


def run_answer_replay(assistant, recorded: Path, items: list[dict], progress: bool = True, split: str = "") -> dict:
    """The model's recorded sentences of an earlier run (`model_sentences`), answered again by the current code
    with a scripted model in place of the real one: what a change after the model (verification, the choice
    stage, refusals) does to the same output, without an hour of generation. Only questions the recording
    holds are run; one whose recording has no model output (refused before the model) gets an empty reply,
    which the current code uses only if it now calls the model there (`replay_missing` counts those)."""
    from assistant.llm.fake import ScriptedLLM

    rows_before = recorded_rows(recorded)
    llm = ScriptedLLM()
    assistant.use_llm(llm)
    rows, missing, started = [], 0, time.perf_counter()
    for item in tqdm([i for i in items if i["id"] in rows_before], desc="replay answers", disable=not progress):
        sentences = rows_before[item["id"]].get("model_sentences")
        llm.replies.clear()
        llm.enqueue(json.dumps({"sentences": [{"cites": s.get("cited", []), "text": s["text"]}
                                              for s in sentences or []]}))
        row = grade(item, assistant.ask(item["question"]))
        missing += sentences is None and not llm.replies  # the model was called where it had not been
        rows.append(row)
    summary = summarise(rows) if rows else {}
    return {"split": split, "backend": "replay", "model": f"recorded output of {Path(recorded).name}",
            "summary": {**summary, "replay_missing": missing}, "seconds": time.perf_counter() - started,
            "rows": rows}


def format_answer_table(results: dict) -> str:
    s = results["summary"]
    pct = lambda x: f"{100 * x:.0f}%"  # noqa: E731
    lines = [f"| metric ({results['backend']}: {results['model']}) | value |", "|---|---|",
             f"| questions (in notes / not in notes) | {s['in_notes']} / {s['out_of_notes']} |",
             f"| correct (key facts present) | {pct(s['correct'])} |",
             f"| learner exercises answered correctly | {s['exercises_correct']} |",
             f"| ... from the model's sentences alone (no key-point fill) | {pct(s['correct_model_alone'])}, "
             f"exercises {s['exercises_correct_model_alone']} |",
             f"| answers completed with note sentences (key-point fill) | {pct(s['answers_filled'])} |",
             f"| answers opened with verified note sentences (instant part) | {pct(s.get('answers_with_instant', 0))} |",
             f"| citation validity (cites only retrieved passages) | {pct(s['citation_validity'])} |",
             f"| model citations to non-passages (dropped) | {s['model_citations_out_of_range']} |",
             f"| sentences supported by their citations | {pct(s['supported_sentences'])} |",
             f"| correct refusals (not in notes) | {pct(s['correct_refusals'])} |",
             *[f"| ... {kind} | {share} |" for kind, share in s.get("correct_refusals_by_kind", {}).items()],
             f"| false refusals (in notes) | {pct(s['false_refusals'])} |",
             f"| shown as verified but missing key facts (in notes) | {pct(s.get('wrong_shown', 0))} |",
             f"| model's choice replaced by the notes' choice | {s.get('choices_overridden', 0)} |"]
    if results.get("backend") == "replay":  # the scripted model's timings say nothing
        lines.append(f"| replayed questions whose code now calls the model (no recorded output) | "
                     f"{s.get('replay_missing', 0)} |")
        return "\n".join(lines)
    if s.get("median_first_content_ms"):
        lines.append(f"| median time to first verified content | {s['median_first_content_ms'] / 1000:.1f} s |")
    if s["median_first_token_ms"]:
        lines.append(f"| median time to first token | {s['median_first_token_ms'] / 1000:.1f} s |")
    if s["median_decode_tok_s"]:
        lines.append(f"| median decode speed | {s['median_decode_tok_s']:.1f} tok/s |")
    lines.append(f"| median total per question | {s['median_total_ms'] / 1000:.1f} s |")
    return "\n".join(lines)
