"""Generation: time to first token and decode tokens/s of `study ask` (the Answerer with the local model)
vs raw `llama_cpp.Llama` on the same messages and model file, the prompt size, the KV-cache reuse of the
fixed instruction prefix, and the physical bound of decoding: model bytes / measured memory bandwidth.

Per question the Answerer answers; then a raw Llama (library defaults but the app's n_ctx and n_threads)
gets the same messages: one token (its prefill time), then, with the prompt cached, a plain stream (its
decode rate) and once the same JSON-schema grammar. The first question is cold on both sides; each later
one finds the previous prompt in the KV cache on both sides alike, so the fixed instruction prefix is
reused and the comparison stays fair. Finally the last question is asked again (whole prompt cached).
"""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from assistant.bench.stats import median, ratio, summary


class TimedLLM:
    """Passes calls to the real backend and records each stream's messages and piece timestamps."""

    def __init__(self, llm):
        self.llm = llm
        self.backend, self.model, self.context_window = llm.backend, llm.model, llm.context_window
        self.calls: list[dict] = []

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def stream(self, messages, *, schema=None, max_tokens=400):
        call = {"messages": messages, "schema": schema, "max_tokens": max_tokens, "start": time.perf_counter(),
                "pieces": []}
        self.calls.append(call)
        for piece in self.llm.stream(messages, schema=schema, max_tokens=max_tokens):
            call["pieces"].append(time.perf_counter())
            yield piece

    def generate(self, messages, *, schema=None, max_tokens=400) -> str:
        return "".join(self.stream(messages, schema=schema, max_tokens=max_tokens))


