"""LLM access: a one-method provider interface, typed errors, and validate-and-retry.

`ChatModel.complete_json` asks a model for one JSON object; `ask_structured` validates it into a
pydantic model, runs the caller's domain check, and retries once with the problems spelled out.
Adapters translate every SDK or HTTP failure into `LLMUnavailable` (the model could not be reached
or refused to work) or `LLMBadOutput` (it answered, but not with the JSON asked for), so callers
can fall back to the offline parser on either. `ask_structured` also bounds the exchange
(`assistant.llm.bounds`): the whole of it, retry and checks included, within `timeout` seconds of
wall clock, and every answer cut to size (or refused when huge) before it is validated. Nothing here imports an LLM SDK (`assistant.llm.providers` builds the configured adapter).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from assistant.llm.bounds import MAX_ANSWER_CHARS, MAX_LIST_ITEMS, bound_answer, too_long, within
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
    cuts: list[str] = field(default_factory=list)  # what `bound_answer` shortened in the answer kept


@runtime_checkable
class ChatModel(Protocol):
    """A model that answers with one JSON object. Implementations raise only `LLMError`s."""

    provider: str
    model: str

    def complete_json(self, system: str, user: str, schema: dict, schema_name: str, timeout: float) -> Reply: ...


def parse_object(raw: str, where: str, usage: Usage | None = None) -> dict[str, Any]:
    """`raw` as a JSON object, or `LLMBadOutput` naming `where` the text came from."""
    if too_long(raw):
        raise LLMBadOutput(f"{where} answered with {len(raw):,} characters (at most {MAX_ANSWER_CHARS:,} are read)",
                           raw, usage)
    text = raw.strip()
    if text.startswith("```"):  # some models fence their JSON despite being told not to
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
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
    max_items: int = MAX_LIST_ITEMS,
) -> Answer:
    """Ask for `output_type`, validate it and run `check`; on a problem, ask again with the problems.

    `schema` overrides the JSON schema the model reads (default: `output_type`'s own), e.g. to hide
    fields the model must not fill. `LLMUnavailable` is raised at once (no retry: the caller falls
    back), and when the whole exchange has not finished within `timeout` seconds. An answer is cut
    to size (`bound_answer`, lists to `max_items`) before it is validated; a huge one is refused at
    once. After `retries` more attempts that still fail, `LLMBadOutput` lists the last problems.
    """
    deadline = time.monotonic() + timeout
    return within(timeout, lambda: _ask(model, system, user, output_type, check, retries, timeout, schema, max_items,
                                        deadline),
                  lambda: LLMUnavailable(f"the LLM ({model.provider}:{model.model}) did not answer within {timeout:g} s"))


def _ask(model: ChatModel, system: str, user: str, output_type: type[M], check, retries: int, timeout: float,
         schema: dict | None, max_items: int, deadline: float) -> Answer:
    schema = schema if schema is not None else output_type.model_json_schema()
    name = output_type.__name__
    usages: list[Usage] = []
    prompt = user
    problems: list[str] = []
    raw, attempts = "", 0
    for attempt in range(1, retries + 2):
        raw = ""
        left = timeout if attempt == 1 else round(deadline - time.monotonic(), 3)
        if left <= 0:
            raise LLMUnavailable(f"the LLM ({model.provider}:{model.model}) did not answer within {timeout:g} s")
        attempts = attempt
        try:
            reply = model.complete_json(system, prompt, schema, name, left)
        except LLMBadOutput as e:
            if e.usage is not None:
                usages.append(e.usage)
            raw, problems = e.raw or "", [str(e)]
            if too_long(e.raw):
                break  # a huge answer is not asked for again
        else:
            usages.append(reply.usage)
            raw = reply.raw
            if too_long(raw):
                problems = [f"the answer is {len(raw):,} characters long (at most {MAX_ANSWER_CHARS:,} are read)"]
                break
            data, cuts = bound_answer(reply.data, max_items)
            try:
                value = output_type.model_validate(data)
            except ValidationError as e:
                problems = validation_problems(e)
            else:
                problems = list(check(value)) if check is not None else []
                if not problems:
                    return Answer(value=value, usages=usages, attempts=attempt, cuts=cuts)
        prompt = retry_prompt(user, raw, problems)
    raise LLMBadOutput(
        f"the LLM ({model.provider}:{model.model}) gave no usable answer after {attempts} attempts: "
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
