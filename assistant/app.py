"""build_assistant(settings): the one place that wires the parts together.

>>> from assistant.config import Settings
>>> a = build_assistant(Settings(data_dir="/tmp/study-doctest"))  # cheap: models load on first use
>>> a.settings.retrieval.mode
'hybrid+facts'
"""
from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path

from assistant.knowledge.blueprint import Blueprint, load_blueprint
from assistant.config import Settings
from assistant.index.embeddings import Embedder
from assistant.ingest.pipeline import ingest
from assistant.retrieval.query import QueryError, check_query  # noqa: F401 (re-exported)
from assistant.retrieval.retriever import Mode, Retriever
from assistant.index.store import Index
from assistant.types import IngestReport, SearchResult

class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, llm=None):
        self.settings = settings
        if llm is not None:
            self.use_llm(llm)
        self.embedder = embedder or Embedder(settings.embedding)
        self.index = Index(settings, self.embedder)
        self.retriever = Retriever(self.index, settings.retrieval, facts=lambda: self.facts.decisions)

    @property
    def blueprint(self) -> Blueprint:
        return load_blueprint(self.settings.blueprint)

    def ingest(self, paths: list[Path] | None = None, *, progress: bool = True, rebuild: bool = False) -> IngestReport:
        from assistant.knowledge.fact_store import sync_facts

        return ingest(self.index, [Path(p) for p in (paths or [self.settings.corpus])], progress=progress,
                      rebuild=rebuild, sync_facts=sync_facts)

    def ensure_index(self, progress: bool = True) -> IngestReport | None:
        """Index the default corpus on first use; a no-op once anything is indexed (after repairing an
        ingest that was killed mid-way)."""
        self.index.repair_if_needed()
        if self.index.exists():
            return None
        if progress:
            print(f"First use: indexing {self.settings.corpus} ...", file=sys.stderr)
        return self.ingest(progress=progress)

    @cached_property
    def llm(self):
        from assistant.llm import make_llm

        return make_llm(self.settings.llm, self.settings.data_dir)

    def switch_llm(self, **changes) -> None:
        """Answer with another backend or model from now on (e.g. backend="bedrock", bedrock_region="eu-west-1");
        the changes are validated like settings, and the old model is released."""
        from assistant.config import LLMSettings

        llm = LLMSettings.model_validate({**self.settings.llm.model_dump(), **changes})
        self.settings = self.settings.model_copy(update={"llm": llm})
        for name in ("llm", "answerer"):
            self.__dict__.pop(name, None)

    def use_llm(self, llm) -> None:
        """Answer with this model object from now on (a test's scripted model, a Bedrock client with a stub):
        like passing `llm=` to the constructor, for an assistant that already exists."""
        self.__dict__.pop("answerer", None)
        self.__dict__["llm"] = llm

    @cached_property
    def answerer(self):
        return self.make_answerer(self.llm)

    def make_answerer(self, llm):
        """An Answerer over this assistant's retrieval, facts and settings, answering with `llm`."""
        from assistant.answering.answer import Answerer

        return Answerer(llm, search=self.search, embedder=self.embedder, index=self.index,
                        facts=lambda: self.facts, settings=self.settings)

    def as_retriever(self, k: int | None = None, *, domain: int | None = None, task: str | None = None):
        """Our hybrid retrieval as a LangChain retriever (a `langchain_core.retrievers.BaseRetriever`), to drop
        into a LangChain chain: `assistant.as_retriever() | format_docs`."""
        from assistant.retrieval.langchain import NotesRetriever

        return NotesRetriever(search=self.search, k=k or self.settings.retrieval.k, domain=domain, task=task)

    @property
    def facts(self):
        """Facts follow the index: curated facts of indexed sections + facts mined from indexed notes (see
        assistant.knowledge.fact_store); re-read only when the index or the mined facts change."""
        from assistant.knowledge.fact_store import cache_key, facts_for_index

        key = cache_key(self.index)
        cached = self.__dict__.get("_facts_cache")
        if cached is None or cached[0] != key:
            cached = (key, facts_for_index(self.index, self.settings.facts_dir))
            self.__dict__["_facts_cache"] = cached
        return cached[1]

    @cached_property
    def bank(self):
        from assistant.learner.bank import Bank

        return Bank(Path(self.settings.data_dir) / "learner.db")

    def quiz_maker(self, seed: int | None = None):
        from assistant.quiz.generate import QuizMaker

        return QuizMaker(self, self.bank, self.facts, seed=seed)

    def explainer(self, seed: int | None = None, with_model: bool = True):
        from assistant.quiz.explain import Explainer

        return Explainer(self, self.facts, llm=self.llm if with_model else None, seed=seed)

    def ask(self, question: str, *, domain: int | None = None, on_text=None, on_instant=None):
        """A grounded answer with verified citations (see assistant.answering.answer.Answer). `on_instant` gets the
        verified note sentences known before the model runs (answering/instant.py), `on_text` the model's stream.
        Near-topic questions the notes do not cover are logged for the coverage-gap report; off-topic ones are no
        gap in the notes."""
        from assistant.answering.answer import refusal_kind

        answer = self.answerer.ask(question, domain=domain, on_text=on_text, on_instant=on_instant)
        if answer.refused and refusal_kind(answer) == "near-topic":
            closest = "; ".join(f"{c['source']} — {c['heading']}" for c in answer.closest[:2])
            self.bank.log_refusal(question, closest)
        return answer

    # ---- the learner's record ------------------------------------------------------------------
    @cached_property
    def reviews(self):
        from assistant.learner.review import Reviews

        return Reviews(self.bank, self.facts)

    @cached_property
    def exams(self):
        from assistant.learner.exam import MockExams

        return MockExams(self)

    def record_attempt(self, q, answer: list[int], seconds: float | None = None) -> bool:
        """Grade an answer and store it with its review update in one transaction; True when correct."""
        correct = q.grade(answer)
        self.bank.record_attempt(q.id, answer, correct, seconds, also=self.reviews.writer(q, correct))
        return correct

    def progress(self) -> dict:
        from assistant.learner.progress import progress_report

        return progress_report(self.bank.history(), self.blueprint, self.bank.clock())

    def weakest_tasks(self, n: int = 3) -> list[str]:
        return self.progress()["weakest"][:n]

    def gaps(self) -> dict:
        """Tasks the notes barely cover, and questions refused for lack of notes."""
        from assistant.knowledge.coverage import coverage_report

        thin = coverage_report(self)["thin"] if self.index.exists() else []
        return {"thin": thin, "refusals": self.bank.refusals()}

    def search(self, query: str, k: int | None = None, *, domain: int | None = None, task: str | None = None,
               mode: Mode | None = None) -> list[SearchResult]:
        query = check_query(query)
        self.index.check_compatible()
        return self.retriever.search(query, k, domain=domain, task=task, mode=mode)


def build_assistant(settings: Settings | None = None, **overrides) -> Assistant:
    return Assistant(settings or Settings(**overrides))
