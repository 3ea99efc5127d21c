"""What the listener asked for, as typed data.

`Constraints` is the contract between understanding (offline parser, later an LLM) and the
playlist builder. Every model forbids extra fields and describes its fields, so the JSON schema
is also what an LLM reads. Hard constraints are checked and reported (`Check`, `Report`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from assistant.model.base import StrictModel


class Range(StrictModel):
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


class Length(StrictModel):
    """How long the playlist should be: minutes or a number of tracks (not both)."""

    minutes: float | None = Field(default=None, gt=0, le=24 * 60, description="Total length in minutes")
    tracks: int | None = Field(default=None, gt=0, le=1000, description="Number of tracks")

    @model_validator(mode="after")
    def _one(self) -> Length:
        if self.minutes is not None and self.tracks is not None:
            raise ValueError("give the length in minutes or in tracks, not both")
        return self


class FeatureTargets(StrictModel):
    """Soft targets on 0..1 audio features (None: no preference)."""

    energy: float | None = Field(default=None, ge=0, le=1, description="0 calm .. 1 intense")
    valence: float | None = Field(default=None, ge=0, le=1, description="0 sad/dark .. 1 happy/bright")
    danceability: float | None = Field(default=None, ge=0, le=1, description="0 not danceable .. 1 very")
    acousticness: float | None = Field(default=None, ge=0, le=1, description="0 electric .. 1 acoustic")
    instrumentalness: float | None = Field(default=None, ge=0, le=1, description="0 vocal .. 1 instrumental")
    speechiness: float | None = Field(default=None, ge=0, le=1, description="0 sung .. 1 spoken")

    def items(self) -> list[tuple[str, float]]:
        return [(k, v) for k, v in self.model_dump().items() if v is not None]


class FeatureRanges(StrictModel):
    """Soft ranges on audio features that most tracks should fall in (from an occasion or mood: a first dance is
    energy 0-0.5 and 60-110 BPM). Tracks outside rank lower; the report does not check them."""

    energy: Range | None = Field(default=None, description="0 calm .. 1 intense")
    valence: Range | None = Field(default=None, description="0 sad/dark .. 1 happy/bright")
    danceability: Range | None = Field(default=None, description="0 not danceable .. 1 very")
    acousticness: Range | None = Field(default=None, description="0 electric .. 1 acoustic")
    instrumentalness: Range | None = Field(default=None, description="0 vocal .. 1 instrumental")
    speechiness: Range | None = Field(default=None, description="0 sung .. 1 spoken")
    tempo: Range | None = Field(default=None, description="BPM")

    def items(self) -> list[tuple[str, Range]]:
        return [(k, getattr(self, k)) for k in type(self).model_fields if getattr(self, k) is not None]


class Work(StrictModel):
    """A song or album the listener named ("Kid A", "Bohemian Rhapsody by Queen")."""

    title: str = Field(min_length=1, max_length=300, description="The song or album title as named")
    artist: str | None = Field(default=None, max_length=300, description="Its artist, when named")
    kind: Literal["song", "album", "any"] = Field(default="any", description="song, album, or any when unclear")

    def describe(self) -> str:
        return f"{self.title} by {self.artist}" if self.artist else self.title


class Ordering(StrictModel):
    """How the tracks should flow (used when sequencing)."""

    arc: Literal["any", "rising", "falling", "steady", "peak", "valley"] = Field(
        default="any", description="Energy arc: rising (build up), falling (wind down), steady, peak (up then down), "
        "valley (down then up), or any")
    smooth: bool = Field(default=False, description="Smooth transitions in key and tempo between neighbours")


class Constraints(StrictModel):
    """Everything Segue believes the listener wants. Hard constraints are checked; soft ones steer ranking."""

    prompt: str = Field(default="", description="The listener's words, as typed")
    theme: str | None = Field(default=None, description="Free text for semantic retrieval (what is left after structure)")
    subject: str | None = Field(default=None, description="What the songs are about ('the ocean', 'christmas'): "
                                "matched to song titles and how tracks sound (lyrics are not searched)")
    concepts: list[str] = Field(default_factory=list, description="Occasions, moods, activities or scenes from Segue's "
                                "concept inventory ('memorial service', 'pregame', 'songs to cry to')")
    title_words: list[str] = Field(default_factory=list, description="Words every title must contain ('songs with "
                                   "love in the title') (hard)")
    genres: list[str] = Field(default_factory=list, description="Genres, grounded in the catalogue's vocabulary")
    moods: list[str] = Field(default_factory=list, description="Moods (upbeat, chill, melancholic, ...)")
    activities: list[str] = Field(default_factory=list, description="Activity or context (road trip, studying, workout, ...)")
    exclude_genres: list[str] = Field(default_factory=list, description="Genres to leave out (hard)")
    avoid_genres: list[str] = Field(default_factory=list, description="Genres to play less of (soft), e.g. 'less grunge'")
    years: Range | None = Field(default=None, description="Release years, inclusive (hard)")
    prefer_year: int | None = Field(default=None, ge=1000, le=3000, description="Soft: the year a playlist's name points "
                                    "at ('Pop Hits 2020'); its releases rank first, the year before fills in")
    tempo: Range | None = Field(default=None, description="Tempo in BPM, inclusive (hard)")
    track_minutes: Range | None = Field(default=None, description="Length of each track in minutes (hard)")
    targets: FeatureTargets = Field(default_factory=FeatureTargets, description="Soft audio-feature targets")
    feature_ranges: FeatureRanges = Field(default_factory=FeatureRanges, description="Soft audio-feature ranges most "
                                          "tracks should fall in (set by concepts)")
    explicit: Literal["allow", "exclude", "only"] = Field(default="allow", description="Explicit lyrics: allow, exclude (clean), only")
    include_artists: list[str] = Field(default_factory=list, description="Only these artists (hard), e.g. 'songs by X'")
    exclude_artists: list[str] = Field(default_factory=list, description="Never these artists (hard)")
    exclude_tracks: list[str] = Field(default_factory=list, description="Never these track ids (hard)")
    seed_artists: list[str] = Field(default_factory=list, description="'Like X': artists to sound like (soft)")
    seed_tracks: list[str] = Field(default_factory=list, description="'Like X': track ids to sound like (soft)")
    include_tracks: list[str] = Field(default_factory=list, description="Track ids the playlist must contain (hard)")
    seed_works: list[Work] = Field(default_factory=list, description="'Like X': songs or albums to sound like (soft)")
    include_works: list[Work] = Field(default_factory=list, description="Songs or albums the playlist must contain")
    exclude_works: list[Work] = Field(default_factory=list, description="Songs or albums to leave out (hard)")
    length: Length = Field(default_factory=Length, description="Playlist length; default 20 tracks")
    max_per_artist: int | None = Field(default=None, ge=1, le=100, description="At most this many tracks per artist (hard)")
    discovery: float = Field(default=0.3, ge=0, le=1, description="0 familiar hits .. 1 hidden gems")
    popularity: Literal["any", "hits", "deep_cuts", "one_hit_wonders"] = Field(
        default="any", description="hits: chart hits and well-known tracks; deep_cuts: never charted, little-known; "
        "one_hit_wonders: an artist's only top-40 hit; any")
    era: Literal["any", "new", "newer", "older"] = Field(
        default="any", description="new: the catalogue's latest releases; newer / older: than the seed artists and "
        "works ('like Metallica but newer'); any")
    covers_of: list[str] = Field(default_factory=list, description="Artists whose songs are wanted as recorded by "
                                 "others ('covers of Beatles songs')")
    familiarity: Literal["any", "favourites", "new_to_me"] = Field(
        default="any", description="favourites: the listener's own artists and plays first; new_to_me: nothing they "
        "have played; any: their taste shapes the picks within what is asked")
    ordering: Ordering = Field(default_factory=Ordering, description="Energy arc and transitions")
    notes: list[str] = Field(default_factory=list, description="What the parser understood or could not ground")
    artist_traits: list[str] = Field(default_factory=list, description="What the request asks of the artists that the "
                                     "catalogue does not record ('female-fronted'): an LLM may name such artists")
    unread: list[str] = Field(default_factory=list, description="Parts of the request that carry a number, a "
                              "comparison or a negation and were not understood (the report then says so)")


class Clarification(StrictModel):
    """The request is too vague to act on: ask one question."""

    question: str = Field(min_length=1, max_length=500, description="One short question to the listener")
    reason: str = Field(default="", max_length=500, description="Why the request could not be acted on")


class Refusal(StrictModel):
    """The request is not about music, or is offensive."""

    kind: Literal["not_music", "offensive"] = Field(description="not_music: redirect; offensive: refuse")
    message: str = Field(min_length=1, max_length=500, description="A short, friendly reply to the listener")


class Check(StrictModel):
    """One hard constraint and whether the playlist honours it."""

    constraint: str = Field(description="The constraint, in words")
    satisfied: bool = Field(description="Whether the playlist honours it")
    detail: str = Field(description="Why, in words a listener can act on")


class Report(StrictModel):
    """The constraint report every playlist carries."""

    satisfied: bool = Field(description="True when every check is satisfied")
    checks: list[Check] = Field(default_factory=list)