def decode_rate(stamps: list[float]) -> float | None:
    """Pieces per second after the first one (each streamed piece is one decoded token)."""
    if len(stamps) < 3 or stamps[-1] <= stamps[0]:
        return None
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def memory_bandwidth_gbs(mb: int = 512, repeats: int = 3) -> dict:
    """Copy bandwidth (read + write bytes / s) of a large numpy copy, one and two threads, best of `repeats`."""
    src = np.ones(mb * (1 << 20) // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch the pages first

    def best(threads: int) -> float:
        parts = np.array_split(np.arange(src.size), threads)
        bounds = [(int(p[0]), int(p[-1]) + 1) for p in parts]
        times = []
        with ThreadPoolExecutor(threads) as pool:
            for _ in range(repeats):
                started = time.perf_counter()
                list(pool.map(lambda b: np.copyto(dst[b[0]:b[1]], src[b[0]:b[1]]), bounds))
                times.append(time.perf_counter() - started)
        return 2 * src.nbytes / min(times) / 1e9

    one, two = best(1), best(2)
    return {"one_thread_gbs": round(one, 2), "two_threads_gbs": round(two, 2), "gbs": round(max(one, two), 2)}


def _stream(llama, messages, max_tokens: int, grammar_schema: dict | None = None) -> tuple[list[float], float]:
    kwargs = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
    if grammar_schema is not None:
        kwargs["response_format"] = {"type": "json_object", "schema": grammar_schema}
    started, stamps = time.perf_counter(), []
    for part in llama.create_chat_completion(**kwargs):
        if part["choices"][0]["delta"].get("content"):
            stamps.append(time.perf_counter())
    return stamps, started


def _common_prefix(a, b) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def load_questions(evals_dir: Path, count: int) -> list[str]:
    """In-notes questions from the answer eval, one per domain in turn (d1, d2, d3, d4, d1, ...)."""
    per_file = []
    for path in sorted((Path(evals_dir) / "answers" / "dev").glob("d*.jsonl")):
        per_file.append([json.loads(x)["question"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()])
    out = []
    for i in range(max(len(f) for f in per_file)):
        out.extend(f[i] for f in per_file if i < len(f))
    return out[:count]


def bench_generation(assistant, questions: list[str], progress: bool) -> dict:
    from llama_cpp import Llama

    llm = assistant.llm
    if llm.backend != "local":
        raise ValueError("the generation benchmark measures the local model: set STUDY_LLM__BACKEND=local")
    settings = assistant.settings.llm
    started = time.perf_counter()
    app_llama = llm.llama  # assembles (first time) and loads the model once per process
    load_ms = 1000 * (time.perf_counter() - started)
    model_path = Path(app_llama.model_path)
    raw = Llama(model_path=str(model_path), n_ctx=settings.n_ctx, n_threads=settings.n_threads, verbose=False,
                seed=settings.seed)
    timed = TimedLLM(llm)
    answerer = assistant.make_answerer(timed)
    assistant.search(questions[0])  # warm up what a running app has loaded: BM25, the facts' vectors
    llm.count_tokens("warm up")
    runs, grammar_decode = [], None
    with tqdm(total=len(questions), desc="Generation (app vs raw llama.cpp)", unit="question", disable=not progress) as bar:
        for i, question in enumerate(questions):
            if i == 0:  # the first question starts cold on both sides; later ones find the previous prompt
                app_llama.reset()  # in the KV cache, on both sides alike: the fixed instruction prefix is reused
                raw.reset()
            app_before = _cached(app_llama)
            answer = answerer.ask(question)
            call = timed.calls[-1] if timed.calls and not answer.refused else None
            if call is None or not call["pieces"]:
                runs.append({"question": question, "refused": answer.refused, "error": answer.error})
                bar.update(1)
                continue
            app_after = _cached(app_llama)
            messages, n_out = call["messages"], len(call["pieces"])
            raw_before = _cached(raw)
            t0 = time.perf_counter()
            first = raw.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
            raw_prefill_ms = 1000 * (time.perf_counter() - t0)
            prompt_tokens = int(first["usage"]["prompt_tokens"])
            raw_reused = _common_prefix(raw_before, _cached(raw)[:prompt_tokens])
            raw_stamps, _ = _stream(raw, messages, max(n_out, 16))  # prompt cached: decode only
            if grammar_decode is None:
                grammar_decode = decode_rate(_stream(raw, messages, max(n_out, 16), call["schema"])[0])
            app_decode, raw_decode = decode_rate(call["pieces"]), decode_rate(raw_stamps)
            model_ttft = 1000 * (call["pieces"][0] - call["start"])
            runs.append({
                "question": question, "refused": False, "prompt_tokens": prompt_tokens, "output_tokens": n_out,
                "passages": answer.passages_used,
                "prefix_tokens_reused": _common_prefix(app_before, app_after[:prompt_tokens]),
                "raw_prefix_tokens_reused": raw_reused,
                "app_first_token_ms": round(answer.first_token_ms, 1),
                "app_first_content_ms": round(answer.first_content_ms, 1),
                "instant": bool(answer.instant),
                "app_model_first_token_ms": round(model_ttft, 1),
                "app_before_model_ms": round(answer.first_token_ms - model_ttft, 1),
                "raw_prefill_ms": round(raw_prefill_ms, 1),
                "raw_prefill_tok_s": round((prompt_tokens - raw_reused) / (raw_prefill_ms / 1000), 1),
                "app_decode_tok_s": round(app_decode, 2) if app_decode else None,
                "raw_decode_tok_s": round(raw_decode, 2) if raw_decode else None,
                "app_total_ms": round(answer.total_ms, 1),
            })
            bar.update(1)
    measured = [r for r in runs if not r["refused"]]
    if not measured:
        raise RuntimeError("every benchmark question was refused: is the corpus indexed?")
    kv = _kv_cache(answerer, timed, app_llama, measured)
    model_bytes = model_path.stat().st_size
    bandwidth = memory_bandwidth_gbs()
    bound_tps = bandwidth["gbs"] * 1e9 / model_bytes
    med = {key: median([r[key] for r in measured]) for key in (
        "prompt_tokens", "output_tokens", "app_first_token_ms", "app_model_first_token_ms", "app_before_model_ms",
        "raw_prefill_ms", "raw_prefill_tok_s", "app_decode_tok_s", "raw_decode_tok_s")}
    del raw
    return {
        "model": model_path.name, "model_bytes": model_bytes, "model_load_ms": round(load_ms, 1),
        "n_ctx": settings.n_ctx, "n_threads": settings.n_threads, "passages": settings.passages,
        "questions": len(questions), "answered": len(measured), "runs": runs,
        **{f"median_{k}": (round(v, 2) if v is not None else None) for k, v in med.items()},
        "first_token_over_raw_prefill": ratio(med["app_first_token_ms"], med["raw_prefill_ms"]),
        "decode_over_raw": ratio(med["app_decode_tok_s"], med["raw_decode_tok_s"]),
        "raw_grammar_decode_tok_s": round(grammar_decode, 2) if grammar_decode else None,
        "decode_over_raw_with_grammar": ratio(med["app_decode_tok_s"], grammar_decode),
        "kv_cache": kv,
        "latency": latency(measured),
        "memory_bandwidth": bandwidth,
        "decode_bound_tok_s": round(bound_tps, 1),
        "decode_bound_ms_per_token": round(1000 / bound_tps, 1),
        "raw_decode_share_of_bound": ratio(med["raw_decode_tok_s"], bound_tps),
    }


def latency(measured: list[dict]) -> dict:
    """p50/p95 over the answered questions: first verified content, model time to first token (prefill), decode
    tok/s and total per answer, each beside the raw engine's figure from the same run where one exists."""
    def pick(key):
        return [r[key] for r in measured if r.get(key) is not None]

    out = {"first_content_ms": summary(pick("app_first_content_ms")),
           "model_first_token_ms": summary(pick("app_model_first_token_ms")),
           "raw_prefill_ms": summary(pick("raw_prefill_ms")),
           "decode_tok_s": summary(pick("app_decode_tok_s")), "raw_decode_tok_s": summary(pick("raw_decode_tok_s")),
           "total_ms": summary(pick("app_total_ms")),
           "instant_share": round(sum(r.get("instant", False) for r in measured) / len(measured), 2)}
    out["model_first_token_over_raw_prefill_p50"] = ratio(out["model_first_token_ms"]["p50"], out["raw_prefill_ms"]["p50"])
    out["decode_over_raw_p50"] = ratio(out["decode_tok_s"]["p50"], out["raw_decode_tok_s"]["p50"])
    return out


def _cached(llama) -> list[int]:
    """The tokens llama.cpp's KV cache holds now."""
    return list(llama._input_ids[: llama.n_tokens])  # noqa: SLF001 - no public accessor


def _kv_cache(answerer, timed, llama, measured: list[dict]) -> dict:
    """The first question was cold; later ones reused the instruction prefix left by the one before; the
    last is now asked again at once, its whole prompt cached. Model time to first token for each case."""
    last = measured[-1]
    before = _cached(llama)
    answerer.ask(last["question"])
    repeat = timed.calls[-1]
    later = measured[1:]
    return {
        "cold_prompt_tokens": measured[0]["prompt_tokens"],
        "cold_model_first_token_ms": measured[0]["app_model_first_token_ms"],
        "prefix_tokens_reused": median([r["prefix_tokens_reused"] for r in later]) if later else None,
        "prefix_cached_prompt_tokens": median([r["prompt_tokens"] for r in later]) if later else None,
        "prefix_cached_model_first_token_ms": median([r["app_model_first_token_ms"] for r in later]) if later else None,
        "repeat_tokens_reused": _common_prefix(before, _cached(llama)[: last["prompt_tokens"]]),
        "repeat_prompt_tokens": last["prompt_tokens"],
        "repeat_model_first_token_ms": round(1000 * (repeat["pieces"][0] - repeat["start"]), 1) if repeat["pieces"] else None,
    }


def model_file_for(assistant) -> Path:
    """The GGUF the local backend loads (assembled into the data folder once if it is the packaged default)."""
    from assistant.llm.model_file import assemble_default_model

    settings = assistant.settings
    if settings.llm.model_path:
        return Path(settings.llm.model_path)
    return assemble_default_model(Path(settings.data_dir) / "models", progress=os.isatty(2))
