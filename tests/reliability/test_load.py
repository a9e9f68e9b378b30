"""Load through the Python API: 50 concurrent questions with Bedrock (a real botocore client whose
ConverseStream is answered by a before-call event hook: botocore's Stubber cannot build event streams,
and an active Stubber refuses the streaming call), and 4 concurrent questions on the real
local model, queued behind its lock (one generation at a time). 0 errors; p95 latency printed."""
from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from assistant.llm.bedrock import BedrockLLM

QUESTIONS = [
    ("How do managed warm pools help consecutive training jobs start?",
     "Managed warm pools keep provisioned instances alive so consecutive training jobs start without waiting."),
    ("Which endpoint queues requests with large payloads and scales to zero?",
     "Asynchronous endpoints queue requests with large payloads and can scale to zero instances."),
    ("How should SageMaker notebook instances share permissions?",
     "Share one IAM execution role across notebook instances to centralise permissions."),
    ("What scores a whole dataset in Amazon S3 without a persistent endpoint?",
     "Batch transform scores a whole dataset in Amazon S3 offline without a persistent endpoint."),
    ("How does managed spot training survive interruptions?",
     "Save checkpoints to Amazon S3 so an interrupted spot training job resumes where it stopped."),
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def bedrock_client(latency_s: float):
    """A real bedrock-runtime client (request building and parameter validation run); ConverseStream returns
    each question's reply after a service-like delay."""
    c = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test", config=Config(retries={"mode": "standard", "max_attempts": 2}))
    replies = {q: a for q, a in QUESTIONS}

    def handler(params, **kwargs):
        body = json.loads(params["body"])
        question = body["messages"][-1]["content"][0]["text"]
        text = next(a for q, a in replies.items() if q in question)
        reply = json.dumps({"sentences": [{"cites": [1], "text": text}]})
        time.sleep(latency_s)
        events = [{"contentBlockDelta": {"delta": {"toolUse": {"input": reply[i:i + 30]}}, "contentBlockIndex": 0}}
                  for i in range(0, len(reply), 30)]
        return AWSResponse("https://bedrock-runtime.us-east-1.amazonaws.com", 200, {}, None), {
            "stream": iter(events), "ResponseMetadata": {"HTTPStatusCode": 200}}

    c.meta.events.register("before-call.bedrock-runtime.ConverseStream", handler)
    return c


def test_50_concurrent_questions_through_bedrock(make_assistant, small_corpus):
    c = bedrock_client(latency_s=0.2)
    assistant = make_assistant()
    assistant.use_llm(BedrockLLM(assistant.settings.llm, client=c))
    assistant.ingest([small_corpus], progress=False)
    assistant.ask(QUESTIONS[0][0])  # warm caches (BM25, facts) once, as a running app has
    asked = [QUESTIONS[i % len(QUESTIONS)][0] for i in range(50)]

    def one(question):
        started = time.perf_counter()
        answer = assistant.ask(question)
        return question, answer, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=50) as pool:
        started = time.perf_counter()
        results = list(pool.map(lambda q: _catch(one, q), asked))
        wall = time.perf_counter() - started
    errors = [r for r in results if isinstance(r, Exception)]
    latencies = [r[2] for r in results if not isinstance(r, Exception)] or [0.0, 0.0]
    for e in errors[:3]:
        print(f"error: {type(e).__name__}: {e}")
    print(f"\n50 concurrent questions (Bedrock, 0.2 s service latency): {len(errors)} errors, "
          f"p50 {statistics.median(latencies):.2f} s, p95 {p95(latencies):.2f} s, wall {wall:.1f} s")
    assert errors == []
    for question, answer, _ in results:
        assert answer.backend == "bedrock" and answer.complete and not answer.refused, question
        assert answer.citations and set(c.id for c in answer.citations) <= set(answer.retrieved_ids)


def _catch(fn, arg):
    try:
        return fn(arg)
    except Exception as exc:  # noqa: BLE001 - counted: the test wants none
        return exc


@pytest.mark.llm
def test_4_concurrent_questions_queue_behind_the_local_model(make_assistant, small_corpus, model_path):
    from assistant.config import LLMSettings

    assistant = make_assistant(llm=LLMSettings(model_path=model_path))
    assistant.ingest([small_corpus], progress=False)
    llama = assistant.llm.llama
    spans: list[tuple[float, float]] = []
    original = llama.create_chat_completion
    guard = threading.Lock()

    def recorded(*args, **kwargs):  # when each generation really runs inside llama.cpp
        start = time.perf_counter()
        for part in original(*args, **kwargs):
            yield part
        with guard:
            spans.append((start, time.perf_counter()))

    llama.create_chat_completion = recorded
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda q: _catch(lambda x: (time.perf_counter(), assistant.ask(x), time.perf_counter()), q),
                                    [q for q, _ in QUESTIONS[:4]]))
    finally:
        llama.create_chat_completion = original
    errors = [r for r in results if isinstance(r, Exception)]
    latencies = [end - start for start, _, end in results if not isinstance((start, _, end), Exception)] if not errors else []
    assert errors == []
    spans.sort()
    assert len(spans) == 4 and all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))  # one at a time
    print(f"\n4 concurrent questions (local model): 0 errors, generations serialised, "
          f"p50 {statistics.median(latencies):.1f} s, max {max(latencies):.1f} s")
    for question, (_, answer, _) in zip([q for q, _ in QUESTIONS[:4]], results):  # each one answered, not just queued
        assert not answer.refused and answer.complete and answer.citations, (question, answer.answer)
        assert {c.id for c in answer.citations} <= set(answer.retrieved_ids), question
