"""Model-written questions: schema-constrained output, one retry with the error, then dropped (scripted LLM)."""
import json

import pytest

from assistant.llm.fake import ScriptedLLM
from assistant.quiz.llm_writer import WriterError, solve_with_model, write_question
from assistant.types import Chunk

PASSAGES = [Chunk(id="p1", source="i.md", heading="Inference > Async",
                  text="Asynchronous inference queues requests with payloads up to 1 GB.")]


def written(correct_index=0, n_correct=1):
    return json.dumps({"stem": "A company must score 800 MB videos that take ten minutes each. What should it use?",
                       "options": [{"cites": [1], "text": t, "correct": i == correct_index or (n_correct == 2 and i == 1),
                                    "why": f"Because of {t}."} for i, t in enumerate(
                           ["Asynchronous inference", "Real-time endpoint", "Serverless inference", "Batch transform"])]})


def test_key_is_moved_to_the_requested_position():
    llm = ScriptedLLM().enqueue(written(0))
    q = write_question(llm, PASSAGES, "3.1", 3, key_position=2)
    assert q.options[2] == "Asynchronous inference" and q.keys == [2]
    assert q.explanations[2].startswith("Correct:") and q.explanations[2].endswith("[1]")
    assert sum(e.startswith("Incorrect:") for e in q.explanations) == 3
    assert llm.schemas[0]["properties"]["options"]["minItems"] == 4


@pytest.mark.parametrize("bad", ['{"stem": "cut off', written(n_correct=2), '{"stem": "x", "options": []}'])
def test_invalid_output_is_retried_once_with_the_error(bad):
    llm = ScriptedLLM().enqueue(bad, written(1))
    q = write_question(llm, PASSAGES, "3.1", 3, key_position=0)
    assert q.options[0] == "Real-time endpoint"
    assert "invalid" in llm.prompts[1][-1]["content"] and llm.prompts[1][-2]["content"] == bad


def test_still_invalid_after_retry_is_dropped_with_the_raw_text():
    llm = ScriptedLLM().enqueue("not json", written(n_correct=2))
    with pytest.raises(WriterError) as err:
        write_question(llm, PASSAGES, "3.1", 3, key_position=0)
    assert "after a retry" in str(err.value) and err.value.raw == written(n_correct=2)


def test_solver_never_sees_the_key():
    llm = ScriptedLLM().enqueue('{"answer": "C"}')
    q = write_question(ScriptedLLM().enqueue(written(0)), PASSAGES, "3.1", 3, key_position=2)
    assert solve_with_model(llm, q, PASSAGES) == [2]
    prompt = llm.prompts[0][-1]["content"]
    assert "Correct" not in prompt and "Because of" not in prompt
