"""Follow-up edits as typed operations: what a listener asks to change about the playlist in front of them.

One pydantic model per kind of edit, told apart by `op` (a discriminated union, so the JSON schema is also what
an LLM reads). Positions are 1-based, as the listener sees them. `assistant.conversation.read_offline` reads them from text
offline; `assistant.conversation.apply.apply_edits` applies them (pure: constraints, tracks and locks in, an `Outcome` out).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from assistant.model.constraints import Constraints, Range, Report

Feature = Literal["energy", "valence", "danceability", "acousticness", "instrumentalness", "tempo"]


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoreLess(_Op):
    """'less grunge', 'more upbeat', 'faster', 'calmer': shift the playlist towards (more) or away from (less)
    one audio feature, genre or mood. Only the tracks that fit worst are replaced; the rest stay."""

    op: Literal["more", "less"] = Field(description="more: towards it; less: away from it")
    feature: Feature | None = Field(default=None, description="An audio feature: energy, valence (happiness), "
                                    "danceability, acousticness, instrumentalness, or tempo (faster/slower)")
    genre: str | None = Field(default=None, description="A genre, e.g. 'grunge' in 'less grunge'")
    mood: str | None = Field(default=None, description="A mood or activity word, e.g. 'upbeat' in 'more upbeat'")

    @model_validator(mode="after")
    def _one(self) -> MoreLess:
        if sum(x is not None for x in (self.feature, self.genre, self.mood)) != 1:
            raise ValueError("give exactly one of feature, genre or mood")
        return self


class AddLike(_Op):
    """'more like track 2', 'add 5 more like Radiohead': tracks that sound like one track of the playlist or an artist."""

    op: Literal["add_like"] = "add_like"
    track: int | None = Field(default=None, ge=1, description="The playlist position (1-based) of the track to sound like")
    artist: str | None = Field(default=None, min_length=1, description="The artist to sound like")
    count: int = Field(default=3, ge=1, le=50, description="How many tracks")
    grow: bool = Field(default=False, description="True ('add 5 more'): append them, the playlist gets longer; "
                       "False ('more like'): replace the tracks least like it, the length stays")
    own: bool = Field(default=False, description="True ('more Radiohead', 'add 3 Radiohead songs'): the artist's own "
                      "tracks; False ('more like Radiohead'): tracks that sound like them")

    @model_validator(mode="after")
    def _one(self) -> AddLike:
        if (self.track is None) == (self.artist is None):
            raise ValueError("give a track position or an artist, not both")
        if self.own and self.artist is None:
            raise ValueError("own tracks need an artist")
        return self


class Remove(_Op):
    """'remove track 3', 'no more Nirvana', 'drop the grunge': take tracks out (an artist or genre stays out after)."""

    op: Literal["remove"] = "remove"
    positions: list[int] = Field(default_factory=list, description="Playlist positions (1-based) to remove")
    track_ids: list[str] = Field(default_factory=list, description="Track ids to remove")
    artist: str | None = Field(default=None, description="Remove this artist and keep them out")
    genre: str | None = Field(default=None, description="Remove this genre and keep it out")

    @model_validator(mode="after")
    def _some(self) -> Remove:
        if not (self.positions or self.track_ids or self.artist or self.genre):
            raise ValueError("say what to remove: positions, track ids, an artist or a genre")
        if any(p < 1 for p in self.positions):
            raise ValueError("positions start at 1")
        return self


class CapArtist(_Op):
    """'only two songs per artist', 'no more than 2 per artist'."""

    op: Literal["cap_artist"] = "cap_artist"
    max_per_artist: int = Field(ge=1, le=100, description="At most this many tracks by one artist")


class SetLength(_Op):
    """'make it an hour', '20 songs instead'."""

    op: Literal["set_length"] = "set_length"
    minutes: float | None = Field(default=None, gt=0, le=24 * 60, description="New total length in minutes")
    tracks: int | None = Field(default=None, ge=1, le=1000, description="New number of tracks")

    @model_validator(mode="after")
    def _one(self) -> SetLength:
        if (self.minutes is None) == (self.tracks is None):
            raise ValueError("give minutes or tracks, not both")
        return self


class SetYears(_Op):
    """'nothing before 1990', 'only 90s': release years (hard). An open end keeps the current bound."""

    op: Literal["set_years"] = "set_years"
    min: int | None = Field(default=None, ge=1800, le=2100, description="Earliest release year, inclusive")
    max: int | None = Field(default=None, ge=1800, le=2100, description="Latest release year, inclusive")

    @model_validator(mode="after")
    def _some(self) -> SetYears:
        if self.min is None and self.max is None:
            raise ValueError("give a first or last year")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"first year {self.min} is after last year {self.max}")
        return self


class SetFilter(_Op):
    """'clean only', 'under 4 minutes each', 'around 120 bpm': other hard filters."""

    op: Literal["set_filter"] = "set_filter"
    explicit: Literal["allow", "exclude", "only"] | None = Field(default=None, description="exclude: clean only")
    tempo: Range | None = Field(default=None, description="Tempo range in BPM")
    track_minutes: Range | None = Field(default=None, description="Length of each track in minutes")

    @model_validator(mode="after")
    def _some(self) -> SetFilter:
        if self.explicit is None and self.tempo is None and self.track_minutes is None:
            raise ValueError("give explicit, tempo or track_minutes")
        return self


class Move(_Op):
    """'move 4 to the top': one track to another position; the set stays the same."""

    op: Literal["move"] = "move"
    track: int = Field(ge=1, description="Current position of the track (1-based)")
    to: int = Field(ge=1, description="New position (1-based; 1 is the top)")


class Reorder(_Op):
    """'build up the energy', 'wind down', 'shuffle': reorder the whole set; the set stays the same."""

    op: Literal["reorder"] = "reorder"
    by: Literal["energy_rising", "energy_falling", "energy_peak", "shuffle"] = Field(
        description="energy_rising: calm to intense; energy_falling: intense to calm; energy_peak: up then down; shuffle")


class ReplaceSection(_Op):
    """'swap the second half to jazz': positions start..end (1-based, inclusive) get new tracks of a genre or mood."""

    op: Literal["replace_section"] = "replace_section"
    start: int = Field(ge=1, description="First position to replace (1-based)")
    end: int = Field(ge=1, description="Last position to replace (inclusive)")
    genres: list[str] = Field(default_factory=list, description="Genres for the new tracks")
    moods: list[str] = Field(default_factory=list, description="Moods for the new tracks")
    request: str = Field(default="", description="The listener's words for the new part, e.g. 'jazz'")

    @model_validator(mode="after")
    def _ordered(self) -> ReplaceSection:
        if self.start > self.end:
            raise ValueError(f"section start {self.start} is after its end {self.end}")
        return self


class Lock(_Op):
    """'lock 1 and 2': locked tracks stay through later edits (unless a new hard constraint rules them out)."""

    op: Literal["lock", "unlock"] = Field(default="lock", description="lock: keep these tracks; unlock: let edits replace them again")
    positions: list[int] = Field(min_length=1, description="Playlist positions (1-based)")


class Explain(_Op):
    """'why is track 4 here?': say why a track was picked; changes nothing."""

    op: Literal["explain"] = "explain"
    track: int = Field(ge=1, description="Playlist position (1-based)")


class StartOver(_Op):
    """'start over: 90s hip hop': a fresh playlist for a new request; nothing is kept."""

    op: Literal["start_over"] = "start_over"
    request: str = Field(default="", description="The new request, in the listener's words")
    constraints: Constraints | None = Field(default=None, description="The new request read as constraints, when known")


class History(_Op):
    """'undo', 'redo': step back to the previous version or forward again."""

    op: Literal["undo", "redo"] = Field(description="undo: back one version; redo: forward one version")


EditOp = Annotated[MoreLess | AddLike | Remove | CapArtist | SetLength | SetYears | SetFilter | Move | Reorder | ReplaceSection | Lock | Explain | StartOver | History, Field(discriminator="op")]


class Edits(_Op):
    """A listener's follow-up as edit operations, applied in order. Empty when the follow-up can't be read."""

    edits: list[EditOp] = Field(default_factory=list, description="The edits, in the order the listener gave them")


EDIT_LIST = TypeAdapter(list[EditOp])


class Outcome(BaseModel):
    """The playlist after a turn's edits, what was honoured or refused (and why), and the report."""

    model_config = ConfigDict(extra="forbid")

    constraints: Constraints
    track_ids: list[str] = Field(default_factory=list, description="The playlist, in order")
    locked: list[str] = Field(default_factory=list, description="Track ids edits must keep")
    why: dict[str, str] = Field(default_factory=dict, description="Track id -> why it is here")
    honoured: list[str] = Field(default_factory=list, description="What each honoured edit did, in words")
    refused: list[str] = Field(default_factory=list, description="Edits that changed nothing, and why")
    answers: list[str] = Field(default_factory=list, description="Answers to questions ('why is track 4 here?')")
    report: Report = Field(description="The constraint report of the playlist now shown")
    changed: bool = Field(default=False, description="Whether tracks, order, locks, constraints or the version changed")


