"""Cold CLI start: `study ask "..."` from a fresh process until the first verified content is printed.

Each question runs `python -m assistant.cli ask QUESTION` on the benchmark's data folder and times the first
line of an answer ("From your notes ...", the model's stream, or a refusal). The process is stopped there, before
it loads the model, so no second copy of the model competes with the generation part. The raw baseline is the
interpreter itself starting (`python -c pass`) in the same run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from assistant.bench.stats import ratio, summary

FIRST = ("From your notes", "The model's answer", "Your notes do not cover")


def _first_line_ms(args: list[str], env: dict, timeout: float = 300.0) -> float | None:
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith(FIRST):
                return 1000 * (time.perf_counter() - started)
            if time.perf_counter() - started > timeout:
                break
        return None
    finally:
        proc.kill()  # before it loads the model: only the generation part holds one
        proc.wait()


def bench_cold_start(settings, questions: list[str]) -> dict:
    env = {**os.environ, "STUDY_DATA_DIR": str(settings.data_dir), "STUDY_LLM__MODEL_PATH": str(settings.llm.model_path or ""),
           "PYTHONUNBUFFERED": "1"}
    if not settings.llm.model_path:
        env.pop("STUDY_LLM__MODEL_PATH")
    ms = [_first_line_ms([sys.executable, "-m", "assistant.cli", "ask", q], env) for q in questions]
    python = []
    for _ in questions:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python.append(1000 * (time.perf_counter() - started))
    first = summary([m for m in ms if m is not None])
    raw = summary(python)
    return {"questions": len(questions), "shown": first["n"], "first_content_ms": first, "python_start_ms": raw,
            "over_python_start_p50": ratio(first["p50"], raw["p50"])}
