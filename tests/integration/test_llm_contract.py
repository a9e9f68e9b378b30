"""What every LLM backend promises (assistant.llm.base.LLM), one class of tests run against each backend
(like haystack's document-store tests): streaming, structured output against a JSON schema, errors, and
cancellation of a stream a consumer stops reading.

Each subclass says how to make its backend answer (`answering`) and fail (`failing`): the scripted fake
replays what it is given; Bedrock runs through a real boto3 client (requests validated against the real
service model; Converse through botocore's Stubber, ConverseStream through the client's event hooks, as
the Stubber cannot build event streams); the local backend is the real model (marked `llm`: slow).
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import jsonschema
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber
from botocore.validate import validate_parameters

from assistant.config import LLMSettings
from assistant.llm.base import BackendError

MESSAGES = [{"role": "system", "content": "You answer in very few words."},
            {"role": "user", "content": "Name one AWS service for storing objects."}]
SCHEMA = {"type": "object", "required": ["sentences"], "properties": {"sentences": {
    "type": "array", "minItems": 1, "maxItems": 1, "items": {
        "type": "object", "required": ["cites", "text"], "properties": {
            "cites": {"type": "array", "maxItems": 1, "items": {"type": "integer", "enum": [1]}},
            "text": {"type": "string", "maxLength": 60}}}}}}
TEXT = "Amazon S3 stores objects."
JSON_REPLY = json.dumps({"sentences": [{"cites": [1], "text": "Amazon S3 stores objects."}]})


class LLMContract:
    """Subclasses provide `answering(*replies)`: a backend whose next calls reply with those texts (a real model
    replies what it replies), and `failing()`: a backend whose next call fails."""

    scripted = True  # the replies are what `answering` was given (False: a real model)
    max_tokens = 60

    def answering(self, *replies):
        raise NotImplementedError

    def failing(self):
        raise NotImplementedError

    def released(self, llm) -> bool:
        """After a stream was abandoned: nothing of it is still held (a lock, a connection)."""
        return True

    # ---- the contract ------------------------------------------------------------------------------
    def test_describes_itself(self):
        llm = self.answering(TEXT)
        assert isinstance(llm.backend, str) and llm.backend and isinstance(llm.model, str) and llm.model
        assert llm.context_window >= 512
        assert 0 < llm.count_tokens("one") < llm.count_tokens("one two three four five six seven eight nine ten")

    def test_stream_yields_text_pieces_that_join_into_the_reply(self):
        llm = self.answering(TEXT, TEXT)
        pieces = list(llm.stream(MESSAGES, max_tokens=self.max_tokens))
        assert pieces and all(isinstance(p, str) and p for p in pieces)
        assert "".join(pieces) == llm.generate(MESSAGES, max_tokens=self.max_tokens)
        if self.scripted:
            assert "".join(pieces) == TEXT and len(pieces) > 1
        else:
            assert "".join(pieces).strip()

    def test_structured_output_is_json_valid_against_the_schema(self):
        llm = self.answering(JSON_REPLY, JSON_REPLY)
        streamed = "".join(llm.stream(MESSAGES, schema=SCHEMA, max_tokens=self.max_tokens))
        jsonschema.validate(json.loads(streamed), SCHEMA)
        jsonschema.validate(json.loads(llm.generate(MESSAGES, schema=SCHEMA, max_tokens=self.max_tokens)), SCHEMA)

    def test_a_failure_is_a_backend_error_with_a_message(self):
        llm, call = self.failing()
        with pytest.raises(BackendError) as raised:
            call(llm)
        assert str(raised.value).strip()

    def test_a_stream_stopped_early_releases_the_backend(self):
        llm = self.answering(TEXT, TEXT)
        stream = llm.stream(MESSAGES, max_tokens=self.max_tokens)
        first = next(stream)
        stream.close()  # the consumer stops reading (a learner leaves the page, the caller breaks out)
        assert first and self.released(llm)
        assert "".join(llm.stream(MESSAGES, max_tokens=self.max_tokens)).strip()  # the next call is served


class TestScriptedLLM(LLMContract):
    def answering(self, *replies):
        from assistant.llm.fake import ScriptedLLM

        return ScriptedLLM().enqueue(*replies)

    def failing(self):
        from assistant.llm.fake import ScriptedLLM

        return ScriptedLLM(), lambda llm: llm.generate(MESSAGES)  # nothing queued


class _Stream:
    """A ConverseStream event stream that records whether it was closed (botocore's EventStream.close)."""

    def __init__(self, events):
        self.events, self.closed = iter(events), False

    def __iter__(self):
        return self.events

    def close(self):
        self.closed = True


def _events(reply: str, tool: bool) -> list[dict]:
    key = "toolUse" if tool else "text"
    pieces = [reply[i:i + 9] for i in range(0, len(reply), 9)]
    return ([{"messageStart": {"role": "assistant"}}]
            + [{"contentBlockDelta": {"delta": {key: {"input": p} if tool else p}, "contentBlockIndex": 0}}
               for p in pieces] + [{"messageStop": {"stopReason": "tool_use" if tool else "end_turn"}}])


class TestBedrockLLM(LLMContract):
    """Converse through botocore's Stubber (responses validated against the real service model); ConverseStream
    through the client's event hook, each event validated against the service model's event-stream shape.
    Requests are validated by the real client before either sees them."""

    def _client(self):
        return boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test", config=Config(retries={"mode": "standard", "max_attempts": 1}))

    def answering(self, *replies):
        from assistant.llm.bedrock import BedrockLLM

        converse, streaming = self._client(), self._client()
        stubber = Stubber(converse)
        for reply in replies:
            content = ([{"toolUse": {"toolUseId": "t1", "name": "respond", "input": json.loads(reply)}}]
                       if reply.startswith("{") else [{"text": reply}])
            stubber.add_response("converse", {"output": {"message": {"role": "assistant", "content": content}},
                                              "stopReason": "end_turn", "metrics": {"latencyMs": 1},
                                              "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}})
        stubber.activate()
        event_shape = streaming.meta.service_model.operation_model("ConverseStream").output_shape.members["stream"]
        queue, self.streams = list(replies), []

        def converse_stream(params, **kwargs):
            body = json.loads(params["body"])
            reply = queue.pop(0)
            assert ("toolConfig" in body) == reply.startswith("{")  # a schema is sent as a forced tool call
            events = _events(reply, "toolConfig" in body)
            for event in events:
                validate_parameters(event, event_shape)
            self.streams.append(_Stream(events))
            return AWSResponse("https://bedrock-runtime.us-east-1.amazonaws.com", 200, {}, None), {
                "stream": self.streams[-1], "ResponseMetadata": {"HTTPStatusCode": 200}}

        streaming.meta.events.register("before-call.bedrock-runtime.ConverseStream", converse_stream)
        client = SimpleNamespace(converse=converse.converse, converse_stream=streaming.converse_stream)
        return BedrockLLM(LLMSettings(backend="bedrock"), client=client)

    def failing(self):
        from assistant.llm.bedrock import BedrockLLM

        client = self._client()
        stubber = Stubber(client)
        stubber.add_client_error("converse_stream", service_error_code="AccessDeniedException",
                                 service_message="no access", http_status_code=403)
        stubber.activate()
        return BedrockLLM(LLMSettings(backend="bedrock"), client=client), lambda llm: list(llm.stream(MESSAGES))

    def released(self, llm) -> bool:
        return self.streams[0].closed  # the HTTP stream goes back to the pool


@pytest.mark.llm
class TestLocalLLM(LLMContract):
    scripted = False
    max_tokens = 80  # room for the whole JSON object (the schema bounds its length)

    @pytest.fixture(autouse=True)
    def _model(self, model_path, tmp_path):
        self.settings = LLMSettings(model_path=model_path, n_ctx=1024)
        self.data_dir = tmp_path

    def answering(self, *replies):
        from assistant.llm.local import LocalLLM

        return LocalLLM(self.settings, self.data_dir)

    def failing(self):
        from assistant.llm.local import LocalLLM

        too_long = [{"role": "user", "content": "word " * 3000}]  # over the 1024-token window
        return LocalLLM(self.settings, self.data_dir), lambda llm: list(llm.stream(too_long))

    def released(self, llm) -> bool:
        return not llm.lock.locked()
