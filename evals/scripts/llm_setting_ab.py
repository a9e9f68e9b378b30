"""A/B of one STUDY_LLM__* setting (issue #17) on dev in-notes questions: the same questions answered with each
value, the order of the values rotated per question, one model per value held in memory; each answer graded with
the answer eval's key-fact grader.

    .venv/bin/python evals/scripts/llm_setting_ab.py output json,text 12        # about 10 minutes idle
    .venv/bin/python evals/scripts/llm_setting_ab.py prompt_lookup 0,4,10 12
"""
import glob
import json
import statistics as st
import sys
from pathlib import Path

from assistant.app import Assistant
from assistant.config import Settings
from assistant.evaluation.answers import grade

ROOT = Path(__file__).resolve().parents[2]
field, values, n = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
qs = []
for f in sorted(glob.glob(str(ROOT / "evals/answers/dev/d*.jsonl"))):
    qs += [json.loads(line) for line in open(f)][: n // 4]
base = Settings()
first = Assistant(base)
asst = {}
for v in values:
    llm = base.llm.model_copy(update={field: type(getattr(base.llm, field))(v)})
    asst[v] = Assistant(base.model_copy(update={"llm": llm}), embedder=first.embedder)
for v in values:  # load and warm every model once
    asst[v].ask("What do managed warm pools do?")
res = {v: [] for v in values}
for i, q in enumerate(qs):
    for v in values[i % len(values):] + values[: i % len(values)]:
        a = asst[v].ask(q["question"])
        if a.first_token_ms is None:
            continue
        dec = (a.total_ms - a.first_token_ms) / 1000
        res[v].append({"id": q["id"], "ttft": a.first_token_ms / 1000, "total": a.total_ms / 1000,
                       "out": a.output_tokens, "tok_s": a.output_tokens / dec if dec > 0 else None,
                       "correct": grade(q, a)["correct"], "answer": a.answer})
        print(v, q["id"], round(a.first_token_ms / 1000, 1), round(a.total_ms / 1000, 1), a.output_tokens,
              res[v][-1]["correct"], flush=True)
for v in values:
    r = res[v]
    print(f"{field}={v}: n={len(r)} correct {sum(x['correct'] for x in r)}  first token p50 "
          f"{st.median(x['ttft'] for x in r):.2f} s  total p50 {st.median(x['total'] for x in r):.2f} s  decode p50 "
          f"{st.median(x['tok_s'] for x in r if x['tok_s']):.1f} tok/s  output p50 {st.median(x['out'] for x in r)} tokens")
json.dump(res, open(ROOT / f"evals/results/{field}-ab-latest.json", "w"), indent=1)
