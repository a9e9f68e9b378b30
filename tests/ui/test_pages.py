"""Every page through streamlit.testing.v1.AppTest, with the real retrieval and the scripted fake LLM."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from assistant.llm.base import BackendError
from assistant.llm.fake import ScriptedLLM
from tests.conftest import REPO, wrong

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


@pytest.mark.parametrize("name", ["ask", "practice", "explain", "exam"])
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
    next(b for b in at.button if b.label == "Index the bundled notes").click().run()
    assert a.index.exists() and not at.exception


def answer_with(at, q, answer: list[int]):
    """Set the page's answer widget for q to the given option indices."""
    if q.type == "mcq":
        at.radio[0].set_value(answer[0])
    elif q.type in ("multi", "ordering"):
        at.multiselect[0].set_value(answer)
    else:
        for box, k in zip(at.selectbox, answer):
            box.set_value(k)
    return at.run()


def test_practice_whats_due_serves_fresh_questions_on_missed_concepts(learner):
    (q,) = learner.quiz_maker(seed=11).make(1, kind="mcq", progress=False, tasks=["2.2"]).accepted
    learner.record_attempt(q, wrong(q))
    learner.clock.t += 20 * 60
    at = page("practice", learner)
    scope = at.sidebar.selectbox[0]
    assert "What's due (1)" in scope.options
    scope.set_value("What's due (1)").run()
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    fresh = at.session_state["quiz"][0]
    assert learner.facts.by_id(fresh.fact_id).concept == learner.facts.by_id(q.fact_id).concept
    answer_with(at, fresh, fresh.keys)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert any("Correct" in s.value for s in at.success)
    assert learner.reviews.due() == []  # answered: rescheduled into the future


def test_mock_exam_page_resumes_scores_per_domain_and_lists_misses(learner):
    exam = learner.exams.create(n=3, minutes=10, seed=5, progress=False)
    learner.exams.answer(exam, 0, exam.questions[0].keys, 30)  # answered before an interruption
    at = page("exam", learner)
    assert not at.exception, at.exception
    assert "Question 2 of 3" in at.get("progress")[0].proto.text
    for position in (1, 2):
        q = exam.questions[position]
        answer_with(at, q, wrong(q) if q.type == "mcq" else q.keys)
        next(b for b in at.button if b.label == "Submit answer").click().run()
        assert not at.exception, at.exception
    assert at.metric and at.metric[0].label == "Score"
    misses = [p for p in (1, 2) if exam.questions[p].type == "mcq"]
    assert at.metric[0].value == f"{3 - len(misses)}/3"
    assert len([e for e in at.expander if e.label.startswith("Question ")]) == len(misses)
    assert learner.exams.unfinished() is None


def test_mock_exam_page_starts_a_new_exam(learner):
    at = page("exam", learner)
    at.number_input[0].set_value(2)
    at.number_input[1].set_value(5)
    next(b for b in at.button if b.label == "Start exam").click().run()
    assert not at.exception, at.exception
    exam = learner.exams.unfinished()
    assert exam is not None and len(exam.questions) == 2 and exam.seconds_allowed == 300
    next(b for b in at.button if b.label == "Finish now").click().run()
    assert at.metric[0].value == "0/2" and learner.exams.unfinished() is None


def test_progress_page_shows_readiness_weak_tasks_due_reviews_and_exports(learner):
    questions = learner.quiz_maker(seed=12).make(4, kind="mcq", progress=False).accepted
    for q in questions[:2]:
        learner.record_attempt(q, wrong(q))
    for q in questions[2:]:
        learner.record_attempt(q, q.keys)
    learner.clock.t += 3600
    at = page("progress", learner)
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["Readiness (expected score)", "90% range", "Chance of the pass mark"]
    assert at.dataframe and at.get("vega_lite_chart")
    text = all_text(at)
    assert "2 concept(s) due now" in text and "Reread these notes" in text
    assert len(at.get("download_button")) == 3


def test_progress_page_without_attempts_or_index(make_assistant):
    at = page("progress", make_assistant())
    assert not at.exception, at.exception
    assert "0 concept(s) due now" in all_text(at)


def test_library_switches_the_backend(tutor):
    at = page("library", tutor)
    at.radio[0].set_value("bedrock")
    at.text_input[2].set_value("eu-west-1")
    apply = lambda: next(b for b in at.button if b.label == "Apply").click().run()  # noqa: E731
    apply()
    assert not at.exception, at.exception
    assert tutor.settings.llm.backend == "bedrock" and tutor.settings.llm.bedrock_region == "eu-west-1"
    assert [m.value for m in at.metric][1:] == ["bedrock", "amazon.nova-lite-v1:0"]
    at.text_input[2].set_value("  ")
    apply()
    assert any("region" in e.value for e in at.error)
