"""Progress per exam domain and task statement, and a readiness estimate weighted by the blueprint.

Accuracy weighs recent attempts more: an attempt `age` days old counts 0.5 ** (age / HALF_LIFE_DAYS).
Readiness treats each domain's chance of a right answer as Beta(1 + weighted rights, 1 + weighted misses)
(a uniform prior: no attempts means "anything from 0 to 100%"), combines the domains' means with the
blueprint's weights, and reports a 90% range from the combined variance, so few attempts give a wide range.

>>> round(beta_mean_var(3, 1)[0], 3), round(beta_mean_var(0, 0)[1], 4)
(0.667, 0.0833)
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field

HALF_LIFE_DAYS = 14.0
TREND_WINDOW = 5
Z90 = 1.645
DAY = 86400.0


def recency_weight(age_seconds: float) -> float:
    return 0.5 ** (max(0.0, age_seconds) / DAY / HALF_LIFE_DAYS)


def beta_mean_var(right: float, wrong: float) -> tuple[float, float]:
    a, b = 1.0 + right, 1.0 + wrong
    return a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))


@dataclass
class Stat:
    key: str  # "1" for a domain, "1.1" for a task
    title: str
    attempts: int = 0
    correct: int = 0
    weighted_accuracy: float | None = None  # recency-weighted share correct
    trend: float | None = None  # accuracy of the last TREND_WINDOW attempts minus the TREND_WINDOW before
    estimate: float = 0.5  # Beta posterior mean
    variance: float = 1 / 12
    reread: list[dict] = field(default_factory=list)  # note sections cited by missed questions, most missed first

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None


def summarise(key: str, title: str, rows: list[dict], now: float) -> Stat:
    stat = Stat(key, title, attempts=len(rows), correct=sum(r["correct"] for r in rows))
    if not rows:
        return stat
    weights = [recency_weight(now - r["answered_at"]) for r in rows]
    right = sum(w * r["correct"] for w, r in zip(weights, rows))
    stat.weighted_accuracy = right / sum(weights)
    stat.estimate, stat.variance = beta_mean_var(right, sum(weights) - right)
    k = min(TREND_WINDOW, len(rows) // 2)
    if k >= 2:
        recent, before = rows[-k:], rows[-2 * k:-k]
        stat.trend = sum(r["correct"] for r in recent) / k - sum(r["correct"] for r in before) / k
    missed = Counter()
    for r in rows:
        if not r["correct"]:
            for c in json.loads(r["body"]).get("citations", []):
                missed[(c["source"], c["heading"])] += 1
    stat.reread = [{"source": s, "heading": h, "misses": n} for (s, h), n in missed.most_common(3)]
    return stat


@dataclass
class Readiness:
    estimate: float
    low: float
    high: float
    pass_chance: float  # P(estimate >= pass mark) under a normal approximation
    attempts: int


def readiness(domains: list[Stat], weights: dict[int, float], pass_mark: float) -> Readiness:
    mean = sum(weights[int(d.key)] * d.estimate for d in domains)
    sd = math.sqrt(sum(weights[int(d.key)] ** 2 * d.variance for d in domains))
    pass_chance = 0.5 * (1 + math.erf((mean - pass_mark) / (sd * math.sqrt(2)))) if sd > 0 else float(mean >= pass_mark)
    return Readiness(mean, max(0.0, mean - Z90 * sd), min(1.0, mean + Z90 * sd), pass_chance,
                     sum(d.attempts for d in domains))


def progress_report(history: list[dict], blueprint, now: float, pass_mark: float = 0.72) -> dict:
    """Per domain and task: attempts, accuracy, weighted accuracy, trend, estimate; readiness; weakest tasks."""
    domains, tasks = [], []
    for d in blueprint.domains:
        domains.append(summarise(str(d.id), d.name, [r for r in history if r["domain"] == d.id], now))
        for task, title in d.tasks.items():
            tasks.append(summarise(task, title, [r for r in history if r["task"] == task], now))
    ready = readiness(domains, {d.id: blueprint.weight(d.id) for d in blueprint.domains}, pass_mark)
    weakest = sorted(tasks, key=lambda t: (t.estimate, -t.attempts))
    return {"exam": blueprint.exam, "readiness": asdict(ready), "pass_mark": pass_mark,
            "domains": [_row(s) for s in domains], "tasks": [_row(s) for s in tasks],
            "weakest": [t.key for t in weakest]}


def _row(s: Stat) -> dict:
    return {**asdict(s), "accuracy": s.accuracy, "low": max(0.0, s.estimate - Z90 * math.sqrt(s.variance)),
            "high": min(1.0, s.estimate + Z90 * math.sqrt(s.variance))}


def pct(x: float | None) -> str:
    return "  -  " if x is None else f"{100 * x:4.0f}%"


def format_progress(report: dict, due: int = 0, gaps: dict | None = None) -> str:
    r = report["readiness"]
    lines = [f"Readiness for {report['exam']}: {pct(r['estimate']).strip()} expected "
             f"(90% range {pct(r['low']).strip()}–{pct(r['high']).strip()}, from {r['attempts']} attempts); "
             f"chance of reaching the pass mark ({pct(report['pass_mark']).strip()}): {pct(r['pass_chance']).strip()}",
             "", f"{'':<6}{'tries':>6} {'right':>6} {'recent':>7} {'trend':>6}  name"]
    for d in report["domains"]:
        lines.append(f"D{d['key']:<5}{d['attempts']:>6} {pct(d['accuracy']):>6} {pct(d['weighted_accuracy']):>7} "
                     f"{_trend(d['trend']):>6}  {d['title']}")
    lines += ["", "Weakest tasks first:"]
    by_key = {t["key"]: t for t in report["tasks"]}
    for key in report["weakest"]:
        t = by_key[key]
        lines.append(f"{key:<6}{t['attempts']:>6} {pct(t['accuracy']):>6} {pct(t['weighted_accuracy']):>7} "
                     f"{_trend(t['trend']):>6}  {t['title']}")
        for s in t["reread"]:
            lines.append(f"{'':>8}reread: {s['source']} — {s['heading']} (missed {s['misses']}x)")
    lines += ["", f"Concepts due for review: {due} (`study review`)"]
    if gaps:
        lines.append("Thin notes (add material): " + (", ".join(gaps["thin"]) or "none"))
        for r in gaps["refusals"]:
            lines.append(f"  not in your notes: {r['question'][:100]}")
    return "\n".join(lines)


def _trend(t: float | None) -> str:
    return "" if t is None else f"{100 * t:+.0f}"
