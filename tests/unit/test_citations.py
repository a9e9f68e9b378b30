"""The citation verifier on crafted answers, with the real embedder."""
import pytest

from assistant.answering.citations import Verifier
from assistant.text import split_sentences
from assistant.types import Chunk

PASSAGES = [
    Chunk(id="p1", source="t.md", heading="Training > Warm pools",
          text="Managed warm pools keep provisioned instances alive after a training job ends, so consecutive "
               "training jobs start without waiting for new capacity."),
    Chunk(id="p2", source="i.md", heading="Inference > Serverless",
          text="Serverless inference suits intermittent traffic. Serverless endpoints do not support GPUs. "
               "The maximum payload is 4 MB."),
    Chunk(id="p3", source="s.md", heading="Security > Notebook roles",
          text="A SageMaker notebook instance uses an IAM execution role. IAM groups apply only to IAM users."),
]


@pytest.fixture(scope="module")
def verifier(embedder):
    return Verifier(embedder)


def test_cited_and_true_is_supported(verifier):
    v = verifier.verify([("Warm pools keep instances alive so consecutive training jobs start faster.", [1])], PASSAGES)
    assert v.sentences[0].supported_by == [1] and not v.sentences[0].posthoc


def test_uncited_claim_gets_a_posthoc_citation(verifier):
    v = verifier.verify([("IAM groups apply only to IAM users, not to a notebook instance's execution role.", [])],
                        PASSAGES)
    assert v.sentences[0].supported_by == [3] and v.sentences[0].posthoc


def test_citation_to_a_passage_that_was_not_retrieved_is_dropped_and_reported(verifier):
    v = verifier.verify([("Warm pools keep provisioned instances alive between training jobs.", [7, 1])], PASSAGES)
    assert v.invalid_citations == [7]
    assert v.sentences[0].cited == [1] and v.sentences[0].supported_by == [1]


def test_miscited_claim_moves_to_the_passage_that_supports_it(verifier):
    v = verifier.verify([("Serverless inference suits intermittent traffic.", [1])], PASSAGES)
    assert v.sentences[0].supported_by == [2] and v.sentences[0].posthoc


@pytest.mark.parametrize("claim,reason", [
    ("Serverless endpoints support GPUs.", "contradicts"),
    ("Managed warm pools do not keep provisioned instances alive after a training job ends.", "contradicts"),
    ("The maximum payload for serverless inference is 6 MB.", "numbers"),
    ("Amazon Route 53 routes DNS queries by latency.", "numbers|not stated|no retrieved passage"),
])
def test_contradicting_or_unrelated_claims_are_unsupported(verifier, claim, reason):
    import re

    v = verifier.verify([(claim, [2, 1])], PASSAGES)
    assert not v.sentences[0].supported
    assert re.search(reason, v.sentences[0].reason)
    assert v.supported_share == 0.0


def test_sentence_split():
    assert split_sentences("One is here. Two e.g. 2.5 GB! Three?") == ["One is here.", "Two e.g. 2.5 GB!", "Three?"]


@pytest.mark.parametrize("text,sentences", [
    ("Follow these steps: 1. Create the feature group. 2. Ingest the records.",
     ["Follow these steps:", "Create the feature group.", "Ingest the records."]),
    ("1.", []),  # a bare list marker is no claim (and its number is not to be found in a passage)
    ("- Use one role. (2) Attach it.", ["Use one role.", "Attach it."]),
    ("The quota is 10. Port 8080 answers.", ["The quota is 10.", "Port 8080 answers."]),  # numbers that are claims stay
])
def test_list_markers_are_not_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_questions_the_model_copies_are_not_answer_sentences():
    from assistant.answering.answer import parse_answer_json

    raw = '{"sentences": [{"cites": [1], "text": "What are the steps? Create the group."}]}'
    assert parse_answer_json(raw) == ([("Create the group.", [1])], True)


def test_claim_against_a_table_that_says_no_is_a_contradiction(verifier):
    table = Chunk(id="t", source="i.md", heading="Inference > Options",
                  text="| Serverless inference | Intermittent traffic | CPU only (no GPUs); memory 1-6 GB; payload up to 4 MB |")
    v = verifier.verify([("SageMaker Serverless Inference supports GPUs.", [1])], [table])
    assert not v.sentences[0].supported and "gpu" in v.sentences[0].reason
    ok = verifier.verify([("Serverless inference suits intermittent traffic and runs on CPU only.", [1])], [table])
    assert ok.sentences[0].supported


