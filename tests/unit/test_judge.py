"""The citation judge's bookkeeping (pairs, precision, recall, agreement) and, with the real local model, its
verdicts on a pair that plainly supports and one that plainly does not."""
import json

import pytest

from assistant.evaluation.answers import grade, shown_sentences
from assistant.evaluation.judge import (JUDGE_SCHEMA, Judge, agreement, cited_pairs, citation_scores,
                                        judge_messages, parse_verdict)

PASSAGE_ASYNC = ("Asynchronous inference queues incoming requests and processes them asynchronously. It suits "
                 "large payloads up to 1 GB and long processing times up to one hour, and the endpoint can scale "
                 "to zero instances when there are no requests.")
PASSAGE_BATCH = "Batch transform runs inference on a whole dataset stored in Amazon S3 without a persistent endpoint."


def row(qid, shown, passages):
    return {"id": qid, "shown": shown, "passages": {str(n): {"id": f"c{n}", "text": t} for n, t in passages.items()}}


ROWS = [row("q1", [{"text": "Async endpoints scale to zero.", "cites": [1, 2], "origin": "model"},
                   {"text": "Batch transform needs no endpoint.", "cites": [2], "origin": "fill"}],
            {1: PASSAGE_ASYNC, 2: PASSAGE_BATCH}),
        row("q2", [{"text": "Serverless inference has GPUs.", "cites": [1], "origin": "model"}], {1: PASSAGE_BATCH})]


def test_pairs_precision_and_recall():
    pairs = cited_pairs(ROWS)
    assert [(p["qid"], p["sentence_index"], p["n"]) for p in pairs] == [("q1", 0, 1), ("q1", 0, 2), ("q1", 1, 2), ("q2", 0, 1)]
    verdicts = [{"supports": True}, {"supports": False}, {"supports": True}, {"supports": None}]
    scores = citation_scores(pairs, verdicts)
    assert scores["precision"] == 2 / 4 and scores["recall"] == 2 / 3 and scores["unparsable"] == 1
    assert scores["by_origin"]["model"] == {"pairs": 3, "sentences": 2, "precision": 1 / 3, "recall": 1 / 2}
    assert scores["by_origin"]["fill"]["precision"] == 1.0


def test_agreement_and_kappa():
    a = agreement([True] * 6 + [False] * 4, [True] * 5 + [False] + [False] * 3 + [True])
    assert (a["tp"], a["fn"], a["tn"], a["fp"]) == (5, 1, 3, 1)
    assert a["accuracy"] == 0.8 and round(a["kappa"], 3) == 0.583  # (0.8 - 0.52) / 0.48
    assert agreement([True, False], [True, None])["accuracy"] == 1.0  # unparsable counts as "no"
    assert agreement([True, False], [False, True])["kappa"] < 0


def test_verdict_parsing_never_guesses():
    assert parse_verdict('{"reason": "stated", "supports": "yes"}')["supports"] is True
    assert parse_verdict('{"reason": "x", "supports": "No"}')["supports"] is False
    assert parse_verdict('{"reason": "cut off')["supports"] is None
    assert parse_verdict('{"reason": "x", "supports": "maybe"}')["supports"] is None


def test_the_eval_saves_what_the_judge_needs():
    from types import SimpleNamespace as NS

    answer = NS(refused=False, retrieved_ids=["a", "b"], citations=[NS(n=2, id="b", source="s.md", heading="H", text=PASSAGE_ASYNC)],
                sentences=[{"text": "Async endpoints scale to zero.", "cited": [2], "supported_by": [2], "reason": ""},
                           {"text": "Dropped.", "cited": [1], "supported_by": [], "reason": "not stated"}],
                answer="Async endpoints scale to zero. [2] Large payloads wait in a queue. [2]",
                filled=[{"text": "Large payloads wait in a queue.", "supported_by": [2]}], invalid_citations=[],
                key_fact="", first_token_ms=1.0, total_ms=2.0, output_tokens=3, prompt_tokens=4, complete=True,
                instant=[], first_content_ms=None)
    saved = json.loads(json.dumps(grade({"id": "q", "question": "?", "key_facts": ["zero"]}, answer)))
    assert [(s["text"], s["cites"], s["origin"]) for s in saved["shown"]] == [
        ("Async endpoints scale to zero.", [2], "model"), ("Large payloads wait in a queue.", [2], "fill")]
    assert saved["passages"]["2"]["text"] == PASSAGE_ASYNC and [p["n"] for p in cited_pairs([saved])] == [2, 2]
    assert shown_sentences(NS(refused=True)) == []


def test_the_judge_prompt_carries_both_texts_and_the_schema_forces_a_verdict():
    messages = judge_messages("Async endpoints scale to zero.", PASSAGE_ASYNC)
    assert PASSAGE_ASYNC in messages[-1]["content"] and "Async endpoints scale to zero." in messages[-1]["content"]
    assert JUDGE_SCHEMA["properties"]["supports"]["enum"] == ["yes", "no"]


@pytest.mark.llm
def test_the_local_model_judges_support(model_path):
    from assistant.config import LLMSettings
    from assistant.llm.local import LocalLLM

    judge = Judge(LocalLLM(LLMSettings(model_path=model_path), model_path.parent))
    assert judge("Asynchronous inference endpoints can scale to zero instances when idle.", PASSAGE_ASYNC)["supports"] is True
    assert judge("Batch transform keeps a persistent endpoint running and bills per hour.", PASSAGE_BATCH)["supports"] is False
