"""Issue #16: correct paraphrases of a bundled-corpus passage pass the verifier, wrong claims with the right names
do not. Real embedder, real passages (the corpus notes chunked as `study ingest` chunks them)."""
import pytest

from assistant.answering.citations import Verifier
from assistant.config import Settings
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load_file

TUNING = "d2-model-development/hyperparameter-tuning.md"
ISOLATION = "d4-monitoring-security/network-isolation.md"


@pytest.fixture(scope="module")
def verifier(embedder):
    return Verifier(embedder)


@pytest.fixture(scope="module")
def passage(embedder):
    corpus = Settings().corpus

    def find(source: str, needle: str):
        found = [c for c in chunk_document(load_file(corpus / source, 10**7), source, embedder.count_tokens)
                 if needle in c.text]
        assert len(found) == 1, f"{needle!r}: {len(found)} passages of {source}"
        return found[0]
    return find


def accepted(verifier, sentence, chunk) -> bool:
    return verifier.verify([(sentence, [1])], [chunk]).sentences[0].supported_by == [1]


@pytest.mark.parametrize("sentence", [
    "Select Bayesian optimization.",
    "Select Bayesian optimization as the tuning strategy: it picks the next hyperparameter values from the results "
    "of earlier training jobs.",
])
def test_select_bayesian_optimization_is_supported_by_the_strategy_table(verifier, passage, sentence):
    assert accepted(verifier, sentence, passage(TUNING, "| Bayesian optimization (default) |"))


@pytest.mark.parametrize("sentence", [
    "Enable EnableNetworkIsolation on the training job.",
    "Set EnableNetworkIsolation to true on the training job; SageMaker AI still stages the input data and uploads "
    "the outputs for it.",
    "Enable network isolation on the training job to block all outbound network calls from the container.",
])
def test_enable_network_isolation_is_supported_by_the_isolation_passage(verifier, passage, sentence):
    assert accepted(verifier, sentence, passage(ISOLATION, "Setting `EnableNetworkIsolation` to true"))


@pytest.mark.parametrize("sentence", [
    # the right setting, the wrong effect
    "Enable EnableNetworkIsolation on the training job to encrypt the traffic between the training containers.",
    # the right effect, another setting's name
    "Enable EnableInterContainerTrafficEncryption on the training job to block all outbound network calls from "
    "the container.",
])
def test_right_names_with_a_wrong_claim_are_rejected(verifier, passage, sentence):
    assert not accepted(verifier, sentence, passage(ISOLATION, "Setting `EnableNetworkIsolation` to true"))



COMPUTE = "d3-deployment-orchestration/compute-and-targets.md"
CPU_FIT = "CPU instances are the better fit"


@pytest.mark.parametrize("sentence", [
    "Model parallelism is the better fit, and much cheaper, for classic ML such as linear models, tree ensembles "
    "like XGBoost and random forests.",  # the wrong subject, the passage's words (test split t-in-037)
    "Data parallelism is the better fit, and much cheaper, for classic ML such as linear models and random forests.",
])
def test_a_claim_moved_to_a_subject_the_passage_never_names_is_not_supported(verifier, passage, sentence):
    assert not accepted(verifier, sentence, passage(COMPUTE, CPU_FIT))


@pytest.mark.parametrize("sentence", [
    "CPU instances are the better fit, and much cheaper, for classic ML such as XGBoost and random forests.",
    "The better choice is a CPU instance: it is much cheaper for classic ML such as linear models and XGBoost.",
    "For classic ML such as linear models and XGBoost, CPU instances are the better fit and much cheaper.",
])
def test_the_same_claim_about_its_own_subject_is_supported(verifier, passage, sentence):
    assert accepted(verifier, sentence, passage(COMPUTE, CPU_FIT))


def test_a_number_the_question_states_may_be_repeated_but_no_other(verifier, passage):
    """ "DeepAR fits the need for forecasts of about 30,000 products": the learner's number, not the notes'."""
    deepar = passage("d2-model-development/sagemaker-built-in-algorithms.md", "one global model across many related")
    question = "Which built-in algorithm forecasts demand for about 30,000 products, many of them new?"
    restated = "DeepAR trains one global model across many related time series, such as the sales of 30,000 products."
    made_up = "DeepAR trains one global model across many related time series, such as the sales of 40,000 products."
    check = lambda sentence, q: verifier.verify([(sentence, [1])], [deepar], q).sentences[0]  # noqa: E731
    assert check(restated, question).supported_by == [1]
    assert not check(restated, "").supported_by and "30,000" in check(restated, "").reason
    assert not check(made_up, question).supported_by


ALERTS = "d4-monitoring-security/ab-testing-and-ml-lens.md"


def test_a_sentence_the_passage_states_word_for_word_is_not_denied_by_another_not_in_it(verifier, passage):
    """The worked example's own answer, copied by the model, was rejected: the passage's "not job outcomes"
    (about CloudTrail) was read as denying the claim's "job". A claim the passage's "not" does deny is still
    rejected."""
    chunk = passage(ALERTS, "matches the SageMaker transform job state-change event")
    assert "not job outcomes" in chunk.text
    assert accepted(verifier, "Create an Amazon EventBridge rule that matches the SageMaker transform job state-change "
                              "event with status `Failed` and targets an Amazon SNS topic that emails the team.", chunk)
    assert not accepted(verifier, "A CloudWatch dashboard alerts the team when the transform job fails.", chunk)


def test_a_negation_moved_to_the_other_clause_contradicts_the_passage(verifier, passage):
    """One "no/not" in each, in different clauses: the whole-sentence polarity check saw no flip and accepted
    the opposite claim. The same claims, negated where the passage negates them, still pass."""
    chunk = passage(ALERTS, "matches the SageMaker transform job state-change event")
    assert not accepted(verifier, "The event is not emitted by the service itself, so polling code is needed.", chunk)
    assert not accepted(verifier, "Polling code is needed, because the service does not emit the event itself.", chunk)
    assert accepted(verifier, "No polling code is needed, because the service emits the event itself.", chunk)


TRAINING = "d2-model-development/training-jobs.md"


def test_a_copied_sentence_with_a_phrase_lifted_from_another_passage_is_not_supported(verifier, passage):
    """The model copied one line and put another passage's words in place of some of its own (the notes eval's
    "Check the instance quota of the caller", a wrong answer shown as verified). The line as written, and a
    one-word paraphrase of it, still pass."""
    pools = passage(TRAINING, "managed warm pools keep the provisioned infrastructure")
    spot = passage(TRAINING, "spare Amazon EC2 capacity")
    line = ("SageMaker AI managed warm pools keep the provisioned infrastructure of a finished training job alive so "
            "that the next matching training job reuses it instead of waiting for {}.")
    assert "Spot capacity" in spot.text and "Spot capacity" not in pools.text

    def supported(sentence):
        return verifier.verify([(sentence, [1])], [pools, spot]).sentences[0].supported
    assert supported(line.format("new instances"))
    assert supported(line.format("fresh instances"))
    assert not supported(line.format("Spot capacity"))
