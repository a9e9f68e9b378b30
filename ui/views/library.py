"""Library: what is indexed (coverage per task), upload notes, re-index, settings and status."""
import pandas as pd
import streamlit as st

from assistant.ingest.loaders import LoadError
from assistant.ingest.uploads import save_upload, uploads_dir
from ui.common import assistant, safe, show_error

a = assistant()
st.title("Library")
status = st.columns([1, 1, 3])
status[0].metric("Indexed files", len(a.index.load_manifest()["files"]))
status[1].metric("Backend", a.settings.llm.backend)
model = a.settings.llm.bedrock_model_id if a.settings.llm.backend == "bedrock" else a.llm.model
status[2].metric("Model", model, help=model)

with st.expander("Model settings"):
    llm = a.settings.llm
    backends = ["local", "bedrock"]
    backend = st.radio("Backend", backends, index=backends.index(llm.backend) if llm.backend in backends else 0,
                       horizontal=True)
    model_path = st.text_input("Local GGUF file (empty: the packaged Qwen2.5-Coder-1.5B)", str(llm.model_path or ""))
    model_id = st.text_input("Bedrock model or inference profile id", llm.bedrock_model_id)
    region = st.text_input("Bedrock region", llm.bedrock_region)
    if st.button("Apply"):
        if not model_id.strip() or not region.strip():
            st.error("Give a Bedrock model id and a region (e.g. amazon.nova-lite-v1:0 in us-east-1).")
        else:
            try:
                a.switch_llm(backend=backend, model_path=model_path.strip() or None,
                             bedrock_model_id=model_id.strip(), bedrock_region=region.strip())
            except Exception as exc:  # noqa: BLE001
                show_error(exc)
            else:
                st.rerun()


def reindex(paths) -> None:
    bar = st.progress(0.0, text="Indexing ...")
    try:
        report = a.ingest(paths, progress=False)
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
        return
    bar.progress(1.0, text=f"Indexed: {len(report.added)} new, {len(report.changed)} changed, "
                            f"+{report.chunks_added} chunks in {report.seconds:.1f}s")
    for err in report.errors:
        st.warning(f"{safe(err.source)}: {safe(err.message)}")


if not a.index.exists():
    st.warning("No notes are indexed yet.")
    if st.button("Index the bundled notes", type="primary"):
        reindex([a.settings.corpus])
        st.rerun()
    st.stop()

st.subheader("Coverage of the exam")
from assistant.knowledge.coverage import coverage_report  # noqa: E402

report = coverage_report(a)
table = pd.DataFrame(report["tasks"]).set_index("task")[["title", "chunks", "files", "facts", "thin"]]
st.bar_chart(table["chunks"], x_label="exam task", y_label="indexed passages (chunks)")
st.dataframe(table, placeholder="–")
st.caption(f"Untagged chunks (notes without front matter): {report['untagged']} · thin tasks: "
           f"{', '.join(report['thin']) or 'none'}")

st.subheader("Facts mined from your notes")
from assistant.knowledge.fact_store import fact_summary  # noqa: E402

mined = fact_summary(a)
if not mined:
    st.caption("None yet: the bundled notes use their hand-written facts; notes you add are mined for decisions, "
               "steps and pairings when they are indexed (`study facts` lists them).")
else:
    st.dataframe(pd.DataFrame([{"note": src, "words": m["words"], "decisions": m["decisions"],
                                "sequences": m["sequences"], "matchings": m["matchings"],
                                "per 1,000 words": m["per_1k_words"], "dropped": m["rejected"]}
                               for src, m in mined.items()]), hide_index=True, placeholder="–")
    for src, m in mined.items():
        with st.expander(f"{src}: samples"):
            if m["error"]:
                st.warning(safe(m["error"]))
            for line in m["samples"]:
                st.text(line)
            for line in m["rejected_samples"]:
                st.caption("dropped · " + safe(line))

st.subheader("Add your notes")
files = st.file_uploader("Markdown, text, PDF or HTML", type=["md", "markdown", "txt", "pdf", "html", "htm"],
                         accept_multiple_files=True)
if files and st.button("Upload and index"):
    saved = 0
    for f in files:
        try:
            save_upload(a.settings.data_dir, f.name, f.getvalue(), int(a.settings.store.max_file_mb * 1e6))
            saved += 1
        except LoadError as exc:
            st.warning(safe(str(exc)))
    if saved:
        reindex([uploads_dir(a.settings.data_dir)])
if st.button("Re-index the bundled notes"):
    reindex([a.settings.corpus])
