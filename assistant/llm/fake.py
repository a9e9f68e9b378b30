"""A scripted fake LLM for control-flow unit tests (like simonw/llm's MockModel).

>>> llm = ScriptedLLM(None, None).enqueue('{"sentences": []}')
>>> llm.generate([{"role": "user", "content": "hi"}]), llm.prompts[-1][0]["content"]
('{"sentences": []}', 'hi')
"""
from __future__ import annotations

from collections import deque
from typing import Iterator

from assistant.llm.base import BackendError, GenerateFromStream


class ScriptedLLM(GenerateFromStream):
    backend = "fake"
    model = "scripted"
    context_window = 4096

    def __init__(self, settings=None, data_dir=None):
        self.replies: deque = deque()
        self.prompts: list[list[dict]] = []
        self.schemas: list[dict | None] = []

    def enqueue(self, *replies) -> "ScriptedLLM":
        """Queue replies: a string (streamed word by word) or an Exception (raised)."""
        self.replies.extend(replies)
        return self

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def stream(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> Iterator[str]:
        self.prompts.append(messages)
        self.schemas.append(schema)
        if not self.replies:
            raise BackendError("scripted LLM has no reply queued")
        reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        for i in range(0, len(reply), 7):
            yield reply[i:i + 7]
