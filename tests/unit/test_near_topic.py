"""Near-topic questions (issue #16): a question asking for a value the notes never state (a price, a count, a
default) is refused even when the model answers with true note sentences about the same service; a question
whose value the notes do state, and an in-notes choice question, are still answered. Real retrieval, the real
embedder and verifier on the bundled corpus; the scripted model plays the 1.5B model's habit of answering a
near-topic question with nearby true sentences (worded like the notes, so the verifier backs them)."""

import pytest


from tests.unit.conftest import reply


def ask(tutor, question, *sentences, on_instant=None):
    assistant, llm = tutor
    llm.enqueue(reply(*sentences))
    return assistant.ask(question, on_instant=on_instant)


def supported(answer) -> list[str]:
    return [s["text"] for s in answer.sentences if s["supported_by"]]


def test_true_sentences_without_the_asked_price_are_refused(tutor):
    true = "Deep networks usually need GPU instances, which cost more per hour."
    answer = ask(tutor, "how much does an ml.g5.2xlarge notebook instance cost per hour?", true)
    assert true in supported(answer)  # the verifier backs it: only the value check can refuse it
    assert answer.refused and answer.unanswered == "price"
    assert "do not state a price" in answer.answer and true in answer.answer  # says what the notes hold nearest
    assert not answer.citations and not answer.instant and not answer.filled


def test_a_number_that_counts_something_else_is_no_answer_to_how_many(tutor):
    true = ("In provisioned mode each shard accepts up to 1 MB/s or 1,000 records/s of writes and serves 2 MB/s of "
            "reads shared by standard consumers.")
    answer = ask(tutor, "how many shards can a kinesis data stream have by default before i need a quota increase?",
                 true)
    assert true in supported(answer)
    assert answer.refused and answer.unanswered == "count"


def test_a_number_the_notes_do_not_state_is_no_answer_even_when_verified(tutor):
    """Seen on dev-nt-09: the model put a count into a sentence worded like the notes, and the verifier backed
    it; the notes state no count of labeled objects, so the answer is refused."""
    made_up = "Ground Truth needs at least one labeled object before automated data labeling can start."
    answer = ask(tutor, "how many labeled objects does ground truth need before automated data labeling can start?",
                 made_up)
    assert made_up in supported(answer)  # backed by the verifier: only the value check can refuse it
    assert answer.refused and answer.unanswered == "count", answer.answer


def test_no_instant_part_is_shown_for_a_value_the_notes_do_not_give(tutor):
    """The instant part (verified note sentences shown before the model answers) would quote the Savings Plans
    key point for an uptime question: true, near, and no percentage."""
    shown = []
    answer = ask(tutor, "what uptime percentage does the sagemaker service level agreement guarantee for real-time "
                        "endpoints?", "SageMaker Savings Plans are a 1- or 3-year commitment to a consistent amount "
                                      "of spend per hour on SageMaker AI.", on_instant=shown.append)
    assert not shown and answer.refused and answer.unanswered == "percentage"


def test_a_value_the_notes_state_is_still_answered(tutor):
    stated = ("Records are retained 24 hours by default, extendable up to 365 days, so several consumers can read "
              "the same data.")
    answer = ask(tutor, "how long does kinesis data streams keep records by default?", stated)
    assert not answer.refused and "24 hours" in answer.answer and not answer.unanswered


def test_an_in_notes_choice_question_about_cost_is_still_answered(tutor):
    """A choice that speaks of cost asks for an option, not a price: the value check leaves it alone."""
    answer = ask(tutor, "Which purchase option lowers the cost of SageMaker endpoints that run 24/7 with steady traffic?",
                 "SageMaker Savings Plans fit steady SageMaker AI usage such as always-on endpoints, in exchange for a "
                 "1- or 3-year commitment to a consistent amount of spend per hour.")
    assert not answer.refused and not answer.unanswered


@pytest.mark.parametrize("question", [
    "Which purchase option lowers the cost of SageMaker endpoints that run 24/7 with steady traffic?",
    "which pricing option cuts the bill for an always-on sagemaker endpoint whose load hardly changes?",
])
def test_the_notes_choice_for_a_steady_endpoint_is_savings_plans(tutor, question):
    """The question asks for a purchase option: Inference Recommender (a curated fact about cost, not a way to
    buy capacity) is no candidate of that kind, the Savings Plans row of the purchase-options table is."""
    answer = ask(tutor, question,
                 "SageMaker Savings Plans fit steady SageMaker AI usage such as always-on endpoints, in exchange for a "
                 "1- or 3-year commitment to a consistent amount of spend per hour.")
    assert "Savings Plans" in answer.answer.split(". ")[0]
    assert answer.choices[0]["name"].endswith("Savings Plans") and answer.choices[0]["kind"] == 0


