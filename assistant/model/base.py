"""The base of every domain type: a pydantic model that refuses unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A domain model: unknown fields are an error, never silently dropped (LLM output is validated into these)."""

    model_config = ConfigDict(extra="forbid")
