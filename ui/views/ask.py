"""Ask: chat with streamed answers; every [n] opens its passage; unsupported sentences marked."""
import streamlit as st

from ui.common import assistant, citation_expanders, require_index, safe, show_error

a = assistant()
st.title("Ask your notes")
require_index(a)
domain = st.sidebar.selectbox("Domain", [None, 1, 2, 3, 4], format_func=lambda d: "All domains" if d is None else f"Domain {d}")
st.sidebar.caption(f"Backend: {a.settings.llm.backend} · model: {a.llm.model}")
st.session_state.setdefault("chat", [])


def show(answer) -> None:
    if answer.refused:
        st.info(safe(answer.answer))
        return
    st.markdown(safe(answer.answer))
    if not answer.complete:
        st.warning("The answer was cut off: " + safe(answer.error or "incomplete output"))
    for sentence in answer.unsupported:
        st.warning("Not supported by your notes (left out): " + safe(sentence))
    if answer.filled:
        st.caption(f"{len(answer.filled)} sentence(s) quoted from your notes: the model left out part of the key "
                   "point.")
    citation_expanders(answer.citations)


for question, answer in st.session_state["chat"]:
    st.chat_message("user").text(question)
    with st.chat_message("assistant"):
        show(answer)

if prompt := st.chat_input("Ask about the MLA-C01 exam"):
    st.chat_message("user").text(prompt)
    with st.chat_message("assistant"):
        live, parts = st.empty(), []
        try:
            answer = a.ask(prompt, domain=domain, on_text=lambda t: (parts.append(t), live.text("".join(parts))))
        except Exception as exc:  # noqa: BLE001 - shown as a plain message
            show_error(exc)
            st.stop()
        live.empty()
        show(answer)
    st.session_state["chat"].append((prompt, answer))
