"""The LLM access layer: validate-and-retry with a scripted fake, prompt templates, configuration, and the
real LangChain adapter against recorded chat.completions responses replayed on 127.0.0.1 (no internet).
What every chat model does (answers, bad output, down, too slow) is in test_chat_model_contract.py."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from assistant.llm import (
    Answer,
    ChatModel,
    FakeLLM,
    LLMBadOutput,
    LLMError,
    LLMUnavailable,
    Usage,
    ask_structured,
    from_settings,
    split_model,
)
from assistant.model.constraints import Clarification, Constraints, Refusal
from assistant.model.settings import BadSettings, Settings
from prompts import PromptError, fill, load, names, render, variables
from tests.llm.replay import Replay, completion
from tests.paths import ROOT


class Pick(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2100)


class UnderstandAnswer(BaseModel):
    """The shape the fixtures were recorded with (bench/record_llm.py)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["playlist", "clarify", "refuse"]
    constraints: Constraints | None = None
    clarification: Clarification | None = None
    refusal: Refusal | None = None


# --- ask_structured with the scripted fake -----------------------------------------------------


def test_valid_first_time():
    fake = FakeLLM([{"title": "Song", "year": 1999}])
    answer = ask_structured(fake, "sys", "user", Pick, timeout=5)
    assert isinstance(answer, Answer) and answer.value == Pick(title="Song", year=1999)
    assert answer.attempts == 1 and [u.provider for u in answer.usages] == ["fake"]
    (call,) = fake.calls
    assert (call.system, call.user, call.schema_name, call.timeout) == ("sys", "user", "Pick", 5)
    assert call.schema == Pick.model_json_schema()
    assert isinstance(fake, ChatModel)


def test_invalid_then_valid_retries_once_with_the_errors():
    fake = FakeLLM([{"title": "Song", "year": "soon"}, {"title": "Song", "year": 2001}])
    answer = ask_structured(fake, "sys", "make a pick", Pick)
    assert answer.value.year == 2001 and answer.attempts == 2 and len(answer.usages) == 2
    first, second = fake.calls
    assert second.system == first.system == "sys" and second.schema == first.schema
    assert second.user.startswith("make a pick")
    assert "Your previous answer was invalid" in second.user and "year" in second.user and '(got "soon")' in second.user
    assert '"year": "soon"' in second.user  # the bad answer is quoted back
    assert second.user.rstrip().endswith("Answer again with JSON matching the schema.")


def test_invalid_twice_raises_bad_output():
    fake = FakeLLM([{"title": ""}, "[1, 2]"])
    with pytest.raises(LLMBadOutput) as e:
        ask_structured(fake, "s", "u", Pick)
    assert "after 2 attempts" in str(e.value) and "fake:scripted" in str(e.value)
    assert len(fake.calls) == 2 and isinstance(e.value, LLMError)


def test_check_problems_trigger_the_retry():
    fake = FakeLLM([{"title": "What's Going On", "year": 1971}, {"title": "Song", "year": 1999}])
    seen = []

    def check(pick: Pick) -> list[str]:
        seen.append(pick.title)
        return [f"'{pick.title}' is not in the request"] if pick.title != "Song" else []

    answer = ask_structured(fake, "s", "u", Pick, check=check)
    assert seen == ["What's Going On", "Song"] and answer.attempts == 2
    assert "'What's Going On' is not in the request" in fake.calls[1].user


def test_check_failing_twice_raises():
    fake = FakeLLM([{"title": "A", "year": 1999}, {"title": "A", "year": 1999}])
    with pytest.raises(LLMBadOutput, match="grounding"):
        ask_structured(fake, "s", "u", Pick, check=lambda p: ["grounding: A is unknown"])


def test_retries_zero_and_schema_override():
    fake = FakeLLM([{"title": "", "year": 1}])
    with pytest.raises(LLMBadOutput, match="after 1 attempts"):
        ask_structured(fake, "s", "u", Pick, retries=0, schema={"type": "object"})
    assert fake.calls[0].schema == {"type": "object"}


def test_fake_reports_tokens_only_when_scripted():
    fake = FakeLLM([{"title": "A", "year": 1999}], input_tokens=12, output_tokens=3)
    (usage,) = ask_structured(fake, "s", "u", Pick).usages
    assert usage == Usage(provider="fake", model="scripted", seconds=0.0, input_tokens=12, output_tokens=3)
    assert FakeLLM([{"title": "A", "year": 1999}]).complete_json("s", "u", {}, "P", 1).usage.input_tokens is None