def test_an_answer_that_contradicts_itself_keeps_one_side(verifier):
    realtime = Chunk(id="rt", source="i.md", heading="Inference > Real-time",
                     text="Real-time endpoints support GPUs, VPC configuration and production variants for endpoints.")
    v = verifier.verify([("Serverless endpoints do not support GPUs.", [1]), ("Serverless endpoints support GPUs.", [2])],
                        [PASSAGES[1], realtime])
    assert [c.supported for c in v.sentences] == [True, False]  # the serverless passage says no GPUs
    assert "contradicts" in v.sentences[1].reason  # caught against passage [1] before the answer's own other side


TABLE = Chunk(id="t1", source="f.md", heading="Feature engineering > Worked example: matching fields",
              text="Match each housing-data field to a technique. Offered techniques: feature splitting, logarithmic "
                   "transformation, one-hot encoding, standardized distribution.\n\n| Field | Technique | Why |\n"
                   "|---|---|---|\n| City name | One-hot encoding | A nominal categorical variable; one-hot converts it "
                   "into numeric 0/1 columns without implying an order |\n| Type_Year (type of home and year built in "
                   "one field) | Feature splitting | Two facts in one field; splitting separates them into individual "
                   "features |\n| Size of the building (square meters) | Logarithmic transformation | Sizes are usually "
                   "right-skewed; the log compresses large values and makes the distribution more balanced |\n")


def test_claim_matching_one_row_of_a_long_table_is_supported(verifier):
    # the whole passage embeds as a blur (similarity 0.35 with this claim); its row states it
    claim = "Use a logarithmic transformation for the building size, because sizes are usually right-skewed."
    v = verifier.verify([(claim, [1])], [TABLE])
    assert v.sentences[0].supported_by == [1], v.sentences[0].reason
    v = verifier.verify([("Use a logarithmic transformation for the city name.", [1])], [TABLE])
    assert not v.sentences[0].supported  # a row's words in the wrong pairing are no support


SDK = Chunk(id="p4", source="c.md", heading="SDK > Deploying serverless inference",
            text="Deploy SageMaker Serverless Inference with the Python SDK by passing a ServerlessInferenceConfig "
                 "with a memory size and a maximum concurrency to deploy().")
SERVERLESS = Chunk(id="p5", source="i.md", heading="Inference > Serverless",
                   text="SageMaker Serverless Inference runs on CPU only (no GPUs), scales to zero and suits "
                        "intermittent traffic that tolerates cold starts.")


def test_claim_backed_by_one_passage_but_denied_by_a_closer_one_is_a_contradiction(verifier):
    sdk, serverless = SDK, SERVERLESS
    realtime = Chunk(id="p6", source="i.md", heading="Inference > Real-time endpoints",
                     text="Real-time endpoints support GPUs, VPC configuration, production variants and data capture.")
    v = verifier.verify([("SageMaker Serverless Inference supports GPUs.", [1]),
                         ("Real-time endpoints support GPUs and VPC configuration.", [3])], [sdk, serverless, realtime])
    assert not v.sentences[0].supported and "contradicts passage [2]" in v.sentences[0].reason
    assert v.sentences[1].supported_by == [3]  # the denial is about serverless, not about this subject


def test_a_short_step_stated_by_one_sentence_of_a_passage_is_supported(verifier):
    trail = Chunk(id="ct", source="c.md", heading="CloudTrail > How to create a trail",
                  text="Choose an S3 bucket for the log files. Apply it to all Regions (the console default), and in "
                       "AWS Organizations optionally create an organization trail from the management account.")
    v = verifier.verify([("(2) Apply the trail to all Regions.", [1]), ("Apply the trail to one Region in 2019.", [1])],
                        [trail])
    assert v.sentences[0].supported_by == [1]  # "(2)" is a step marker, not a number the passage lacks
    assert not v.sentences[1].supported and "2019" in v.sentences[1].reason


def test_the_cross_passage_denial_is_a_setting(embedder):
    from assistant.config import SupportSettings

    sdk, serverless = SDK, SERVERLESS
    claim = [("SageMaker Serverless Inference supports GPUs.", [1])]
    assert not Verifier(embedder).verify(claim, [sdk, serverless]).sentences[0].supported
    off = Verifier(embedder, SupportSettings(cross_passage_denial=False)).verify(claim, [sdk, serverless])
    assert off.sentences[0].supported_by == [1]
