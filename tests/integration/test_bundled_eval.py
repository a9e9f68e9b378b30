"""The retrieval eval (dev split, the one tuned on) on the bundled corpus with the real models (about a minute): a
regression guard. The frozen test split is reported in the README, not asserted on here."""

from assistant.evaluation.retrieval import run_retrieval_eval
from tests.conftest import REPO


def test_retrieval_meets_its_targets_and_each_signal_adds(bundled):
    results = run_retrieval_eval(bundled, REPO / "evals" / "retrieval" / "dev", progress=False)["modes"]
    best, hybrid = results["hybrid+facts"], results["hybrid"]
    assert best["recall@5"] >= 0.95 and best["MRR@10"] >= 0.85, best  # the targets
    assert hybrid["recall@5"] >= 0.92 and hybrid["MRR@10"] >= 0.77, hybrid  # without facts (learners' own notes)
    for metric in ("recall@5", "MRR@10", "nDCG@10"):
        assert hybrid[metric] >= max(results["bm25"][metric], results["dense"][metric]), metric
        assert best[metric] >= hybrid[metric], metric


def test_coverage_has_no_empty_task(bundled):
    from assistant.knowledge.coverage import coverage_report

    report = coverage_report(bundled)
    assert report["thin"] == [] and report["untagged"] == 0
    assert all(row["chunks"] >= 8 and row["facts"] >= 10 for row in report["tasks"])
