"""The fact ranking's similarity floor (STUDY_RETRIEVAL__FACT_MIN_SIMILARITY): a fact whose need is far from the
question casts no vote in the fusion. Without it the closest fact, however far, took a rank-1 vote (a learner's
notes have few mined facts: the notes eval's K-Means card fell out of the top 5). Real embedder, bundled facts.
0.4 is the value measured in the README (off by default: see there why)."""

FLOOR = 0.4


def test_a_question_no_fact_is_near_gets_no_fact_votes(bundled):
    ranker = bundled.retriever.fact_ranker()
    far = bundled.embedder.embed_query("Which flour makes the chewiest sourdough crust?")
    assert ranker.rank(far, 10), "without a floor the closest facts vote however far they are"
    assert ranker.rank(far, 10, floor=FLOOR) == []


def test_a_question_near_a_fact_still_gets_its_section(bundled):
    ranker = bundled.retriever.fact_ranker()
    near = bundled.embedder.embed_query("Every experiment in our series of training runs sits for minutes waiting "
                                        "for machines before it starts. How do we cut that wait?")
    top = ranker.rank(near, 3, floor=FLOOR)
    assert any("warm pools" in c.heading.lower() for c, _ in top), [c.heading for c, _ in top]
