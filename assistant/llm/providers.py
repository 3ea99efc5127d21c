"""Which LLM Segue talks to: the settings and environment -> a `ChatModel` adapter (or None: offline).

Providers that speak OpenAI's chat.completions API go through the LangChain adapter (`assistant.llm.langchain`),
which imports LangChain only when it is first called; nothing is contacted here.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assistant.llm.interface import ChatModel
from assistant.llm.langchain import OPENAI_COMPATIBLE, OTHER_PROVIDERS, LangChainModel

if TYPE_CHECKING:
    from assistant.model.settings import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"

def split_model(spec: str) -> tuple[str | None, str]:
    """`"openai:gpt-4o-mini"` -> `("openai", "gpt-4o-mini")`; `"qwen2.5:0.5b"` -> `(None, "qwen2.5:0.5b")`."""
    prefix, sep, rest = spec.strip().partition(":")
    if sep and rest and prefix.lower() in OPENAI_COMPATIBLE.keys() | OTHER_PROVIDERS:
        return prefix.lower(), rest.strip()
    return None, spec.strip()


def from_settings(settings: Settings, environ: dict[str, str] | None = None) -> ChatModel | None:
    """The configured LLM, or None when none is configured (Segue then works offline).

    `SEGUE_LLM` names the model (`openai:gpt-4o-mini`, `ollama:qwen2.5`, or a bare name served at
    `SEGUE_LLM_BASE_URL`/`OPENAI_BASE_URL`); with only `OPENAI_API_KEY` set, `openai:gpt-4o-mini`;
    with only `SEGUE_LLM_BASE_URL` set, that server's default model. Nothing is contacted here.
    """
    env = os.environ if environ is None else environ
    api_key = env.get("OPENAI_API_KEY") or None
    spec = (settings.llm or "").strip()
    if not spec:
        if api_key:
            spec = f"openai:{DEFAULT_OPENAI_MODEL}"
        elif settings.llm_base_url:
            spec = "default"
        else:
            return None
    provider, model = split_model(spec)
    base_url = settings.llm_base_url or None
    if provider is None or provider == "openai":
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
        if provider is None:
            provider = "openai" if base_url is None else "openai-compatible"
    elif provider in OPENAI_COMPATIBLE:
        base_url = base_url or OPENAI_COMPATIBLE[provider]
    if provider in OTHER_PROVIDERS:
        api_key = None  # LangChain reads that provider's own key variable
    elif provider != "openai" or base_url:
        api_key = api_key or "not-needed"  # local servers want some key, and ignore it

    return LangChainModel(provider=provider, model=model, base_url=base_url, api_key=api_key,
                          method=settings.llm_method, timeout=settings.llm_timeout)
