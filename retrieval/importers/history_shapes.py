"""The export shapes the history importer accepts, as pydantic models with bounds: a file's outer layout
(`LastfmPage`, `ListenbrainzPayload`) and one record of each format (`SpotifyExtendedRow`, `SpotifyAccountRow`,
`LastfmTrack`, `ListenbrainzListen`). Fields the importer does not use are ignored; the ones it uses are checked
for type, length and range, and `problem` words a failure as "path: what was expected" for the listener.

What happens to a failure is decided in `rows_of`/history.py: a wrong outer layout (`{"recenttracks": [1, 2]}`,
`{"payload": {"listens": 5}}`) refuses the file; a wrong record is skipped and counted as `bad_record`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from retrieval.importers.bounded_json import Unusable

MAX_NAME_CHARS = 1000  # a track, artist or album name
MAX_CODE_CHARS = 200  # ids, URIs, times as text, end reasons
MAX_MS = 24 * 3600 * 1000  # one play lasts at most a day
FIRST_TS, LAST_TS = 0, 4_102_444_800  # 1970-01-01 .. 2100-01-01, in seconds
_ODD = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x01-\x1f\x7f-\x9f]+")


def _clean(s: str) -> str | None:
    """One line of text: a NUL or an unpaired surrogate refuses it; control characters become spaces."""
    if _ODD.search(s):
        bad = _BAD_CHARS.search(s)
        if bad:
            raise ValueError(f"contains {bad.group()!a}, which is not text")
        s = _CONTROL.sub(" ", s)
    return s.strip() or None


def _in_time_range(ts: datetime) -> datetime:
    try:
        ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
        inside = FIRST_TS <= ts.timestamp() <= LAST_TS
    except (ValueError, OverflowError):  # a year-1 time in a far time zone cannot be converted
        inside = False
    if not inside:
        raise ValueError("a time outside 1970-2100")
    return ts


def _iso_time(s: str) -> datetime:
    try:
        ts = datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("expected an ISO 8601 time such as 2024-03-01T10:00:00Z") from None
    return _in_time_range(ts)


def _minute_time(s: str) -> datetime:
    try:
        ts = datetime.strptime(s.strip()[:16], "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValueError("expected a time such as 2024-01-31 22:10") from None
    return _in_time_range(ts)


def _named(v: Any) -> Any:
    """Last.fm gives a name as text or as {"#text": ..} / {"name": ..}."""
    return (v.get("#text") or v.get("name")) if isinstance(v, dict) else v


def _uts(v: Any) -> Any:
    """Last.fm gives a time as {"uts": "1700000000", ..} or as the seconds themselves."""
    return v.get("uts") if isinstance(v, dict) else v


Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS), AfterValidator(_clean)] | None
Code = Annotated[str, StringConstraints(max_length=MAX_CODE_CHARS), AfterValidator(_clean)] | None
Millis = Annotated[float, Field(ge=0, le=MAX_MS, allow_inf_nan=False)] | None
Seconds = Annotated[int, Field(ge=FIRST_TS, le=LAST_TS)]
IsoTime = Annotated[str, StringConstraints(max_length=MAX_CODE_CHARS), AfterValidator(_iso_time)]
MinuteTime = Annotated[str, StringConstraints(max_length=MAX_CODE_CHARS), AfterValidator(_minute_time)]
LastfmName = Annotated[Name, BeforeValidator(_named)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# -- records ------------------------------------------------------------------------------------------------
class SpotifyExtendedRow(_Shape):
    """One play in Spotify's Extended Streaming History (Streaming_History_Audio_*.json, endsong_*.json)."""

    ts: IsoTime
    ms_played: Millis = None
    master_metadata_track_name: Name = None
    master_metadata_album_artist_name: Name = None
    master_metadata_album_album_name: Name = None
    spotify_track_uri: Code = None
    reason_end: Code = None
    skipped: bool | None = None
    incognito_mode: bool | None = None
    episode_name: Name = None
    audiobook_title: Name = None
    spotify_episode_uri: Code = None
    audiobook_uri: Code = None


class SpotifyAccountRow(_Shape):
    """One play in Spotify's account-data export (StreamingHistory*.json)."""

    endTime: MinuteTime  # noqa: N815 - the export's own key
    msPlayed: Millis = None  # noqa: N815
    trackName: Name = None  # noqa: N815
    artistName: Name = None  # noqa: N815
    episodeName: Name = None  # noqa: N815
    podcastName: Name = None  # noqa: N815
    audiobookName: Name = None  # noqa: N815


