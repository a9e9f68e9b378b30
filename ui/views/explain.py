"""Explain: paste a question with its options (inline "A) ... B) ..." or one per line), choose your answer."""
import streamlit as st

from assistant.quiz.models import LETTERS
from assistant.quiz.pasted import PasteError, parse_pasted
from ui.common import (assistant, citation_expanders, follow_up, require_index, safe, show_error)

a = assistant()
st.title("Explain an answer")
require_index(a)
st.caption("Paste a practice question from anywhere with its options, choose the answer you gave, and see why it "
           "is right or wrong from your notes.")
paste = st.text_area("Question with its options", height=180,
                     placeholder="A team must minimize start-up time for consecutive SageMaker training jobs. "
                                 "What should they use? A) Managed Spot Training B) SageMaker managed warm pools "
                                 "C) A larger instance type D) Pipelines step caching")
with st.expander("Options apart (only if they are not in the paste above)"):
    apart = [o for o in st.text_area("Options, one per line").splitlines() if o.strip()]
if not paste.strip():
    st.info("Paste the question with its options (inline as A) ... B) ..., or one per line).")
    st.stop()
try:
    pasted = parse_pasted(paste, apart or None)
except PasteError as exc:
    st.warning(safe(str(exc)[:1].upper() + str(exc)[1:]) + ".")
    st.stop()

st.markdown(f"**Question:** {safe(pasted.stem)}")
letters = [f"{LETTERS[i]}. {o}" for i, o in enumerate(pasted.options)]
chosen = st.radio("Your answer", range(len(letters)), format_func=lambda i: letters[i], index=None)
key = st.selectbox("Correct answer (if known)", [None, *range(len(letters))],
                   format_func=lambda i: "I don't know: let the notes decide" if i is None else letters[i])
if chosen is None:
    st.caption("Choose the answer you gave to get an explanation.")
worded = st.toggle("Let the language model word the explanation (slower: up to minutes on a laptop CPU)", value=False,
                   help="The verdict is decided from your notes either way; the model only rewords it, and what it "
                        "writes is checked against the notes.")
asked = (paste, tuple(apart), chosen, key, worded)
if st.button("Explain", type="primary", disabled=chosen is None):
    try:
        with st.spinner("Reading your notes ..."):
            explainer = a.explainer(with_model=worded)
            st.session_state["explained"] = (asked, explainer.explain(pasted.stem, pasted.options, chosen, key))
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
        st.stop()
if st.session_state.get("explained", (None,))[0] != asked:  # kept across reruns while the inputs stay the same
    st.stop()
e = st.session_state["explained"][1]
if e.verdict == "correct":
    st.success("Your answer is correct.")
elif e.verdict == "incorrect":
    st.error("Your answer is incorrect.")
else:  # e.g. "undecided": the notes cannot separate the options; no grade, only what the notes say
    st.info("Your notes do not settle which option is right, so your answer is not graded. The closest notes are "
            "below.")
if e.verdict in ("correct", "incorrect"):
    if not e.key_given:
        st.markdown(f"The notes point to **{safe(e.key)}** (confidence {e.confidence:.0%}).")
    if e.why_chosen_wrong:
        st.markdown(f"**Why it is wrong:** {safe(e.why_chosen_wrong)}")
    if e.why_key_right:
        st.markdown(f"**Why the key is right:** {safe(e.why_key_right)}")
    if e.confusion:
        st.markdown(f"**Concept to revisit:** {safe(e.confusion)}")
citation_expanders(e.citations)
if e.follow_up:
    follow_up(e.follow_up, id(e))
