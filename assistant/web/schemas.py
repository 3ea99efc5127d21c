"""Request and response models of the web API (`/v1`, `assistant.web.routers`). They are the OpenAPI schema too.

Responses describe what a page needs to show a turn without more calls: the reply, the constraints, the
playlist version shown (with titles and reasons), the diff against the version before it (with names), the
constraint report and how the request was read (offline parser or LLM, tokens, seconds).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import core_schema

from assistant.model.constraints import Constraints, Report

SESSION_ID = r"^[A-Za-z0-9_.\-]{1,64}$"
SHOW_ID = r"^[0-9a-f]{12}$"
MAX_MESSAGE = 20_000  # the schema's cap; the server narrows it to SEGUE_MAX_PROMPT_CHARS (`chat_in`)
# at least one character that is not whitespace (Python's str.isspace set, so "not blank" means the same everywhere)
NOT_BLANK = "[^\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def whole_number(value: Any) -> Any:
    """A whole number as sent: a JSON integer (1.0 is one too, as JSON Schema says), or digits 0-9 only in a path
    or query (leading zeros allowed; no sign, '_', '.', exponent or spaces, which Python's int() would take)."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()) or (
            isinstance(value, str) and not re.fullmatch(r"[0-9]{1,9}", value)):
        raise ValueError("must be a whole number written with the digits 0-9 only")
    return int(value) if isinstance(value, float) else value


class WholeNumber:
    """Annotation of an integer a request carries: `whole_number`, then an int from `ge` to `le` (the schema's
    minimum and maximum)."""

    def __init__(self, ge: int, le: int):
        self.ge, self.le = ge, le

    def __get_pydantic_core_schema__(self, source, handler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(whole_number, core_schema.int_schema(ge=self.ge,
                                                                                                  le=self.le))


def whole(ge: int, le: int) -> Any:
    """The type of an integer a request carries, from `ge` to `le`."""
    return Annotated[int, WholeNumber(ge, le)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests ---------------------------------------------------------------------------------------
MESSAGE = ("A request (\"an hour of chill electronic for coding\") or, in a session, an edit (\"less ambient\", "
           "\"undo\", \"why is 4 here?\"); not blank")


class ChatIn(_In):
    session_id: str | None = Field(default=None, pattern=SESSION_ID,
                                   description="The session to continue; null starts a new one for you")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE, pattern=NOT_BLANK, description=MESSAGE)


def chat_in(max_chars: int) -> type[ChatIn]:
    """ChatIn with the configured message limit, so the schema states the limit the server enforces."""
    from pydantic import create_model

    return create_model("ChatIn", __base__=ChatIn, __doc__=ChatIn.__doc__, message=(str, Field(
        min_length=1, max_length=min(max_chars, MAX_MESSAGE), pattern=NOT_BLANK, description=MESSAGE)))


class FeedbackIn(_In):
    position: whole(1, 10_000) = Field(description="1-based position in the version shown")
    kind: Literal["like", "dislike", "skip"] = Field(description="like steers later turns towards the track; "
                                                     "dislike and skip away from it")


class DJIn(_In):
    every: whole(1, 50) = Field(default=3, description="A spoken link after every N tracks")
    voice: Literal["espeak", "espeak:en-us", "espeak:en-gb"] | None = Field(
        default=None, description="An offline espeak-ng voice; null: the server's voice (SEGUE_DJ_VOICE)")


# -- turns ------------------------------------------------------------------------------------------
class TrackOut(_Out):
    position: int = Field(description="1-based position")
    track_id: str
    title: str
    artist: str
    album: str | None = None
    year: int | None = None
    tempo: float | None = Field(default=None, description="BPM, when known")
    energy: float | None = Field(default=None, description="0..1, when known")
    duration_ms: int | None = None
    why: str = Field(default="", description="Why this track is here, in words")
    locked: bool = Field(default=False, description="Edits keep this track")


class PlaylistOut(_Out):
    version: int = Field(description="Number of the version shown (0: no playlist yet)")
    versions: int = Field(description="How many versions the session has")
    can_undo: bool
    can_redo: bool
    total_ms: int
    tracks: list[TrackOut] = Field(default_factory=list)


class TrackRef(_Out):
    track_id: str
    title: str
    artist: str


class MoveOut(TrackRef):
    before: int = Field(description="1-based position in the previous version")
    after: int = Field(description="1-based position in this version")


class DiffOut(_Out):
    added: list[TrackRef] = Field(default_factory=list)
    removed: list[TrackRef] = Field(default_factory=list)
    moved: list[MoveOut] = Field(default_factory=list)
    constraints: list[str] = Field(default_factory=list, description="Changed constraint fields, in words")
    kept: int = 0


class UsageOut(_Out):
    source: str = Field(description="offline: the offline parser; llm: an LLM cross-checked by it; edit: a "
                        "follow-up read by the edit parser")
    provider: str | None = None
    model: str | None = None
    seconds: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    fallback: str | None = Field(default=None, description="Why an LLM's answer was not used, when it was not")


class CurrentOut(_Out):
    """A session's state as shown: the version at the cursor."""

    session_id: str
    constraints: Constraints | None = Field(description="The constraints of the version shown (null: none yet)")
    playlist: PlaylistOut
    diff: DiffOut | None = Field(description="Against the version before it (null: none yet)")
    report: Report | None = Field(description="Every hard constraint and whether it holds (null: no playlist yet)")
    usage: UsageOut


class TurnOut(CurrentOut):
    """One turn: what Segue replied and the state it left."""

    reply: str


# -- sessions ---------------------------------------------------------------------------------------
class SessionRow(_Out):
    id: str
    title: str
    created: str
    updated: str
    versions: int


class SessionsOut(_Out):
    sessions: list[SessionRow]


class TurnRow(_Out):
    n: int
    text: str
    reply: str
    version: int | None


class VersionRow(_Out):
    n: int
    track_ids: list[str]
    diff: dict[str, Any] = Field(description="Track ids added, removed, moved; constraint changes; kept")
    satisfied: bool


class SessionOut(_Out):
    id: str
    title: str
    listener: str | None
    turns: list[TurnRow]
    versions: list[VersionRow]
    cursor: int
    current: CurrentOut


# -- history, DJ, health, errors ----------------------------------------------------------------------
class HistoryOut(_Out):
    user: str = Field(description="Whose history it was added to (you)")
    read: dict[str, Any] = Field(description="Format, plays read and kept, what was skipped why, and up to 3 "
                                 "examples of plays that could not be read (`examples.bad_record`: file, field, "
                                 "problem)")
    match: dict[str, Any] = Field(description="Plays matched to the catalogue by id or name, and examples of misses")
    stored: int = Field(description="New plays stored")


class LinkOut(_Out):
    n: int
    after_position: int
    kind: str
    text: str
    audio_url: str


class ShowOut(_Out):
    show_id: str = Field(description="Fetch its script at /v1/shows/{show_id}/script")
    links: list[LinkOut]
    score: dict[str, Any]
    notes: list[str] = Field(default_factory=list, description="What the show changed to fit its budget (shortened, "
                             "links spaced out) and any fallback")


class HealthOut(_Out):
    status: Literal["ok"]
    tracks: int
    catalogue: str
    llm: str = Field(description="offline, or provider:model")
    auth: Literal["tokens", "none"] = Field(description="tokens: send Authorization: Bearer <token>; none: single-user")


class Problem(_Out):
    """RFC 9457 problem details: every error, with a detail a person can act on."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
