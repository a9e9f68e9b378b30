"""Ingest -> retrieve round trips on the real embedder and a real embedded Chroma."""
import json
import shutil

import pytest

from assistant.app import Assistant, QueryError
from assistant.config import EmbeddingSettings, Settings
from assistant.index.embeddings import Embedder
from assistant.index.store import IndexMismatchError


def indexed_texts(assistant) -> dict[str, str]:
    return {c.id: c.text for c in assistant.index.all_chunks()}


def test_every_chunk_is_found_in_top3_by_its_own_text(make_assistant, small_corpus):
    assistant = make_assistant()
    report = assistant.ingest([small_corpus], progress=False)
    assert not report.errors and len(report.added) == 4
    chunks = assistant.index.all_chunks()
    assert len(chunks) == report.chunks_added >= 12
    for mode in ("hybrid", "dense", "bm25"):
        misses = [c.heading for c in chunks
                  if c.id not in [r.chunk.id for r in assistant.search(c.text, 3, mode=mode)]]
        assert not misses, f"{mode} did not find its own text: {misses}"


def test_incremental_ingest_adds_changes_and_deletes_exactly(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    before = indexed_texts(assistant)

    (small_corpus / "new.md").write_text("# New\nAmazon EventBridge rules start pipelines on events.", encoding="utf-8")
    training = small_corpus / "d2" / "training.md"
    training.write_text(training.read_text().replace("at a discount", "at a steep discount"), encoding="utf-8")
    (small_corpus / "plain.txt").unlink()
    report = assistant.ingest([small_corpus], progress=False)

    assert report.added == ["new.md"] and report.changed == ["d2/training.md"] and report.deleted == ["plain.txt"]
    assert report.unchanged == ["d3/inference.md", "d4/security.md"]
    after = indexed_texts(assistant)
    assert report.chunks_added == 2 and report.chunks_deleted == 2  # edited section + new file; old section + txt
    assert not any("Kinesis" in t for t in after.values())
    assert not any("at a discount;" in t for t in after.values())
    assert any("steep discount" in t for t in after.values())
    unchanged = {i: t for i, t in before.items() if "Spot" not in t and "Kinesis" not in t}
    assert unchanged.items() <= after.items()  # untouched passages keep their ids
    manifest = assistant.index.load_manifest()["files"]
    assert sum(len(e["chunks"]) for e in manifest.values()) == assistant.index.count() == len(after)
    hit = assistant.search("What starts a pipeline when an event happens?", 1)[0]
    assert hit.chunk.source == "new.md"
    # the BM25 index follows the change without a rebuild per query
    assert {c.id for c in assistant.index.load_bm25().chunks} == set(after)


def test_unchanged_corpus_costs_no_model_load(make_assistant, small_corpus, embedder):
    make_assistant().ingest([small_corpus], progress=False)
    fresh = Assistant(Settings(data_dir=make_assistant().settings.data_dir), embedder=Embedder(EmbeddingSettings()))
    report = fresh.ingest([small_corpus], progress=False)
    assert len(report.unchanged) == 4 and report.chunks_added == 0
    assert "model" not in fresh.embedder.__dict__, "re-ingesting unchanged notes must not load the embedder"
    assert report.seconds < 1.0


def test_bad_files_are_reported_and_the_rest_goes_on(make_assistant, small_corpus):
    (small_corpus / "empty.md").write_text("", encoding="utf-8")
    (small_corpus / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    shutil.copy(small_corpus / "d4" / "security.md", small_corpus / "copy-of-security.md")
    assistant = make_assistant()
    report = assistant.ingest([small_corpus], progress=False)
    assert sorted(e.source for e in report.errors) == ["empty.md", "image.md"]
    assert len(report.duplicates) == 1 and "security.md" in report.duplicates[0]
    sources = {c.source for c in assistant.index.all_chunks()}
    assert {"d2/training.md", "d3/inference.md", "plain.txt"} < sources and len(sources) == 4  # one copy only


def test_a_note_that_becomes_unreadable_keeps_its_old_chunks(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    before = assistant.index.count()
    (small_corpus / "d4" / "security.md").write_bytes(b"\x00\x01\x02 corrupted")
    report = assistant.ingest([small_corpus], progress=False)
    assert [e.source for e in report.errors] == ["d4/security.md"]
    assert assistant.index.count() == before


def test_domain_and_task_filters(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    for mode in ("hybrid", "dense", "bm25"):
        hits = assistant.search("training instances and payloads", 10, domain=3, mode=mode)
        assert hits and {h.chunk.domain for h in hits} == {3}
        hits = assistant.search("IAM role permissions", 10, task="4.3", mode=mode)
        assert hits and {h.chunk.task for h in hits} == {"4.3"}


def test_index_from_another_embedding_model_is_refused(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    info = json.loads(assistant.index.info_path.read_text())
    info["embedding_model"] = "some-other-model"
    assistant.index.info_path.write_text(json.dumps(info))
    with pytest.raises(IndexMismatchError, match="study ingest --rebuild"):
        assistant.search("warm pools")
    report = assistant.ingest([small_corpus], progress=False, rebuild=True)
    assert len(report.added) == 4 and assistant.search("warm pools")


@pytest.mark.parametrize("query", ["", "   ", "x" * 1_000_000])
def test_bad_queries_get_clear_errors(make_assistant, query):
    with pytest.raises(QueryError, match="empty|characters long"):
        make_assistant().search(query)


def test_a_chroma_upgrade_backs_the_store_up_first_and_a_newer_store_is_refused(make_assistant, small_corpus):
    import json

    import chromadb

    first = make_assistant()
    first.ingest([small_corpus], progress=False)
    info_path = first.index.info_path
    assert json.loads(info_path.read_text())["chromadb"] == chromadb.__version__
    info = json.loads(info_path.read_text())
    info_path.write_text(json.dumps({**info, "chromadb": "1.0.0"}))  # as if written by an older release

    upgraded = make_assistant()
    assert upgraded.search("managed warm pools")  # still answers, after the backup
    backup = upgraded.index.dir / "chroma.backup-1.0.0"
    assert backup.is_dir() and (backup / "chroma.sqlite3").exists()
    assert json.loads(info_path.read_text())["chromadb"] == chromadb.__version__
    assert json.loads(info_path.read_text())["chromadb_backup"] == backup.name

    info_path.write_text(json.dumps({**info, "chromadb": "99.0.0"}))  # written by a newer release
    with pytest.raises(IndexMismatchError, match="newer than the installed"):
        make_assistant().search("managed warm pools")
