"""Our hybrid retrieval as a LangChain retriever, for a LangChain user's own chains:

    chain = {"context": assistant.as_retriever() | format_docs, "question": RunnablePassthrough()} | prompt | model

Each Document is one note passage: `page_content` its text, `id` the chunk id, `metadata` where it is from
(source, heading, domain, task, services, ...) and its fusion `score` and `rank`.
"""
from __future__ import annotations

from typing import Callable

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.types import SearchResult


class NotesRetriever(BaseRetriever):
    """`search(query, k, domain=, task=)` (Assistant.search: query checks, hybrid + facts fusion) as a retriever."""

    search: Callable[..., list[SearchResult]]
    k: int = 5
    domain: int | None = None
    task: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=r.chunk.text, id=r.chunk.id,
                         metadata={**r.chunk.metadata(), "id": r.chunk.id, "score": r.score, "rank": r.rank})
                for r in self.search(query, self.k, domain=self.domain, task=self.task)]
