"""The quiz eval table reads its results file back: key positions must survive the JSON round trip."""
import json
import random

from assistant.evaluation.quiz import format_quiz_table, key_position_counts, positions_cell
from assistant.evaluation.retrieval import write_results
from assistant.knowledge.facts import load_facts
from assistant.quiz.from_facts import mcq
from tests.conftest import REPO


def test_key_positions_survive_the_results_file(tmp_path):
    decisions = [d for d in load_facts(REPO / "corpus" / "facts").decisions if len(d.alternatives) >= 3][:7]
    questions = [mcq(d, pos, [], random.Random(0)) for d, pos in zip(decisions, [0, 1, 1, 2, 3, 3, 3])]
    batch = {"source": "facts", "domain": 1, "requested": 7, "accepted": 7, "candidates": 7, "writer_failures": 0,
             "pass_rate": 1.0, "rejections": {}, "key_positions": key_position_counts(questions),
             "solve_agreement": 1.0, "seconds_per_accepted": 0.1, "types": {"mcq": 7}}
    path = write_results({"batches": [batch], "per_task": {"1.1": 1}, "questions": []}, tmp_path, name="quiz")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back["batches"][0]["key_positions"] == [1, 2, 1, 3, 0]
    row = format_quiz_table(back).splitlines()[2]
    assert "| 1,2,1,3,0 |" in row, row


def test_older_results_files_with_dict_positions_still_read():
    assert positions_cell({"0": 2, "3": 1}) == "2,0,0,1,0"  # as JSON gives it back
    assert positions_cell({0: 2, 3: 1}) == "2,0,0,1,0"  # in memory


def test_notes_quiz_table_reads_key_positions_back(tmp_path):
    """The per-style table (`study eval quiz --notes`) goes through the same results file."""
    from assistant.evaluation.notes_quiz import format_notes_quiz_table

    decisions = [d for d in load_facts(REPO / "corpus" / "facts").decisions if len(d.alternatives) >= 3][:4]
    questions = [mcq(d, pos, [], random.Random(1)) for d, pos in zip(decisions, [2, 2, 3, 0])]
    note_set = {"notes": "evals/notes/prose", "words": 2000, "facts": 10, "facts_per_1k_words": 5.0, "requested": 4,
                "accepted": 4, "pass_rate": 1.0, "questions_per_minute": 8.0, "seconds": 30.0, "cpu_seconds": 9.0,
                "types": {"mcq": 4}, "key_positions": key_position_counts(questions), "rejections": {}}
    path = write_results({"sets": [note_set], "questions": []}, tmp_path, name="quiz-notes")
    row = format_notes_quiz_table(json.loads(path.read_text(encoding="utf-8"))).splitlines()[2]
    assert "| 1,0,2,1,0 |" in row, row
