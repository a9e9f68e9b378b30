"""Every page through streamlit.testing.v1.AppTest, with the real retrieval and the scripted fake LLM."""
import json

import pytest

from assistant.llm.base import BackendError
from assistant.llm.fake import ScriptedLLM
from tests.conftest import wrong
from tests.ui.helpers import all_text, answer_with, page


@pytest.fixture
def tutor(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.use_llm(ScriptedLLM())
    assistant.ingest([small_corpus], progress=False)
    return assistant


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
    assert any("do not cover" in i.value and "outside the MLA" in i.value for i in at.info), all_text(at)
    assert not any("closest notes" in i.value for i in at.info)  # nothing near: no "closest notes" listed
    assert tutor.bank.refusals() == []  # and no gap in the learner's notes


def test_near_topic_refusals_are_gaps_off_topic_ones_are_not(learner):
    learner.use_llm(ScriptedLLM())  # both are refused before the model is asked
    off = learner.ask("how do I bake bread")
    near = learner.ask("How do I configure Amazon Route 53 latency-based routing between two Regions?")
    assert off.refused and near.refused
    assert "closest notes" not in off.answer and "closest notes" in near.answer
    assert [g["question"] for g in learner.gaps()["refusals"]] == [near.question]
    at = page("progress", learner)
    assert "Route 53" in all_text(at) and "bake bread" not in all_text(at)


def test_ask_keeps_every_question_and_answer_and_shows_a_status(tutor):
    first = "How do managed warm pools help consecutive training jobs start?"
    second = "When does asynchronous inference suit large payloads?"
    tutor.llm.enqueue(json.dumps({"sentences": [{"cites": [1], "text": "Managed warm pools keep provisioned "
                                                 "instances alive so consecutive training jobs start without waiting "
                                                 "for new capacity."}]}))
    tutor.llm.enqueue(json.dumps({"sentences": [{"cites": [1], "text": "Asynchronous endpoints queue requests with "
                                                 "large payloads and long processing times."}]}))
    at = page("ask", tutor)
    assert any("What each page does" in e.label for e in at.expander)  # the landing view before any question
    at.chat_input[0].set_value(first).run()
    assert [s.state for s in at.status] == ["complete"] and at.status[0].label == "Answered"
    at.chat_input[0].set_value(second).run()
    assert not at.exception, at.exception
    assert [m.children[0].value for m in at.chat_message if m.name == "user"] == [first, second]
    text = all_text(at)
    assert "Managed warm pools keep provisioned instances alive" in text and "Asynchronous endpoints queue" in text
    assert not any("What each page does" in e.label for e in at.expander)


def test_ask_example_question_is_answered(tutor):
    tutor.llm.enqueue(json.dumps({"sentences": [{"cites": [1], "text": "Managed warm pools keep provisioned "
                                                 "instances alive so consecutive training jobs start sooner."}]}))
    at = page("ask", tutor)
    next(b for b in at.button if "consecutive SageMaker training jobs" in b.label).click().run()
    assert not at.exception, at.exception
    assert "Managed warm pools keep provisioned instances alive" in all_text(at)


def test_ask_numbers_citations_1_to_n_as_read(tutor, monkeypatch):
    from assistant.answering.answer import Answer, Citation

    cites = [Citation(2, "c2", "d2/training.md", "Spot training", "spot"),
             Citation(5, "c5", "d2/training.md", "Managed warm pools", "warm")]
    monkeypatch.setattr(tutor, "ask", lambda *a, **k: Answer("q", "Warm pools help [5]. Spot saves money [2][5].",
                                                             cites, [], False, "fake", "fake"))
    at = page("ask", tutor)
    at.chat_input[0].set_value("How do warm pools and spot training differ?").run()
    assert any("Warm pools help \\[1\\]" in m.value and "money \\[2\\]\\[1\\]" in m.value for m in at.markdown), all_text(at)
    assert [e.label for e in at.expander if e.label.startswith("[")] == [
        "[1] d2/training.md — Managed warm pools", "[2] d2/training.md — Spot training"]


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
    at.sidebar.button[0].click().run()  # New quiz: built and gated for real
    assert not at.exception, at.exception
    q = at.session_state["quiz"][0]
    assert at.radio[0].value is None and submit(at).disabled
    wrong = (q.keys[0] + 1) % 4
    before = len(bundled.bank.attempts())
    at.radio[0].set_value(wrong).run()
    submit(at).click().run()
    assert any("Not quite" in e.value for e in at.error)
    assert len(bundled.bank.attempts()) == before + 1
    assert sum("Correct:" in m.value or "Incorrect:" in m.value for m in at.markdown) == 4  # every option explained
    assert not [b for b in at.button if b.label == "Submit"] and at.radio[0].disabled
    next(b for b in at.button if b.label == "Explain more").click().run()
    assert any("Concept to revisit" in m.value for m in at.markdown)
    # the follow-up is a real question: unanswered, then graded when answered
    follow = at.radio[1]
    assert follow.value is None
    check = next(b for b in at.button if b.label == "Check my answer")
    assert check.disabled
    key = at.session_state["explained"][1].follow_up.keys[0]
    follow.set_value(key).run()
    next(b for b in at.button if b.label == "Check my answer").click().run()
    assert not at.exception, at.exception
    assert sum("Correct!" in s.value for s in at.success) == 1
    assert not [b for b in at.button if b.label == "Check my answer"]


def test_explain_page_explains_an_inline_paste_with_no_default_answer(bundled):
    at = page("explain", bundled)
    at.text_area[0].input("The company runs consecutive SageMaker training jobs and must minimize infrastructure "
                          "start-up time. What should it use? A) Managed Spot Training with checkpointing "
                          "B) SageMaker AI managed warm pools C) A larger training instance type "
                          "D) SageMaker Pipelines step caching").run()
    assert not at.exception, at.exception
    radio = at.radio[0]
    assert radio.value is None  # no default answer
    assert radio.options[0] == "A. Managed Spot Training with checkpointing" and "A. A." not in " ".join(radio.options)
    assert next(b for b in at.button if b.label == "Explain").disabled  # nothing chosen, nothing to explain
    radio.set_value(0).run()
    next(b for b in at.button if b.label == "Explain").click().run()
    assert not at.exception, at.exception
    assert any("incorrect" in e.value for e in at.error)
    assert any("warm pools" in m.value.lower() for m in at.markdown)


def test_explain_page_says_what_to_fix_in_a_paste_without_options(bundled):
    at = page("explain", bundled)
    at.text_area[0].input("Which service detects data drift in production?").run()
    assert any("no options found" in w.value.lower() for w in at.warning), all_text(at)


def test_explain_page_options_apart_keep_single_letters(bundled):
    at = page("explain", bundled)
    at.text_area[0].input("Which service detects data drift in production?")
    at.text_area[1].input("A. SageMaker Model Monitor\nB) SageMaker Debugger\nC. Amazon Macie").run()
    assert at.radio[0].options == ["A. SageMaker Model Monitor", "B. SageMaker Debugger", "C. Amazon Macie"]


def test_library_shows_coverage(bundled):
    at = page("library", bundled)
    assert not at.exception
    assert at.dataframe and "thin tasks: none" in all_text(at)
    assert all(d.proto.placeholder == "–" for d in at.dataframe)


def test_library_offers_indexing_when_empty(make_assistant, small_corpus):
    a = make_assistant(corpus=small_corpus)
    a.use_llm(ScriptedLLM())
    at = page("library", a)
    next(b for b in at.button if b.label == "Index the bundled notes").click().run()
    assert a.index.exists() and not at.exception


def practice_quiz(at, kind: str, task: str):
    """Put one question of the given format (built from the task's facts, not gated: the gate is not under test
    here) on the Practice page, as New quiz would."""
    a = at.session_state["assistant"]
    q = a.quiz_maker(seed=3).build(task, kind, used=set())[0]
    a.bank.add_question(q)
    for name, value in {"quiz": [q], "current": 0, "graded": None, "score": 0}.items():
        at.session_state[name] = value
    return at.run(), q
def submit(at):
    return next(b for b in at.button if b.label == "Submit")


def test_practice_matching_cannot_be_submitted_until_every_item_is_chosen(bundled):
    at = page("practice", bundled)
    at, q = practice_quiz(at, "matching", "3.1")
    assert q.type == "matching"
    boxes = at.segmented_control
    assert len(boxes) == len(q.prompts) and all(b.value is None for b in boxes)  # nothing preselected
    assert all(len(b.options) == len(q.options) for b in boxes)  # every option on screen as a button
    assert submit(at).disabled
    for box, k in list(zip(at.segmented_control, q.keys))[:-1]:
        box.set_value(k)
    at.run()
    assert submit(at).disabled  # one item still unchosen
    answer_with(at, q, q.keys)
    assert not submit(at).disabled
    submit(at).click().run()
    assert any("Correct" in s.value for s in at.success)
    assert not [b for b in at.button if b.label == "Submit"]  # gone once graded
    assert all(b.disabled for b in at.segmented_control)  # the graded answer is locked


def test_practice_choose_two_takes_exactly_two(bundled):
    at = page("practice", bundled)
    at, q = practice_quiz(at, "multi", "2.2")
    assert q.type == "multi" and len(q.keys) == 2
    assert len(at.checkbox) == len(q.options)  # every option visible at once
    assert any("Choose 2" in c.value for c in at.caption)
    at.checkbox[q.keys[0]].check().run()
    assert submit(at).disabled  # one of two
    at.checkbox[q.keys[1]].check().run()
    others = [c for j, c in enumerate(at.checkbox) if j not in q.keys]
    assert others and all(c.disabled for c in others)  # a third cannot be chosen
    assert not submit(at).disabled
    at.checkbox[q.keys[1]].uncheck().run()
    assert not any(c.disabled for c in at.checkbox)  # unticking one frees the others


def test_practice_ordering_shows_every_step_and_needs_each_once(bundled):
    at = page("practice", bundled)
    at, q = practice_quiz(at, "ordering", "2.2")
    assert q.type == "ordering"
    assert len(at.segmented_control) == len(q.options)
    for box in at.segmented_control:
        box.set_value(q.keys[0])
    at.run()
    assert submit(at).disabled and any("appears twice" in w.value for w in at.warning)
    answer_with(at, q, q.keys)
    submit(at).click().run()
    assert any("Correct" in s.value for s in at.success)


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
    table = at.dataframe[0]
    assert table.value.isna().any().any() and table.proto.placeholder == "–"  # untried tasks: "–", never "None"


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


def test_library_shows_facts_mined_from_own_notes(make_assistant):
    """Notes the learner brings (here a cheat sheet from evals/notes) are mined at ingest; Library shows counts."""
    from tests.conftest import REPO

    a = make_assistant()
    a.use_llm(ScriptedLLM())
    a.ingest([REPO / "evals" / "notes" / "cheatsheet" / "03-deploy-orchestrate.md"], progress=False)
    at = page("library", a)
    assert not at.exception
    mined = [d.value for d in at.dataframe if "decisions" in d.value.columns]
    assert mined and mined[0]["decisions"].sum() > 0, all_text(at)
    assert "03-deploy-orchestrate.md" in " ".join(mined[0]["note"])
