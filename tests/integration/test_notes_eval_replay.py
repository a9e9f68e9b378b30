"""`study eval answers --notes DIR --replay RESULTS`: each note set is indexed alone and the model's recorded
sentences stand in for the model (real embedder, real Chroma, real verifier; no model is loaded)."""
import json

from assistant.evaluation.notes_answers import run_notes_answer_eval

CARDS = """Q: What does a managed warm pool do?
A: Managed warm pools keep provisioned instances alive after a training job ends, so consecutive training jobs start without waiting for new capacity.

Q: Which file system serves NFS and SMB from NetApp?
A: Amazon FSx for NetApp ONTAP serves both NFS and SMB clients.
"""


def test_a_notes_replay_answers_each_set_with_the_recorded_sentences(make_assistant, tmp_path):
    notes = tmp_path / "notes"
    (notes / "cards").mkdir(parents=True)
    (notes / "cards" / "cards.txt").write_text(CARDS, encoding="utf-8")
    items = [{"id": "cards-q01", "question": "Why do back-to-back training jobs start faster with a warm pool?",
              "key_facts": ["provisioned instances"], "in_notes": True},
             {"id": "cards-q02", "question": "Our NetApp shares must stay reachable over NFS and SMB: which file system?",
              "key_facts": ["ONTAP"], "in_notes": True}]
    (notes / "cards" / "questions.jsonl").write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    recorded = tmp_path / "recorded.json"
    recorded.write_text(json.dumps({"rows": [
        {"id": "cards-q01", "model_sentences": [{"text": "Managed warm pools keep provisioned instances alive after a "
                                                 "training job ends.", "cited": [1]}]},
        {"id": "cards-q02", "model_sentences": [{"text": "Use Amazon FSx for Lustre.", "cited": [1]}]}]}),
        encoding="utf-8")
    assistant = make_assistant()

    results = run_notes_answer_eval(assistant, notes, progress=False, replay=recorded)

    assert results["backend"] == "replay" and [s["notes"] for s in results["sets"]] == ["cards"]
    rows = {r["id"]: r for r in results["rows"]}
    assert rows["cards-q01"]["correct"] and "warm pools keep provisioned instances" in rows["cards-q01"]["answer"]
    assert not rows["cards-q02"]["correct"]  # the recorded (wrong) sentence is what was replayed: Lustre, not ONTAP
    assert "llm" not in assistant.__dict__  # the outer assistant never made its model
