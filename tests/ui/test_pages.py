"""Every page through streamlit.testing.v1.AppTest, with the real retrieval and the scripted fake LLM."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from assistant.llm.base import BackendError
from assistant.llm.fake import ScriptedLLM
from tests.conftest import REPO

TIMEOUT = 120


def page(name, assistant):
    at = AppTest.from_file(str(REPO / "ui" / "views" / f"{name}.py"), default_timeout=TIMEOUT)
    at.session_state["assistant"] = assistant
    return at.run()


@pytest.fixture
def tutor(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.__dict__["llm"] = ScriptedLLM()
    assistant.ingest([small_corpus], progress=False)
    return assistant


def all_text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "text", "info", "warning", "error", "success", "caption")
                     for e in getattr(at, kind))


def test_ask_shows_a_cited_answer_and_marks_unsupported_sentences(tutor):
    tutor.llm.enqueue(json.dumps({"sentences": [
        {"cites": [1], "text": "Managed warm pools keep provisioned instances alive so consecutive training jobs start "
                               "without waiting for new capacity."},
        {"cites": [1], "text": "Warm pools are free in every Region since 2015."}]}))
    at = page("ask", tutor)
    at.chat_input[0].set_value("How do managed warm pools help consecutive training jobs start?").run()
    assert not at.exception
    text = all_text(at)
    assert "Managed warm pools keep provisioned instances alive" in text and "\\[1\\]" in text
    assert any("Not supported by your notes" in w.value and "2015" in w.value for w in at.warning)
    assert any("SageMaker training > Managed warm pools" in e.label for e in at.expander)


def test_ask_renders_model_output_inert(tutor):
    tutor.llm.enqueue(json.dumps({"sentences": [
        {"cites": [1], "text": "Managed warm pools keep provisioned instances alive between consecutive training jobs."},
        {"cites": [1], "text": "Run <script>alert(1)</script> and [click](javascript:alert(1)) "
                               "![x](http://evil.example/p.png) now."}]}))
    at = page("ask", tutor)
    at.chat_input[0].set_value("How do managed warm pools help consecutive training jobs start?").run()
    shown = [m.value for m in at.markdown if "warm pools" in m.value] + [w.value for w in at.warning]
    assert any("script" in v for v in shown), all_text(at)
    for value in shown:
        assert "<script>" not in value and "](javascript" not in value and "![" not in value and "](http" not in value


def test_ask_refuses_off_topic_questions_plainly(tutor):
    at = page("ask", tutor)
    at.chat_input[0].set_value("What is the best recipe for sourdough bread?").run()
    assert any("do not cover" in i.value for i in at.info)


def test_ask_backend_unavailable_is_a_plain_message(tutor):
    tutor.llm.enqueue(BackendError("Bedrock denied access to model X: enable access in the console"))
    at = page("ask", tutor)
    at.chat_input[0].set_value("How do managed warm pools help consecutive training jobs start?").run()
    assert not at.exception
    assert any("enable access" in e.value for e in at.error)


@pytest.mark.parametrize("name", ["ask", "practice", "explain"])
def test_pages_without_an_index_say_what_to_do(make_assistant, name):
    at = page(name, make_assistant())
    assert not at.exception
    assert any("No notes are indexed yet" in w.value for w in at.warning)


def test_practice_question_is_graded_and_recorded(bundled):
    at = page("practice", bundled)
    at.sidebar.selectbox[0].set_value("Task")
    at.run()
    at.sidebar.selectbox[1].set_value("3.1")
    at.sidebar.selectbox[2].set_value("mcq")
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    q = at.session_state["quiz"][0]
    wrong = (q.keys[0] + 1) % 4
    before = len(bundled.bank.attempts())
    at.radio[0].set_value(wrong).run()
    next(b for b in at.button if b.label == "Submit").click().run()
    assert any("Not quite" in e.value for e in at.error)
    assert len(bundled.bank.attempts()) == before + 1
    assert sum("Correct:" in m.value or "Incorrect:" in m.value for m in at.markdown) == 4  # every option explained
    next(b for b in at.button if b.label == "Explain more").click().run()
    assert any("The confusion" in m.value for m in at.markdown)


def test_explain_page_explains_a_pasted_question(bundled):
    at = page("explain", bundled)
    at.text_area[0].input("The company runs consecutive SageMaker training jobs and must minimize infrastructure "
                          "start-up time.")
    at.text_area[1].input("Managed Spot Training with checkpointing\nSageMaker AI managed warm pools\n"
                          "A larger training instance type\nSageMaker Pipelines step caching")
    at.run()
    at.selectbox[0].set_value(0)
    at.button[0].click().run()
    assert not at.exception
    assert any("incorrect" in e.value for e in at.error)
    assert any("warm pools" in m.value.lower() for m in at.markdown)


def test_library_shows_coverage(bundled):
    at = page("library", bundled)
    assert not at.exception
    assert at.dataframe and "thin tasks: none" in all_text(at)


def test_library_offers_indexing_when_empty(make_assistant, small_corpus):
    a = make_assistant(corpus=small_corpus)
    a.__dict__["llm"] = ScriptedLLM()
    at = page("library", a)
    at.button[0].click().run()
    assert a.index.exists() and not at.exception
