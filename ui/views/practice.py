"""Practice: one question at a time, instant grading with every option explained and cited."""
import streamlit as st

from assistant.quiz.models import LETTERS
from ui.common import answer_widgets, assistant, require_index, safe, show_error, show_key

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
st.caption(f"Question {i + 1} of {len(quiz)} · {q.type} · domain {q.domain} · task {q.task}")
answer = answer_widgets(q, key=f"a{q.id}")

if st.session_state.get("graded") != q.id and st.button("Submit", disabled=not answer):
    correct = a.record_attempt(q, answer)
    st.session_state.update(graded=q.id, last=(answer, correct), score=st.session_state["score"] + correct)
if st.session_state.get("graded") == q.id:
    answer, correct = st.session_state["last"]
    (st.success if correct else st.error)("Correct!" if correct else f"Not quite. The answer is {q.key_letters}.")
    show_key(q)
    if not correct and q.type == "mcq" and st.button("Explain more"):
        e = a.explainer(with_model=False).explain_question(q, answer)
        st.markdown(f"**The confusion:** {safe(e.confusion)}")
        if e.follow_up:
            st.markdown(f"**Follow-up:** {safe(e.follow_up.stem)}")
            for j, o in enumerate(e.follow_up.options):
                st.markdown(f"{LETTERS[j]}. {safe(o)}")
            st.caption(f"Answer: {e.follow_up.key_letters}")
    if st.button("Next question"):
        st.session_state.update(current=i + 1, graded=None)
        st.rerun()
