"""What the listener asked for, as typed data.

`Constraints` is the contract between understanding (offline parser, later an LLM) and the
playlist builder. Every model forbids extra fields and describes its fields, so the JSON schema
is also what an LLM reads. Hard constraints are checked and reported (`Check`, `Report`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Range(_Strict):
    """An inclusive numeric range; either end may be open."""

    min: float | None = Field(default=None, description="Lower bound, inclusive")
    max: float | None = Field(default=None, description="Upper bound, inclusive")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range minimum {self.min} is above its maximum {self.max}")
        return self

    def contains(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self, unit: str = "") -> str:
        u = f" {unit}" if unit else ""
        if self.min is not None and self.min == self.max:
            return f"{_fmt(self.min)}{u}"
        if self.min is not None and self.max is not None:
            return f"{_fmt(self.min)}-{_fmt(self.max)}{u}"
        if self.min is not None:
            return f">= {_fmt(self.min)}{u}"
        if self.max is not None:
            return f"<= {_fmt(self.max)}{u}"
        return "any"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class Length(_Strict):
    """How long the playlist should be: minutes or a number of tracks (not both)."""

    minutes: float | None = Field(default=None, gt=0, le=24 * 60, description="Total length in minutes")
    tracks: int | None = Field(default=None, gt=0, le=1000, description="Number of tracks")

    @model_validator(mode="after")
    def _one(self) -> Length:
        if self.minutes is not None and self.tracks is not None:
            raise ValueError("give the length in minutes or in tracks, not both")
        return self


class FeatureTargets(_Strict):
    """Soft targets on 0..1 audio features (None: no preference)."""

    energy: float | None = Field(default=None, ge=0, le=1, description="0 calm .. 1 intense")
    valence: float | None = Field(default=None, ge=0, le=1, description="0 sad/dark .. 1 happy/bright")
    danceability: float | None = Field(default=None, ge=0, le=1, description="0 not danceable .. 1 very")
    acousticness: float | None = Field(default=None, ge=0, le=1, description="0 electric .. 1 acoustic")
    instrumentalness: float | None = Field(default=None, ge=0, le=1, description="0 vocal .. 1 instrumental")
    speechiness: float | None = Field(default=None, ge=0, le=1, description="0 sung .. 1 spoken")

    def items(self) -> list[tuple[str, float]]:
        return [(k, v) for k, v in self.model_dump().items() if v is not None]


class Constraints(_Strict):
    """Everything Segue believes the listener wants. Hard constraints are checked; soft ones steer ranking."""

    prompt: str = Field(default="", description="The listener's words, as typed")
    theme: str | None = Field(default=None, description="Free text for semantic retrieval (what is left after structure)")
    genres: list[str] = Field(default_factory=list, description="Genres, grounded in the catalogue's vocabulary")
    moods: list[str] = Field(default_factory=list, description="Moods or activities (upbeat, chill, road trip, ...)")
    exclude_genres: list[str] = Field(default_factory=list, description="Genres to leave out (hard)")
    years: Range | None = Field(default=None, description="Release years, inclusive (hard)")
    tempo: Range | None = Field(default=None, description="Tempo in BPM, inclusive (hard)")
    track_minutes: Range | None = Field(default=None, description="Length of each track in minutes (hard)")
    targets: FeatureTargets = Field(default_factory=FeatureTargets, description="Soft audio-feature targets")
    explicit: Literal["allow", "exclude", "only"] = Field(default="allow", description="Explicit lyrics: allow, exclude (clean), only")
    include_artists: list[str] = Field(default_factory=list, description="Only these artists (hard), e.g. 'songs by X'")
    exclude_artists: list[str] = Field(default_factory=list, description="Never these artists (hard)")
    exclude_tracks: list[str] = Field(default_factory=list, description="Never these track ids (hard)")
    seed_artists: list[str] = Field(default_factory=list, description="'Like X': artists to sound like (soft)")
    seed_tracks: list[str] = Field(default_factory=list, description="'Like X': track ids to sound like (soft)")
    length: Length = Field(default_factory=Length, description="Playlist length; default 20 tracks")
    max_per_artist: int | None = Field(default=None, ge=1, le=100, description="At most this many tracks per artist (hard)")
    discovery: float = Field(default=0.3, ge=0, le=1, description="0 familiar hits .. 1 hidden gems")
    notes: list[str] = Field(default_factory=list, description="What the parser understood or could not ground")


class Check(_Strict):
    """One hard constraint and whether the playlist honours it."""

    constraint: str = Field(description="The constraint, in words")
    satisfied: bool = Field(description="Whether the playlist honours it")
    detail: str = Field(description="Why, in words a listener can act on")


class Report(_Strict):
    """The constraint report every playlist carries."""

    satisfied: bool = Field(description="True when every check is satisfied")
    checks: list[Check] = Field(default_factory=list)
