"""Disk full and read-only data folders: a clear error naming the folder and what to do; what was stored
stays and keeps answering. Real file systems where the tests may mount them (a tiny tmpfs, a read-only bind
mount: root ignores chmod), and ENOSPC raised at the write boundary everywhere."""
from __future__ import annotations

import errno
import subprocess

import pytest

from assistant import cli
from assistant.index.store import Index, StorageError

NEW_NOTE = "# Event rules\nAmazon EventBridge rules start SageMaker pipelines when an event arrives.\n"


def mount(*args) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def tiny_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not mount("-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def snapshot(assistant) -> tuple:
    return (sorted(c.id for c in assistant.index.all_chunks()), assistant.index.load_manifest()["files"],
            [h.chunk.id for h in assistant.search("What keeps training instances warm between jobs?", 3)])


def run_cli(monkeypatch, capsys, assistant, *argv) -> tuple[int, str]:
    monkeypatch.setattr(cli, "build_assistant", lambda: assistant)
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def assert_plain_storage_message(code: int, text: str, folder, why: str) -> None:
    assert code == 2
    assert f"error: cannot write the data folder {folder}" in text and why in text
    assert "STUDY_DATA_DIR" in text and "Traceback" not in text


def test_disk_full_refuses_clearly_and_keeps_the_index(make_assistant, small_corpus, tiny_disk, monkeypatch, capsys):
    assistant = make_assistant(data_dir=tiny_disk / "data")
    assistant.ingest([small_corpus], progress=False)
    before = snapshot(assistant)
    filler = tiny_disk / "filler"
    with pytest.raises(OSError) as full, open(filler, "wb") as fh:
        while True:
            fh.write(b"\0" * (1 << 16))
            fh.flush()
    assert full.value.errno == errno.ENOSPC
    (small_corpus / "events.md").write_text(NEW_NOTE * 40, encoding="utf-8")

    code, text = run_cli(monkeypatch, capsys, make_assistant(data_dir=tiny_disk / "data"), "ingest", str(small_corpus), "--quiet")
    assert_plain_storage_message(code, text, assistant.index.dir, "the disk is full")
    reader = make_assistant(data_dir=tiny_disk / "data")
    assert snapshot(reader) == before  # the old index still answers, unchanged

    filler.unlink()  # space again: the next ingest finishes the job
    report = make_assistant(data_dir=tiny_disk / "data").ingest([small_corpus], progress=False)
    assert report.added == ["events.md"]
    after = make_assistant(data_dir=tiny_disk / "data")
    assert after.search("What starts a pipeline when an event arrives?", 1)[0].chunk.source == "events.md"
    assert not after.index.needs_repair()


def test_read_only_folder_still_answers_and_ingest_says_what_to_do(make_assistant, small_corpus, tmp_path,
                                                                    monkeypatch, capsys):
    writable, frozen = tmp_path / "data", tmp_path / "frozen"
    assistant = make_assistant(data_dir=writable)
    assistant.ingest([small_corpus], progress=False)
    before = snapshot(assistant)
    frozen.mkdir()
    if not (mount("--bind", str(writable), str(frozen)) and mount("-o", "remount,bind,ro", str(frozen))):
        subprocess.run(["umount", "-l", str(frozen)], check=False)
        pytest.skip("cannot make a read-only bind mount here (needs root)")
    try:
        reader = make_assistant(data_dir=frozen)
        assert snapshot(reader)[::2] == before[::2]  # answers from the index as it is
        (small_corpus / "events.md").write_text(NEW_NOTE, encoding="utf-8")
        code, text = run_cli(monkeypatch, capsys, make_assistant(data_dir=frozen), "ingest", str(small_corpus), "--quiet")
        assert_plain_storage_message(code, text, reader.index.dir, "read-only file system")
    finally:
        subprocess.run(["umount", "-l", str(frozen)], check=False)
    assert snapshot(make_assistant(data_dir=writable)) == before  # nothing changed underneath


def test_disk_full_mid_write_is_repaired_by_the_next_ingest(make_assistant, small_corpus, monkeypatch):
    """ENOSPC after Chroma took some chunks but before the manifest recorded them (any file system)."""
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    before = snapshot(assistant)
    (small_corpus / "events.md").write_text(NEW_NOTE, encoding="utf-8")
    (small_corpus / "plain.txt").unlink()

    def full(self, manifest):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.manifest_path))

    monkeypatch.setattr(Index, "save_manifest", full)
    with pytest.raises(StorageError, match=r"cannot write the data folder .*: the disk is full"):
        make_assistant().ingest([small_corpus], progress=False)
    monkeypatch.undo()
    reader = make_assistant()
    assert reader.index.needs_repair()
    assert reader.index.load_manifest()["files"] == before[1]  # the record of what is indexed is untouched
    assert [h.chunk.id for h in reader.search("What keeps training instances warm between jobs?", 3)] == before[2]
    report = make_assistant().ingest([small_corpus], progress=False)
    assert report.repaired and report.repaired["orphans_deleted"] >= 1  # the unrecorded chunk went
    assert report.added == ["events.md"] and report.deleted == ["plain.txt"]
    fixed = make_assistant()
    listed = {i for e in fixed.index.load_manifest()["files"].values() for i in e["chunks"]}
    assert listed == {c.id for c in fixed.index.all_chunks()} and not fixed.index.needs_repair()
