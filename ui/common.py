"""What every page shares: the assistant (built once per process) and safe rendering of untrusted text.

Model output and note text are never rendered as HTML, links or images: Markdown control characters are
escaped after `assistant.render.inert` has removed links, images and control codes.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.render import inert  # noqa: E402

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
