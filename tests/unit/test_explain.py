"""Explaining wrong answers from decision facts, for the learner's own exercises."""
import pytest

from assistant.explain import parse_answer

# (question as the learner would paste it, options, the wrong option chosen, words the explanation must use)
EXERCISES = [
    ("A company's data scientists use SageMaker notebook instances, each with its own role. The company must "
     "centralize management of the team's permissions.",
     ["A single IAM role attached to every notebook instance", "An IAM group for the data scientists",
      "Keep per-notebook roles with the same inline policy", "A permissions boundary on each role"], 1, "user"),
    ("The company runs consecutive SageMaker training jobs and must minimize infrastructure start-up time.",
     ["Managed Spot Training with checkpointing", "SageMaker AI managed warm pools",
      "A larger training instance type", "SageMaker Pipelines step caching"], 0, "start"),
    ("The F1 score recorded at baseline dropped significantly after several months with no change to the model. "
     "What is the most likely reason?",
     ["Data drift in one input feature", "Concept drift in the customer data", "Overfitting during training",
      "A bug in the inference code"], 0, "drift"),
]


@pytest.fixture(scope="module")
def explainer(bundled):
    return bundled.explainer(seed=1, with_model=False)


@pytest.mark.parametrize("stem,options,chosen,word", EXERCISES)
def test_learner_exercises_with_a_wrong_option_are_explained(explainer, stem, options, chosen, word):
    e = explainer.explain(stem, options, chosen)
    assert e.verdict == "incorrect" and not e.key_given and e.confidence >= 0.55
    assert e.chosen == options[chosen] and e.key != e.chosen
    assert word in (e.why_chosen_wrong + e.why_key_right).lower()
    assert e.confusion and e.citations and e.why_chosen_wrong.endswith("[1]")
    assert e.follow_up is not None and e.follow_up.passed is False or e.follow_up.options  # a fresh question
    assert e.follow_up.fact_id != e.fact_id


def test_the_key_is_determined_from_the_notes(explainer):
    stem, options, chosen, _ = EXERCISES[0]
    e = explainer.explain(stem, options, chosen)
    assert e.key == "A single IAM role attached to every notebook instance"
    right = explainer.explain(stem, options, 0)
    assert right.verdict == "correct" and not right.why_chosen_wrong


def test_a_given_key_is_respected(explainer):
    stem, options, _, _ = EXERCISES[1]
    e = explainer.explain(stem, options, 2, key=1)
    assert e.key_given and e.confidence == 1.0 and e.key == options[1]


def test_unmatched_question_without_a_model_is_a_clear_error(explainer):
    with pytest.raises(ValueError, match="no decision fact matches"):
        explainer.explain("Which football club won the 2014 cup final?", ["Club A", "Club B", "Club C", "Club D"], 0)


@pytest.mark.parametrize("raw,n,expected", [("B", 4, 1), ("b", 4, 1), ("3", 4, 2)])
def test_answer_letters(raw, n, expected):
    assert parse_answer(raw, n) == expected


@pytest.mark.parametrize("raw", ["E", "0", "x", ""])
def test_bad_answer_letters(raw):
    with pytest.raises(ValueError, match="not one of the options"):
        parse_answer(raw, 4)
