"""Fixtures for the unit tests of the answer flow: the bundled index answered by a scripted model."""
import json

import pytest

from assistant.app import Assistant
from assistant.llm.fake import ScriptedLLM


def reply(*sentences) -> str:
    """A scripted model reply: each sentence citing passage [1]."""
    return json.dumps({"sentences": [{"cites": [1], "text": t} for t in sentences]})


@pytest.fixture
def tutor(bundled):
    llm = ScriptedLLM()
    return Assistant(bundled.settings, embedder=bundled.embedder, llm=llm), llm
