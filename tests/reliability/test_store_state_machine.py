"""Random add / edit / copy / delete / re-ingest / query sequences against the real store (real embedder,
real Chroma, BM25), in the style of Chroma's own state-machine tests. After every step the store agrees
with its manifest; after every ingest it agrees with the notes on disk and every chunk is findable."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from assistant.app import Assistant
from assistant.config import Settings

WORDS = ("endpoint autoscaling drift baseline monitor clarify shap bias glue databrew parquet crawler athena kinesis "
         "firehose feature store lineage registry approval canary shadow rollback spot checkpoint warm pool tuning "
         "bayesian hyperband quantize distill prune encrypt kms vpc subnet policy role bucket lifecycle").split()
NAMES = [f"note{i}.md" for i in range(6)]
sentences = st.lists(st.sampled_from(WORDS), min_size=8, max_size=22).map(lambda ws: " ".join(ws) + ".")
sections = st.lists(sentences, min_size=1, max_size=3)


def render(name: str, body: list[str]) -> str:
    return f"# {name}\n" + "".join(f"## Part {i}\n{text}\n\n" for i, text in enumerate(body))


class NotesMachine(RuleBasedStateMachine):
    embedder = None  # set by the test (the session's real embedder)

    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="study-sm-"))
        self.notes = self.tmp / "notes"
        self.notes.mkdir()
        self.assistant = Assistant(Settings(data_dir=self.tmp / "data"), embedder=self.embedder)
        self.synced = True  # the index reflects the notes on disk (nothing changed since the last ingest)
        self.searched: list[str] = []

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def on_disk(self) -> dict[str, str]:
        return {p.name: p.read_text(encoding="utf-8") for p in self.notes.glob("*.md")}

    @rule(name=st.sampled_from(NAMES), body=sections)
    def write_note(self, name, body):
        (self.notes / name).write_text(render(name, body), encoding="utf-8")
        self.synced = False

    @precondition(lambda self: self.on_disk())
    @rule(data=st.data(), text=sentences)
    def edit_section(self, data, text):
        name = data.draw(st.sampled_from(sorted(self.on_disk())))
        lines = (self.notes / name).read_text(encoding="utf-8").split("\n")
        body_lines = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
        lines[data.draw(st.sampled_from(body_lines))] = text
        (self.notes / name).write_text("\n".join(lines), encoding="utf-8")
        self.synced = False

    @precondition(lambda self: self.on_disk())
    @rule(data=st.data(), target_name=st.sampled_from(NAMES))
    def copy_note(self, data, target_name):  # the same content under two names
        source = data.draw(st.sampled_from(sorted(self.on_disk())))
        if source == target_name:
            return
        shutil.copyfile(self.notes / source, self.notes / target_name)
        self.synced = False

    @precondition(lambda self: self.on_disk())
    @rule(data=st.data())
    def delete_note(self, data):
        (self.notes / data.draw(st.sampled_from(sorted(self.on_disk())))).unlink()
        self.synced = False

    @rule(rebuild=st.sampled_from([False, False, False, True]))
    def ingest(self, rebuild):
        report = self.assistant.ingest([self.notes], progress=False, rebuild=rebuild)
        assert not report.errors, report.errors
        self.synced = True

    @precondition(lambda self: self.assistant.index.exists())
    @rule(data=st.data())
    def query_and_cite(self, data):
        """Search with one indexed passage's text; every hit resolves to a stored, listed chunk."""
        chunks = self.assistant.index.all_chunks()
        chunk = data.draw(st.sampled_from(chunks))
        hits = self.assistant.search(chunk.text, 3)
        assert hits, "no passage for an indexed text"
        listed = self.listed()
        resolved = self.assistant.index.get_chunks([h.chunk.id for h in hits])
        assert [c.id for c in resolved] == [h.chunk.id for h in hits]
        assert all(h.chunk.id in listed and h.chunk.text == r.text for h, r in zip(hits, resolved))

    def listed(self) -> list[str]:
        return [i for e in self.assistant.index.load_manifest()["files"].values() for i in e.get("chunks", [])]

    @invariant()
    def store_matches_manifest(self):
        listed = self.listed()
        assert len(listed) == len(set(listed)), "a chunk id listed twice"
        stored = self.assistant.index.collection.get(include=[])["ids"]
        assert len(stored) == len(listed) and set(stored) == set(listed)
        assert {c.id for c in self.assistant.index.load_bm25().chunks} == set(listed)
        assert not self.assistant.index.needs_repair()

    @invariant()
    def synced_index_holds_every_note_and_finds_every_chunk(self):
        if not self.synced:
            return
        disk = self.on_disk()
        files = self.assistant.index.load_manifest()["files"]
        assert set(files) == set(disk)
        chunks = self.assistant.index.all_chunks()
        assert all(c.text in disk[c.source] for c in chunks), "old text still indexed"
        texts = {c.text for c in chunks}
        for name, content in disk.items():  # every passage of every note is indexed (a duplicate via its twin)
            body = [line for line in content.split("\n") if line and not line.startswith("#")]
            assert set(body) <= texts, f"{name}: passages missing from the index"
        for c in chunks:
            found = [h.chunk.text for h in self.assistant.search(c.text, 3, mode="bm25")]
            assert c.text in found, f"{c.source} > {c.heading} not findable by its own text"


def test_store_state_machine(embedder):
    NotesMachine.embedder = embedder
    run_state_machine_as_test(NotesMachine, settings=settings(
        max_examples=25, stateful_step_count=15, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate]))  # no shrinking: it costs minutes per failure here


def test_deleting_the_original_of_a_duplicate_keeps_its_content(make_assistant, small_corpus):
    """A gap seen while designing the copy_note rule above (fixed in the pipeline): the copy was recorded as a duplicate with no chunks, so deleting
    the original dropped the content from the index although a copy was still on disk."""
    shutil.copyfile(small_corpus / "d4" / "security.md", small_corpus / "zz-copy.md")
    assistant = make_assistant()
    assert assistant.ingest([small_corpus], progress=False).duplicates == ["zz-copy.md (same content as d4/security.md)"]
    (small_corpus / "d4" / "security.md").unlink()
    report = assistant.ingest([small_corpus], progress=False)
    assert report.deleted == ["d4/security.md"] and report.changed == ["zz-copy.md"]
    assert assistant.search("Which policies grant access to a bucket?", 1)[0].chunk.source == "zz-copy.md"
