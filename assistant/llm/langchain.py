"""The real `ChatModel`: any LangChain chat model, OpenAI-compatible servers first.

Three ways to ask for JSON (`SEGUE_LLM_METHOD`):

- `function_calling` (default): one tool whose parameters are the schema, forced with
  `tool_choice`. Works with OpenAI, Ollama, llama.cpp and most OpenAI-compatible servers.
- `json_object`: `response_format={"type": "json_object"}`; local servers also get the schema in it
  (llama.cpp turns it into a grammar), and the schema is always spelled out in the system prompt.
- `json_schema`: OpenAI structured outputs. Some servers (llama.cpp) answer HTTP 500 to it.

LangChain is imported on the first call, so Segue starts fast without an LLM. The client never
retries (`max_retries=0`): `ask_structured` owns the retry. Every failure leaves as an `LLMError`.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from assistant.llm.interface import (
    LLMBadOutput,
    LLMError,
    LLMUnavailable,
    Reply,
    Usage,
    parse_object,
)

# Providers that speak the OpenAI chat.completions API, with their usual local address.
OPENAI_COMPATIBLE = {"openai": None, "ollama": "http://127.0.0.1:11434/v1", "llamacpp": "http://127.0.0.1:8080/v1"}
# Other LangChain providers, built through `init_chat_model` (their integration package must be installed).
OTHER_PROVIDERS = {"anthropic", "google_genai", "mistralai", "groq", "deepseek", "xai", "fireworks", "together",
                   "bedrock", "bedrock_converse", "azure_openai", "huggingface", "cohere"}


JSON_INSTRUCTION = "Answer with one JSON object only, no prose, matching this JSON schema:\n"


class LangChainModel:
    """A chat model reached through LangChain; `complete_json` raises only `LLMError`s."""

    def __init__(self, provider: str, model: str, base_url: str | None = None, api_key: str | None = None,
                 method: str = "function_calling", timeout: float = 30.0):
        if method not in ("function_calling", "json_object", "json_schema"):
            raise LLMError(f"SEGUE_LLM_METHOD={method!r} is not one of function_calling, json_object, json_schema")
        self.provider = provider
        self.model = model
        self.base_url = base_url.rstrip("/") if base_url else None
        self.api_key = api_key
        self.method = method
        self.timeout = timeout
        self._clients: dict[float, Any] = {}

    def __repr__(self) -> str:
        return f"LangChainModel({self.provider}:{self.model} at {self.where}, method={self.method})"

    @property
    def where(self) -> str:
        """Where the model lives, for messages: its base URL, or the provider's name."""
        return self.base_url or ("the OpenAI API" if self.provider == "openai" else self.provider)

    @property
    def openai_compatible(self) -> bool:
        return self.provider in OPENAI_COMPATIBLE or self.provider == "openai-compatible"

    # --- the one method -------------------------------------------------------------------------

    def complete_json(self, system: str, user: str, schema: dict, schema_name: str, timeout: float) -> Reply:
        name = _tool_name(schema_name)
        started = time.perf_counter()
        try:
            client = self._client(timeout)
            runnable, messages = self._prepare(client, system, user, schema, name)
            message = runnable.invoke(messages)
        except LLMError:
            raise
        except Exception as e:
            raise self._translate(e, timeout) from e
        usage = self._usage(message, time.perf_counter() - started)
        raw, data = self._extract(message, name, usage)
        return Reply(data=data, raw=raw, usage=usage)

    # --- pieces ---------------------------------------------------------------------------------

    def _client(self, timeout: float) -> Any:
        """The LangChain chat model for this timeout (built once; LangChain imported here)."""
        if timeout in self._clients:
            return self._clients[timeout]
        if self.openai_compatible:
            if self.provider == "openai" and not self.base_url and not self.api_key:
                raise LLMUnavailable("the OpenAI API needs a key: set OPENAI_API_KEY (or unset SEGUE_LLM)")
            try:
                from langchain_openai import ChatOpenAI
            except ImportError:
                raise LLMUnavailable("the LLM needs langchain-openai: pip install langchain-openai") from None
            client = ChatOpenAI(model=self.model, base_url=self.base_url, api_key=self.api_key, timeout=timeout,
                                max_retries=0, temperature=0, use_responses_api=False)
        else:
            try:
                from langchain.chat_models import init_chat_model

                client = init_chat_model(self.model, model_provider=self.provider, timeout=timeout,
                                         max_retries=0, temperature=0)
            except ImportError as e:
                raise LLMUnavailable(f"the {self.provider} LLM needs its LangChain package: {e}") from None
        self._clients[timeout] = client
        return client

    def _prepare(self, client: Any, system: str, user: str, schema: dict, name: str) -> tuple[Any, list]:
        from langchain_core.messages import HumanMessage, SystemMessage

        if self.method == "function_calling":
            tool = {"type": "function", "function": {
                "name": name, "description": schema.get("description") or f"Return the {name} object.",
                "parameters": schema}}
            runnable = client.bind_tools([tool], tool_choice=name)
        elif self.method == "json_object":
            fmt: dict[str, Any] = {"type": "json_object"}
            if self.base_url:  # llama.cpp, Ollama and others constrain output to this schema
                fmt["schema"] = schema
            system = f"{system}\n\n{JSON_INSTRUCTION}{json.dumps(schema)}"
            runnable = client.bind(response_format=fmt)
        else:
            runnable = client.bind(response_format={
                "type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}})
        return runnable, [SystemMessage(content=system), HumanMessage(content=user)]

    def _usage(self, message: Any, seconds: float) -> Usage:
        meta = getattr(message, "usage_metadata", None) or {}
        return Usage(provider=self.provider, model=self.model, seconds=round(seconds, 3),
                     input_tokens=meta.get("input_tokens"), output_tokens=meta.get("output_tokens"))

    def _extract(self, message: Any, name: str, usage: Usage) -> tuple[str, dict[str, Any]]:
        """The raw JSON text and the parsed object, from a tool call or from the content."""
        who = f"the LLM at {self.where}"
        if self.method == "function_calling":
            calls = getattr(message, "tool_calls", None) or []
            if calls:
                args = calls[0].get("args")
                raw = _raw_arguments(message) or json.dumps(args)
                if not isinstance(args, dict):
                    raise LLMBadOutput(f"{who} called {name} with arguments that are not an object", raw, usage)
                return raw, args
            bad = getattr(message, "invalid_tool_calls", None) or []
            if bad:
                raw = str(bad[0].get("args") or "")
                raise LLMBadOutput(f"{who} called {name} with arguments that are not JSON: {raw[:120]!r}", raw, usage)
        content = getattr(message, "content", "")
        raw = content if isinstance(content, str) else "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
        if not raw.strip():
            raise LLMBadOutput(f"{who} gave an empty answer", raw, usage)
        return raw, parse_object(raw, who, usage)

    def _translate(self, e: Exception, timeout: float) -> LLMError:
        """One short, human message for any failure of the SDK, the HTTP layer or LangChain."""
        who = f"the LLM at {self.where}"
        try:
            import openai
        except ImportError:  # pragma: no cover - langchain-openai depends on it
            openai = None
        if openai is not None:
            if isinstance(e, openai.APITimeoutError):
                return LLMUnavailable(f"{who} did not answer within {timeout:g} s")
            if isinstance(e, openai.APIConnectionError):
                return LLMUnavailable(f"{who} did not answer: {_connection_reason(e)}")
            if isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)):
                return LLMUnavailable(f"{who} refused the API key (HTTP {e.status_code}): check OPENAI_API_KEY")
            if isinstance(e, openai.NotFoundError):
                return LLMUnavailable(f"{who} does not know model {self.model!r} (HTTP 404)")
            if isinstance(e, openai.RateLimitError):
                return LLMUnavailable(f"{who} is rate-limiting or out of quota (HTTP 429)")
            if isinstance(e, openai.APIStatusError):
                hint = "" if self.method == "function_calling" else "; try SEGUE_LLM_METHOD=function_calling"
                detail = _short(re.sub(r"^Error code: \d+( - )?", "", e.message))
                return LLMUnavailable(f"{who} failed (HTTP {e.status_code}){': ' + detail if detail else ''}{hint}")
            if isinstance(e, openai.LengthFinishReasonError):
                return LLMBadOutput(f"{who} stopped before finishing its answer (length limit)")
            if isinstance(e, openai.ContentFilterFinishReasonError):
                return LLMBadOutput(f"{who} withheld its answer (content filter)")
            if isinstance(e, openai.APIResponseValidationError):
                return LLMBadOutput(f"{who} sent a response that is not an OpenAI chat completion")
        if isinstance(e, TimeoutError):
            return LLMUnavailable(f"{who} did not answer within {timeout:g} s")
        if isinstance(e, (ConnectionError, OSError)):
            return LLMUnavailable(f"{who} did not answer: {_short(str(e))}")
        if isinstance(e, (ValueError, TypeError, KeyError, AttributeError)):  # a body the SDK could not read
            return LLMBadOutput(f"{who} sent a response that is not an OpenAI chat completion "
                                f"({type(e).__name__}: {_short(str(e), 80)})")
        # Anything else (a LangChain parsing error, an unexpected SDK error...).
        return LLMBadOutput(f"{who} sent an answer that could not be read: {type(e).__name__}: {_short(str(e))}")


def _tool_name(schema_name: str) -> str:
    """OpenAI function names allow letters, digits, '_' and '-' (at most 64)."""
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in schema_name)[:64]
    return cleaned or "answer"


def _raw_arguments(message: Any) -> str | None:
    calls = (getattr(message, "additional_kwargs", None) or {}).get("tool_calls") or []
    if calls and isinstance(calls[0], dict):
        return (calls[0].get("function") or {}).get("arguments")
    return None


def _connection_reason(e: Exception) -> str:
    """The innermost cause of a connection error, e.g. 'connection refused'."""
    cause: BaseException | None = e
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(cause or e)
    if "refused" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
        return "unknown host"
    return _short(text) or "connection error"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
