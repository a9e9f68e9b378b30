"""The study loop as a learner runs it in a terminal: practice → progress → review → exam → export
(real processes on a copy of the bundled index, real models, answers typed on stdin)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

STUDY = [sys.executable, "-m", "assistant.cli"]


def run(args, data_dir, stdin: str = ""):
    env = {**os.environ, "STUDY_DATA_DIR": str(data_dir)}
    out = subprocess.run(STUDY + args, input=stdin, capture_output=True, text=True, env=env, timeout=400)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stdout + out.stderr
    return out.stdout


def test_practice_progress_review_exam_export(bundled, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(bundled.settings.data_dir, data, ignore=shutil.ignore_patterns("learner.db*", "*.lock"))

    out = run(["practice", "--n", "3", "--type", "mcq", "--seed", "2"], data, stdin="A\nA\nA\n")
    assert out.count("your answer>") == 3 and "attempts saved" in out

    progress = json.loads(run(["progress", "--json"], data))
    assert sum(d["attempts"] for d in progress["domains"]) == 3
    assert 0 <= progress["readiness"]["low"] <= progress["readiness"]["estimate"] <= progress["readiness"]["high"] <= 1
    assert progress["weakest"][0] in {t["key"] for t in progress["tasks"]}
    text = run(["progress"], data)
    assert "Readiness for MLA-C01" in text and "Weakest tasks first" in text

    listing = run(["review", "--list"], data)
    assert "due now" in listing

    # an exam interrupted after one answer (stdin ends), then resumed and finished
    first = run(["exam", "--n", "4", "--minutes", "20", "--seed", "3"], data, stdin="A\n")
    assert "paused: 1/4 answered" in first
    second = run(["exam"], data, stdin="A\nA\nA\nA\n")
    assert "Resuming exam" in second and "Score:" in second and "Domain" in second

    progress = json.loads(run(["progress", "--json"], data))
    assert sum(d["attempts"] for d in progress["domains"]) >= 6  # exam answers count as attempts

    deck = tmp_path / "deck.apkg"
    assert "questions to" in run(["export", "anki", "--out", str(deck)], data)
    assert "collection.anki2" in zipfile.ZipFile(deck).namelist()
    run(["export", "attempts", "--out", str(tmp_path / "a.csv")], data)
    assert (tmp_path / "a.csv").read_text().count("\n") >= 7
