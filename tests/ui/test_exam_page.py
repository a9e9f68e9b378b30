"""The Mock exam page through AppTest: the real bundled index, facts, gate and learner database."""
from tests.conftest import wrong
from tests.ui.helpers import all_text, answer_with, button, page


def test_mock_exam_page_resumes_scores_per_domain_and_lists_misses(learner):
    exam = learner.exams.create(n=3, minutes=10, seed=5, progress=False)
    learner.exams.answer(exam, 0, exam.questions[0].keys, 30)  # answered (graded) before an interruption
    learner.exams.save(exam, 1, exam.questions[1].keys, 20)  # a draft, kept until the finish
    at = page("exam", learner)
    assert not at.exception, at.exception
    assert "2 of 3 answered" in at.get("progress")[0].proto.text
    assert all("task" not in c.value and "domain" not in c.value for c in at.caption)  # no hint while answering
    button(at, "Next").click().run()
    button(at, "Next").click().run()
    q = exam.questions[2]
    answer_with(at, q, wrong(q) if q.type == "mcq" else q.keys)
    button(at, "Finish exam").click().run()
    assert not at.metric  # not finished without confirmation
    button(at, "Yes, finish and score").click().run()
    assert not at.exception, at.exception
    assert at.metric and at.metric[0].label == "Score"
    missed = 1 if q.type == "mcq" else 0
    assert at.metric[0].value == f"{3 - missed}/3"
    assert len([e for e in at.expander if e.label.startswith("Question ")]) == missed
    assert learner.exams.unfinished() is None and len(learner.bank.history()) == 3


def test_mock_exam_page_flag_skip_back_review_and_confirm(learner):
    at = page("exam", learner)
    at.number_input[0].set_value(3)
    at.number_input[1].set_value(5)
    button(at, "Start exam").click().run()
    assert not at.exception, at.exception
    exam = learner.exams.unfinished()
    assert exam is not None and len(exam.questions) == 3 and exam.seconds_allowed == 300
    first = exam.questions[0]
    answer_with(at, first, first.keys)
    at.checkbox[-1].check().run()  # flag for review
    button(at, "Next").click().run()
    assert at.subheader[0].value == "Question 2 of 3"
    button(at, "Skip").click().run()  # nothing chosen: skipped
    button(at, "Previous").click().run()
    button(at, "Previous").click().run()
    assert at.subheader[0].value == "Question 1 of 3"
    saved = learner.exams.load(exam.id)
    assert saved.drafts == {0: first.keys} and saved.flagged == {0}
    assert at.checkbox[-1].value  # the flag and the answer are shown again
    if first.type == "mcq":
        assert at.radio[0].value == first.keys[0]
    button(at, "Review all").click().run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("review-")]
    assert labels == ["1 ⚑ ●", "2 ○", "3 ○"]
    assert any("Unanswered: 2, 3" in m.value for m in at.markdown), all_text(at)
    button(at, "Finish exam").click().run()
    assert any("2 unanswered" in w.value for w in at.warning) and not at.metric
    button(at, "Keep working").click().run()
    assert learner.exams.unfinished() is not None
    button(at, "Finish exam").click().run()
    button(at, "Yes, finish and score").click().run()
    assert at.metric[0].value == "1/3" and learner.exams.unfinished() is None


def test_default_mock_exam_assembles_65_questions_quickly(learner):
    import time

    at = page("exam", learner)
    assert at.number_input[0].value == 65
    started, cpu = time.perf_counter(), time.process_time()
    button(at, "Start exam").click().run(timeout=1800)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert not at.exception, at.exception
    exam = learner.exams.unfinished()
    assert exam is not None and len(exam.questions) == 65, all_text(at)
    domains = [q.domain for q in exam.questions]
    assert [domains.count(d) for d in (1, 2, 3, 4)] == [18, 17, 14, 16]  # the blueprint's proportions
    print(f"65-question exam assembled in {seconds:.1f}s ({cpu:.1f} CPU-s)")
    assert cpu < 120  # CPU time, not wall time: on a busy machine the wall clock says little (~2 CPU-min before)


def test_mock_exam_page_offers_the_largest_exam_it_can_build(learner, monkeypatch):
    from assistant.learner.exam import ExamShort

    real = learner.exams.create

    def short(n, minutes=None, **kw):
        if n > 2:
            raise ExamShort(n, 2, ["2.3"])
        return real(n, minutes, **kw)

    monkeypatch.setattr(learner.exams, "create", short)
    at = page("exam", learner)
    button(at, "Start exam").click().run()
    warning = " ".join(w.value for w in at.warning)
    assert "only 2 of 65" in warning.lower() and "--n" not in warning and "study" not in warning
    button(at, "Start a 2-question exam").click().run()
    assert not at.exception, at.exception
    assert len(learner.exams.unfinished().questions) == 2
