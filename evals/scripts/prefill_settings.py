"""llama.cpp batch and flash-attention settings (issue #17): prefill of one ~890-token note passage, 3 times per
setting, on the default model. `.venv/bin/python evals/scripts/prefill_settings.py` (about 3 minutes idle).
"""
import time, statistics as st, os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from llama_cpp import Llama
from assistant.config import Settings
from assistant.llm.model_file import assemble_default_model

settings = Settings()
path = str(settings.llm.model_path or assemble_default_model(settings.data_dir / 'models'))
text = open(ROOT / 'corpus/d3-deployment-orchestration/inference-options.md').read()[:4200]
configs = [dict(n_batch=256), dict(n_batch=512, n_ubatch=512), dict(n_batch=128), dict(n_batch=256, flash_attn=True),
           dict(n_batch=512, n_ubatch=512, flash_attn=True)]
for cfg in configs:
    llm = Llama(model_path=path, n_ctx=4096, n_threads=2, verbose=False, seed=0, **cfg)
    n = len(llm.tokenize(text.encode()))
    times, dec = [], []
    for rep in range(3):
        llm.reset()
        t = time.perf_counter()
        out = llm.create_completion(text + f"\n{rep}", max_tokens=1, temperature=0)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = llm.create_completion(text + f"\n{rep}", max_tokens=48, temperature=0)  # prompt cached: decode only
        dec.append(out['usage']['completion_tokens'] / (time.perf_counter() - t))
    print(cfg, n, 'tokens; prefill s', [round(x, 2) for x in times], 'tok/s', round(n / st.median(times), 1), 'decode tok/s', round(st.median(dec), 1), flush=True)
    del llm
