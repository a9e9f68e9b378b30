"""Progress: readiness, accuracy per domain and task as charts, due reviews, what to reread, gaps, exports."""
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from assistant.learner import exports
from ui.common import assistant, percent_bars, safe

a = assistant()
st.title("Progress")
report = a.progress()
r = report["readiness"]
cols = st.columns(3)
cols[0].metric("Readiness (expected score)", f"{100 * r['estimate']:.0f}%",
               help="Blueprint-weighted estimate from your attempts; recent attempts count more.")
cols[1].metric("90% range", f"{100 * r['low']:.0f}–{100 * r['high']:.0f}%", help="Few attempts give a wide range.")
cols[2].metric("Chance of the pass mark", f"{100 * r['pass_chance']:.0f}%",
               help="Chance that the readiness estimate is at or above the ~72% rough pass guide.")
st.caption(f"From {r['attempts']} attempt{'' if r['attempts'] == 1 else 's'}. With few attempts the range is wide: practise to narrow it.")

st.subheader("Domains")
percent_bars([{"domain": f"D{d['key']} {d['title']} ({d['attempts']} attempt{'' if d['attempts'] == 1 else 's'})",
               "estimate %": 100 * d["estimate"],
               "recent accuracy %": 100 * (d["weighted_accuracy"] or 0)} for d in report["domains"]],
             "domain", ["estimate %", "recent accuracy %"])

st.subheader("Tasks, weakest first")
by_key = {t["key"]: t for t in report["tasks"]}
tasks = pd.DataFrame([{"task": k, "title": by_key[k]["title"], "attempts": by_key[k]["attempts"],
                       "accuracy %": None if by_key[k]["accuracy"] is None else round(100 * by_key[k]["accuracy"]),
                       "recent %": None if by_key[k]["weighted_accuracy"] is None
                       else round(100 * by_key[k]["weighted_accuracy"]),
                       "trend (pts)": None if by_key[k]["trend"] is None else round(100 * by_key[k]["trend"]),
                       "estimate %": round(100 * by_key[k]["estimate"])}
                      for k in report["weakest"]])
st.dataframe(tasks, hide_index=True, placeholder="–")  # "–": no attempts yet (never a literal None)
reread = [(k, s) for k in report["weakest"] for s in by_key[k]["reread"]]
if reread:
    st.markdown("**Reread these notes** (cited by the questions you missed):")
    for k, s in reread[:8]:
        st.markdown(f"- task {safe(k)}: {safe(s['source'])} — {safe(s['heading'])} (missed {s['misses']}×)")

st.subheader("Spaced review")
due = a.reviews.due()
st.write(f"{len(due)} concept(s) due now. Practise them on **Practice → What's due** or with `study review`.")
for d in due[:10]:
    st.markdown(f"- {safe(d.concept.partition(':')[2])} (task {safe(d.task)})")

st.subheader("Gaps in your notes")
gaps = a.gaps()
st.write("Thin tasks: " + (", ".join(gaps["thin"]) or "none"))
for g in gaps["refusals"]:
    st.markdown(f"- not in your notes: {safe(g['question'][:160])}")

st.subheader("Export")
questions = a.bank.questions()
with tempfile.TemporaryDirectory() as tmp:
    cols = st.columns(3)
    if questions:
        exports.export_anki(questions, Path(tmp) / "deck.apkg", a.blueprint.exam)
        cols[0].download_button("Anki deck (.apkg)", (Path(tmp) / "deck.apkg").read_bytes(), "mla-c01.apkg")
    exports.export_questions_csv(questions, Path(tmp) / "q.csv")
    cols[1].download_button("Question bank (CSV)", (Path(tmp) / "q.csv").read_bytes(), "questions.csv")
    exports.export_attempts_csv(a.bank.history(), Path(tmp) / "a.csv")
    cols[2].download_button("Attempts (CSV)", (Path(tmp) / "a.csv").read_bytes(), "attempts.csv")
