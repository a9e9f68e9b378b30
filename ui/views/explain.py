"""Explain: paste a question, its options and your answer (key optional)."""
import streamlit as st

from assistant.quiz.models import LETTERS
from ui.common import assistant, citation_expanders, require_index, safe, show_error

a = assistant()
st.title("Explain an answer")
require_index(a)
stem = st.text_area("Question")
options = [o.strip() for o in st.text_area("Options, one per line").splitlines() if o.strip()]
if len(options) < 2:
    st.info("Paste the question and at least two options.")
    st.stop()
letters = [f"{LETTERS[i]}. {o}" for i, o in enumerate(options[: len(LETTERS)])]
chosen = st.selectbox("Your answer", range(len(letters)), format_func=lambda i: letters[i])
key = st.selectbox("Correct answer (if known)", [None, *range(len(letters))],
                   format_func=lambda i: "I don't know: let the notes decide" if i is None else letters[i])
if st.button("Explain", type="primary", disabled=not stem.strip()):
    try:
        e = a.explainer().explain(stem, options, chosen, key)
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
        st.stop()
    (st.success if e.verdict == "correct" else st.error)(f"Your answer is {e.verdict}.")
    if not e.key_given:
        st.markdown(f"The notes point to **{safe(e.key)}** (confidence {e.confidence:.0%}).")
    if e.why_chosen_wrong:
        st.markdown(f"**Why it is wrong:** {safe(e.why_chosen_wrong)}")
    st.markdown(f"**Why the key is right:** {safe(e.why_key_right)}")
    st.markdown(f"**The confusion:** {safe(e.confusion)}")
    citation_expanders(e.citations)
    if e.follow_up:
        st.markdown(f"**Follow-up question:** {safe(e.follow_up.stem)}")
        for j, o in enumerate(e.follow_up.options):
            st.markdown(f"{LETTERS[j]}. {safe(o)}")
        st.caption(f"Answer: {e.follow_up.key_letters}")
