"""Explaining wrong answers from decision facts, for the learner's own exercises."""
import pytest

from assistant.quiz.explain import parse_answer

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
    assert e.follow_up is not None and len(e.follow_up.options) >= 2 and e.follow_up.stem != stem  # a fresh question
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


def test_a_question_the_notes_do_not_cover_is_not_graded(explainer):
    e = explainer.explain("Which football club won the 2014 cup final?", ["Club A", "Club B", "Club C", "Club D"], 0)
    assert e.verdict == "undecided" and e.key == "" and not e.why_key_right and not e.why_chosen_wrong
    assert e.citations and "do not settle" in e.confusion  # the closest notes, shown instead of a grade


@pytest.mark.parametrize("raw,n,expected", [("B", 4, 1), ("b", 4, 1), ("3", 4, 2)])
def test_answer_letters(raw, n, expected):
    assert parse_answer(raw, n) == expected


@pytest.mark.parametrize("raw", ["E", "0", "x", ""])
def test_bad_answer_letters(raw):
    with pytest.raises(ValueError, match="not one of the options"):
        parse_answer(raw, 4)


# Every exercise of the learner's notes, as the learner would paste it, with a wrong option chosen.
# Options are the decision fact's choice and alternatives (the fact the explanation must come from).
LEARNER_EXERCISES = {
    "d1-glue-crawler-schema": "Historical .csv files in Amazon S3 have only some rows and columns populated and the "
                              "columns are not labelled. How should the data be prepared for training?",
    "d1-lake-formation-aggregate": "The training data includes transaction logs and customer profiles in Amazon S3 and "
                                   "tables in an on-premises MySQL database. Which service can aggregate the data?",
    "d1-data-wrangler-anomalies": "Propose a solution to automatically detect anomalies in the training data and "
                                  "visualize the result.",
    "d1-data-wrangler-encode-scale": "The training dataset has categorical and numerical data and the model's accuracy "
                                     "must be maximized. How should both kinds of data be handled?",
    "d1-smote-balance-data": "The training dataset is imbalanced. How should the imbalance be handled?",
    "d2-warm-pools-consecutive-jobs": "The company is experimenting with consecutive training jobs. How can it "
                                      "minimize infrastructure start-up times?",
    "d2-model-registry-central": "The company needs a central model registry to manage different versions of models "
                                 "with the LEAST operational overhead.",
    "d3-approval-registry": "The company must implement a manual approval workflow so that only approved models are "
                            "deployed to production endpoints.",
    "d3-s3-upload-starts-codepipeline": "A CodePipeline pipeline that deploys the model must run automatically when "
                                        "new training data is uploaded to Amazon S3.",
    "d4-on-demand-bias-clarify": "The application must run an on-demand workflow to monitor bias drift for models "
                                 "deployed to real-time endpoints.",
    "d4-concept-drift-f1": "After several months with no change, the model's F1 score fell well below the threshold "
                           "recorded in the baseline. What is the reason?",
    "d4-shared-notebook-role": "Data scientists use SageMaker notebook instances, each with its own role. The company "
                               "must centralize management of the team's permissions.",
}


@pytest.mark.parametrize("fact_id", LEARNER_EXERCISES)
def test_every_learner_exercise_with_a_wrong_option_is_explained_from_its_fact(explainer, bundled, fact_id):
    fact = bundled.facts.by_id(fact_id)
    options = [fact.alternatives[0].option, fact.choice, fact.alternatives[1].option, fact.alternatives[2].option]
    e = explainer.explain(LEARNER_EXERCISES[fact_id], options, chosen=0)
    assert e.fact_id == fact_id, f"matched {e.fact_id}"
    assert e.verdict == "incorrect" and e.key == fact.choice
    assert e.why_chosen_wrong == fact.alternatives[0].why_wrong + " [1]"
    assert e.why_key_right.startswith(fact.why_right) and e.confusion == fact.concept
    assert e.citations and e.citations[0].source == fact.source and e.follow_up is not None


@pytest.mark.parametrize("fact_id", ["d1-seq-feature-group-ingest", "d1-match-feature-techniques", "d2-match-genai-terms"])
def test_ordering_and_matching_exercises_grade_a_wrong_answer_and_explain_each_item(bundled, fact_id):
    import random

    from assistant.quiz.from_facts import matching, ordering

    fact = bundled.facts.by_id(fact_id)
    chunks = bundled.index.load_bm25().chunks
    q = (ordering if fact_id.startswith("d1-seq") else matching)(fact, chunks, random.Random(0))
    wrong = list(reversed(q.keys))
    assert not q.grade(wrong) and q.grade(q.keys)
    assert len(q.explanations) == (len(q.prompts) or len(q.options)) and all("[1]" in e for e in q.explanations)
    assert q.citations and q.citations[0].source == fact.source
