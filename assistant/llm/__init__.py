"""LLM backends: small classes behind one interface, chosen by `settings.llm.backend`.

    llm = make_llm(settings)          # BACKENDS[settings.llm.backend](settings.llm, data_dir)
    text = llm.generate(messages, schema=AnswerSchema)    # whole reply
    for piece in llm.stream(messages, schema=...): ...   # reply as it is produced
"""
from assistant.llm.base import LLM, BackendBusyError, BackendError

BACKENDS = {
    "local": "assistant.llm.local:LocalLLM",
    "bedrock": "assistant.llm.bedrock:BedrockLLM",
    "fake": "assistant.llm.fake:ScriptedLLM",
}


def make_llm(settings, data_dir) -> LLM:
    """Instantiate the configured backend (imports only that backend's heavy dependencies)."""
    import importlib

    try:
        target = BACKENDS[settings.backend]
    except KeyError:
        raise BackendError(f"unknown LLM backend {settings.backend!r}; choose one of {', '.join(BACKENDS)}") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)(settings, data_dir)


__all__ = ["LLM", "BACKENDS", "BackendError", "BackendBusyError", "make_llm"]
