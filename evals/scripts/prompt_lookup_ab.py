"""A/B of prompt-lookup decoding (issue #17) on dev in-notes questions: the same questions answered with each
STUDY_LLM__PROMPT_LOOKUP value, the order of the values rotated per question; one model per value held in memory.

    .venv/bin/python evals/scripts/prompt_lookup_ab.py 0,4,10 12     # values, questions (about 12 minutes idle)
"""
import json, sys, glob, statistics as st
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from assistant.config import Settings
from assistant.app import Assistant
cfgs = [int(x) for x in sys.argv[1].split(',')]
n = int(sys.argv[2])
qs = []
for f in sorted(glob.glob(str(ROOT / 'evals/answers/dev/d*.jsonl'))):
    rows = [json.loads(l) for l in open(f)]
    qs += rows[:n // 4]
base = Settings()
first = Assistant(base)
asst = {}
for k in cfgs:
    s = base.model_copy(update={'llm': base.llm.model_copy(update={'prompt_lookup': k})})
    asst[k] = Assistant(s, embedder=first.embedder)
# warm every model once
for k in cfgs:
    asst[k].ask("What do managed warm pools do?")
res = {k: [] for k in cfgs}
for i, q in enumerate(qs):
    order = cfgs[i % len(cfgs):] + cfgs[:i % len(cfgs)]
    for k in order:
        a = asst[k].ask(q['question'])
        if a.first_token_ms is None:
            continue
        dec = (a.total_ms - a.first_token_ms) / 1000
        res[k].append({'id': q['id'], 'ttft': a.first_token_ms / 1000, 'total': a.total_ms / 1000,
                       'out': a.output_tokens, 'tok_s': a.output_tokens / dec if dec > 0 else None, 'answer': a.answer})
        print(k, q['id'], round(a.first_token_ms / 1000, 1), round(a.total_ms / 1000, 1), a.output_tokens, flush=True)
for k in cfgs:
    r = res[k]
    print(f"lookup={k}: n={len(r)} ttft p50 {st.median(x['ttft'] for x in r):.2f}  total p50 {st.median(x['total'] for x in r):.2f}  "
          f"decode tok/s p50 {st.median(x['tok_s'] for x in r if x['tok_s']):.1f}  out p50 {st.median(x['out'] for x in r)}")
same = sum(a['answer'] == b['answer'] for a, b in zip(res[cfgs[0]], res[cfgs[-1]]))
print('same answers first vs last cfg:', same, '/', len(res[cfgs[0]]))
json.dump(res, open(ROOT / 'evals/results/prompt-lookup-ab-latest.json', 'w'), indent=1)
