"""`study eval answers --notes`: each note set is indexed alone and asked its own questions."""
import json
import shutil

from assistant.app import Assistant
from assistant.config import Settings
from assistant.evaluation.notes_answers import format_notes_answer_table, run_notes_answer_eval
from assistant.llm.fake import ScriptedLLM
from tests.conftest import REPO


def test_each_note_set_is_asked_on_its_own_index(tmp_path, embedder):
    """Control flow only (scripted model): the answers cite the set's own note, never the bundled corpus, and
    a question the notes do not cover is refused before the model is asked."""
    notes = tmp_path / "prose"
    notes.mkdir()
    shutil.copy(REPO / "evals/notes/prose/course-notes.md", notes)
    questions = [json.loads(line) for line in (REPO / "evals/notes/prose/questions.jsonl").read_text().splitlines()]
    picked = [questions[0], next(q for q in questions if not q["in_notes"])]
    (notes / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in picked) + "\n")
    llm = ScriptedLLM().enqueue(json.dumps({"sentences": [
        {"cites": [1], "text": "Amazon FSx for NetApp ONTAP serves files over both NFS and SMB."}]}))
    host = Assistant(Settings(data_dir=tmp_path / "host"), embedder=embedder, llm=llm)

    results = run_notes_answer_eval(host, notes, progress=False)

    assert [s["notes"] for s in results["sets"]] == ["prose"]
    rows = {r["id"]: r for r in results["rows"]}
    assert set(rows) == {picked[0]["id"], picked[1]["id"]}
    assert rows[picked[1]["id"]]["refused"] and len(llm.prompts) == 1  # the off-topic one never reached the model
    sources = {p["source"] for r in rows.values() for p in r["passages"].values()}
    assert sources and sources <= {"course-notes.md"}, sources
    assert "| prose | 1 / 1 |" in format_notes_answer_table(results)
