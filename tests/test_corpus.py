"""The bundled corpus: format, coverage of every task statement, the learner's exercises, and the evals."""
import json
import re
from pathlib import Path

import pytest

from assistant.knowledge.blueprint import load_blueprint
from assistant.knowledge.corpus_check import check_corpus, load_docs

REPO = Path(__file__).resolve().parent.parent
CORPUS, EVALS = REPO / "corpus", REPO / "evals"

# Every exercise in ../shared/user-notes, by the key facts of its answer: one worked-example section must
# hold all of them (case-insensitive).
EXERCISES = {
    "CSV files in S3 with missing values and unlabelled columns": ["crawler", "data catalog", "databrew", "parquet"],
    "aggregate S3 logs, profiles and on-premises MySQL": ["lake formation", "mysql", "transaction log", "customer profile"],
    "detect anomalies and visualize them": ["data wrangler", "anomal", "visualiz"],
    "categorical and numerical features": ["data wrangler", "one-hot", "standardiz", "normaliz"],
    "imbalanced training data": ["balance data", "smote", "minority"],
    "create a feature group and ingest data": ["feature group", "putrecord", "record identifier", "event time"],
    "map fields to feature engineering techniques": ["city", "one-hot", "type_year", "feature splitting", "logarithmic"],
    "start-up time of consecutive training jobs": ["warm pool", "consecutive"],
    "central model registry with least overhead": ["model registry", "churn-prediction", "0.82", "0.88", "approved", "rejected"],
    "on-demand bias drift monitoring": ["lambda", "clarify", "bias drift", "eventbridge"],
    "manual approval before production": ["approved", "pipelines", "manual approval"],
    "CodePipeline runs on new S3 training data": ["codepipeline", "eventbridge", "s3"],
    "F1 score drops after months": ["concept drift", "f1"],
    "generative AI terms": ["token", "embedding", "retrieval augmented generation"],
    "centralize notebook permissions": ["iam role", "notebook instance", "group"],
}
OUT_OF_SCOPE_TERMS = ["Route 53", "Cognito", "GuardDuty", "Amplify", "Elastic Beanstalk", "Lightsail", "DeepRacer",
                      "Greengrass", "Control Tower", "Grafana", "Certificate Manager", "Vertex AI", "Azure"]


@pytest.fixture(scope="module")
def report():
    return check_corpus(CORPUS, EVALS)


@pytest.fixture(scope="module")
def docs():
    return load_docs(CORPUS)


def test_corpus_is_well_formed(report):
    assert report.ok, "\n".join(report.errors[:20])


def test_size(report):
    assert report.words >= 25_000 and report.files >= 30
    assert report.facts["decisions"] >= 150 and report.facts["sequences"] >= 12 and report.facts["matchings"] >= 12


def test_every_task_has_notes_and_decision_facts(report):
    for task in load_blueprint().tasks:
        assert report.notes_per_task[task] >= 2, f"task {task} has {report.notes_per_task[task]} note files"
        assert report.facts_per_task[task] >= 10, f"task {task} has {report.facts_per_task[task]} facts"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_learner_exercise_is_a_worked_example(docs, exercise):
    facts = EXERCISES[exercise]
    found = [f"{src} > {s.heading}" for src, d in docs.items() for s in d.sections
             if "worked example" in s.heading.lower()
             and all(f in d.section_tree_text(s.heading).lower() for f in facts)]
    assert found, f"no worked example holds {facts}"


def test_out_of_scope_topics_stay_out_so_refusal_evals_stay_valid(docs):
    text = "\n".join(s.text for d in docs.values() for s in d.sections)
    assert not [t for t in OUT_OF_SCOPE_TERMS if re.search(re.escape(t), text, re.IGNORECASE)]


def load(path):
    return [json.loads(line) for p in sorted(path.glob("*.jsonl")) for line in p.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("split,least", [("dev", 100), ("test", 90)])
def test_retrieval_eval_covers_every_task_and_exercise(split, least):
    items = load(EVALS / "retrieval" / split)
    assert len(items) >= least and len({i["id"] for i in items}) == len(items)
    for task in load_blueprint().tasks:
        assert sum(i["task"] == task for i in items) >= 5, task
    assert sum(bool(i.get("exercise")) for i in items) >= len(EXERCISES)


@pytest.mark.parametrize("split", ["dev", "test"])
def test_answer_eval_has_in_and_out_of_notes_questions(split):
    items = load(EVALS / "answers" / split)
    inside = [i for i in items if i.get("in_notes", True)]
    assert len(inside) >= 40 and all(i["key_facts"] for i in inside)
    assert sum(not i.get("in_notes", True) for i in items) >= 15
    assert sum(bool(i.get("exercise")) for i in inside) >= len(EXERCISES)
