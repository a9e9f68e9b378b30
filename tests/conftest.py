"""Shared fixtures: the real embedder (loaded once per session) and assistants on temporary folders."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.app import Assistant  # noqa: E402
from assistant.config import EmbeddingSettings, Settings  # noqa: E402
from assistant.index.embeddings import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(EmbeddingSettings())


@pytest.fixture
def make_assistant(tmp_path, embedder):
    def make(**overrides) -> Assistant:
        overrides.setdefault("data_dir", tmp_path / "data")
        return Assistant(Settings(**overrides), embedder=embedder)

    return make


def note(title: str, domain: int, task: str, sections: dict[str, str], services=("Amazon SageMaker AI",)) -> str:
    """A Markdown note in the corpus format."""
    body = "\n".join(f"## {h}\n{textwrap.dedent(t).strip()}\n" for h, t in sections.items())
    return (f"---\ntitle: {title}\ndomain: {domain}\ntask: \"{task}\"\nservices: {list(services)}\n"
            f"exam: MLA-C01\n---\n# {title}\nOverview of {title.lower()}.\n{body}")


SMALL_CORPUS = {
    "d2/training.md": note("SageMaker training", 2, "2.2", {
        "Managed warm pools": "Managed warm pools keep provisioned instances alive after a training job ends, so "
                              "consecutive training jobs start without waiting for new capacity.",
        "Spot training": "Managed Spot Training runs jobs on spare EC2 capacity at a discount; save checkpoints "
                         "to Amazon S3 so an interrupted job resumes where it stopped.",
        "Distributed training": "Data parallelism splits batches across GPUs; model parallelism splits a model "
                                "too large for one GPU across devices.",
    }),
    "d3/inference.md": note("Inference options", 3, "3.1", {
        "Asynchronous inference": "Asynchronous endpoints queue requests with large payloads and long processing "
                                  "times and can scale to zero instances when the queue is empty.",
        "Batch transform": "Batch transform scores a whole dataset in Amazon S3 offline without a persistent "
                           "endpoint.",
        "Serverless inference": "Serverless endpoints suit intermittent traffic and accept cold starts.",
    }),
    "d4/security.md": note("IAM for ML", 4, "4.3", {
        "Notebook roles": "A SageMaker notebook instance uses an IAM execution role; IAM groups apply only to "
                          "users, so share one role across notebook instances to centralise permissions.",
        "Bucket policies": "S3 bucket policies are resource-based policies that grant access to a bucket.",
    }),
    "plain.txt": "Amazon Kinesis Data Streams stores records for replay; Amazon Data Firehose delivers streams "
                 "to destinations such as Amazon S3 with no code.",
}


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    root = tmp_path / "notes"
    for rel, text in SMALL_CORPUS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def free_port() -> int:
    """A free TCP port on the loopback interface, for servers the tests start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with real text (Helvetica), enough for pypdf to extract."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture(scope="session")
def bundled(tmp_path_factory, embedder) -> Assistant:
    """The bundled corpus indexed once per test session (read-only for the tests that use it)."""
    assistant = Assistant(Settings(data_dir=tmp_path_factory.mktemp("bundled")), embedder=embedder)
    report = assistant.ingest([REPO / "corpus"], progress=False)
    assert not report.errors
    return assistant


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    """The packaged default GGUF, assembled and hash-checked once per test session."""
    from assistant.llm.model_file import assemble_default_model

    return assemble_default_model(tmp_path_factory.mktemp("models"), progress=False)


class Clock:
    """A clock a test moves by hand (seconds since the epoch, UTC)."""

    def __init__(self, t: float = 1_900_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def learner(bundled, tmp_path):
    """The bundled index and facts, with a learner database of its own and a clock the test moves."""
    import copy

    from assistant.learner.bank import Bank

    a = copy.copy(bundled)
    a.__dict__ = {k: v for k, v in bundled.__dict__.items() if k not in ("bank", "reviews", "exams", "answerer", "llm")}
    a.clock = Clock()
    a.__dict__["bank"] = Bank(tmp_path / "learner.db", clock=a.clock)
    yield a
    a.bank.close()


def wrong(q) -> list[int]:
    """A wrong answer to a single-key question."""
    return [(q.keys[0] + 1) % len(q.options)]
