"""`study eval verifier`: the product's verification on hand-labelled pairs, counted per label set."""
import json

from assistant.config import AnswerSettings, Settings
from assistant.evaluation.verifier import PairChecker, confusion, label_set, run_verifier_eval

STRATEGIES = """| Strategy | How it chooses values | Choose it when |
|---|---|---|
| Bayesian optimization (default) | Builds a model of how hyperparameters relate to the objective and picks the next values from earlier results | You want good results in the fewest training jobs |
| Random search | Picks values at random, each job independent of the others | You want to run many jobs in parallel, or need a fast, simple exploration |"""
HEADING = ("Hyperparameter tuning with SageMaker AI automatic model tuning > Random search, Bayesian optimization, "
           "grid search or Hyperband?")


def label(id, sentence, supports, qid="d2-a05"):
    return {"id": id, "qid": qid, "heading": HEADING, "passage": STRATEGIES, "sentence": sentence, "supports": supports}


def test_confusion_names_the_disagreements():
    c = confusion([True, True, False, False], [True, False, True, False], ["a", "b", "c", "d"])
    assert (c["false_rejections"], c["false_acceptances"], c["agreement"]) == (["b"], ["c"], 0.5)


def test_label_sets(tmp_path):
    assert label_set({"qid": "t-in-001"}, tmp_path / "labels.jsonl") == "test"
    assert label_set({"qid": "d1-a01"}, tmp_path / "labels.jsonl") == "dev"
    assert label_set({"qid": "t-in-003"}, tmp_path / "verifier-heldout.jsonl") == "heldout"


def test_pairs_run_through_the_verifier_and_the_mispairing_switch(embedder, tmp_path):
    wrong = label("w", "Select random search: it picks the next hyperparameter values from the results of earlier "
                       "training jobs.", False)
    right = label("r", "Select Bayesian optimization.", True)
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (wrong, right)), encoding="utf-8")
    report = run_verifier_eval(embedder, Settings(), [path])
    assert report["sets"]["pairs"]["false_rejections"] == [] and report["sets"]["pairs"]["false_acceptances"] == []
    # the wrong pairing reads like its passage: only the key point's pairing check (d2-a05's matching) drops it
    off = PairChecker(embedder, Settings(answer=AnswerSettings(mispairing=False)), {"d2-a05": "Which SageMaker "
                      "automatic model tuning strategy learns from previous training jobs to choose the next "
                      "hyperparameters?"})
    assert off(wrong)["accepted"]
