"""LLM access: a one-method provider interface, typed errors, and validate-and-retry.

`ChatModel.complete_json` asks a model for one JSON object; `ask_structured` validates it into a
pydantic model, runs the caller's domain check, and retries once with the problems spelled out.
Adapters translate every SDK or HTTP failure into `LLMUnavailable` (the model could not be reached
or refused to work) or `LLMBadOutput` (it answered, but not with the JSON asked for), so callers
can fall back to the offline parser on either. Nothing here imports an LLM SDK (`assistant.llm.providers` builds the configured adapter).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from assistant.model.errors import SegueError

M = TypeVar("M", bound=BaseModel)

METHODS = ("function_calling", "json_object", "json_schema")
MAX_ECHO_CHARS = 2000  # how much of a bad answer is quoted back to the model on retry


class Usage(BaseModel):
    """What one call cost, as the provider reported it (tokens are never counted here)."""

    provider: str
    model: str
    seconds: float
    input_tokens: int | None = None
    output_tokens: int | None = None


class LLMError(SegueError):
    """The LLM path failed; the message says what happened in a listener's words."""


class LLMUnavailable(LLMError):
    """The model could not be reached or refused to work: connection, timeout, HTTP 5xx, auth."""


class LLMBadOutput(LLMError):
    """The model answered, but not with the JSON asked for (not JSON, wrong shape, invalid twice)."""

    def __init__(self, message: str, raw: str | None = None, usage: Usage | None = None):
        super().__init__(message)
        self.raw = raw
        self.usage = usage


@dataclass(frozen=True)
class Reply:
    """One answer of a model: the parsed JSON object, the text it came from, and the cost."""

    data: dict[str, Any]
    raw: str
    usage: Usage


@dataclass(frozen=True)
class Answer:
    """A validated answer of `ask_structured`: the model instance and the cost of every call."""

    value: BaseModel
    usages: list[Usage] = field(default_factory=list)
    attempts: int = 1


@runtime_checkable
class ChatModel(Protocol):
    """A model that answers with one JSON object. Implementations raise only `LLMError`s."""

    provider: str
    model: str

    def complete_json(self, system: str, user: str, schema: dict, schema_name: str, timeout: float) -> Reply: ...


def parse_object(raw: str, where: str, usage: Usage | None = None) -> dict[str, Any]:
    """`raw` as a JSON object, or `LLMBadOutput` naming `where` the text came from."""
    text = raw.strip()
    if text.startswith("```"):  # some models fence their JSON despite being told not to
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError:
        raise LLMBadOutput(f"{where} answered with text that is not JSON: {_clip(raw, 120)!r}", raw, usage) from None
    if not isinstance(data, dict):
        raise LLMBadOutput(f"{where} answered with JSON that is not an object: {_clip(raw, 120)!r}", raw, usage)
    return data


def ask_structured(
    model: ChatModel,
    system: str,
    user: str,
    output_type: type[M],
    check: Callable[[M], list[str]] | None = None,
    retries: int = 1,
    timeout: float = 30,
    schema: dict | None = None,
) -> Answer:
    """Ask for `output_type`, validate it and run `check`; on a problem, ask again with the problems.

    `schema` overrides the JSON schema the model reads (default: `output_type`'s own), e.g. to hide
    fields the model must not fill. `LLMUnavailable` is raised at once (no retry: the caller falls
    back). After `retries` more attempts that still fail, `LLMBadOutput` lists the last problems.
    """
    schema = schema if schema is not None else output_type.model_json_schema()
    name = output_type.__name__
    usages: list[Usage] = []
    prompt = user
    problems: list[str] = []
    for attempt in range(1, retries + 2):
        raw = ""
        try:
            reply = model.complete_json(system, prompt, schema, name, timeout)
        except LLMBadOutput as e:
            if e.usage is not None:
                usages.append(e.usage)
            raw, problems = e.raw or "", [str(e)]
        else:
            usages.append(reply.usage)
            raw = reply.raw
            try:
                value = output_type.model_validate(reply.data)
            except ValidationError as e:
                problems = validation_problems(e)
            else:
                problems = list(check(value)) if check is not None else []
                if not problems:
                    return Answer(value=value, usages=usages, attempts=attempt)
        prompt = retry_prompt(user, raw, problems)
    raise LLMBadOutput(
        f"the LLM ({model.provider}:{model.model}) gave no usable answer after {retries + 1} attempts: "
        + "; ".join(problems[:3]),
        raw,
        usages[-1] if usages else None,
    )


def validation_problems(error: ValidationError) -> list[str]:
    """Short, model-readable lines for a pydantic error: `years.min: Input should be a number (got 'x')`."""
    lines = []
    for err in error.errors(include_url=False):
        where = ".".join(str(p) for p in err.get("loc", ())) or "answer"
        got = err.get("input")
        shown = "" if isinstance(got, (dict, list)) else f" (got {_clip(json.dumps(got, default=str), 60)})"
        lines.append(f"{where}: {err.get('msg', 'invalid')}{shown}")
    return lines


def retry_prompt(user: str, raw: str, problems: list[str]) -> str:
    """The original request, the bad answer and what was wrong with it."""
    listed = "\n".join(f"- {p}" for p in problems) or "- (no details)"
    previous = f"\n\nYour previous answer was:\n{_clip(raw, MAX_ECHO_CHARS)}" if raw.strip() else ""
    return (
        f"{user}{previous}\n\nYour previous answer was invalid:\n{listed}\n"
        "Answer again with JSON matching the schema."
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
