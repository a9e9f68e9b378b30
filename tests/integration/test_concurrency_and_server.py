"""One writer at a time, and the Chroma server path against a real `chroma run`."""
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from assistant.index.store import IndexBusyError
from tests.conftest import free_port


def test_second_writer_gets_busy_error_quickly(make_assistant, small_corpus, tmp_path):
    assistant = make_assistant()
    assistant.settings.store.lock_timeout_s = 1.0
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from filelock import FileLock
        lock = FileLock({str(assistant.index.dir / 'write.lock')!r}); lock.acquire()
        print('locked', flush=True); time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assistant.index.dir.mkdir(parents=True, exist_ok=True)
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="index is busy"):
            assistant.ingest([small_corpus], progress=False)
        assert time.monotonic() - started < 5
        assert not assistant.index.manifest_path.exists()  # nothing half-written
    finally:
        holder.kill()
        holder.wait()
    assert assistant.ingest([small_corpus], progress=False).added  # free again once the writer is gone


def test_readers_do_not_take_the_lock(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    with assistant.index.writer():
        assert assistant.search("warm pools", 1)[0].chunk.heading.endswith("Managed warm pools")



@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = os.path.join(os.path.dirname(sys.executable), "chroma")
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.server
def test_server_mode_against_a_real_chroma_server(make_assistant, small_corpus, chroma_server):
    from assistant.config import StoreSettings

    assistant = make_assistant(store=StoreSettings(chroma_host="127.0.0.1", chroma_port=chroma_server))
    report = assistant.ingest([small_corpus], progress=False)
    assert report.chunks_added == assistant.index.count() > 0
    assert not (assistant.index.dir / "chroma").exists()  # nothing embedded locally
    hit = assistant.search("Which endpoint queues big payloads and scales to zero?", 1)[0]
    assert hit.chunk.heading == "Inference options > Asynchronous inference"
    (small_corpus / "plain.txt").unlink()
    assert assistant.ingest([small_corpus], progress=False).deleted == ["plain.txt"]
