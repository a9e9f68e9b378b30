"""The interface every backend implements, and the errors a learner may see."""
from __future__ import annotations

from typing import Iterator, Protocol


class BackendError(RuntimeError):
    """The model cannot answer; the message says what to fix."""


class BackendBusyError(BackendError):
    """The model service is throttling us even after retries: try again later."""


class LLM(Protocol):
    backend: str
    model: str
    context_window: int  # tokens the model can see (prompt + reply)

    def stream(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> Iterator[str]:
        """Yield the reply in pieces. With `schema` the reply is JSON valid against that JSON schema."""

    def generate(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> str:
        """The whole reply."""

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in this model's tokenizer (an estimate where the tokenizer is remote)."""


class GenerateFromStream:
    """Mixin: `generate` joins what `stream` yields."""

    def generate(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> str:
        return "".join(self.stream(messages, schema=schema, max_tokens=max_tokens))
