"""Typed settings, read once from the environment (SEGUE_*) and injected; tests override them."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("segue", appauthor=False))


class Settings(BaseSettings):
    """Segue's settings. Every field can be set as an environment variable SEGUE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SEGUE_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Data home: catalogue, vectors, indexes, database")
    ann_threshold: int = Field(default=50_000, ge=0, description="Catalogue size above which an HNSW index replaces exact search")
    default_tracks: int = Field(default=20, ge=1, le=500, description="Playlist length when the prompt gives none")
    default_max_per_artist: int = Field(default=2, ge=1, description="Per-artist cap applied when the prompt gives none")
    max_prompt_chars: int = Field(default=5000, ge=100, description="Longest prompt accepted")
    user: str | None = Field(default=None, description="Default listener for personalisation")
