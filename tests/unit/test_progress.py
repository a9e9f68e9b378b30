"""Progress maths on a seeded history, against values computed by hand."""
from __future__ import annotations

import json
import math

import pytest

from assistant.knowledge.blueprint import DEFAULT_BLUEPRINT, load_blueprint
from assistant.learner.exam import exam_plan, largest_remainder
from assistant.learner.progress import progress_report

DAY = 86400.0
NOW = 2_000_000_000.0
BP = load_blueprint()


def row(task: str, days_ago: float, correct: bool, cite: tuple[str, str] = ("d1/a.md", "A > B")) -> dict:
    body = {"citations": [{"n": 1, "id": "c", "source": cite[0], "heading": cite[1], "text": "t"}]}
    return {"answered_at": NOW - days_ago * DAY, "correct": int(correct), "domain": BP.domain_of(task), "task": task,
            "body": json.dumps(body)}


def by_key(rows, key):
    return next(r for r in rows if r["key"] == key)


def test_recency_weighted_accuracy_estimate_and_readiness_by_hand():
    history = [row("1.1", 28, False), row("1.1", 14, True), row("1.1", 0, True)]
    report = progress_report(history, BP, NOW)
    t = by_key(report["tasks"], "1.1")
    # weights 0.25, 0.5, 1 (half-life 14 days): 1.5 of 1.75 right
    assert t["attempts"] == 3 and t["correct"] == 2 and t["accuracy"] == pytest.approx(2 / 3)
    assert t["weighted_accuracy"] == pytest.approx(1.5 / 1.75)
    # Beta(1 + 1.5, 1 + 0.25): mean 2.5/3.75, variance ab/((a+b)^2 (a+b+1))
    assert t["estimate"] == pytest.approx(2.5 / 3.75)
    assert t["variance"] == pytest.approx(2.5 * 1.25 / (3.75 ** 2 * 4.75))
    d1 = by_key(report["domains"], "1")
    assert d1["estimate"] == pytest.approx(t["estimate"])
    # readiness: weights .28/.26/.22/.24; untried domains are Beta(1,1): mean .5, variance 1/12
    mean = 0.28 * (2.5 / 3.75) + (0.26 + 0.22 + 0.24) * 0.5
    var = 0.28 ** 2 * (2.5 * 1.25 / (3.75 ** 2 * 4.75)) + (0.26 ** 2 + 0.22 ** 2 + 0.24 ** 2) / 12
    r = report["readiness"]
    assert r["estimate"] == pytest.approx(mean)
    assert r["low"] == pytest.approx(mean - 1.645 * math.sqrt(var))
    assert r["high"] == pytest.approx(mean + 1.645 * math.sqrt(var))
    assert r["pass_chance"] == pytest.approx(0.5 * (1 + math.erf((mean - 0.72) / math.sqrt(2 * var))))
    assert r["attempts"] == 3


def test_trend_compares_the_last_attempts_with_the_ones_before():
    history = [row("2.2", 10 - i, c) for i, c in enumerate([False, False, True, True, True, False])]
    t = by_key(progress_report(history, BP, NOW)["tasks"], "2.2")
    assert t["trend"] == pytest.approx(2 / 3 - 1 / 3)  # last 3: 2 right; the 3 before: 1 right
    few = by_key(progress_report(history[:3], BP, NOW)["tasks"], "2.2")
    assert few["trend"] is None  # too few attempts to call a trend


def test_more_attempts_narrow_the_readiness_range():
    few = progress_report([row("3.1", 0, True)], BP, NOW)["readiness"]
    many = progress_report([row(t, 0, True) for t in ("1.1", "2.1", "3.1", "4.1") for _ in range(20)], BP, NOW)["readiness"]
    assert (many["high"] - many["low"]) < (few["high"] - few["low"]) / 2
    assert many["estimate"] > few["estimate"]


def test_readiness_is_weighted_by_the_blueprint(tmp_path):
    right = [row("1.1", 0, True)] * 10  # domain 1 weighs .28
    same_in_d3 = [row("3.1", 0, True)] * 10  # domain 3 weighs .22
    r1 = progress_report(right, BP, NOW)["readiness"]["estimate"]
    r3 = progress_report(same_in_d3, BP, NOW)["readiness"]["estimate"]
    good = 11 / 12  # Beta(11, 1) mean
    assert r1 - r3 == pytest.approx((0.28 - 0.22) * (good - 0.5))
    # weights come from the blueprint file: swap them and the ranking flips
    text = DEFAULT_BLUEPRINT.read_text().replace("weight: 0.28", "weight: 0.10").replace("weight: 0.22", "weight: 0.40")
    (tmp_path / "bp.yaml").write_text(text)
    swapped = load_blueprint(tmp_path / "bp.yaml")
    assert progress_report(right, swapped, NOW)["readiness"]["estimate"] < \
        progress_report(same_in_d3, swapped, NOW)["readiness"]["estimate"]


def test_weakest_tasks_first_with_the_sections_to_reread():
    history = [row("4.3", 1, False, ("d4/iam.md", "IAM > Roles")), row("4.3", 1, False, ("d4/iam.md", "IAM > Roles")),
               row("4.3", 1, False, ("d4/kms.md", "KMS")), row("2.1", 1, True), row("2.1", 2, True)]
    report = progress_report(history, BP, NOW)
    assert report["weakest"][0] == "4.3" and report["weakest"][-1] == "2.1"  # untried tasks sit in between
    reread = by_key(report["tasks"], "4.3")["reread"]
    assert reread[0] == {"source": "d4/iam.md", "heading": "IAM > Roles", "misses": 2}
    assert reread[1]["source"] == "d4/kms.md"
    assert by_key(report["tasks"], "2.1")["reread"] == []


def test_mock_exam_plan_has_the_real_proportions():
    import random

    plan = exam_plan(BP, 65, random.Random(1))
    domains = [BP.domain_of(task) for task, _ in plan]
    assert [domains.count(d) for d in (1, 2, 3, 4)] == [18, 17, 14, 16]
    kinds = [k for _, k in plan]
    assert [kinds.count(k) for k in ("mcq", "multi", "ordering", "matching")] == [49, 10, 3, 3]
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