# --- prompts -----------------------------------------------------------------------------------


def test_shipped_templates_and_their_variables():
    assert {"understand_system", "understand_user"} <= set(names())
    assert variables("understand_system") == {"today_year", "genres_hint", "concepts_hint"}
    assert variables("understand_user") == {"request"}
    assert load("understand_user.md") == load("understand_user")


def test_render_fills_every_variable():
    system = render("understand_system", today_year=2026, genres_hint="rock, jazz", concepts_hint="pregame, funeral")
    assert "2026" in system and "rock, jazz" in system and "pregame, funeral" in system and "$" not in system
    user = render("understand_user", request='play {"json": [1, 2]} and $HOME')
    assert '<request>\nplay {"json": [1, 2]} and $HOME\n</request>' in user


def test_braces_in_templates_survive():
    assert fill('{"min": $low, "max": {"nested": "$$5"}}', low=1990) == '{"min": 1990, "max": {"nested": "$5"}}'


def test_missing_and_extra_variables_are_errors():
    with pytest.raises(PromptError, match="missing variable.*genres_hint"):
        render("understand_system", today_year=2026, concepts_hint="")
    with pytest.raises(PromptError, match="unused variable.*mood"):
        render("understand_user", request="x", mood="sad")
    with pytest.raises(PromptError, match="not a variable"):
        fill("costs $5", "price")
    with pytest.raises(PromptError, match="no prompt template 'nope'"):
        load("nope")
    with pytest.raises(PromptError):
        load("../assistant/llm")


def test_prompts_avoid_copyable_example_values():
    text = load("understand_system") + load("understand_user")
    for bait in ("Marvin Gaye", "1990", "Nirvana"):
        assert bait not in text


# --- configuration ------------------------------------------------------------------------------


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    for name in ("SEGUE_LLM", "SEGUE_LLM_BASE_URL", "SEGUE_LLM_METHOD", "SEGUE_LLM_TIMEOUT", "OPENAI_API_KEY",
                 "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEGUE_HOME", str(tmp_path))
    return monkeypatch


