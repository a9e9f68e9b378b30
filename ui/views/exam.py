"""Mock exam: the blueprint's questions and proportions, timed, resumable, scored per domain at the end."""
import time

import streamlit as st

from assistant.learner.exam import PASS_MARK
from assistant.learner.exam import score as score_exam
from ui.common import answer_widgets, assistant, percent_bars, require_index, safe, show_error, show_key

a = assistant()
st.title("Mock exam")
require_index(a)
bp = a.blueprint

exam = a.exams.load(st.session_state["exam_id"]) if st.session_state.get("exam_id") else a.exams.unfinished()
if exam is None or (exam.finished is not None and not st.session_state.get("exam_id")):
    st.write(f"{bp.questions} questions in the exam's domain proportions and formats, {bp.minutes} minutes. "
             "Time counts only while you answer; leave at any time and resume here or with `study exam`.")
    n = st.number_input("Questions", 1, 200, bp.questions)
    minutes = st.number_input("Minutes", 1, 600, bp.minutes)
    if st.button("Start exam", type="primary"):
        try:
            with st.spinner("Assembling the exam from your question bank and the decision facts ..."):
                exam = a.exams.create(int(n), float(minutes), progress=False)
        except Exception as exc:  # noqa: BLE001
            show_error(exc)
            st.stop()
        st.session_state.update(exam_id=exam.id, shown_at=time.monotonic())
        st.rerun()
    st.stop()

st.session_state["exam_id"] = exam.id
if exam.finished is None and (exam.next_position is None or exam.remaining <= 0 or st.session_state.get("finish")):
    a.exams.finish(exam)
    st.session_state.pop("finish", None)

if exam.finished is not None:
    score = score_exam(exam)
    verdict = "at or above" if score.passed else "below"
    st.metric("Score", f"{score.correct}/{score.total}")
    st.caption(f"{100 * score.share:.0f}% correct: {verdict} the ~{100 * PASS_MARK:.0f}% rough guide "
               "(the real exam passes at 720 of a scaled 1000).")
    names = {d.id: f"D{d.id} {d.name}" for d in bp.domains}
    percent_bars([{"domain": f"{names[d]} ({c}/{t})", "% correct": 100 * c / t} for d, (c, t) in score.per_domain.items()],
                 "domain", ["% correct"])
    st.subheader(f"Missed questions ({len(score.misses)})")
    for position, q, answer in score.misses:
        with st.expander(f"Question {position + 1} · task {q.task} · key {q.key_letters}"):
            st.markdown(safe(q.stem))
            st.caption("Not answered" if answer is None else
                       "You answered " + ", ".join("ABCDEFGH"[i] for i in answer if 0 <= i < 8))
            show_key(q)
    if st.button("New exam"):
        st.session_state.pop("exam_id", None)
        st.rerun()
    st.stop()

position = exam.next_position
q = exam.questions[position]
st.session_state.setdefault("shown_at", time.monotonic())
left = exam.remaining - (time.monotonic() - st.session_state["shown_at"])
st.progress(len(exam.answers) / len(exam.questions),
            text=f"Question {position + 1} of {len(exam.questions)} · {max(0, left) / 60:.0f} min left")
st.caption(f"{q.type} · domain {q.domain} · task {q.task}")
answer = answer_widgets(q, key=f"exam-{exam.id}-{position}")
cols = st.columns(2)
if cols[0].button("Submit answer", type="primary", disabled=not answer):
    a.exams.answer(exam, position, answer, time.monotonic() - st.session_state["shown_at"])
    st.session_state["shown_at"] = time.monotonic()
    st.rerun()
if cols[1].button("Finish now"):
    st.session_state["finish"] = True
    st.rerun()
