"""Study Assistant UI: `streamlit run ui/app.py` (make run does this, on http://127.0.0.1:8501)."""
import sys
from pathlib import Path

# `streamlit run ui/app.py` (the console script, as `make run` calls it) puts ui/ first on the import path,
# not the repository root; every page imports `ui.common` and `assistant`, so the root goes on the path here,
# before any page runs (pages share this process's sys.path).
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

st.set_page_config(page_title="Study Assistant — MLA-C01", page_icon=":material/school:", layout="wide")
pages = [
    st.Page("views/ask.py", title="Ask", icon=":material/chat:", default=True),
    st.Page("views/practice.py", title="Practice", icon=":material/quiz:"),
    st.Page("views/explain.py", title="Explain", icon=":material/help:"),
    st.Page("views/exam.py", title="Mock exam", icon=":material/timer:"),
    st.Page("views/progress.py", title="Progress", icon=":material/insights:"),
    st.Page("views/library.py", title="Library", icon=":material/library_books:"),
]
st.navigation(pages).run()
