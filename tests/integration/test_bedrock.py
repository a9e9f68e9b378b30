"""The Bedrock backend through botocore's Stubber (request parameters validated against the real service
model), streaming through the client's event hooks, and one live call when AWS credentials exist."""
import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import ANY, Stubber

from assistant.config import LLMSettings
from assistant.llm.base import BackendBusyError, BackendError
from assistant.llm.bedrock import BedrockLLM

MESSAGES = [{"role": "system", "content": "Answer from the passages."}, {"role": "user", "content": "What are warm pools?"}]
SCHEMA = {"type": "object", "properties": {"sentences": {"type": "array"}}, "required": ["sentences"]}


def client():
    return boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"mode": "standard", "max_attempts": 1}))


def converse_response(content):
    return {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "metrics": {"latencyMs": 12}}


@pytest.fixture
def stubbed():
    c = client()
    with Stubber(c) as stub:
        yield BedrockLLM(LLMSettings(backend="bedrock"), client=c), stub
        stub.assert_no_pending_responses()


def test_structured_output_through_a_forced_tool_call(stubbed):
    llm, stub = stubbed
    answer = {"sentences": [{"cites": [1], "text": "Warm pools keep instances alive."}]}
    stub.add_response("converse", converse_response([{"toolUse": {"toolUseId": "t1", "name": "respond", "input": answer}}]), {
        "modelId": "amazon.nova-lite-v1:0",
        "messages": [{"role": "user", "content": [{"text": "What are warm pools?"}]}],
        "system": [{"text": "Answer from the passages."}],
        "inferenceConfig": {"maxTokens": 200, "temperature": 0.0},
        "toolConfig": {"tools": [{"toolSpec": {"name": "respond", "description": ANY, "inputSchema": {"json": SCHEMA}}}],
                       "toolChoice": {"tool": {"name": "respond"}}},
    })
    assert json.loads(llm.generate(MESSAGES, schema=SCHEMA, max_tokens=200)) == answer


def test_plain_text_reply(stubbed):
    llm, stub = stubbed
    stub.add_response("converse", converse_response([{"text": "Warm pools keep "}, {"text": "instances alive."}]))
    assert llm.generate(MESSAGES) == "Warm pools keep instances alive."


@pytest.mark.parametrize("code,error,message", [
    ("ThrottlingException", BackendBusyError, "busy"),
    ("ServiceQuotaExceededException", BackendBusyError, "busy"),
    ("AccessDeniedException", BackendError, "enable access to this model in the Bedrock console"),
    ("ValidationException", BackendError, "rejected the request"),
    ("ResourceNotFoundException", BackendError, "no model"),
])
def test_errors_say_what_to_do(stubbed, code, error, message):
    llm, stub = stubbed
    stub.add_client_error("converse", service_error_code=code, service_message="nope", http_status_code=400)
    with pytest.raises(error, match=message):
        llm.generate(MESSAGES)


def stream_events(*events):
    """Make ConverseStream return `events` (the Stubber cannot build event streams)."""
    def handler(**kwargs):
        http = AWSResponse("https://bedrock-runtime.us-east-1.amazonaws.com", 200, {}, None)
        return http, {"stream": iter(events), "ResponseMetadata": {"HTTPStatusCode": 200}}
    return handler


def test_streaming_tool_input_arrives_in_pieces():
    c = client()
    events = [{"messageStart": {"role": "assistant"}},
              {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t", "name": "respond"}}, "contentBlockIndex": 0}},
              {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"sentences": [{"cites": [1], '}}, "contentBlockIndex": 0}},
              {"contentBlockDelta": {"delta": {"toolUse": {"input": '"text": "Warm pools."}]}'}}, "contentBlockIndex": 0}},
              {"contentBlockStop": {"contentBlockIndex": 0}}, {"messageStop": {"stopReason": "tool_use"}}]
    seen = []
    c.meta.events.register("before-call.bedrock-runtime.ConverseStream", lambda params, **kw: seen.append(params) or
                           stream_events(*events)())
    llm = BedrockLLM(LLMSettings(backend="bedrock"), client=c)
    pieces = list(llm.stream(MESSAGES, schema=SCHEMA))
    assert len(pieces) == 2 and json.loads("".join(pieces))["sentences"][0]["text"] == "Warm pools."
    assert json.loads(seen[0]["body"])["toolConfig"]["toolChoice"] == {"tool": {"name": "respond"}}


def test_stream_error_event_mid_answer_raises():
    c = client()
    events = [{"contentBlockDelta": {"delta": {"text": "Warm "}, "contentBlockIndex": 0}},
              {"throttlingException": {"message": "slow down"}}]
    c.meta.events.register("before-call.bedrock-runtime.ConverseStream", stream_events(*events))
    llm = BedrockLLM(LLMSettings(backend="bedrock"), client=c)
    got = []
    with pytest.raises(BackendBusyError, match="slow down"):
        for piece in llm.stream(MESSAGES):
            got.append(piece)
    assert got == ["Warm "]


def test_ask_end_to_end_through_bedrock(make_assistant, small_corpus):
    c = client()
    reply = json.dumps({"sentences": [{"cites": [1], "text": "Managed warm pools keep provisioned instances alive "
                                                              "so consecutive training jobs start without waiting."}]})
    events = [{"contentBlockDelta": {"delta": {"toolUse": {"input": reply[:40]}}, "contentBlockIndex": 0}},
              {"contentBlockDelta": {"delta": {"toolUse": {"input": reply[40:]}}, "contentBlockIndex": 0}}]
    c.meta.events.register("before-call.bedrock-runtime.ConverseStream", stream_events(*events))
    assistant = make_assistant()
    assistant.use_llm(BedrockLLM(assistant.settings.llm, client=c))
    assistant.ingest([small_corpus], progress=False)
    answer = assistant.ask("How do managed warm pools help consecutive training jobs start?")
    assert answer.backend == "bedrock" and not answer.refused
    assert answer.citations[0].heading == "SageMaker training > Managed warm pools"


def _has_credentials() -> bool:
    try:
        return boto3.Session().get_credentials() is not None
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not _has_credentials(), reason="no AWS credentials: live Bedrock test skipped")
def test_live_bedrock_call():
    llm = BedrockLLM(LLMSettings(backend="bedrock"))
    text = llm.generate([{"role": "user", "content": "Reply with the single word: ready"}], max_tokens=10)
    assert "ready" in text.lower()
