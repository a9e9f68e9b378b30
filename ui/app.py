"""Study Assistant UI: `streamlit run ui/app.py` (make run does this, on http://127.0.0.1:8501)."""
import streamlit as st

st.set_page_config(page_title="Study Assistant — MLA-C01", page_icon="📘", layout="wide")
pages = [
    st.Page("pages/ask.py", title="Ask", icon="💬", default=True),
    st.Page("pages/practice.py", title="Practice", icon="📝"),
    st.Page("pages/explain.py", title="Explain", icon="🔍"),
    st.Page("pages/library.py", title="Library", icon="📚"),
]
st.navigation(pages).run()
