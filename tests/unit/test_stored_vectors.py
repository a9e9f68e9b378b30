"""Issue #17: the passages' vectors are read from the index, not embedded again for every question (a second of
CPU per question on 2 cores, before anything is shown). Real Chroma, the real embedder, the bundled corpus."""
import numpy as np

from tests.unit.conftest import reply


def test_the_stored_vectors_are_the_embedding_of_the_indexed_text(bundled):
    hits = bundled.search("how do managed warm pools speed up repeated training jobs", 5)
    stored = bundled.index.stored_vectors([h.chunk.id for h in hits])
    assert set(stored) == {h.chunk.id for h in hits}
    fresh = bundled.embedder._encode([h.chunk.indexed_text for h in hits])
    assert np.allclose(np.array([stored[h.chunk.id] for h in hits]), fresh, atol=1e-5)


def test_an_answer_embeds_none_of_its_retrieved_passages(tutor, monkeypatch):
    assistant, llm = tutor
    assistant.embedder.__dict__.pop("_recent", None)  # nothing remembered from earlier tests
    embedded: list[str] = []
    real = assistant.embedder._encode
    monkeypatch.setattr(assistant.embedder, "_encode", lambda texts, progress=False: embedded.extend(texts) or real(texts))
    question = "How do managed warm pools shorten the start-up of repeated training jobs?"
    llm.enqueue(reply("Managed warm pools keep the provisioned infrastructure of a finished training job alive."))
    answer = assistant.ask(question)
    retrieved = {c.indexed_text for c in assistant.index.get_chunks(answer.retrieved_ids)}
    assert question in embedded and not answer.refused  # the question itself is embedded, and it was answered
    assert not retrieved & set(embedded), [t[:100] for t in retrieved & set(embedded)]


def test_a_passage_missing_from_the_store_is_embedded(tutor):
    import dataclasses

    assistant, _ = tutor
    chunk = assistant.search("what does sagemaker clarify detect", 1)[0].chunk
    vectors = assistant.answerer.passage_vectors([dataclasses.replace(chunk, id="not-stored")], 384)
    assert vectors.shape == (1, 384) and abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-3