def test_no_llm_configured(clean_env):
    assert from_settings(Settings()) is None
    assert from_settings(Settings(), environ={"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}) is None


def test_openai_key_alone_means_gpt_4o_mini(clean_env):
    clean_env.setenv("OPENAI_API_KEY", "sk-test")
    model = from_settings(Settings())
    assert (model.provider, model.model, model.base_url, model.api_key) == ("openai", "gpt-4o-mini", None, "sk-test")
    assert (model.method, model.timeout) == ("function_calling", 30.0)


def test_env_combinations(clean_env):
    clean_env.setenv("SEGUE_LLM", "ollama:qwen2.5:0.5b")
    clean_env.setenv("SEGUE_LLM_METHOD", "json_object")
    clean_env.setenv("SEGUE_LLM_TIMEOUT", "7.5")
    model = from_settings(Settings(), environ={})
    assert (model.provider, model.model, model.base_url) == ("ollama", "qwen2.5:0.5b", "http://127.0.0.1:11434/v1")
    assert (model.method, model.timeout, model.api_key) == ("json_object", 7.5, "not-needed")

    clean_env.delenv("SEGUE_LLM")
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8081/v1/"}
    model = from_settings(Settings(llm="qwen2.5-coder:0.5b"), environ=env)
    assert (model.provider, model.model, model.base_url) == ("openai-compatible", "qwen2.5-coder:0.5b",
                                                            "http://127.0.0.1:8081/v1")
    model = from_settings(Settings(llm="local", llm_base_url="http://10.0.0.2:8080/v1"), environ=env)
    assert model.base_url == "http://10.0.0.2:8080/v1"  # SEGUE_LLM_BASE_URL wins over OPENAI_BASE_URL
    model = from_settings(Settings(llm_base_url="http://127.0.0.1:8081/v1"), environ={})
    assert (model.provider, model.model) == ("openai-compatible", "default")
    model = from_settings(Settings(llm="anthropic:claude-3-5-haiku-latest"), environ={"OPENAI_API_KEY": "sk"})
    assert (model.provider, model.model, model.api_key) == ("anthropic", "claude-3-5-haiku-latest", None)
    assert split_model("openai:gpt-4o-mini") == ("openai", "gpt-4o-mini")
    assert split_model("qwen2.5:0.5b") == (None, "qwen2.5:0.5b")


def test_bad_method_is_rejected(clean_env):
    clean_env.setenv("SEGUE_LLM_METHOD", "xml")
    with pytest.raises(BadSettings, match="SEGUE_LLM_METHOD"):
        Settings()


def test_openai_without_key_fails_cleanly_without_network(clean_env):
    model = from_settings(Settings(llm="openai:gpt-4o-mini"), environ={})
    with pytest.raises(LLMUnavailable, match="OPENAI_API_KEY"):
        model.complete_json("s", "u", Pick.model_json_schema(), "Pick", 1)


def test_configuring_an_llm_imports_no_sdk():
    code = ("import sys; from assistant.model.settings import Settings; from assistant.llm.providers import from_settings; "
            "m = from_settings(Settings(llm='ollama:x'), environ={}); "
            "bad = [n for n in sys.modules if n.split('.')[0] in ('langchain', 'langchain_core', 'langchain_openai', "
            "'openai', 'tiktoken')]; print(bad); assert not bad, bad")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr + run.stdout


# --- the real adapter against a replayed server ---------------------------------------------------


@pytest.fixture()
def replay():
    server = Replay()
    yield server
    server.close()


def _messages(fixture: dict) -> tuple[str, str]:
    system, user = fixture["request"]["messages"][:2]
    assert (system["role"], user["role"]) == ("system", "user")
    return system["content"], user["content"]


def _same_request(sent: dict, recorded: dict) -> None:
    for key in ("messages", "tools", "tool_choice", "response_format", "model"):
        assert sent.get(key) == recorded.get(key), key


def test_function_calling_replay(replay):
    fixture = replay.play_fixture("fc_playlist")
    system, user = _messages(fixture)
    schema = fixture["request"]["tools"][0]["function"]["parameters"]
    model = replay.model("function_calling", fixture["request"]["model"])
    answer = ask_structured(model, system, user, UnderstandAnswer, retries=0, timeout=5, schema=schema)
    _same_request(replay.requests[0]["body"], fixture["request"])
    assert replay.requests[0]["path"] == "/v1/chat/completions"
    (call,) = fixture["response"]["body"]["choices"][0]["message"]["tool_calls"]
    assert answer.value == UnderstandAnswer.model_validate(json.loads(call["function"]["arguments"]))
    assert answer.value.kind == "playlist" and answer.value.constraints.genres
    usage = fixture["response"]["body"]["usage"]
    (got,) = answer.usages
    assert (got.input_tokens, got.output_tokens) == (usage["prompt_tokens"], usage["completion_tokens"])
    assert got.provider == "openai-compatible" and got.model == fixture["request"]["model"] and got.seconds >= 0


def test_recorded_invalid_answers_retry_once_then_fail(replay):
    """The real model broke a domain rule twice (length in minutes and tracks): one retry, then LLMBadOutput."""
    first = replay.play_fixture("fc_refuse")
    second = replay.play_fixture("fc_refuse.attempt2")
    system, user = _messages(first)
    schema = first["request"]["tools"][0]["function"]["parameters"]
    model = replay.model("function_calling", first["request"]["model"])
    with pytest.raises(LLMBadOutput, match="after 2 attempts.*not both"):
        ask_structured(model, system, user, UnderstandAnswer, timeout=5, schema=schema)
    sent = [r["body"] for r in replay.requests]
    _same_request(sent[0], first["request"])
    _same_request(sent[1], second["request"])  # the retry prompt is exactly the recorded one
    assert "Your previous answer was invalid" in sent[1]["messages"][1]["content"]


def test_json_object_replay(replay):
    fixture = replay.play_fixture("json_object_playlist")
    system, user = _messages(fixture)
    system = system.split("\n\nAnswer with one JSON object only")[0]  # the adapter appends the schema itself
    schema = fixture["request"]["response_format"]["schema"]
    model = replay.model("json_object", fixture["request"]["model"])
    reply = model.complete_json(system, user, schema, "UnderstandAnswer", 5)
    sent = replay.requests[0]["body"]
    _same_request(sent, fixture["request"])
    assert sent["response_format"]["type"] == "json_object" and "tools" not in sent
    assert reply.data == json.loads(fixture["response"]["body"]["choices"][0]["message"]["content"])
    assert reply.usage.input_tokens == fixture["response"]["body"]["usage"]["prompt_tokens"]
    UnderstandAnswer.model_validate(reply.data)


def test_json_schema_against_a_server_that_answers_500(replay):
    fixture = replay.play_fixture("json_schema_playlist")
    assert fixture["response"]["status"] == 500  # llama-cpp-python rejects response_format type json_schema
    system, user = _messages(fixture)
    schema = fixture["request"]["response_format"]["json_schema"]["schema"]
    model = replay.model("json_schema", fixture["request"]["model"])
    with pytest.raises(LLMUnavailable, match=r"HTTP 500.*SEGUE_LLM_METHOD=function_calling"):
        ask_structured(model, system, user, UnderstandAnswer, timeout=5, schema=schema)
    assert len(replay.requests) == 1  # unavailable: no retry
    _same_request(replay.requests[0]["body"], fixture["request"])


@pytest.mark.parametrize("method", ["function_calling", "json_object", "json_schema"])
@pytest.mark.parametrize("status, body, error", [
    (200, "this is not json at all", (LLMBadOutput, LLMUnavailable)),
    (200, "", (LLMBadOutput, LLMUnavailable)),
    (200, {"unexpected": "shape"}, (LLMBadOutput, LLMUnavailable)),
    (200, completion({"content": "[1, 2, 3]"}), LLMBadOutput),
    (200, completion({"content": "Sure, here is a playlist!"}), LLMBadOutput),
    (200, completion({"content": ""}), LLMBadOutput),
    (200, completion({"content": '{"title": "A"'}, finish="length"), LLMBadOutput),
    (401, {"error": {"message": "Incorrect API key provided"}}, LLMUnavailable),
    (404, {"error": {"message": "model not found"}}, LLMUnavailable),
    (429, {"error": {"message": "quota"}}, LLMUnavailable),
    (500, {"error": {"message": "Internal Server Error"}}, LLMUnavailable),
    (503, "<html>down</html>", LLMUnavailable),
])
def test_garbage_becomes_an_llm_error(replay, method, status, body, error):
    replay.play(status, body)
    with pytest.raises(LLMError) as e:
        replay.model(method).complete_json("s", "u", Pick.model_json_schema(), "Pick", 5)
    assert isinstance(e.value, error), repr(e.value)
    assert type(e.value).__module__ == "assistant.llm.interface"
    assert replay.url in str(e.value) and len(str(e.value)) < 300


def test_tool_call_with_broken_arguments(replay):
    call = {"id": "call_1", "type": "function", "function": {"name": "Pick", "arguments": '{"title": "A", '}}
    replay.play(200, completion({"content": None, "tool_calls": [call]}, finish="tool_calls"))
    with pytest.raises(LLMBadOutput, match="not JSON"):
        replay.model("function_calling").complete_json("s", "u", Pick.model_json_schema(), "Pick", 5)


def test_tool_call_then_retry_through_ask_structured(replay):
    bad = {"id": "c1", "type": "function", "function": {"name": "Pick", "arguments": '{"title": "A", "year": "x"}'}}
    good = {"id": "c2", "type": "function", "function": {"name": "Pick", "arguments": '{"title": "A", "year": 1999}'}}
    replay.play(200, completion({"content": None, "tool_calls": [bad]}, finish="tool_calls"))
    replay.play(200, completion({"content": None, "tool_calls": [good]}, finish="tool_calls"))
    answer = ask_structured(replay.model("function_calling"), "s", "pick one", Pick, timeout=5)
    assert answer.value == Pick(title="A", year=1999) and answer.attempts == 2
    assert [u.input_tokens for u in answer.usages] == [10, 10]
    first, second = (r["body"] for r in replay.requests)
    assert first["tool_choice"] == {"type": "function", "function": {"name": "Pick"}}
    assert first["tools"][0]["function"]["parameters"] == Pick.model_json_schema()
    assert "max_retries" not in first and "Your previous answer was invalid" in second["messages"][1]["content"]


def test_server_without_tool_support_answering_in_content(replay):
    replay.play(200, completion({"content": '{"title": "A", "year": 1999}'}))
    reply = replay.model("function_calling").complete_json("s", "u", Pick.model_json_schema(), "Pick", 5)
    assert reply.data == {"title": "A", "year": 1999}