def describe(op: EditOp) -> str:
    """An edit in a few words: 'less grunge', 'at most 2 per artist', 'move 4 to 1'."""
    if isinstance(op, MoreLess):
        return f"{op.op} {op.feature or op.genre or op.mood}"
    if isinstance(op, AddLike):
        what = f"track {op.track}" if op.track else op.artist
        return f"{'add' if op.grow else 'swap in'} {op.count} {'by' if op.own else 'like'} {what}"
    if isinstance(op, Remove):
        bits = [f"track {p}" for p in op.positions] + list(op.track_ids) + [x for x in (op.artist, op.genre) if x]
        return "remove " + ", ".join(bits)
    if isinstance(op, CapArtist):
        return f"at most {op.max_per_artist} per artist"
    if isinstance(op, SetLength):
        return f"length {op.minutes:g} minutes" if op.minutes else f"length {op.tracks} tracks"
    if isinstance(op, SetYears):
        return f"years {Range(min=op.min, max=op.max).describe()}"
    if isinstance(op, SetFilter):
        bits = [f"explicit {op.explicit}" if op.explicit else "", f"tempo {op.tempo.describe('BPM')}" if op.tempo else "",
                f"tracks {op.track_minutes.describe('minutes')}" if op.track_minutes else ""]
        return ", ".join(b for b in bits if b)
    if isinstance(op, Move):
        return f"move {op.track} to {op.to}"
    if isinstance(op, Reorder):
        return f"reorder: {op.by.replace('_', ' ')}"
    if isinstance(op, ReplaceSection):
        return f"tracks {op.start}-{op.end} -> {', '.join(op.genres + op.moods) or op.request}"
    if isinstance(op, Lock):
        return f"{op.op} {', '.join(map(str, op.positions))}"
    if isinstance(op, Explain):
        return f"why track {op.track}"
    if isinstance(op, StartOver):
        return f"start over: {op.request}"
    return op.op
