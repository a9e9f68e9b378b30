"""Practice: one question at a time, instant grading with every option explained and cited."""
import streamlit as st

from assistant.quiz.models import LETTERS
from ui.common import assistant, citation_expanders, require_index, safe, show_error

a = assistant()
st.title("Practice questions")
require_index(a)
with st.sidebar:
    scope = st.selectbox("Scope", ["Whole exam", "Domain", "Task"])
    domain = st.selectbox("Domain", [1, 2, 3, 4]) if scope == "Domain" else None
    task = st.selectbox("Task", list(a.blueprint.tasks)) if scope == "Task" else None
    kind = st.selectbox("Format", ["mixed", "mcq", "multi", "ordering", "matching"])
    count = st.number_input("Questions", 1, 30, 5)
    if st.button("New quiz", type="primary"):
        try:
            result = a.quiz_maker().make(int(count), domain=domain, task=task, kind=kind, progress=False)
        except Exception as exc:  # noqa: BLE001
            show_error(exc)
            st.stop()
        st.session_state.update(quiz=result.accepted, current=0, graded=None, score=0)

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
st.markdown(safe(q.stem))
labels = [f"{LETTERS[j]}. {o}" for j, o in enumerate(q.options)]
if q.type == "mcq":
    pick = st.radio("Your answer", range(len(labels)), format_func=lambda j: labels[j], index=None, key=f"a{q.id}")
    answer = [] if pick is None else [pick]
elif q.type in ("multi", "ordering"):
    hint = "Choose TWO" if q.type == "multi" else "Select the steps in order"
    answer = st.multiselect(hint, range(len(labels)), format_func=lambda j: labels[j], key=f"a{q.id}")
else:
    answer = [st.selectbox(p, range(len(labels)), format_func=lambda j: labels[j], key=f"a{q.id}{n}")
              for n, p in enumerate(q.prompts)]

if st.session_state.get("graded") != q.id and st.button("Submit", disabled=not answer):
    correct = a.record_attempt(q, answer)
    st.session_state.update(graded=q.id, last=(answer, correct), score=st.session_state["score"] + correct)
if st.session_state.get("graded") == q.id:
    answer, correct = st.session_state["last"]
    (st.success if correct else st.error)("Correct!" if correct else f"Not quite. The answer is {q.key_letters}.")
    names = [f"{n + 1}. {p}" for n, p in enumerate(q.prompts)] if q.type == "matching" else labels
    for name, why in zip(names, q.explanations):
        st.markdown(f"**{safe(name)}** — {safe(why)}")
    citation_expanders(q.citations)
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
