"""The joins of issue #18: one Citation type, one support rule for the answer verifier and the quiz gate,
thresholds in the settings tree, the debug switch read like every other setting."""
import json

import pytest

from assistant import cli
from assistant.answering.support import SupportRule
from assistant.config import Settings
from assistant.llm.fake import ScriptedLLM
from assistant.quiz import gate
from assistant.quiz.generate import QuizMaker
from assistant.quiz.models import Question
from assistant.types import Citation

SERVERLESS = Citation(n=1, id="p2", source="i.md", heading="Inference > Serverless",
                      text="Serverless inference suits intermittent traffic. Serverless endpoints do not support GPUs. "
                           "The maximum payload is 4 MB.")


def mcq(key: str) -> Question:
    return Question(id="q", type="mcq", stem="Which option fits an endpoint with intermittent traffic?",
                    options=[key, "Asynchronous inference", "Batch transform", "Real-time endpoint"], keys=[0],
                    explanations=["Right [1]", "No [1]", "No [1]", "No [1]"], citations=[SERVERLESS],
                    domain=3, task="3.1", method="facts", model="facts")


def test_one_citation_type_for_answers_and_questions():
    from assistant.answering import answer
    from assistant.quiz import models

    assert answer.Citation is models.Citation is Citation
    q = mcq("Serverless inference")
    again = Question.model_validate_json(q.model_dump_json())
    assert again.citations == [SERVERLESS] and isinstance(again.citations[0], Citation)
    a = answer.Answer("q", "a [1]", [SERVERLESS], [], False, "fake", "scripted")
    assert json.loads(json.dumps(a.to_json()))["citations"][0]["heading"] == "Inference > Serverless"


@pytest.fixture
def maker(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    return QuizMaker(assistant, None, assistant.facts, seed=1)


def test_the_quiz_gate_checks_numbers_and_negation_like_the_verifier(maker):
    def key_supported(text):
        return gate.citation_checks(mcq(text), {SERVERLESS.id}, maker.supports)["key_supported"]["ok"]

    assert key_supported("Serverless inference")
    assert key_supported("To serve intermittent traffic, use serverless inference.")
    assert not key_supported("Serverless inference with a 6 MB payload")  # the passage says 4 MB
    assert not key_supported("Serverless inference with GPUs")  # the passage says it does not support GPUs
    verifier = maker.assistant.answerer.verifier
    assert type(verifier.rule) is type(maker.support_rule) is SupportRule  # one rule, two users


def test_thresholds_come_from_the_settings_tree(make_assistant, small_corpus, monkeypatch):
    monkeypatch.setenv("STUDY_SUPPORT__STRONG", "0.7")
    monkeypatch.setenv("STUDY_ANSWER__REPEAT", "0.9")
    env = Settings()
    assert env.support.strong == 0.7 and env.answer.repeat == 0.9
    llm = ScriptedLLM()
    assistant = make_assistant(answer={"min_relevance": 0.99}, support={"strong": 0.7})
    assistant.use_llm(llm)
    assistant.ingest([small_corpus], progress=False)
    assert assistant.answerer.verifier.rule.strong == 0.7
    assert QuizMaker(assistant, None, assistant.facts).support_rule.strong == 0.7
    answer = assistant.ask("How do managed warm pools help consecutive training jobs start?")
    assert answer.refused and not llm.prompts  # an in-notes question, refused by the raised threshold


def test_debug_is_a_setting(make_assistant, small_corpus, monkeypatch, capsys):
    monkeypatch.setenv("STUDY_DEBUG", "1")
    assert Settings().debug
    monkeypatch.delenv("STUDY_DEBUG")

    class Broken(ScriptedLLM):
        def stream(self, *args, **kwargs):
            raise KeyError("boom")

    for debug in (False, True):
        assistant = make_assistant(debug=debug)
        assistant.ingest([small_corpus], progress=False)
        assistant.use_llm(Broken())
        monkeypatch.setattr(cli, "build_assistant", lambda: assistant)
        if debug:  # the traceback, on request
            with pytest.raises(KeyError):
                cli.main(["ask", "How do managed warm pools help consecutive training jobs start?"])
        else:
            assert cli.main(["ask", "How do managed warm pools help consecutive training jobs start?"]) == 1
            assert "run again with STUDY_DEBUG=1" in capsys.readouterr().err
