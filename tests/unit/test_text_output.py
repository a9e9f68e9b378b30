"""STUDY_LLM__OUTPUT=text: plain sentences with [n] markers instead of the JSON grammar, on real retrieval with a
scripted model (control flow only; the real model's text answers run in `evals/scripts/output_format_ab.py`)."""
import pytest

from assistant.answering.passages import MAX_SENTENCES
from assistant.config import LLMSettings
from assistant.llm.fake import ScriptedLLM


class CountingLLM(ScriptedLLM):
    """Counts the pieces the answerer actually took from the stream."""

    def __init__(self):
        super().__init__()
        self.taken = 0

    def stream(self, messages, *, schema=None, max_tokens=400):
        for piece in super().stream(messages, schema=schema, max_tokens=max_tokens):
            self.taken += 1
            yield piece


@pytest.fixture
def text_tutor(make_assistant, small_corpus):
    llm = CountingLLM()
    assistant = make_assistant(llm=LLMSettings(output="text"))
    assistant.use_llm(llm)
    assistant.ingest([small_corpus], progress=False)
    return assistant, llm


def test_plain_reply_is_asked_for_without_a_grammar_and_its_markers_are_checked(text_tutor):
    assistant, llm = text_tutor
    llm.enqueue("Managed warm pools keep provisioned instances alive so consecutive training jobs start without "
                "waiting for new capacity [1]. Warm pools keep instances alive after a training job ends. [9]")
    shown = []
    answer = assistant.ask("How do managed warm pools help consecutive training jobs start?", on_text=shown.append)
    system, _ = llm.prompts[-1]
    assert "Reply in plain text" in system["content"] and '"cites"' not in system["content"]
    assert llm.schemas[-1] is None
    assert not answer.refused and answer.complete
    assert answer.sentences[0]["cited"] == [1]
    assert answer.invalid_citations == [9]  # a marker is a claim like a JSON cite: reported, never kept
    assert [c.heading for c in answer.citations] == ["SageMaker training > Managed warm pools"]
    assert "[9]" not in answer.answer and "start without waiting for new capacity." in answer.answer
    assert "".join(shown).startswith("Managed warm pools keep")


def test_a_rambling_reply_is_stopped_once_it_has_its_sentences(text_tutor):
    assistant, llm = text_tutor
    sentences = [f"Managed warm pools keep provisioned instances alive after a training job ends, reason {n} [1]."
                 for n in range(MAX_SENTENCES + 4)]
    reply = " ".join(sentences)
    llm.enqueue(reply)
    answer = assistant.ask("What do managed warm pools do after a training job ends?")
    pieces = -(-len(reply) // 7)  # ScriptedLLM streams 7 characters at a time
    assert llm.taken < pieces * (MAX_SENTENCES + 1) / (MAX_SENTENCES + 4) + 2
    assert len(answer.sentences) <= MAX_SENTENCES and answer.complete


def test_a_sentence_cut_off_at_the_token_limit_is_not_shown(text_tutor):
    assistant, llm = text_tutor
    llm.enqueue("Managed warm pools keep provisioned instances alive after a training job ends [1]. They also "
                "make every job free and")
    answer = assistant.ask("What do managed warm pools do after a training job ends?")
    assert not answer.complete
    assert [s["text"] for s in answer.sentences] == [
        "Managed warm pools keep provisioned instances alive after a training job ends."]
