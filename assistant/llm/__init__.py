"""LLM access behind one small interface.

    interface.py  `ChatModel` (one method: `complete_json`), its errors, and `ask_structured` (validate, check,
                  retry once with the problems spelled out)
    providers.py  the configured model from settings and environment (`from_settings`), or None: offline
    langchain.py  the real adapter: any OpenAI-compatible server (and other LangChain providers)
    fake.py       `FakeLLM`: a scripted model for tests that records what it was asked

A new provider is an adapter implementing `ChatModel` plus a line in `providers.py`; it must pass the contract
tests in `tests/llm/test_chat_model_contract.py`.
"""

from assistant.llm.fake import FakeLLM
from assistant.llm.interface import (
                                     Answer,
                                     ChatModel,
                                     LLMBadOutput,
                                     LLMError,
                                     LLMUnavailable,
                                     Reply,
                                     Usage,
                                     ask_structured,
                                     parse_object,
)
from assistant.llm.providers import from_settings, split_model

__all__ = ["Answer", "ChatModel", "FakeLLM", "LLMBadOutput", "LLMError", "LLMUnavailable", "Reply", "Usage",
           "ask_structured", "from_settings", "parse_object", "split_model"]
