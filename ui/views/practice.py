"""Practice: one question at a time, instant grading with every option explained and cited."""
import streamlit as st

from assistant.quiz.models import LETTERS
from ui.common import answer_widgets, assistant, follow_up, require_index, safe, show_error, show_key

a = assistant()
st.title("Practice questions")
require_index(a)
with st.sidebar:
    due = a.reviews.due()
    scope = st.selectbox("Scope", ["Whole exam", "Domain", "Task", "Weak areas", f"What's due ({len(due)})"])
    domain = st.selectbox("Domain", [1, 2, 3, 4]) if scope == "Domain" else None
    task = st.selectbox("Task", list(a.blueprint.tasks)) if scope == "Task" else None
    kind = st.selectbox("Format", ["mixed", "mcq", "multi", "ordering", "matching"])
    count = st.number_input("Questions", 1, 30, 5)
    if scope == "Weak areas":
        st.caption("Weakest tasks: " + ", ".join(a.weakest_tasks()))
    if st.button("New quiz", type="primary"):
        try:
            if scope.startswith("What's due"):
                maker = a.quiz_maker()
                questions = [q for q in (maker.for_review(d) for d in due[: int(count)]) if q is not None]
            else:
                tasks = a.weakest_tasks() if scope == "Weak areas" else None
                questions = a.quiz_maker().make(int(count), domain=domain, task=task, kind=kind, progress=False,
                                                tasks=tasks).accepted
        except Exception as exc:  # noqa: BLE001
            show_error(exc)
            st.stop()
        if not questions:
            st.info("Nothing is due for review right now." if scope.startswith("What's due") else
                    "No question passed the quality gate for this choice; try another scope.")
        st.session_state.update(quiz=questions, current=0, graded=None, score=0)

quiz = st.session_state.get("quiz")
if not quiz:
    st.info("Choose a scope and press **New quiz**.")
    st.stop()
i = st.session_state["current"]
if i >= len(quiz):
    st.success(f"Done: {st.session_state['score']}/{len(quiz)} correct. Attempts are saved.")
    st.stop()
q = quiz[i]
st.caption(f"Question {i + 1} of {len(quiz)} · domain {q.domain} · task {q.task}")
graded = st.session_state.get("graded") == q.id
answer = answer_widgets(q, key=f"a{q.id}", disabled=graded)

if not graded:
    if st.button("Submit", type="primary", disabled=not answer):
        correct = a.record_attempt(q, answer)
        st.session_state.update(graded=q.id, last=(answer, correct), score=st.session_state["score"] + correct)
        st.rerun()  # drawn again as graded: the answer locked, no Submit
    if not answer:
        st.caption("Choose your answer to submit it.")
    st.stop()

answer, correct = st.session_state["last"]
(st.success if correct else st.error)("Correct!" if correct else f"Not quite. The answer is {q.key_letters}.")
show_key(q)
if not correct and q.type == "mcq" and st.button("Explain more"):
    # kept: explaining again would draw a new follow-up question under the learner's answer
    st.session_state["explained"] = (q.id, a.explainer(with_model=False).explain_question(q, answer))
if st.session_state.get("explained", (None,))[0] == q.id:
    e = st.session_state["explained"][1]
    if e.why_chosen_wrong:
        st.markdown(f"**Why {LETTERS[answer[0]]} is wrong:** {safe(e.why_chosen_wrong)}")
    st.markdown(f"**Concept to revisit:** {safe(e.confusion)}")
    if e.follow_up:
        follow_up(e.follow_up, q.id)
if st.button("Next question", type="primary"):
    st.session_state.update(current=i + 1, graded=None)
    st.rerun()
