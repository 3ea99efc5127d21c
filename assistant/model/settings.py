"""Typed settings, read once from the environment (SEGUE_*) and injected; tests override them.

A field `name` is read from the variable `SEGUE_<NAME>` (any case); values given to `Settings(...)` win over the
environment. List fields take JSON (`SEGUE_ALLOWED_HOSTS='["music.lan"]'`). A value that does not fit its field is
a `BadSettings` error naming the variable (one line at the doors, never a traceback). Read by hand rather than with
pydantic-settings: that package costs a tenth of a second of every command's start-up (issue 17) for the few lines
below.
"""

from __future__ import annotations

import json
import os
import typing
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrieval.errors import BadInput

ENV_PREFIX = "SEGUE_"


class BadSettings(BadInput):
    """An environment variable SEGUE_* whose value does not fit its setting."""


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("segue", appauthor=False))


class Settings(BaseModel):
    """Segue's settings. Every field can be set as an environment variable SEGUE_<NAME>."""

    model_config = ConfigDict(extra="ignore", validate_default=False)

    def __init__(self, /, _environ: typing.Mapping[str, str] | None = None, **values: Any):
        env = from_environment(type(self), os.environ if _environ is None else _environ)
        try:
            super().__init__(**{**env, **values})
        except ValidationError as exc:
            raise bad_settings(exc, env, values) from None

    home: Path = Field(default_factory=_default_home, description="Data home: catalogue, vectors, indexes, database")
    ann_threshold: int = Field(default=50_000, ge=0, description="Catalogue size above which an HNSW index replaces exact search")
    default_tracks: int = Field(default=20, ge=1, le=500, description="Playlist length when the prompt gives none")
    default_max_per_artist: int = Field(default=2, ge=1, description="Per-artist cap applied when the prompt gives none")
    max_prompt_chars: int = Field(default=5000, ge=100, description="Longest prompt accepted")
    user: str | None = Field(default=None, description="Default listener for personalisation")
    llm: str | None = Field(default=None, description="LLM to use: 'openai:gpt-4o-mini', 'ollama:qwen2.5', or a model "
                            "name served at llm_base_url; unset: offline parser only (or gpt-4o-mini with OPENAI_API_KEY)")
    llm_base_url: str | None = Field(default=None, description="Base URL of an OpenAI-compatible server, "
                                     "e.g. http://127.0.0.1:8080/v1 (overrides OPENAI_BASE_URL)")
    llm_method: Literal["function_calling", "json_object", "json_schema"] = Field(
        default="function_calling", description="How JSON is asked for; function_calling works everywhere")
    llm_timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds an LLM reading may take in "
                               "all (a retry and the checks included); then the offline parser answers")
    # -- the web server (`segue serve`) --
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest JSON request body the server accepts")
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, description="Largest history upload accepted")
    rate_per_minute: int = Field(default=120, ge=0, description="Requests per minute per listener (0: no limit)")
    auth: Literal["auto", "tokens", "none"] = Field(
        default="auto", description="Server access: tokens (per-listener API tokens), none (single-user, 127.0.0.1 "
        "only), auto (tokens once any listener has one, else none)")
    # -- the DJ (`segue dj`, the web's shows) --
    dj_voice: str = Field(default="espeak", description="The DJ's voice: espeak[:variant], piper[:model.onnx] or "
                          "openai[:voice]")
    dj_persona: str | None = Field(default=None, description="A persona preset (radio, late-night, club, critic) or "
                                   "your own description; used when an LLM writes the lines")
    dj_every: int = Field(default=3, ge=1, le=50, description="A spoken link after every N tracks")
    dj_budget: float = Field(default=0.5, ge=0, le=30, description="Seconds the DJ's ordering search may take")
    dj_use_llm: bool = Field(default=True, description="Let the configured LLM write the DJ's lines (else templates)")
    # -- the DJ's budget (a show is cut to these, and the server renders shows in a bounded queue) --
    dj_max_tracks: int = Field(default=60, ge=1, le=1000, description="Most tracks in a DJ show; a longer playlist's "
                               "show plays its first ones and says so")
    dj_max_minutes: float = Field(default=240, gt=0, le=24 * 60, description="Most minutes of music in a DJ show")
    dj_max_links: int = Field(default=24, ge=3, le=500, description="Most spoken links in a show (the links are "
                              "spaced out to fit)")
    dj_renders: int = Field(default=1, ge=1, le=16, description="Shows the server renders at once (one per listener "
                            "at most); the rest wait in line")
    dj_queue: int = Field(default=4, ge=0, le=100, description="Show requests that may wait in line for a render; "
                          "beyond it the server answers 503 with Retry-After")
    dj_store_mb: float = Field(default=64, gt=0, le=100_000, description="Disk the server keeps for one listener's "
                               "shows (MB); the oldest are deleted to make room")
    # -- the web server's front door (issue 13) --
    allowed_hosts: list[str] = Field(default_factory=list, description="Host names the server answers to in tokens "
                                     "mode, e.g. [\"music.lan\"] or [\"*\"] (default: the --host it listens on; "
                                     "single-user mode answers only 127.0.0.1, localhost and [::1])")
    rate_per_address: int = Field(default=600, ge=0, description="API requests per minute from one client address, "
                                  "with or without a valid token (0: no limit)")
    auth_failures_per_minute: int = Field(default=30, ge=0, description="Requests with a missing or invalid token per "
                                          "minute from one client address before it gets 429s (0: no limit)")
    max_tokens_per_listener: int = Field(default=5, ge=1, le=1000, description="Most API tokens one listener may hold")
    header_timeout: float = Field(default=10.0, gt=0, le=600, description="Seconds a client has to send a request's "
                                  "headers before the connection is closed")
    body_timeout: float = Field(default=60.0, gt=0, le=3600, description="Seconds a client has to send a request's "
                                "body once its headers are in")


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


def from_environment(model: type[BaseModel], environ: typing.Mapping[str, str]) -> dict[str, Any]:
    """The values of `model`'s fields found as SEGUE_<NAME> in `environ` (any case; JSON for list fields)."""
    by_name = {k.upper(): v for k, v in environ.items() if k.upper().startswith(ENV_PREFIX)}
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        var = ENV_PREFIX + name.upper()
        if var not in by_name:
            continue
        raw = by_name[var]
        if _is_list(field.annotation):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise BadSettings(f"{var}: expected a JSON list such as [\"a\", \"b\"], got {_shown(raw)}") from None
        values[name] = raw
    return values


def bad_settings(exc: ValidationError, env: dict[str, Any], given: dict[str, Any]) -> Exception:
    """A `BadSettings` naming the environment variable when the bad value came from there; else `exc` itself."""
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        if name in env and name not in given:
            return BadSettings(f"{ENV_PREFIX}{name.upper()}: {error['msg']} (got {_shown(env[name])})")
    return exc


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return repr(text[:80] + ("..." if len(text) > 80 else ""))
