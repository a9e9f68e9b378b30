"""A learner's own flashcards indexed alone (issue #14): a question one card answers reaches the model, one the
cards do not settle is refused before it. Real embedder, real Chroma; a scripted model only records the call.

Ten cards make two ~200-token chunks, so each chunk holds several topics: the question's similarity to a whole
chunk is diluted below the cut-off even when one card answers it word for word (answering/instant.py,
`best_line_similarity`).
"""
import json

import pytest

from assistant.app import Assistant
from assistant.config import Settings
from assistant.llm.fake import ScriptedLLM

CARDS = """MY MLA-C01 CARDS

Q: What does a Glue crawler create?
A: Table definitions with schema and partitions in the Glue Data Catalog, found by scanning the data.

Q: What are Glue job bookmarks for?
A: They remember which data an ETL job already processed, so the next run only reads new files.

Q: Which Data Wrangler report flags duplicate rows and target leakage?
A: The Data Quality and Insights report.

Q: Online or offline store for real-time inference?
A: Online store: low-latency GetRecord of the latest feature values. The offline store in S3 is for building training sets.

Q: How do I shrink the time an endpoint takes to start serving after it scales to zero?
A: Use provisioned concurrency on the serverless endpoint so warm capacity is kept ready.

Q: What is the limit of models behind one multi-container endpoint?
A: Up to 15 containers, invoked directly or as a serial pipeline.

Q: ModelLatency vs OverheadLatency?
A: ModelLatency = time the model container takes to answer. OverheadLatency = time SageMaker adds around it (auth, routing, payload handling).

Q: How to join batch transform output back to its input records?
A: Set join_source to Input and use input_filter / output_filter to choose the columns kept.

Q: What does Managed Spot Training need to be safe?
A: Checkpoints saved to S3 and a max wait time longer than the max run time.

Q: Best SageMaker built-in algorithm for unusual IP address logins?
A: IP Insights - it learns which IP addresses each account normally uses and scores new pairs.
"""


@pytest.fixture(scope="module")
def cards(tmp_path_factory, embedder):
    """Indexed once for the module; each test gives it its own scripted model."""
    tmp = tmp_path_factory.mktemp("own-notes")
    folder = tmp / "cards"
    folder.mkdir()
    (folder / "flashcards.txt").write_text(CARDS, encoding="utf-8")
    assistant = Assistant(Settings(data_dir=tmp / "data"), embedder=embedder)
    assistant.ingest([folder], progress=False)
    assert len(assistant.index.load_bm25().chunks) >= 2  # several cards per chunk: the case this is about
    return assistant


@pytest.mark.parametrize("question", [
    "Which built-in algorithm spots sign-ins from IP addresses an account does not usually use?",
    "How can the results of a batch transform job be matched to the original input rows?",
    "What is the difference between ModelLatency and OverheadLatency?",
])
def test_a_question_one_card_answers_reaches_the_model(cards, question):
    llm = ScriptedLLM().enqueue(json.dumps({"sentences": []}))
    cards.use_llm(llm)

    answer = cards.answerer.ask(question)

    assert len(llm.prompts) == 1, f"refused before the model (relevance {answer.relevance:.3f})"
    assert answer.relevance >= cards.settings.answer.min_relevance and not answer.missing_terms


@pytest.mark.parametrize("question", [
    "What is the best recipe for sourdough bread with a high hydration dough?",  # off topic
    "How do I configure Amazon Route 53 latency-based routing between two Regions?",  # names what no card has
    "What is the hourly price of an ml.p4d.24xlarge instance?",  # near topic, every word known: relevance alone
])
def test_a_question_the_cards_do_not_settle_is_refused_before_the_model(cards, question):
    llm = ScriptedLLM()
    cards.use_llm(llm)

    answer = cards.answerer.ask(question)

    assert answer.refused and llm.prompts == []
