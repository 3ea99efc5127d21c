"""The `ChatModel` contract: one suite of cases every chat model passes (DESIGN.md practice 17), whatever sits
behind it.

Every case talks to the model only through `complete_json` (and `ask_structured` on top of it). A *rig* sets up
one implementation: it scripts what the model will answer (`answers`), makes it unreachable (`goes_down`) or
slow (`stalls`), and reports what the model was sent. The rigs:

- `fake`: `FakeLLM`, the scripted model the other tests use. It has no server, so "down" and "too slow" are
  scripted as the very errors a real adapter raises; the cases check that they reach the caller unchanged.
- `langchain:<method>`: the real `LangChainModel` against a chat.completions server on 127.0.0.1
  (tests/llm/replay.py) that answers the way the recorded real servers do (tests/llm/recorded/): a JSON object
  comes back as a tool call (function_calling) or as the message content (json_object, json_schema); prose
  comes back as content. Down means a refused connection, a connection closed without an answer, or HTTP 500;
  too slow means an answer that comes after the timeout.

A new provider is a new rig in `RIGS`. What only the LangChain adapter does (the exact requests it sends, the
recorded exchanges, every kind of garbage a server can send) is in test_llm.py.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from pydantic import BaseModel, ConfigDict, Field

from assistant.llm import (
    ChatModel,
    FakeLLM,
    LLMBadOutput,
    LLMError,
    LLMUnavailable,
    Reply,
    Usage,
    ask_structured,
)
from assistant.llm.langchain import LangChainModel
from tests.llm.replay import Replay, closed_port, completion, tool_call


class Pick(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2100)


SCHEMA = Pick.model_json_schema()
DOWN_WAYS = ("refused", "closed", "http 500")


class FakeRig:
    """`FakeLLM`: answers are scripted; failures are scripted as the errors a real adapter raises."""

    provider, model_name, tokens = "fake", "scripted", (12, 3)

    def __init__(self):
        self.fake = FakeLLM(input_tokens=self.tokens[0], output_tokens=self.tokens[1])

    def model(self) -> ChatModel:
        return self.fake

    def answers(self, *replies) -> None:
        self.fake.add(*replies)

    def goes_down(self, way: str) -> str:
        message = {"refused": "the fake LLM did not answer: connection refused",
                   "closed": "the fake LLM did not answer: server disconnected",
                   "http 500": "the fake LLM failed (HTTP 500)"}[way]
        self.fake.add(LLMUnavailable(message))
        return re.escape(message)

    def stalls(self, seconds: float, timeout: float) -> None:
        self.fake.add(LLMUnavailable(f"the fake LLM did not answer within {timeout:g} s"))

    def sent(self) -> list[str]:
        return [call.user for call in self.fake.calls]

    def pending(self) -> int:
        return len(self.fake.replies)

    def close(self) -> None:
        pass


class LangChainRig:
    """`LangChainModel` (one JSON method) against a local chat.completions server."""

    provider, model_name, tokens = "openai-compatible", "local", (10, 5)

    def __init__(self, method: str):
        self.method = method
        self.server = Replay()
        self.url = self.server.url

    def model(self) -> ChatModel:
        return LangChainModel(self.provider, self.model_name, base_url=self.url, api_key="not-needed",
                              method=self.method)

    def answers(self, *replies) -> None:
        for reply in replies:
            if isinstance(reply, dict) and self.method == "function_calling":
                self.server.play(200, tool_call("Pick", json.dumps(reply)))
            else:  # an object in the content, or prose where the model ignored the tool or the format
                self.server.play(200, completion({"content": reply if isinstance(reply, str) else json.dumps(reply)}))

    def goes_down(self, way: str) -> str:
        if way == "refused":
            self.url = f"http://127.0.0.1:{closed_port()}/v1"
            return "^" + re.escape(f"the LLM at {self.url} did not answer: connection refused") + "$"
        if way == "closed":
            self.server.hang_up()
            return re.escape(f"the LLM at {self.url} did not answer: ")
        self.server.play(500, {"error": {"message": "Internal Server Error"}})
        return re.escape(f"the LLM at {self.url} failed (HTTP 500)")

    def stalls(self, seconds: float, timeout: float) -> None:
        self.server.play(200, completion({"content": '{"title": "A", "year": 1999}'}), delay=seconds)

    def sent(self) -> list[str]:
        return [request["body"]["messages"][1]["content"] for request in self.server.requests]

    def pending(self) -> int:
        return len(self.server.responses)

    def close(self) -> None:
        self.server.close()


RIGS = {
    "fake": FakeRig,
    "langchain:function_calling": lambda: LangChainRig("function_calling"),
    "langchain:json_object": lambda: LangChainRig("json_object"),
    "langchain:json_schema": lambda: LangChainRig("json_schema"),
}


@pytest.fixture(params=list(RIGS))
def rig(request):
    made = RIGS[request.param]()
    yield made
    made.close()


def _is_short_llm_error(error: BaseException) -> None:
    assert isinstance(error, LLMError) and type(error).__module__ == "assistant.llm.interface", repr(error)
    assert 0 < len(str(error)) < 300, str(error)


# -- who it is -----------------------------------------------------------------------------------------------
def test_is_a_chat_model_that_names_provider_and_model(rig):
    model = rig.model()
    assert isinstance(model, ChatModel)
    assert (model.provider, model.model) == (rig.provider, rig.model_name)


# -- answers -------------------------------------------------------------------------------------------------
def test_answers_with_the_parsed_object_and_its_cost(rig):
    rig.answers({"title": "Song", "year": 1999})
    model = rig.model()
    reply = model.complete_json("sys", "pick one", SCHEMA, "Pick", 5)
    assert isinstance(reply, Reply) and reply.data == {"title": "Song", "year": 1999}
    assert json.loads(reply.raw) == reply.data
    assert isinstance(reply.usage, Usage)
    assert (reply.usage.provider, reply.usage.model) == (model.provider, model.model)
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == rig.tokens and reply.usage.seconds >= 0
    assert rig.sent() == ["pick one"]


def test_fenced_json_is_accepted(rig):
    rig.answers('```json\n{"title": "Song", "year": 1999}\n```')
    assert ask_structured(rig.model(), "s", "u", Pick).value.year == 1999


@pytest.mark.parametrize("text, problem", [("Sure! Here is your pick.", "not JSON"),
                                           ("[1, 2, 3]", "not an object")])
def test_text_that_is_not_a_json_object_is_bad_output(rig, text, problem):
    rig.answers(text)
    model = rig.model()
    with pytest.raises(LLMBadOutput, match=problem) as e:
        model.complete_json("s", "u", SCHEMA, "Pick", 5)
    _is_short_llm_error(e.value)
    assert e.value.raw == text  # kept, to quote back on a retry
    assert (e.value.usage.provider, e.value.usage.model) == (model.provider, model.model)


def test_not_json_then_valid_through_ask_structured(rig):
    rig.answers("Sure! Here is your pick.", {"title": "Song", "year": 2001})
    answer = ask_structured(rig.model(), "sys", "u", Pick)
    assert answer.value == Pick(title="Song", year=2001)
    assert answer.attempts == 2 and len(answer.usages) == 2
    assert "not JSON" in rig.sent()[1]


# -- failures ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("way", DOWN_WAYS)
def test_down_is_unavailable_at_once_and_not_retried(rig, way):
    says = rig.goes_down(way)
    rig.answers({"title": "A", "year": 1999})  # what it would answer next: never asked for
    t0 = time.perf_counter()
    with pytest.raises(LLMUnavailable) as e:
        ask_structured(rig.model(), "s", "u", Pick, timeout=5)
    assert time.perf_counter() - t0 < 3
    assert re.search(says, str(e.value)), str(e.value)
    _is_short_llm_error(e.value)
    assert len(rig.sent()) <= 1 and rig.pending() == 1


def test_too_slow_is_unavailable_within_the_timeout(rig):
    rig.stalls(3, timeout=0.5)
    t0 = time.perf_counter()
    with pytest.raises(LLMUnavailable, match=r"did not answer within 0\.5 s") as e:
        rig.model().complete_json("s", "u", SCHEMA, "Pick", 0.5)
    assert time.perf_counter() - t0 < 2.5
    _is_short_llm_error(e.value)


def test_answers_again_after_a_failure(rig):
    rig.stalls(3, timeout=0.5)
    rig.answers({"title": "Song", "year": 1999})
    model = rig.model()
    with pytest.raises(LLMUnavailable):
        model.complete_json("s", "first", SCHEMA, "Pick", 0.5)
    reply = model.complete_json("s", "second", SCHEMA, "Pick", 5)  # same model object, a longer timeout
    assert reply.data == {"title": "Song", "year": 1999}
    assert rig.sent() == ["first", "second"]
