"""Vectors of the facts' fixed texts (decision needs, sequence and matching titles), stored with the index.

The key-point finder, the fact ranker and the explainer each embedded the same ~300 needs in every process:
seconds of a cold `study ask` on 2 cores, before the question was even read. They now share one stored copy,
`<data_dir>/index/text-vectors-<model>.npz`, keyed by each text's content and the embedding model (the file
name), so changed facts embed only what is new and another model never reads these vectors.

>>> import numpy as np, tempfile
>>> class Counting:
...     name, calls = "m", 0
...     def encode(self, texts):
...         Counting.calls += 1
...         return np.ones((len(texts), 2))
>>> folder = tempfile.mkdtemp()
>>> TextVectors(Counting(), folder).encode(["a", "b"]).shape, TextVectors(Counting(), folder).encode(["b", "a"]).shape
((2, 2), (2, 2))
>>> Counting.calls  # the second process read them back
1
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np


class TextVectors:
    """`encode(texts)` like the embedder's, read from the stored copy where it has them."""

    def __init__(self, embedder, folder):
        self.embedder = embedder
        model = hashlib.sha256(str(embedder.name).encode()).hexdigest()[:12]
        self.path = Path(folder) / f"text-vectors-{model}.npz"
        self.lock = threading.Lock()
        self._rows: dict[str, np.ndarray] | None = None

    @property
    def name(self) -> str:
        return self.embedder.name

    def _load(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                return dict(zip(data["texts"].tolist(), data["vectors"]))
        except (OSError, ValueError, KeyError):  # none yet, or damaged: embedded again
            return {}

    def encode(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            if self._rows is None:
                self._rows = self._load()
            missing = list(dict.fromkeys(t for t in texts if t not in self._rows))
            if missing:
                self._rows.update(zip(missing, self.embedder.encode(missing)))
                self._save()
            return np.array([self._rows[t] for t in texts])

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
            texts = list(self._rows)
            np.savez(tmp, texts=np.array(texts, dtype=str), vectors=np.array([self._rows[t] for t in texts]))
            tmp.replace(self.path)  # readers see the old copy or the new one, never half of one
        except OSError:  # a read-only data folder: embedded again by the next process
            pass
