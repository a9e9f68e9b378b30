"""A judge that is not the product: citation precision and recall (ALCE-style) from saved answer-eval results.

The product decides what its sentences cite with its own `Verifier` (assistant/answering/citations.py). That
code must not grade itself, so here a separate model call reads each (sentence, cited passage) pair and says
whether the passage supports the sentence, under a JSON schema. It runs on the `shown` sentences and
`passages` that `study eval answers` saves per question, so no question is asked again.

- citation precision: cited (sentence, passage) pairs the judge says support / cited pairs
- citation recall: shown sentences with at least one supporting citation / shown sentences

How far to trust the judge: `evals/judge/labels.jsonl` holds hand-labelled pairs (labelled before the judge
ever saw them); `agreement` reports accuracy, Cohen's kappa and the judge's precision/recall for "supports".
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm.auto import tqdm

JUDGE_SCHEMA = {"type": "object", "required": ["supports"], "properties": {  # a verdict only: a few tokens, so
    "supports": {"type": "string", "enum": ["yes", "no"]}}}  # 60 pairs take minutes on 2 shared cores, not an hour

JUDGE_SYSTEM = (
    "You check citations. You are given a PASSAGE from study notes and a SENTENCE from an answer that cites it. "
    "Decide whether the passage supports the sentence: everything the sentence claims must be stated in the "
    "passage or follow directly from it. The passage may say more than the sentence; that is fine. Answer \"no\" "
    "if the sentence adds a claim, a service, a number, a condition or a reason that the passage does not give, "
    "if it pairs things differently from the passage, or if it contradicts the passage. Answer \"yes\" if the "
    "sentence only restates or summarises what the passage says.")


def judge_messages(sentence: str, passage: str) -> list[dict]:
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": f"PASSAGE:\n{passage.strip()}\n\nSENTENCE:\n{sentence.strip()}\n\n"
                                        "Does the passage support the sentence? Reply as JSON."}]


def parse_verdict(raw: str) -> dict:
    """{"supports": bool | None, "reason": str}; None when the reply is not a verdict (counted, never guessed)."""
    try:
        data = json.loads(raw)
        verdict = str(data.get("supports", "")).strip().lower()
        return {"supports": {"yes": True, "no": False}.get(verdict), "reason": str(data.get("reason", ""))}
    except (json.JSONDecodeError, AttributeError):
        return {"supports": None, "reason": f"unparsable reply: {raw[:120]!r}"}


class Judge:
    def __init__(self, llm, max_tokens: int = 16):
        self.llm = llm
        self.max_tokens = max_tokens

    def __call__(self, sentence: str, passage: str) -> dict:
        started = time.perf_counter()
        raw = self.llm.generate(judge_messages(sentence, passage), schema=JUDGE_SCHEMA, max_tokens=self.max_tokens)
        return dict(parse_verdict(raw), ms=1000 * (time.perf_counter() - started))

    def many(self, pairs: list[dict], progress: bool = True, desc: str = "judge") -> list[dict]:
        return [self(p["sentence"], p["passage"]) for p in tqdm(pairs, desc=desc, disable=not progress)]


def cited_pairs(rows: list[dict]) -> list[dict]:
    """One pair per (shown sentence, passage it cites), from answer-eval rows saved with `shown` and `passages`."""
    pairs = []
    for row in rows:
        for s_index, sentence in enumerate(row.get("shown", [])):
            for n in sentence["cites"]:
                passage = row.get("passages", {}).get(str(n))
                if passage is not None:
                    pairs.append({"qid": row["id"], "sentence_index": s_index, "origin": sentence["origin"],
                                  "sentence": sentence["text"], "n": n, "passage_id": passage["id"],
                                  "passage": passage["text"]})
    return pairs


def citation_scores(pairs: list[dict], verdicts: list[dict]) -> dict:
    """Precision over cited pairs and recall over shown sentences; unparsable verdicts count as not supporting."""
    def scores(selected: list[tuple[dict, dict]]) -> dict:
        sentences: dict[tuple, bool] = {}
        for pair, verdict in selected:
            key = (pair["qid"], pair["sentence_index"])
            sentences[key] = sentences.get(key, False) or verdict["supports"] is True
        return {"pairs": len(selected), "sentences": len(sentences),
                "precision": sum(v["supports"] is True for _, v in selected) / max(len(selected), 1),
                "recall": sum(sentences.values()) / max(len(sentences), 1)}

    both = list(zip(pairs, verdicts))
    out = scores(both)
    out["unparsable"] = sum(v["supports"] is None for v in verdicts)
    out["by_origin"] = {origin: scores([(p, v) for p, v in both if p["origin"] == origin])
                        for origin in sorted({p["origin"] for p in pairs})}
    return out


def agreement(labels: list[bool], judged: list[bool | None]) -> dict:
    """Judge vs hand labels: accuracy, Cohen's kappa, and the judge's precision/recall for "supports".

    >>> agreement([True, True, False, False], [True, False, False, False])["accuracy"]
    0.75
    """
    n = len(labels)
    judged = [bool(j) for j in judged]  # an unparsable verdict counts as "no"
    tp = sum(truth and j for truth, j in zip(labels, judged))
    tn = sum(not truth and not j for truth, j in zip(labels, judged))
    fp = sum(not truth and j for truth, j in zip(labels, judged))
    fn = sum(truth and not j for truth, j in zip(labels, judged))
    accuracy = (tp + tn) / max(n, 1)
    p_yes_l, p_yes_j = (tp + fn) / max(n, 1), (tp + fp) / max(n, 1)
    chance = p_yes_l * p_yes_j + (1 - p_yes_l) * (1 - p_yes_j)
    kappa = (accuracy - chance) / (1 - chance) if chance < 1 else 1.0
    return {"n": n, "accuracy": accuracy, "kappa": kappa, "tp": tp, "tn": tn, "fp": fp, "fn": fn,
            "judge_precision_yes": tp / max(tp + fp, 1), "judge_recall_yes": tp / max(tp + fn, 1),
            "labelled_yes": tp + fn, "labelled_no": tn + fp}


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def format_judge_report(report: dict) -> str:
    pct = lambda x: f"{100 * x:.0f}%"  # noqa: E731
    lines = [f"| citation metric (judge: {report['judge']}) | value |", "|---|---|"]
    if "citations" in report:
        c = report["citations"]
        lines += [f"| answers judged ({report['results_file']}) | {report['answers']} |",
                  f"| citation precision (cited passage supports its sentence) | {pct(c['precision'])} "
                  f"({c['pairs']} pairs) |",
                  f"| citation recall (sentence has a supporting citation) | {pct(c['recall'])} "
                  f"({c['sentences']} sentences) |"]
        for origin, s in c["by_origin"].items():
            lines.append(f"| ... {origin} sentences: precision / recall | {pct(s['precision'])} / {pct(s['recall'])} |")
        if c["unparsable"]:
            lines.append(f"| judge replies not parsable (counted as no) | {c['unparsable']} |")
    if "agreement" in report:
        a = report["agreement"]
        lines += [f"| judge vs hand labels: accuracy (n={a['n']}: {a['labelled_yes']} yes, {a['labelled_no']} no) "
                  f"| {pct(a['accuracy'])} |",
                  f"| ... Cohen's kappa | {a['kappa']:.2f} |",
                  f"| ... judge precision / recall for \"supports\" | {pct(a['judge_precision_yes'])} / "
                  f"{pct(a['judge_recall_yes'])} |"]
    return "\n".join(lines)


def run_judge(llm, *, results: Path | None = None, labels: Path | None = None, progress: bool = True) -> dict:
    judge = Judge(llm)
    report: dict = {"judge": f"{llm.backend}: {llm.model}"}
    if labels is not None and Path(labels).exists():  # first: how far to trust what follows
        items = load_jsonl(labels)
        verdicts = judge.many(items, progress, desc="judge hand-labelled pairs")
        report["agreement"] = agreement([bool(i["supports"]) for i in items], [v["supports"] for v in verdicts])
        report["label_rows"] = [dict(id=i["id"], label=i["supports"], judged=v["supports"], reason=v["reason"])
                                for i, v in zip(items, verdicts)]
    if results is not None:
        saved = json.loads(Path(results).read_text(encoding="utf-8"))
        rows = [r for r in saved["rows"] if "shown" in r]
        if not rows:
            raise ValueError(f"{results} has no saved sentences and passages: rerun `study eval answers`")
        pairs = cited_pairs(rows)
        verdicts = judge.many(pairs, progress, desc="judge cited pairs")
        report.update(results_file=str(results), split=saved.get("split", ""), answers=sum(bool(r["shown"]) for r in rows),
                      citations=citation_scores(pairs, verdicts),
                      pairs=[dict(p, supports=v["supports"], reason=v["reason"]) for p, v in zip(pairs, verdicts)])
    return report


def cmd_judge(assistant, args, evals: Path) -> int:
    from assistant.evaluation.retrieval import write_results
    from assistant.llm import make_llm

    settings = assistant.settings.llm.model_copy(deep=True)
    if args.judge_backend:
        settings.backend = args.judge_backend
    llm = make_llm(settings, assistant.settings.data_dir)
    results = args.results or evals / "results" / f"answers-{settings.backend}-{args.split}-latest.json"
    labels = args.labels or evals / "judge" / "labels.jsonl"
    report = run_judge(llm, results=results if Path(results).exists() else None, labels=labels,
                       progress=not args.json)
    path = write_results(report, args.out or evals / "results", name=f"judge-{settings.backend}")
    print(json.dumps({k: report[k] for k in ("citations", "agreement") if k in report}, indent=1) if args.json
          else format_judge_report(report))
    if not args.json:
        print(f"\nresults written to {path}")
    return 0
