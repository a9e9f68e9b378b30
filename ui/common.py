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


def answer_widgets(q, key: str) -> list[int]:
    """The input for one question of any format; returns the chosen option indices (empty until answered)."""
    from assistant.quiz.models import LETTERS

    labels = [f"{LETTERS[j]}. {o}" for j, o in enumerate(q.options)]
    st.markdown(safe(q.stem))
    if q.type == "mcq":
        pick = st.radio("Your answer", range(len(labels)), format_func=lambda j: labels[j], index=None, key=key)
        return [] if pick is None else [pick]
    if q.type in ("multi", "ordering"):
        hint = f"Choose {len(q.keys)}" if q.type == "multi" else "Select the steps in order"
        return st.multiselect(hint, range(len(labels)), format_func=lambda j: labels[j], key=key)
    return [st.selectbox(p, range(len(labels)), format_func=lambda j: labels[j], key=f"{key}-{n}")
            for n, p in enumerate(q.prompts)]


def show_key(q) -> None:
    """The key and the explanation of every option (or matching prompt), then the cited passages."""
    from assistant.quiz.models import LETTERS

    names = [f"{n + 1}. {p}" for n, p in enumerate(q.prompts)] if q.type == "matching" else \
        [f"{LETTERS[j]}. {o}" for j, o in enumerate(q.options)]
    for name, why in zip(names, q.explanations):
        st.markdown(f"**{safe(name)}** — {safe(why)}")
    citation_expanders(q.citations)


def percent_bars(rows: list[dict], label: str, values: list[str]) -> None:
    """Horizontal bars on a fixed 0-100 % axis (rows: {label: ..., value: ...}), one colour per value column."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(rows).melt(id_vars=[label], value_vars=values, var_name="measure", value_name="percent")
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("percent:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
        y=alt.Y(f"{label}:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        yOffset="measure:N", color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[label, "measure", alt.Tooltip("percent:Q", format=".0f")])
    st.altair_chart(chart, use_container_width=True)
