import pytest

from assistant.evaluation.retrieval import score_run
from assistant.retrieval.retriever import rrf


def test_rrf_rewards_agreement_and_respects_weights():
    fused = dict(rrf([["a", "b", "c"], ["c", "b"]], weights=[1.0, 1.0], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert max(fused, key=fused.get) == "c"
    only_first = rrf([["a", "b"], ["b", "a"]], weights=[1.0, 0.0], k=60)
    assert [d for d, _ in only_first] == ["a", "b"]


def test_scores_are_section_level_and_hand_checkable():
    items = [
        {"id": "q1", "relevant": [{"source": "a.md", "heading": "A > B"}]},
        {"id": "q2", "relevant": [{"source": "a.md", "heading": "A > C"}, {"source": "b.md", "heading": "B"}]},
        {"id": "q3", "relevant": [{"source": "z.md", "heading": "Z"}]},
    ]
    ranked = {
        # two chunks of the labelled section: counted once, at rank 2
        "q1": [("x", "a.md", "A > D"), ("y", "a.md", "A > B > deeper"), ("z", "a.md", "A > B")],
        # one of two labels found at rank 1
        "q2": [("c", "a.md", "A > C")],
        # nothing retrieved: still counted (as zero), not dropped
        "q3": [],
    }
    result = score_run(items, ranked)
    per = result["per_query"]
    assert per["q1"]["recip_rank"] == pytest.approx(0.5)
    assert per["q1"]["recall_1"] == 0.0 and per["q1"]["recall_3"] == 1.0
    assert per["q2"]["recall_10"] == pytest.approx(0.5) and per["q2"]["recip_rank"] == 1.0
    assert per["q3"]["recall_10"] == 0.0
    assert result["mean"]["MRR@10"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)


def test_nested_labels_collapse_to_the_parent_section():
    items = [{"id": "q", "relevant": [{"source": "a.md", "heading": "A > B"}, {"source": "a.md", "heading": "A > B > C"}]}]
    per = score_run(items, {"q": [("c1", "a.md", "A > B > C")]})["per_query"]["q"]
    assert per["recall_1"] == 1.0 and per["recip_rank"] == 1.0


def test_one_passage_per_place_in_the_notes():
    """A section of 2-5 chunks gives one passage; a flat file (one heading over everything, as a PDF or a flashcard
    file has) gives one per place, so a question still gets several passages from it."""
    from assistant.retrieval.retriever import _one_per_section
    from assistant.types import Chunk

    def chunk(source, heading, position):
        return Chunk(id=f"{source}-{position}", source=source, heading=heading, text="", position=position)

    section = [chunk("a.md", "A > Warm pools", p) for p in (3, 1, 4, 2)]
    other = chunk("a.md", "A > Spot", 5)
    flat = [chunk("cards.txt", "cards", p) for p in (30, 2, 31, 12, 16, 17)]
    ranked = [(c, 1.0) for c in [section[0], other, *section[1:], *flat]]
    kept = [c.id for c, _ in _one_per_section(ranked)]
    assert kept == ["a.md-3", "a.md-5", "cards.txt-30", "cards.txt-2", "cards.txt-12", "cards.txt-17"]


def test_a_fact_less_similar_than_the_floor_casts_no_vote():
    """A learner's notes have few mined facts: the closest one, however far, used to take rank 1 in the fusion."""
    from types import SimpleNamespace

    import numpy as np

    from assistant.retrieval.retriever import FactRanker
    from assistant.types import Chunk

    chunks = [Chunk(id=c, source="n.md", heading=h, text="...") for c, h in (("a", "N > Warm pools"), ("b", "N > K-Means"))]
    facts = [SimpleNamespace(need="near", source="n.md", section="N > Warm pools"),
             SimpleNamespace(need="far", source="n.md", section="N > K-Means")]
    vectors = {"near": [1.0, 0.0], "far": [0.3, 0.95]}
    embedder = SimpleNamespace(encode=lambda texts: np.array([vectors[t] for t in texts]))
    ranker = FactRanker(facts, embedder, chunks, generation=1)
    question = np.array([0.35, 0.94])  # close to the "far" need (0.998), not to "near" (0.35)
    assert [c.id for c, _ in ranker.rank(question, 5)] == ["b", "a"]
    assert [c.id for c, _ in ranker.rank(question, 5, floor=0.4)] == ["b"]  # "near" scores 0.35: left out
    assert ranker.rank(np.array([0.0, -1.0]), 5, floor=0.4) == []