class LastfmAttr(_Shape):
    nowplaying: Any = None  # only whether it is set counts


class LastfmTrack(_Shape):
    """One scrobble of a Last.fm recent-tracks page (a now-playing entry has no date)."""

    name: Name = None
    artist: LastfmName = None
    album: LastfmName = None
    date: Annotated[Seconds | None, BeforeValidator(_uts)] = None
    attr: LastfmAttr | None = Field(None, alias="@attr")


class ListenbrainzInfo(_Shape):
    spotify_id: Code = None
    origin_url: Code = None


class ListenbrainzMetadata(_Shape):
    artist_name: Name = None
    track_name: Name = None
    release_name: Name = None
    additional_info: ListenbrainzInfo | None = None


class ListenbrainzListen(_Shape):
    """One listen of a ListenBrainz export or API payload."""

    listened_at: Seconds
    track_metadata: ListenbrainzMetadata | None = None


# -- outer layouts ------------------------------------------------------------------------------------------
def _one_or_many(v: Any) -> Any:
    return [] if v is None else [v] if isinstance(v, dict) else v


class LastfmTracks(_Shape):
    track: Annotated[list[Any], BeforeValidator(_one_or_many)] = []


class LastfmPage(_Shape):
    """{"recenttracks": {"track": [...], "@attr": {...}}}, as the Last.fm API pages recent tracks."""

    recenttracks: LastfmTracks | None = None


class ListenbrainzListens(_Shape):
    listens: list[Any]


class ListenbrainzPayload(_Shape):
    """{"payload": {"listens": [...]}}, as the ListenBrainz API answers."""

    payload: ListenbrainzListens


# -- messages -----------------------------------------------------------------------------------------------
_EXPECTED = {"model_type": "expected an object", "dict_type": "expected an object", "model_attributes_type":
             "expected an object", "list_type": "expected a list", "string_type": "expected a string",
             "int_type": "expected a whole number", "int_parsing": "expected a whole number",
             "int_from_float": "expected a whole number", "float_type": "expected a number",
             "float_parsing": "expected a number", "finite_number": "expected a finite number",
             "bool_type": "expected true or false", "bool_parsing": "expected true or false",
             "missing": "missing", "string_unicode": "not valid text (an unpaired surrogate)"}


def _json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return f"the number {str(v)[:30]}"
    if isinstance(v, str):
        return f"the string {v[:30]!a}" + ("..." if len(v) > 30 else "")
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(v), type(v).__name__)


def path_of(loc: tuple, prefix: str = "") -> str:
    """('recenttracks', 'track', 0, 'artist') -> 'recenttracks.track[0].artist' (after `prefix`)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" not in str(part) and "-" not in str(part):  # union branch tags ("function-after[..]") say nothing
            out += f".{part}" if out else str(part)
    return out


def problem(err: ValidationError, prefix: str = "") -> str:
    """The first failure of a validation, as 'path: what was expected (what was there)'."""
    e = err.errors(include_url=False)[0]
    kind, ctx, got = e["type"], e.get("ctx") or {}, e.get("input")
    if kind in ("float_type", "int_type") and isinstance(got, (int, float)) and not isinstance(got, bool):
        what = f"a number too large ({len(str(got)):,} digits)"  # a number that does not fit the field's type
    elif kind in _EXPECTED:
        what = _EXPECTED[kind]
    elif kind == "string_too_long":
        what = f"text longer than {ctx.get('max_length', 0):,} characters"
    elif kind == "less_than_equal":
        what = f"too large (at most {ctx['le']:,.0f})"
    elif kind == "greater_than_equal":
        what = f"too small (at least {ctx['ge']:,.0f})"
    elif kind == "value_error":
        what = str(ctx.get("error") or e["msg"])
    else:
        what = e["msg"].lower()
    if isinstance(got, Unusable):
        what += f" (got {got})"
    elif kind.endswith(("_type", "_parsing")) and not what.startswith("a number"):
        what += f" (got {_json_kind(got)})"
    return f"{path_of(tuple(e['loc']), prefix) or 'the top level'}: {what}"
