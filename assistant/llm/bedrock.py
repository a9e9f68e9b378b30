"""Amazon Bedrock through boto3's bedrock-runtime Converse / ConverseStream.

Structured output goes through a forced tool call whose input schema is the JSON schema; the tool's
streamed input is the JSON text. Retries use botocore's 'standard' mode; errors become messages that
say what to fix (AccessDenied: enable model access in that region; throttling: busy, try later).
"""
from __future__ import annotations

import json
from functools import cached_property
from typing import Iterator

from assistant.llm.base import BackendBusyError, BackendError

TOOL_NAME = "respond"
BUSY_CODES = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException",
              "ModelNotReadyException", "ServiceUnavailableException"}


class BedrockLLM:
    backend = "bedrock"

    def __init__(self, settings, data_dir=None, client=None):
        self.settings = settings
        self.model = settings.bedrock_model_id
        self.region = settings.bedrock_region
        self.context_window = settings.bedrock_context_window
        if client is not None:
            self.__dict__["client"] = client

    @cached_property
    def client(self):
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "max_attempts": self.settings.bedrock_max_attempts},
                        connect_timeout=self.settings.bedrock_connect_timeout_s,
                        read_timeout=self.settings.bedrock_read_timeout_s)
        return boto3.client("bedrock-runtime", region_name=self.region, config=config)

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)  # the tokenizer is remote: ~4 characters per token for English

    def request(self, messages: list[dict], schema: dict | None, max_tokens: int) -> dict:
        system = [{"text": m["content"]} for m in messages if m["role"] == "system"]
        turns = [{"role": m["role"], "content": [{"text": m["content"]}]} for m in messages if m["role"] != "system"]
        req = {"modelId": self.model, "messages": turns,
               "inferenceConfig": {"maxTokens": max_tokens, "temperature": self.settings.temperature}}
        if system:
            req["system"] = system
        if schema is not None:
            req["toolConfig"] = {"tools": [{"toolSpec": {"name": TOOL_NAME, "description": "Return the reply.",
                                                         "inputSchema": {"json": schema}}}],
                                 "toolChoice": {"tool": {"name": TOOL_NAME}}}
        return req

    def generate(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> str:
        with self._errors():
            response = self.client.converse(**self.request(messages, schema, max_tokens))
        parts = []
        for block in response["output"]["message"]["content"]:
            if "toolUse" in block:
                parts.append(json.dumps(block["toolUse"]["input"]))
            elif "text" in block:
                parts.append(block["text"])
        return "".join(parts)

    def stream(self, messages: list[dict], *, schema: dict | None = None, max_tokens: int = 400) -> Iterator[str]:
        with self._errors():
            response = self.client.converse_stream(**self.request(messages, schema, max_tokens))
            yield from self._events(response["stream"])

    def _events(self, stream) -> Iterator[str]:
        """The text in a ConverseStream's events; the HTTP stream is closed however the reading ends (a
        consumer that stops early releases the connection)."""
        try:
            for event in stream:
                if "contentBlockDelta" in event:
                    delta = event["contentBlockDelta"]["delta"]
                    if "text" in delta:
                        yield delta["text"]
                    elif "toolUse" in delta:
                        yield delta["toolUse"].get("input", "")
                else:
                    for key in ("internalServerException", "modelStreamErrorException", "throttlingException",
                                "validationException", "serviceUnavailableException"):
                        if key in event:
                            message = event[key].get("message", key)
                            if key in ("throttlingException", "serviceUnavailableException"):
                                raise BackendBusyError(f"Bedrock stream stopped: {message}; try again in a minute")
                            raise BackendError(f"Bedrock stream stopped: {message}")
        finally:
            if hasattr(stream, "close"):
                stream.close()

    def _errors(self):
        return _BedrockErrors(self)


class _BedrockErrors:
    """Translate botocore failures into errors that tell the learner what to do."""

    def __init__(self, llm: BedrockLLM):
        self.llm = llm

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, BackendError):
            return False
        from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                         NoCredentialsError, ReadTimeoutError)

        model, region = self.llm.model, self.llm.region
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            if code == "AccessDeniedException":
                raise BackendError(
                    f"Bedrock denied access to {model} in {region}: enable access to this model in the Bedrock console "
                    "for that region, and allow bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream for "
                    "your IAM identity") from None
            if code in BUSY_CODES:
                raise BackendBusyError(
                    f"Bedrock is busy ({code} after {self.llm.settings.bedrock_max_attempts} attempts); try again in a "
                    "minute, or ask for a higher quota for this model") from None
            if code == "ValidationException":
                raise BackendError(f"Bedrock rejected the request for {model}: {message}. Check "
                                   "STUDY_LLM__BEDROCK_MODEL_ID (some models need an inference profile id)") from None
            if code == "ResourceNotFoundException":
                raise BackendError(f"Bedrock has no model {model} in {region}: check STUDY_LLM__BEDROCK_MODEL_ID "
                                   "and STUDY_LLM__BEDROCK_REGION") from None
            raise BackendError(f"Bedrock error {code}: {message}") from None
        if isinstance(exc, NoCredentialsError):
            raise BackendError("no AWS credentials found: run `aws configure` or set AWS_PROFILE / "
                               "AWS_ACCESS_KEY_ID, or use the local backend") from None
        if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
            raise BackendError(f"cannot reach Bedrock in {region} ({type(exc).__name__}); check the network or "
                               "use the local backend") from None
        if isinstance(exc, BotoCoreError):
            raise BackendError(f"Bedrock call failed: {exc}") from None
        return False
