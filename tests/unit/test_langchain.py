"""LangChain where it fits: our hybrid retriever inside a LangChain user's own LCEL chain, our embedder as a
LangChain `Embeddings` (real Chroma, real embedder; the chain's model is LangChain's fake chat model)."""
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

QUESTION = "How do managed warm pools help consecutive training jobs start?"


def format_docs(docs) -> str:
    return "\n\n".join(f"[{d.metadata['source']} — {d.metadata['heading']}]\n{d.page_content}" for d in docs)


def test_the_hybrid_retriever_drops_into_an_lcel_chain(make_assistant, small_corpus):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)
    retriever = assistant.as_retriever(k=2)
    assert isinstance(retriever, BaseRetriever)

    docs = retriever.invoke(QUESTION)
    ours = assistant.search(QUESTION, 2)
    assert [d.id for d in docs] == [r.chunk.id for r in ours]  # the same hybrid ranking, not a plain vector search
    assert docs[0].metadata["heading"] == "SageMaker training > Managed warm pools"
    assert docs[0].metadata["rank"] == 1 and docs[0].metadata["score"] == ours[0].score

    prompt = ChatPromptTemplate.from_messages([("system", "Answer only from these notes:\n\n{context}"),
                                               ("human", "{question}")])
    sent = []
    chain = ({"context": retriever | format_docs, "question": RunnablePassthrough()}
             | prompt | RunnableLambda(lambda p: sent.append(p) or p)
             | FakeListChatModel(responses=["Warm pools keep instances alive between jobs."]) | StrOutputParser())
    assert chain.invoke(QUESTION) == "Warm pools keep instances alive between jobs."
    system, human = sent[0].to_messages()
    assert "Managed warm pools keep provisioned instances alive" in system.content and human.content == QUESTION

    filtered = assistant.as_retriever(domain=3).invoke("What runs training jobs and endpoints?")
    assert filtered and {d.metadata["domain"] for d in filtered} == {3}


def test_the_embedder_is_a_langchain_embeddings(embedder):
    assert isinstance(embedder, Embeddings)
    store = InMemoryVectorStore(embedding=embedder)
    store.add_texts(["Managed warm pools keep training instances alive.", "S3 bucket policies grant access."])
    assert store.similarity_search("reuse instances between training jobs", k=1)[0].page_content.startswith("Managed")
    vector = embedder.embed_query("warm pools")
    assert len(vector) == embedder.dimension and abs(sum(x * x for x in vector) - 1) < 1e-4
