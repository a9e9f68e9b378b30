"""A persisted BM25 index (bm25s, English stemming and stop words) beside the Chroma store.

Built once per index change, saved with the manifest generation it reflects, loaded by readers;
never rebuilt per query.
"""
from __future__ import annotations

import json
import shutil
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.types import Chunk


STOP = {"i", "a", "an", "the", "how", "what", "which", "who", "why", "when", "where", "is", "are", "do", "does",
        "can", "should", "my", "we", "our", "aws", "amazon"}


class BM25Index:
    def __init__(self, chunks: list[Chunk], retriever, generation: int, saved: bool = False):
        self.chunks = chunks
        self.retriever = retriever
        self.generation = generation
        self.saved = saved  # loaded from disk: a complete index a writer finished
        self._sections: dict[tuple[str, str], list[Chunk]] | None = None

    def section(self, chunk: Chunk) -> list[Chunk]:
        """Every chunk of `chunk`'s note section (same file and heading), in document order."""
        if self._sections is None:
            sections: dict[tuple[str, str], list[Chunk]] = {}
            for c in self.chunks:
                sections.setdefault((c.source, c.heading), []).append(c)
            self._sections = {k: sorted(v, key=lambda c: c.position) for k, v in sections.items()}
        return self._sections.get((chunk.source, chunk.heading), [chunk])

    @staticmethod
    def _stemmer():
        import Stemmer

        return Stemmer.Stemmer("english")

    @classmethod
    def build(cls, chunks: list[Chunk], generation: int) -> "BM25Index":
        import bm25s

        retriever = bm25s.BM25()
        if chunks:
            tokens = bm25s.tokenize([c.indexed_text for c in chunks], stopwords="en", stemmer=cls._stemmer(),
                                    show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(chunks, retriever, generation)

    def save(self, folder: Path) -> None:
        """Write beside the old copy, then swap: a crash at any point leaves a whole index or none."""
        tmp = folder.with_name(folder.name + ".tmp")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.chunks:
            self.retriever.save(str(tmp / "bm25s"))
        docs = [{"id": c.id, "text": c.indexed_text, "meta": c.metadata()} for c in self.chunks]
        (tmp / "chunks.json").write_text(json.dumps({"generation": self.generation, "chunks": docs}), encoding="utf-8")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "BM25Index | None":
        """The saved index, or None when there is none or it is damaged (the caller rebuilds it)."""
        import bm25s

        data_path = folder / "chunks.json"
        if not data_path.exists():
            return None
        try:
            data = json.loads(data_path.read_text(encoding="utf-8"))
            chunks = [Chunk.from_stored(d["id"], d["text"], d["meta"]) for d in data["chunks"]]
            retriever = bm25s.BM25.load(str(folder / "bm25s")) if chunks else bm25s.BM25()
            return cls(chunks, retriever, int(data["generation"]), saved=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @cached_property
    def _stem(self):
        return self._stemmer()

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """Top-n chunks with positive BM25 score; `mask` (1 = allowed) applies a metadata filter."""
        import bm25s

        if not self.chunks:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stem, show_progress=False, return_ids=False)
        if not tokens or not tokens[0]:
            return []
        k = min(n, len(self.chunks))
        # n_threads=0: a plain map; 1 still starts a thread pool per query (~10 ms on a busy 2-core machine)
        docs, scores = self.retriever.retrieve(tokens, k=k, weight_mask=mask, show_progress=False, n_threads=0)
        return [(self.chunks[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]

    def unknown_terms(self, text: str) -> list[str]:
        """Names in `text` (capitalised words, acronyms, numbers beside them) that no indexed note contains. A word
        that opens a sentence is capitalised for that reason alone ("... the minority class. In what order"), so it
        names nothing unless it is an acronym; common words are never names, nor an acronym's plural the notes
        name in the singular ("GPUs").

        >>> # e.g. "How do I set up Route 53?" -> ["Route", "53"] when no note mentions Route 53
        """
        import re

        from assistant.text import STOPWORDS

        found = list(re.finditer(r"[A-Za-z][A-Za-z0-9\-]*|\d+", text))
        vocab = getattr(self.retriever, "vocab_dict", None) or {}
        unknown = []
        for i, match in enumerate(found):
            word = match.group()
            if len(word) < 2:
                continue
            opens = i == 0 or text[:match.start()].rstrip()[-1:] in (".", "?", "!", ":")
            named = (word[0].isupper() and (not opens or word.isupper())
                     or (word.isdigit() and i > 0 and found[i - 1].group()[0].isupper()))
            if not named:
                continue
            plural_of = word[:-1].lower() if word.endswith("s") and word[:-1].isupper() else ""  # "GPUs": "GPU"
            if plural_of and plural_of in vocab:
                continue
            for part in word.lower().split("-"):
                stem = self._stem.stemWord(part)
                if len(part) > 1 and stem not in vocab and part not in vocab and part not in STOP | STOPWORDS:
                    unknown.append(word)
                    break
        unknown += self._unknown_numbered(text, [w for w in unknown if w.isdigit()])
        return list(dict.fromkeys(unknown))

    def _unknown_numbered(self, text: str, found: list[str]) -> list[str]:
        """A name typed in lower case with its number ("route 53:", "python 3?", "chmod 755 do") that no note
        contains as such: the number stands after a word that is no little word and before the end of a clause
        or a little word (so "run 24/7", "10-minute", "30 hours", "need 4 or 5" and "at 9 AM" are quantities, not
        names).

        >>> # e.g. "route 53: weighted vs latency routing?" -> ["route", "53"] when no note says "route 53"
        """
        import re

        from assistant.text import STOPWORDS

        out = []
        for m in re.finditer(r"\b([a-z][a-z\-]*)[ -](\d+)(?=\s*(?:[?:,;!)]|$)|\s+(\w+)\b(?! \d))", text):  # not "4 or 5"
            word, number, after = m.group(1), m.group(2), (m.group(3) or "").lower()
            if number in found or word in STOP | STOPWORDS or (after and after not in STOP | STOPWORDS | {"vs", "versus"}):
                continue
            if not re.search(rf"\b{re.escape(word)}[ -]?{number}\b", self.lowered_text):
                out += [word, number]
        return out

    @cached_property
    def lowered_text(self) -> str:
        return "\n".join(c.text.lower() for c in self.chunks)

    @cached_property
    def domains(self) -> np.ndarray:
        return np.array([c.domain or 0 for c in self.chunks])

    @cached_property
    def tasks(self) -> np.ndarray:
        return np.array([c.task or "" for c in self.chunks])
