"""Cold `study ask` to its first verified content (issue #17), two code trees alternated: the times behind the
README's "2.86 s -> 2.54 s". Each tree is a checkout of this repository (for example a `git worktree` of the
older commit); each run starts a fresh `python -m assistant.cli ask` and stops it at its first answer line.

    .venv/bin/python evals/scripts/cold_start_ab.py OLD_TREE NEW_TREE 2     # trees, alternations
"""
import os
import statistics as st
import sys

from assistant.bench.cold_start import _first_line_ms

QUESTIONS = ["How do managed warm pools help consecutive training jobs start?",
             "Which metric should drive SageMaker endpoint auto scaling?",
             "When should I use Amazon Data Firehose instead of Kinesis Data Streams?"]

trees, rounds = sys.argv[1:3], int(sys.argv[3])
times = {tree: [] for tree in trees}
for _ in range(rounds):
    for tree in trees:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": tree}
        times[tree] += [_first_line_ms([sys.executable, "-m", "assistant.cli", "ask", q], env) for q in QUESTIONS]
for tree, ms in times.items():
    print(tree, [round(m / 1000, 2) for m in ms], "p50", round(st.median(ms) / 1000, 2), "s")
