"""Mock exam: the blueprint's questions and proportions, timed, resumable, scored per domain at the end.

As in the real exam: no hint of the domain or task while answering; answers can be changed, questions skipped
and flagged for review, a review screen lists them all, and finishing early asks for confirmation.
"""
import time

import streamlit as st

from assistant.learner.exam import PASS_MARK, ExamShort
from assistant.learner.exam import score as score_exam
from ui.common import (answer_widgets, assistant, percent_bars, preset_answer, require_index, safe, show_error,
                       show_key)

a = assistant()
st.title("Mock exam")
require_index(a)
bp = a.blueprint
state = st.session_state


def start(n: int, minutes: float) -> None:
    try:
        with st.spinner(f"Assembling {n} questions from your question bank and the decision facts ..."):
            exam = a.exams.create(n, minutes, progress=False)
    except ExamShort as short:
        state["short"] = (short.available, str(short))
        return
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
        st.stop()
    state.pop("short", None)
    state.update(exam_id=exam.id, shown_at=time.monotonic(), pos=0, view="question")
    st.rerun()


exam = a.exams.load(state["exam_id"]) if state.get("exam_id") else a.exams.unfinished()
if exam is None or (exam.finished is not None and not state.get("exam_id")):
    st.write(f"{bp.questions} questions in the exam's domain proportions and formats, {bp.minutes} minutes. "
             "Skip, flag and go back as in the real exam; time counts only while the exam is open, so you can "
             "leave at any time and resume here.")
    n = st.number_input("Questions", 1, 200, bp.questions)
    minutes = st.number_input("Minutes", 1, 600, bp.minutes)
    if st.button("Start exam", type="primary"):
        start(int(n), float(minutes))
    if state.get("short"):
        available, message = state["short"]
        st.warning(safe(message[:1].upper() + message[1:]) + ".")
        if available and st.button(f"Start a {available}-question exam", type="primary"):
            start(available, float(minutes) * available / max(1, int(n)))
    st.stop()

state["exam_id"] = exam.id
state.setdefault("shown_at", time.monotonic())
state.setdefault("pos", 0)
state.setdefault("view", "question")


def spent() -> float:
    """Seconds since the last save; the clock restarts."""
    now = time.monotonic()
    seconds, state["shown_at"] = now - state["shown_at"], now
    return seconds


left = exam.remaining - (time.monotonic() - state["shown_at"])
if exam.finished is None and left <= 0:
    st.warning("Time is up: the exam is scored with the answers you saved.")
    a.exams.tick(exam, spent())
    a.exams.finish(exam)

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
        for k in ("exam_id", "pos", "view", "confirm", "shown_at"):
            state.pop(k, None)
        st.rerun()
    st.stop()

total = len(exam.questions)
done = total - len(exam.unanswered)
st.progress(done / total, text=f"{done} of {total} answered · {len(exam.flagged)} flagged · "
                               f"{max(0, left) / 60:.0f} min left")


def confirm_finish(consequence: str, *, review: bool) -> None:
    """Ask before scoring: finish, (review first,) or keep working."""
    st.warning(f"Finish and score the exam now? {consequence} You cannot change answers afterwards.")
    columns = st.columns(3 if review else 2)
    if columns[0].button("Yes, finish and score", type="primary"):
        a.exams.tick(exam, spent())
        a.exams.finish(exam)
        state.pop("confirm", None)
        st.rerun()
    if review and columns[1].button("Review first"):
        go("review")
    if columns[-1].button("Keep working"):
        go("question")


def go(view: str, pos: int | None = None) -> None:
    a.exams.tick(exam, spent())
    state["view"] = view
    if pos is not None:
        state["pos"] = pos
    state.pop("confirm", None)
    st.rerun()


if state["view"] == "review":
    st.subheader("Review")
    st.caption("Open any question to check or change it. ⚑ flagged · ○ unanswered · ● answered")
    per_row = 10
    for row in range(0, total, per_row):
        cols = st.columns(per_row)
        for i in range(row, min(row + per_row, total)):
            mark = ("⚑ " if i in exam.flagged else "") + ("●" if exam.answer_of(i) else "○")
            if cols[i - row].button(f"{i + 1} {mark}", key=f"review-{i}", width="stretch"):
                go("question", i)
    unanswered, flagged = exam.unanswered, sorted(exam.flagged)
    st.write(f"Unanswered: {', '.join(str(i + 1) for i in unanswered) or 'none'} · "
             f"flagged: {', '.join(str(i + 1) for i in flagged) or 'none'}")
    cols = st.columns(2)
    if cols[0].button("Back to the questions"):
        go("question")
    if cols[1].button("Finish exam", type="primary"):
        state["confirm"] = True
    if state.get("confirm"):
        confirm_finish(f"{len(unanswered)} unanswered question(s) count as wrong; {len(flagged)} flagged.",
                       review=False)
    st.stop()

position = min(state["pos"], total - 1)
q = exam.questions[position]
key = f"exam-{exam.id}-{position}"
st.subheader(f"Question {position + 1} of {total}")
if position in exam.answers:  # graded before drafts existed (or by `study exam`): shown, not changeable
    st.caption("Answered and graded; it cannot be changed.")
    answer_widgets(q, key=key, disabled=True)
    answer = exam.answer_of(position)
else:
    preset_answer(q, key, exam.drafts.get(position, []))
    answer = answer_widgets(q, key=key)
flag_key = f"flag-{exam.id}-{position}"
state.setdefault(flag_key, position in exam.flagged)
flagged = st.checkbox("Flag for review", key=flag_key)
if position not in exam.answers and (answer != exam.drafts.get(position, []) or flagged != (position in exam.flagged)):
    a.exams.save(exam, position, answer, spent(), flagged=flagged)  # saved as it changes: a reload loses nothing

cols = st.columns(4)
if cols[0].button("Previous", disabled=position == 0, width="stretch"):
    go("question", position - 1)
if cols[1].button("Next" if answer else "Skip", key="next", disabled=position == total - 1, width="stretch"):
    go("question", position + 1)
if cols[2].button("Review all", width="stretch"):
    go("review")
if cols[3].button("Finish exam", width="stretch"):
    state["confirm"] = True
if state.get("confirm"):
    confirm_finish(f"{len(exam.unanswered)} unanswered question(s) count as wrong.", review=True)
