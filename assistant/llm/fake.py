"""A scripted `ChatModel` for tests and demos: it answers from a queue and records what it was asked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from assistant.llm.interface import LLMError, Reply, Usage, parse_object


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    system: str
    user: str
    schema: dict
    schema_name: str
    timeout: float


class FakeLLM:
    """Answers `complete_json` with the next scripted reply.

    A reply is a dict (returned as the JSON object), a string (parsed like a real model's text, so
    non-JSON raises `LLMBadOutput`), or an exception instance (raised, e.g. `LLMUnavailable(...)`).
    """

    provider = "fake"

    def __init__(self, replies: list[Any] | None = None, model: str = "scripted",
                 input_tokens: int | None = None, output_tokens: int | None = None):
        self.model = model
        self.replies: list[Any] = list(replies or [])
        self.calls: list[Call] = []
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens

    def add(self, *replies: Any) -> FakeLLM:
        self.replies.extend(replies)
        return self

    def complete_json(self, system: str, user: str, schema: dict, schema_name: str, timeout: float) -> Reply:
        self.calls.append(Call(system, user, schema, schema_name, timeout))
        if not self.replies:
            raise AssertionError(f"FakeLLM has no scripted reply left for call {len(self.calls)}")
        reply = self.replies.pop(0)
        usage = Usage(provider=self.provider, model=self.model, seconds=0.0,
                      input_tokens=self.input_tokens, output_tokens=self.output_tokens)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, dict):
            return Reply(data=reply, raw=json.dumps(reply), usage=usage)
        if isinstance(reply, str):
            return Reply(data=parse_object(reply, "the fake LLM", usage), raw=reply, usage=usage)
        raise LLMError(f"FakeLLM cannot play a reply of type {type(reply).__name__}")
