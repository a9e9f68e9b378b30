"""Fact mining from a learner's own notes (issue #14): every style, with the real embedder and Chroma index;
facts follow the index (an edit re-mines the note, a delete takes its facts); ambiguous needs are dropped."""
from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from assistant.knowledge.fact_store import fact_summary, load_store
from assistant.knowledge.facts import Decision, Matching, Sequence
from assistant.quiz.generate import QuizMaker

REPO = Path(__file__).resolve().parents[2]
STYLES = ["cheatsheet", "prose", "tables", "flashcards", "pdf", "html"]


def flat(text: str) -> str:
    return re.sub(r"[\s*_`|]+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


@pytest.mark.parametrize("style", STYLES)
def test_each_style_mines_traceable_facts_that_make_gated_questions(style, make_assistant):
    a = make_assistant()
    report = a.ingest([REPO / "evals" / "notes" / style], progress=False)
    assert not report.errors
    chunks = a.index.load_bm25().chunks
    mined = [f for f in (*a.facts.decisions, *a.facts.sequences, *a.facts.matchings) if f.id.startswith("mined-")]
    assert len(mined) >= 5, f"{style}: only {len(mined)} facts mined"
    assert {type(f) for f in mined} & {Sequence, Matching}, f"{style}: decisions only"
    indexed_text = {c.source: "" for c in chunks}
    for c in chunks:
        indexed_text[c.source] += " " + flat(c.text)
    for f in mined:
        assert f.evidence and f.source in indexed_text
        assert any(c.source == f.source and (c.heading == f.section or c.heading.startswith(f.section + " > "))
                   for c in chunks), f"{f.id}: section {f.section!r} is not indexed"
        assert flat(f.evidence[0])[:60] in indexed_text[f.source], f"{f.id}: evidence not in the note"
        assert "\ufb01" not in f.evidence[0] and "\ufb02" not in f.evidence[0]  # PDF ligatures normalised
    for d in (f for f in mined if isinstance(f, Decision)):
        assert len(d.alternatives) == 3 and d.choice not in {x.option for x in d.alternatives}
        masked = re.search(r'"(.+)"', d.need, re.DOTALL).group(1)
        named = re.search(rf"(?<![\w-]){re.escape(d.choice)}(?!\w)", masked, re.IGNORECASE)
        assert not named, f"{d.id}: the key is named in its own need: {masked}"
    result = QuizMaker(a, None, a.facts, seed=1).make(3, kind="mcq", progress=False, save=False)
    assert result.accepted, f"{style}: no gate-passing question; rejected: " \
                            f"{[{k: v['detail'] for k, v in q.gate.items() if not v['ok']} for q in result.rejected[:3]]}"
    for q in result.accepted:
        assert q.fact_id.startswith("mined-") and {c.source for c in q.citations} <= set(indexed_text)


NOTE = """# Inference options

## Endpoint types
- Realtime Endpoint: persistent instances answer each request within milliseconds for steady interactive traffic
- Serverless Endpoint: scales to zero between sporadic requests and accepts cold starts on the first call
- Async Endpoint: queues requests with payloads up to one gigabyte and writes results to an S3 output path
- Batch Transform: scores a whole offline dataset stored in S3 without any persistent endpoint
- Edge Manager: reduces cost
- Shadow Variant: mirrors live production requests to a candidate model without returning its predictions
- Canary Variant: mirrors live production requests to a candidate model without returning its predictions
"""
OTHER = """# Monitoring

## Monitors
- Data Quality Monitor: compares statistics of live inputs with the baseline computed from training data
- Model Quality Monitor: compares predictions with ground-truth labels collected after inference
- Bias Drift Monitor: watches facet metrics such as difference in positive proportions over time
- Attribution Drift Monitor: tracks changes in SHAP feature attribution rankings of live data
"""


def _entries(a) -> dict:
    return load_store(a.settings.data_dir)["notes"]


def test_generic_and_shared_needs_are_dropped_with_reasons(tmp_path, make_assistant):
    notes = tmp_path / "own"
    notes.mkdir()
    (notes / "inference.md").write_text(NOTE, encoding="utf-8")
    a = make_assistant()
    a.ingest([notes], progress=False)
    entry = _entries(a)["inference.md"]
    reasons = {r["name"]: r["reason"] for r in entry["rejected"] if r["kind"] == "decision"}
    assert reasons["Edge Manager"].startswith("generic need")
    assert "ambiguous" in reasons["Shadow Variant"] and "Canary Variant" in reasons["Shadow Variant"]
    assert "ambiguous" in reasons["Canary Variant"]
    keys = {d.choice for d in a.facts.decisions}
    assert {"Edge Manager", "Shadow Variant", "Canary Variant"}.isdisjoint(keys)
    assert {"Realtime Endpoint", "Async Endpoint", "Batch Transform"} <= keys
    summary = fact_summary(a)["inference.md"]
    assert summary["decisions"] >= 3 and summary["rejected"] >= 3 and summary["samples"]


def test_facts_follow_the_index_on_edit_and_delete(tmp_path, make_assistant):
    notes = tmp_path / "own"
    notes.mkdir()
    (notes / "inference.md").write_text(NOTE, encoding="utf-8")
    (notes / "monitoring.md").write_text(OTHER, encoding="utf-8")
    a = make_assistant()
    a.ingest([notes], progress=False)
    # notes indexed alone: no curated fact of the bundled corpus, questions only from these notes
    assert a.facts.decisions and all(f.id.startswith("mined-") for f in a.facts.decisions)
    before = _entries(a)
    assert {"Async Endpoint", "Data Quality Monitor"} <= {d.choice for d in a.facts.decisions}

    (notes / "inference.md").write_text(NOTE.replace("Async Endpoint", "Queued Endpoint"), encoding="utf-8")
    a.ingest([notes], progress=False)
    after = _entries(a)
    assert after["monitoring.md"] == before["monitoring.md"]  # the unchanged note was not mined again
    keys = {d.choice for d in a.facts.decisions}
    assert "Queued Endpoint" in keys and "Async Endpoint" not in keys

    (notes / "monitoring.md").unlink()
    a.ingest([notes], progress=False)
    assert "monitoring.md" not in _entries(a)
    assert not any(f.source == "monitoring.md" for f in (*a.facts.decisions, *a.facts.matchings))
    result = QuizMaker(a, None, a.facts, seed=2).make(2, kind="mcq", progress=False, save=False)
    assert result.accepted and all(c.source == "inference.md" for q in result.accepted for c in q.citations)


def test_bundled_corpus_keeps_curated_facts_only(bundled):
    assert bundled.facts.decisions and not any(f.id.startswith("mined-") for f in bundled.facts.decisions)
    assert not load_store(bundled.settings.data_dir)["notes"]


def test_study_facts_cli_lists_provenance_and_rejections(tmp_path, monkeypatch, capsys, embedder):
    from assistant import cli

    notes = tmp_path / "own"
    notes.mkdir()
    shutil.copy(REPO / "evals" / "notes" / "flashcards" / "mla-c01-flashcards.txt", notes)
    monkeypatch.setenv("STUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("assistant.app.Embedder", lambda *_a, **_k: embedder)
    assert cli.main(["ingest", str(notes), "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["facts", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    facts = data["mla-c01-flashcards.txt"]["facts"]
    assert facts and all(f["evidence"] and f["section"] for f in facts)
    assert cli.main(["facts", "--source", "mla-c01-flashcards.txt", "--rejected"]) == 0
    out = capsys.readouterr().out
    assert "line: Q: " in out and "from: mla-c01-flashcards.txt" in out
    assert cli.main(["facts", "--source", "nope.md"]) == 2
