"""llama.cpp through llama-cpp-python, with JSON-schema constrained decoding.

One model instance per process and calls serialised: llama.cpp's model object is not thread-safe.
The fixed instruction prefix of every prompt stays in llama.cpp's KV cache between calls.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

from assistant.llm.base import BackendError, GenerateFromStream
from assistant.llm.model_file import FILE_NAME, assemble_default_model, check_gguf

_MODELS: dict[tuple, object] = {}
_LOAD_LOCK = threading.Lock()


class LocalLLM(GenerateFromStream):
    backend = "local"

    def __init__(self, settings, data_dir: Path):
        self.settings = settings
        self.data_dir = Path(data_dir)
        self.lock = threading.Lock()
        self.path = Path(settings.model_path) if settings.model_path else None
        self.model = self.path.name if self.path else FILE_NAME
        self.context_window = settings.n_ctx

    @property
    def llama(self):
        path = self.path or assemble_default_model(self.data_dir / "models")
        check_gguf(path)
        key = (str(path), self.settings.n_ctx, self.settings.n_threads, self.settings.prompt_lookup)
        with _LOAD_LOCK:
            if key not in _MODELS:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise BackendError("llama-cpp-python is not installed: run `make install`") from exc
                draft = None
                if self.settings.prompt_lookup:  # drafts copied from the prompt's n-grams, each checked by the model
                    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

                    draft = LlamaPromptLookupDecoding(num_pred_tokens=self.settings.prompt_lookup)
                try:
                    _MODELS[key] = Llama(model_path=str(path), n_ctx=self.settings.n_ctx,
                                         n_threads=self.settings.n_threads, n_batch=256, verbose=False,
                                         seed=self.settings.seed, draft_model=draft,
                                         # llama-cpp-python 0.3.36 needs logits for every token with a draft model
                                         # but sizes its buffer from this argument, not from the draft: say it
                                         logits_all=draft is not None)
                except (ValueError, RuntimeError) as exc:
                    raise BackendError(f"llama.cpp could not load {path}: {exc}; check it is a complete GGUF "
                                       "model or unset STUDY_LLM__MODEL_PATH") from exc
            return _MODELS[key]

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> Iterator[str]:
        kwargs = {"messages": messages, "max_tokens": max_tokens, "temperature": self.settings.temperature,
                  "stream": True}
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self.lock:
            try:
                for part in self.llama.create_chat_completion(**kwargs):
                    piece = part["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as exc:  # llama.cpp: "Requested tokens (n) exceed context window of m"
                raise BackendError(f"the local model cannot take this prompt: {exc}; ask a shorter question or "
                                   "raise STUDY_LLM__N_CTX") from None