# The value check on its own (no index, no model): questions whose value the notes state, each with the note
# sentence that states it (quoted from corpus/), must count as answered; the same questions answered with a
# true sentence that lacks the value must not.
STATED = [
    ("what is the maximum payload size for a real-time endpoint?",
     "The request payload can be up to 6 MB and the model must respond within 60 seconds."),
    ("how many concurrent invocations can a serverless endpoint handle?",
     "You pick only a memory size (1,024 MB to 6,144 MB, in 1 GB steps) and a maximum concurrency (MaxConcurrency, "
     "1 to 200 concurrent invocations per endpoint, within an account-level serverless concurrency quota per Region)."),
    ("how many records per second can one kinesis shard accept for writes?",
     "In provisioned mode each shard accepts up to 1 MB/s or 1,000 records/s of writes."),
    ("how long can a lambda function run?",
     "Each invocation runs at most 15 minutes, so Lambda fits small files and light enrichment."),
    ("what is the maximum keep-alive period for a managed warm pool?",
     "You turn it on by setting KeepAlivePeriodInSeconds; the maximum keep-alive period is 3,600 seconds (one hour)."),
    ("how much can managed spot training save compared with on-demand?",
     "Managed Spot Training runs training jobs on spare Amazon EC2 capacity at a large discount (AWS quotes savings "
     "of up to 90% compared with On-Demand)."),
    ("how many days of event history does cloudtrail keep?",
     "Without any setup, the CloudTrail event history shows the last 90 days of management events in a Region."),
    # other wordings of a value ask: "how much <amount>", "the most <things>", "biggest", "by default"
    ("how much memory can i give a serverless inference endpoint?",
     "You pick only a memory size (1,024 MB to 6,144 MB, in 1 GB steps) and a maximum concurrency.",
     "Real-time, serverless, asynchronous or batch inference > When to choose serverless inference"),
    ("What's the most containers one multi-container endpoint can run?",
     "A multi-container endpoint hosts at most 15 containers and keeps all of them loaded."),
    ("what's the biggest payload an asynchronous inference endpoint accepts?",
     "Choose asynchronous inference when payloads are large (up to 1 GB) or processing takes up to one hour."),
    ("which search strategy does automatic model tuning use by default?",
     "Bayesian optimization (default): builds a model of how hyperparameters relate to the objective.",
     "Hyperparameter tuning with SageMaker AI automatic model tuning > Random search, Bayesian optimization, grid "
     "search or Hyperband?"),
]


@pytest.mark.parametrize("question,sentence,heading", [(*s, "")[:3] for s in STATED])
def test_a_note_sentence_stating_the_value_answers_the_question(question, sentence, heading):
    """(`heading`: the headings of the passage the sentence comes from, where it names what the question asks about.)"""
    from assistant.answering.asked_value import answers_value, asked_value

    ask = asked_value(question)
    assert ask is not None, question
    assert answers_value([sentence], ask, [heading]), (question, ask)
    assert not answers_value(["Amazon SageMaker AI is a managed service for building, training and deploying "
                              "machine learning models."], ask)


def test_questions_that_ask_for_no_value_are_left_alone():
    from assistant.answering.asked_value import asked_value

    for question in ("Which purchase option lowers the cost of SageMaker endpoints that run 24/7 with steady traffic?",
                     "How do I reduce training cost with Spot Instances in SageMaker without losing progress?",
                     "Which metric should I optimize for a fraud detection model where missing fraud is very costly?",
                     "What is the difference between data drift and concept drift, and which one needs labels?",
                     "What is the most cost-effective way to produce the predictions each night?",
                     "What is the most likely reason the F1 score dropped?",
                     "What are the most important features of SageMaker Clarify?"):
        assert asked_value(question) is None, question


@pytest.mark.parametrize("question,kind", [
    ("how much ram does an ml.t3.medium notebook instance give me?", "limit"),
    ("how much time does a warm pool keep the instances?", "duration"),
    ("what is the most endpoints one aws account can run in a region?", "count"),
    ("what's the largest record size kinesis data firehose will accept?", "limit"),
    ("what timeout does a sagemaker pipelines lambda step use by default?", "limit"),
    ("whats the largest record a kinesis data stream accepts", "limit"),
])
def test_a_value_asked_in_other_words_is_recognised(question, kind):
    from assistant.answering.asked_value import asked_value

    ask = asked_value(question)
    assert ask is not None and ask.kind == kind, (question, ask)


def test_a_question_that_names_its_unit_wants_a_number_of_that_unit():
    """ "... in seconds": a time of day, a count of instances or a size is no answer; seconds, minutes are."""
    from assistant.answering.asked_value import asked_value, has_value

    ask = asked_value("what is the default scale-out cooldown in seconds for a step scaling policy")
    assert ask is not None and ask.unit == "duration"
    assert not has_value("Raise the minimum to 4 instances shortly before 08:00 on weekdays.", ask)
    assert not has_value("Each request can carry up to 6 MB.", ask)
    assert has_value("The cooldown is 300 seconds unless you set another.", ask)
    assert has_value("It waits five minutes after a scaling activity.", ask)


@pytest.mark.parametrize("question", ["what's the largest container image a serverless endpoint can pull, size-wise? "
                                      "i mean the image size limit", "how big can the request payload of a real-time "
                                      "endpoint be?", "what is the maximum object size for one s3 upload?"])
def test_the_size_of_an_image_or_a_payload_is_a_number_of_bytes(question):
    """A size of bytes is asked without naming the unit: "up to 15 containers" is no answer, "10 GB" is. A batch
    size is a count and keeps taking a plain number."""
    from assistant.answering.asked_value import asked_value, has_value

    ask = asked_value(question)
    assert ask is not None and ask.unit == "size", (question, ask)
    assert not has_value("A multi-container endpoint runs up to 15 different containers.", ask)
    assert has_value("It accepts up to 10 GB.", ask)
    batch = asked_value("what is the default mini batch size of k-means?")
    assert batch.unit == "" and has_value("The mini batch size defaults to 5000.", batch)
