"""A one-off question loads only what it needs: the first verified content arrives without torch or the model."""
import json
import os
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = r"""
import json, sys, time
started = time.perf_counter()
from assistant.app import Assistant
from assistant.config import Settings
from assistant.llm.fake import ScriptedLLM
a = Assistant(Settings(data_dir=sys.argv[1]), llm=ScriptedLLM().enqueue(sys.argv[3]))
seen = {}
def on_instant(shown):
    seen.update(ms=1000 * (time.perf_counter() - started), torch="torch" in sys.modules,
                llama="llama_cpp" in sys.modules, text=shown.text)
answer = a.ask(sys.argv[2], on_instant=on_instant)
print(json.dumps({**seen, "refused": answer.refused}))
"""


def test_first_content_of_a_cold_process_needs_neither_torch_nor_the_model(make_assistant, small_corpus, tmp_path):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    reply = json.dumps({"sentences": [{"cites": [1], "text": "Warm pools keep instances between jobs."}]})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(assistant.settings.data_dir),
                          "How do managed warm pools help consecutive training jobs start?", reply],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["text"].startswith("Managed warm pools keep") and not seen["refused"]
    assert not seen["torch"] and not seen["llama"]  # neither torch (10+ s to import) nor llama.cpp was needed
