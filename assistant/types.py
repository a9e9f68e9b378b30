"""Plain data passed between the stages: load -> chunk -> store -> retrieve -> cite."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Chunk:
    id: str
    source: str  # path relative to the ingested folder, e.g. "d2-model-development/training-jobs.md"
    heading: str  # heading path, e.g. "SageMaker AI training jobs > Managed warm pools"
    text: str  # the passage as written in the note
    domain: int | None = None
    task: str | None = None
    services: list[str] = field(default_factory=list)
    title: str = ""
    position: int = 0  # order of the chunk within its file

    @property
    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: the heading path gives a section's context."""
        return f"{self.heading}\n\n{self.text}" if self.heading else self.text

    def metadata(self) -> dict:
        # Chroma metadata values must be str/int/float/bool: encode 'absent' as 0 / "".
        return {"source": self.source, "heading": self.heading, "domain": self.domain or 0,
                "task": self.task or "", "services": ", ".join(self.services), "title": self.title,
                "position": self.position}

    @classmethod
    def from_stored(cls, id: str, indexed_text: str, meta: dict) -> "Chunk":
        heading = meta.get("heading", "")
        text = indexed_text[len(heading) + 2:] if heading and indexed_text.startswith(heading + "\n\n") else indexed_text
        services = [s for s in (meta.get("services") or "").split(", ") if s]
        return cls(id=id, source=meta.get("source", ""), heading=heading, text=text,
                   domain=meta.get("domain") or None, task=meta.get("task") or None, services=services,
                   title=meta.get("title", ""), position=int(meta.get("position", 0)))


@dataclass
class SearchResult:
    chunk: Chunk
    score: float
    rank: int

    def to_json(self) -> dict:
        c = self.chunk
        return {"id": c.id, "source": c.source, "heading": c.heading, "text": c.text, "score": round(self.score, 6),
                "rank": self.rank, "domain": c.domain, "task": c.task, "services": c.services}


@dataclass
class Citation:
    """A passage an answer, a question or an explanation cites as [n] (the one type for all three)."""
    n: int
    id: str
    source: str
    heading: str
    text: str

    @classmethod
    def of(cls, n: int, chunk: Chunk) -> "Citation":
        return cls(n=n, id=chunk.id, source=chunk.source, heading=chunk.heading, text=chunk.text)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class FileError:
    source: str
    message: str


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # same content as another indexed file
    errors: list[FileError] = field(default_factory=list)
    flagged: dict[str, list[str]] = field(default_factory=dict)  # note -> why it looks like instructions to the model
    repaired: dict | None = None  # what Index.repair fixed after an interrupted write
    chunks_added: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)
