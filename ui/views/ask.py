"""Ask: chat with streamed answers; every [n] opens its passage; unsupported sentences marked.

One question at a time: a question goes into the history before it is answered, the input is disabled while
an answer is written, and a question left unanswered by an interrupted run is answered on the next run, so no
question or answer ever disappears from the history.
"""
import streamlit as st

from assistant.answering.render import renumber
from ui.common import assistant, citation_expanders, require_index, safe

EXAMPLES = ["How can I minimise start-up time for consecutive SageMaker training jobs?",
            "When should I use asynchronous inference instead of a real-time endpoint?",
            "What is the difference between data drift and concept drift?"]

a = assistant()
st.title("Ask your notes")
require_index(a)
domain = st.sidebar.selectbox("Domain", [None, 1, 2, 3, 4], format_func=lambda d: "All domains" if d is None else f"Domain {d}")
model = a.settings.llm.bedrock_model_id if a.settings.llm.backend == "bedrock" else \
    (a.llm.model if "llm" in a.__dict__ else "the packaged local model (loads with the first question)")
st.sidebar.markdown(f"**Backend:** {safe(a.settings.llm.backend)}  \n**Model:** {safe(model)}")
chat = st.session_state.setdefault("chat", [])  # [{"question": str, "answer": Answer | None, "error": str}]
# the input is pinned to the bottom wherever it is called; called first, the run that receives a question also
# answers it, and the input stays disabled until that run ends
if prompt := st.chat_input("Ask about the MLA-C01 exam", submit_mode="disable"):
    chat.append({"question": prompt, "answer": None, "error": ""})


def show(answer) -> None:
    if answer.refused:  # names the closest notes only when they are close (see answering.answer.refusal_kind)
        st.info(safe(answer.answer))
        return
    text, citations = renumber(answer.answer, answer.citations)
    st.markdown(safe(text))
    if not answer.complete:
        st.warning("The answer was cut off: " + safe(answer.error or "incomplete output"))
    for sentence in answer.unsupported:
        st.warning("Not supported by your notes (left out): " + safe(sentence))
    if answer.filled:
        st.caption(f"{len(answer.filled)} sentence(s) quoted from your notes: the model left out part of the key "
                   "point.")
    if getattr(answer, "model_choice", "") and answer.choice:
        st.caption(f"The model named {safe(answer.model_choice)}; the notes point to {safe(answer.choice)} for this "
                   f"question's constraints ({safe(answer.choice_confidence)} confidence), so the notes' choice is shown.")
    citation_expanders(citations)


def answer_pending(turn: dict) -> None:
    """Answer one question with a status that says what is happening from the moment it was asked."""
    from assistant.llm import local

    notes = st.empty()  # the verified note sentences, at once, above the model's stream
    with st.status("Searching your notes ...", expanded=False) as status:
        try:
            live, parts = st.empty(), []

            def on_instant(shown) -> None:
                text, citations = renumber(shown.text, shown.citations)
                with notes.container():
                    st.caption("From your notes (verified), while the model writes:")
                    st.markdown(safe(text))
                    st.caption("  \n".join(safe(f"[{c.n}] {c.source} — {c.heading}") for c in citations))
                if isinstance(a.llm, local.LocalLLM) and not local._MODELS:  # no weights in this process yet
                    status.update(label="Loading the language model (first question only, up to a minute or two) ...")
                else:
                    status.update(label="Reading the passages ...")

            def on_text(t: str) -> None:
                if not parts:
                    status.update(label="Writing the answer ...", expanded=True)
                parts.append(t)
                live.text("".join(parts))

            turn["answer"] = a.ask(turn["question"], domain=domain, on_text=on_text, on_instant=on_instant)
        except Exception as exc:  # noqa: BLE001 - shown as a plain message
            turn["error"] = safe(str(exc)) or type(exc).__name__
            status.update(label="Could not answer", state="error", expanded=False)
            return
        live.empty()
        notes.empty()  # the final answer below says it again, merged
        status.update(label="Answered", state="complete", expanded=False)


if not chat:
    st.markdown("Ask a question about the AWS Certified Machine Learning Engineer – Associate (MLA-C01) exam. "
                "Answers come only from your notes, and every sentence cites the passage it rests on; a question "
                "the notes do not cover is declined rather than guessed.")
    with st.expander("What each page does", expanded=True):
        st.markdown("- **Ask**: questions answered from your notes, with numbered sources.\n"
                    "- **Practice**: exam-style questions by domain, task or weak area, graded with every option "
                    "explained.\n"
                    "- **Explain**: paste a question from elsewhere and your answer; learn why it is right or wrong.\n"
                    "- **Mock exam**: a timed 65-question exam in the real proportions, with flag, skip and review.\n"
                    "- **Progress**: readiness estimate, weakest tasks, spaced reviews and gaps in your notes.\n"
                    "- **Library**: what is indexed, coverage of each exam task, your own notes, model settings.")
    st.caption("Try an example:")
    for example, col in zip(EXAMPLES, st.columns(len(EXAMPLES))):
        if col.button(example, key=f"example-{EXAMPLES.index(example)}", width="stretch"):
            chat.append({"question": example, "answer": None, "error": ""})
            st.rerun()

for turn in chat:
    st.chat_message("user").text(turn["question"])
    with st.chat_message("assistant"):
        if turn["answer"] is None and not turn["error"]:
            answer_pending(turn)
        if turn["error"]:
            st.error(turn["error"])
        elif turn["answer"] is not None:
            show(turn["answer"])
