"""What every page shares: the assistant (built once per process) and safe rendering of untrusted text.

Model output and note text are never rendered as HTML, links or images: Markdown control characters are
escaped after `assistant.answering.render.inert` has removed links, images and control codes.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answering.render import inert  # noqa: E402

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def safe(text: str) -> str:
    """Markdown-escaped, inert text: shows exactly the characters, renders nothing."""
    return _MD_SPECIAL.sub(r"\\\1", inert(text or ""))


@st.cache_resource(show_spinner="Loading the assistant (embedding model, index) ...")
def _build():
    from assistant.app import build_assistant

    return build_assistant()


def assistant():
    """The assistant for this session: a test may put its own in session state; otherwise one per process."""
    if "assistant" in st.session_state:
        return st.session_state["assistant"]
    return _build()


def show_error(exc: Exception) -> None:
    """A plain message, never a traceback."""
    st.error(safe(str(exc)) or type(exc).__name__)


def require_index(a) -> None:
    if not a.index.exists():
        st.warning("No notes are indexed yet. Open **Library** and index the bundled notes (or upload your own), "
                   "or run `study ingest`.")
        st.stop()


def citation_expanders(citations) -> None:
    for c in citations:
        with st.expander(f"[{c.n}] {c.source} — {c.heading}"):
            st.text(c.text)


def answer_widgets(q, key: str, disabled: bool = False) -> list[int]:
    """The input for one question of any format; returns the chosen option indices, empty until the learner has
    chosen a complete answer: nothing is preselected, "Choose N" takes exactly N, every option is on screen."""
    from assistant.quiz.models import LETTERS

    labels = [f"{LETTERS[j]}. {o}" for j, o in enumerate(q.options)]
    st.markdown(safe(q.stem))
    if q.type == "mcq":
        pick = st.radio("Your answer", range(len(labels)), format_func=lambda j: labels[j], index=None, key=key,
                        disabled=disabled)
        return [] if pick is None else [pick]
    if q.type == "multi":
        need = len(q.keys)
        boxes = [f"{key}-{j}" for j in range(len(labels))]
        ticked = [j for j, b in enumerate(boxes) if st.session_state.get(b)]
        st.caption(f"Choose {need} ({len(ticked)} chosen)")
        for j, b in enumerate(boxes):  # once N are ticked the others wait until one is unticked
            st.checkbox(safe(labels[j]), key=b, disabled=disabled or (len(ticked) >= need and j not in ticked))
        return ticked if len(ticked) == need else []
    if q.type == "ordering":
        st.caption("Put the steps in order: choose the letter of each step, first to last.")
        for j, label in enumerate(labels):
            st.markdown(safe(label))
        steps = [st.segmented_control(f"Step {n + 1}", list(range(len(labels))), format_func=lambda j: LETTERS[j],
                                      key=f"{key}-{n}", disabled=disabled) for n in range(len(labels))]
        chosen = [s for s in steps if s is not None]
        if len(set(chosen)) < len(chosen):
            st.warning("Each step goes in one place only: change the letter that appears twice.")
            return []
        return chosen if len(chosen) == len(labels) else []
    st.caption("Match each item with an option: choose the option's letter for every item.")
    for label in labels:
        st.markdown(safe(label))
    picks = [st.segmented_control(f"{n + 1}. {p}", list(range(len(labels))), format_func=lambda j: LETTERS[j],
                                  key=f"{key}-{n}", disabled=disabled) for n, p in enumerate(q.prompts)]
    return picks if all(p is not None for p in picks) else []


def preset_answer(q, key: str, answer: list[int]) -> None:
    """Put a saved answer into the widgets answer_widgets(q, key) draws, unless the learner is already editing them."""
    if not answer:
        return
    if q.type == "mcq":
        st.session_state.setdefault(key, answer[0])
    elif q.type == "multi":
        for j in range(len(q.options)):
            st.session_state.setdefault(f"{key}-{j}", j in answer)
    else:
        for n, j in enumerate(answer):
            st.session_state.setdefault(f"{key}-{n}", j)


def show_key(q) -> None:
    """The key and the explanation of every option (or matching prompt), then the cited passages."""
    from assistant.quiz.models import LETTERS

    names = [f"{n + 1}. {p}" for n, p in enumerate(q.prompts)] if q.type == "matching" else \
        [f"{LETTERS[j]}. {o}" for j, o in enumerate(q.options)]
    for name, why in zip(names, q.explanations):
        st.markdown(f"**{safe(name)}** — {safe(why)}")
    citation_expanders(q.citations)


def follow_up(question, token) -> None:
    """A follow-up question on the same concept, answered and graded in place (`token` names it in the session)."""
    st.markdown("**Follow-up question** on the same concept:")
    done = st.session_state.get("followed") == token
    picked = answer_widgets(question, key=f"follow-{token}", disabled=done)
    if not done:
        if st.button("Check my answer", disabled=not picked):
            st.session_state["followed"] = token
            st.rerun()
        return
    right = question.grade(picked)
    (st.success if right else st.error)("Correct!" if right else f"Not quite. The answer is {question.key_letters}.")
    show_key(question)


def percent_bars(rows: list[dict], label: str, values: list[str]) -> None:
    """Horizontal bars on a fixed 0-100 % axis (rows: {label: ..., value: ...}), one colour per value column."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(rows).melt(id_vars=[label], value_vars=values, var_name="measure", value_name="percent")
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("percent:Q", scale=alt.Scale(domain=[0, 100]), title="percent"),
        y=alt.Y(f"{label}:N", title=None, sort=None, axis=alt.Axis(labelLimit=0)),  # 0: labels never cut off
        yOffset="measure:N", color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[label, "measure", alt.Tooltip("percent:Q", format=".0f")])
    st.altair_chart(chart, width="stretch")
