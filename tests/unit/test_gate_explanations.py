"""The gate's explanation checks (issue #14): one per option, each about its own option, each a sentence."""
from __future__ import annotations

from assistant.quiz.gate import explanation_checks
from assistant.quiz.models import Question


def question(explanations, options=("Amazon Athena", "Amazon EMR", "AWS Glue DataBrew", "Amazon Kinesis Data Streams")):
    return Question(id="q", type="mcq", stem="Which service?", options=list(options), keys=[0],
                    explanations=list(explanations), domain=1, task="1.1", method="facts", model="facts")


GOOD = ["Correct: Athena runs serverless SQL over files in S3. [1]",
        "Incorrect: EMR runs managed Spark clusters that you size yourself. [1]",
        "Incorrect: It is a visual tool that analysts use to clean data with recipes. [1]",
        "Incorrect: Kinesis Data Streams holds records in shards for real-time consumers. [1]"]


def ok(q, embed=None) -> dict:
    return {k: v["ok"] for k, v in explanation_checks(q, embed).items()}


def test_good_explanations_pass(embedder):
    assert all(ok(question(GOOD), embedder.encode).values())


def test_missing_explanation_fails():
    assert not ok(question(GOOD[:3] + [""]))["explanation_sentence"]
    q = question(GOOD)
    q.explanations = GOOD[:3]
    assert not ok(q)["explanation_per_option"]


def test_explanation_about_another_option_fails(embedder):
    swapped = [GOOD[0], GOOD[3], GOOD[2], GOOD[1]]  # EMR's slot explains Kinesis and the other way round
    result = ok(question(swapped), embedder.encode)
    assert not result["explanation_about_option"] and result["explanation_sentence"]


def test_fragment_is_not_a_sentence():
    fragments = GOOD[:2] + ["Incorrect: cheaper [1]", "Incorrect: and it streams records in shards [1]"]
    assert not ok(question(fragments))["explanation_sentence"]
