"""Listening-history importers: Spotify, Last.fm and ListenBrainz exports -> `Listen`s.

`read_history` reads one export file, a folder of them, or a .zip as downloaded, and applies
ListenBrainz's import rules: podcasts, audiobooks, incognito plays and interrupted plays under
30 s are left out, except that a short play the listener skipped is kept as `skipped=True`
(taste counts skips against). `retrieval.importers.matching` then ties listens to catalogue rows.

Every file is parsed within bounds (`bounded_json`: nesting depth, number length; `MAX_FILE_BYTES`) and checked
against its format's models (`history_shapes`): a wrong outer layout refuses the import, a wrong record is skipped
as `bad_record` with up to three examples naming the field, and an import with no readable record is refused.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from retrieval.errors import BadInput
from retrieval.importers.bounded_json import JsonLimit, parse_json
from retrieval.importers.history_shapes import (
    LastfmPage,
    LastfmTrack,
    ListenbrainzInfo,
    ListenbrainzListen,
    ListenbrainzMetadata,
    ListenbrainzPayload,
    SpotifyAccountRow,
    SpotifyExtendedRow,
    path_of,
    problem,
)

FORMATS = ("spotify-extended", "spotify-account", "lastfm", "listenbrainz")
SUPPORTED = (
    "Supported exports: Spotify Extended Streaming History (Streaming_History_Audio_*.json or endsong_*.json), "
    "Spotify account data (StreamingHistory*.json), Last.fm recent-tracks JSON ({\"recenttracks\": ...}), "
    "and ListenBrainz listens (.json list or .jsonl). Pass one such file, a folder of them, or the export's .zip."
)
MIN_PLAY_MS = 30_000
MAX_FILE_BYTES = 200 * 1024 * 1024  # one export file, unpacked (Spotify's own are under 20 MB each)
MAX_EXAMPLES = 3  # example records kept per skip reason
_HISTORY_NAME = re.compile(r"streaming_?history|endsong|listens|recenttracks|scrobbles", re.I)
_M = TypeVar("_M", bound=BaseModel)


class HistoryImportError(BadInput):
    """A history file could not be read; the message says what is supported."""


class Listen(BaseModel):
    """One play of one track by the listener."""

    model_config = ConfigDict(extra="forbid")

    ts: datetime
    artist: str
    title: str
    album: str | None = None
    track_id: str | None = None  # Spotify id when the export gives one
    ms_played: int | None = None
    skipped: bool = False  # a short play the listener skipped: counts against the track
    source: str

    @field_validator("ts")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


class HistoryReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    format: str
    read: int
    kept: int
    skipped: dict[str, int]  # reason -> count of records left out
    skip_signals: int = 0  # kept listens that are skips (skipped=True)
    examples: dict[str, list[str]] = {}  # reason -> up to 3 "file: path.in.file: problem" (for bad records)


# -- reading ------------------------------------------------------------------------------
def _parse(text: str, name: str) -> object:
    """The JSON (or JSON lines) of a file, within `bounded_json`'s bounds; else HistoryImportError naming it."""
    text = text.lstrip("\ufeff")
    try:
        return parse_json(text)
    except JsonLimit as err:
        raise HistoryImportError(f"{name} is {err}; no listening-history export is. {SUPPORTED}") from None
    except json.JSONDecodeError as err:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1:
            try:
                return [parse_json(ln) for ln in lines]
            except (json.JSONDecodeError, JsonLimit):
                pass
        raise HistoryImportError(f"{name} is not valid JSON ({err.msg} at line {err.lineno}). {SUPPORTED}") from None


def _records_format(data: object, name: str) -> str | None:
    """The format of parsed data, or None when it is not a listening-history layout."""
    if isinstance(data, dict):
        if "recenttracks" in data:
            return "lastfm"
        if isinstance(data.get("payload"), dict) and "listens" in data["payload"]:
            return "listenbrainz"
        return "listenbrainz" if {"listened_at", "track_metadata"} <= set(data) else None
    if not isinstance(data, list):
        return None
    first = next((r for r in data if isinstance(r, dict)), None)
    if first is None:
        if data:
            return None
        low = name.lower()  # an empty list: only the file name can tell
        if "streaming_history_audio" in low or "endsong" in low:
            return "spotify-extended"
        if "streaminghistory" in low:
            return "spotify-account"
        return None
    keys = set(first)
    if "recenttracks" in keys:
        return "lastfm"
    if {"ts", "ms_played"} <= keys:
        return "spotify-extended"
    if {"endTime", "msPlayed"} <= keys:
        return "spotify-account"
    if {"listened_at", "track_metadata"} <= keys:
        return "listenbrainz"
    if "name" in keys and isinstance(first.get("artist"), dict):
        return "lastfm"
    return None


def detect_history_format(path: Path) -> str:
    """One of FORMATS for a file (or the first recognised file of a folder or .zip)."""
    path = Path(path)
    for name, text in _files(path):
        try:
            fmt = _records_format(_parse(text, name), name)
        except HistoryImportError:
            if _single(path):
                raise
            continue
        if fmt is not None:
            return fmt
    raise HistoryImportError(f"{path} does not look like a listening-history export. {SUPPORTED}")


def _single(path: Path) -> bool:
    return path.is_file() and not zipfile.is_zipfile(path)


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise HistoryImportError(f"{name} is {size:,} bytes; history files over {max_bytes:,} bytes are not read. "
                                 "Split it into smaller files (Spotify's own are under 20 MB each) and import the "
                                 "folder.")


def _files(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[tuple[str, str]]:
    """(name, text) of each JSON/JSONL file at `path`: a file, a folder (recursive) or a .zip; a file over
    `max_bytes` (unpacked) raises HistoryImportError before it is read."""
    if not path.exists():
        raise HistoryImportError(f"No such file or folder: {path}. {SUPPORTED}")
    try:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in (".json", ".jsonl"):
                    _check_size(str(p), p.stat().st_size, max_bytes)
                    yield str(p), p.read_text(encoding="utf-8-sig", errors="replace")
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for info in sorted(z.infolist(), key=lambda i: i.filename):
                    if info.filename.lower().endswith((".json", ".jsonl")):
                        _check_size(f"{path}:{info.filename}", info.file_size, max_bytes)
                        yield f"{path}:{info.filename}", z.read(info).decode("utf-8-sig", errors="replace")
        else:
            _check_size(str(path), path.stat().st_size, max_bytes)
            yield str(path), path.read_text(encoding="utf-8-sig", errors="replace")
    except (OSError, zipfile.BadZipFile, NotImplementedError, EOFError, ValueError) as err:
        raise HistoryImportError(f"Could not read {path}: {err}. Check the path and permissions.") from None


def spotify_id(value: str | None) -> str | None:
    """The id in 'spotify:track:<id>' or 'https://open.spotify.com/track/<id>?si=..'; else None."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("spotify:track:"):
        return value.rsplit(":", 1)[1] or None
    if "open.spotify.com" in value and "/track/" in value:
        seg = value.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        return seg or None
    if re.fullmatch(r"[0-9A-Za-z]{22}", value):
        return value
    return None


def _spotify_extended(r: SpotifyExtendedRow, src: str) -> Listen | str:
    if r.episode_name or r.audiobook_title or r.spotify_episode_uri or r.audiobook_uri:
        return "podcast_or_audiobook"
    title, artist = r.master_metadata_track_name, r.master_metadata_album_artist_name
    if not title or not artist:
        return "podcast_or_audiobook"
    if r.incognito_mode:
        return "incognito"
    ms = None if r.ms_played is None else int(r.ms_played)
    skip = False
    if ms is not None and ms < MIN_PLAY_MS and r.reason_end != "trackdone":
        if r.skipped is True or r.reason_end == "fwdbtn":
            skip = True
        else:
            return "short_play"
    return Listen(ts=r.ts, artist=artist, title=title, album=r.master_metadata_album_album_name,
                  track_id=spotify_id(r.spotify_track_uri), ms_played=ms, skipped=skip, source=src)


def _spotify_account(r: SpotifyAccountRow, src: str) -> Listen | str:
    if r.episodeName or r.podcastName or r.audiobookName:
        return "podcast_or_audiobook"
    if not r.trackName or not r.artistName:
        return "podcast_or_audiobook"
    ms = None if r.msPlayed is None else int(r.msPlayed)
    if ms is not None and ms < MIN_PLAY_MS:
        return "short_play"  # this export has no end reason, so a short play is not a known skip
    return Listen(ts=r.endTime, artist=r.artistName, title=r.trackName, ms_played=ms, source=src)


def _lastfm(r: LastfmTrack, src: str) -> Listen | str:
    if not r.date or (r.attr is not None and r.attr.nowplaying):
        return "now_playing"
    if not r.name or not r.artist:
        return "missing_fields"
    return Listen(ts=datetime.fromtimestamp(r.date, tz=UTC), artist=r.artist, title=r.name, album=r.album, source=src)


def _listenbrainz(r: ListenbrainzListen, src: str) -> Listen | str:
    md = r.track_metadata or ListenbrainzMetadata()
    if not md.track_name or not md.artist_name:
        return "missing_fields"
    info = md.additional_info or ListenbrainzInfo()
    tid = spotify_id(info.spotify_id) or spotify_id(info.origin_url)
    return Listen(ts=datetime.fromtimestamp(r.listened_at, tz=UTC), artist=md.artist_name, title=md.track_name,
                  album=md.release_name, track_id=tid, source=src)


# format -> (record model, record reader)
_READERS = {"spotify-extended": (SpotifyExtendedRow, _spotify_extended),
            "spotify-account": (SpotifyAccountRow, _spotify_account),
            "lastfm": (LastfmTrack, _lastfm), "listenbrainz": (ListenbrainzListen, _listenbrainz)}


class _LayoutError(Exception):
    """A file's outer layout is not its format's: the file is refused."""


def _layout(model: type[_M], data: object, at: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise _LayoutError(problem(err, at)) from None


def _records(data: object, fmt: str) -> list[tuple[str, object]]:
    """(path in the file, record) of each record; a wrong outer layout raises _LayoutError."""
    if fmt == "lastfm":
        many = isinstance(data, list)
        out: list[tuple[str, object]] = []
        for i, page in enumerate(data if many else [data]):  # type: ignore[union-attr]
            at = f"[{i}]" if many else ""
            if isinstance(page, dict) and "recenttracks" in page:
                tracks = _layout(LastfmPage, page, at).recenttracks
                out += [(path_of(("recenttracks", "track", j), at), t)
                        for j, t in enumerate(tracks.track if tracks else [])]
            else:
                out.append((at, page))
        return out
    if isinstance(data, dict):  # ListenBrainz API payload, or a one-line JSONL file
        if "payload" not in data:
            return [("", data)]
        listens = _layout(ListenbrainzPayload, data, "").payload.listens
        return [(f"payload.listens[{i}]", r) for i, r in enumerate(listens)]
    return [(f"[{i}]", r) for i, r in enumerate(data)]  # type: ignore[arg-type]


def read_history(path: Path, max_file_bytes: int = MAX_FILE_BYTES) -> tuple[list[Listen], HistoryReport]:
    """Read a history file, a folder of them or a .zip; listens sorted by time, duplicates dropped.

    A file whose outer layout is wrong refuses the import; a record that fails its model is skipped and counted
    as `bad_record` (with up to 3 examples naming the field), unless no record at all could be read."""
    path = Path(path)
    skipped: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    formats: list[str] = []
    listens: list[Listen] = []
    read = 0
    seen: set[tuple] = set()
    single = _single(path)
    for name, text in _files(path, max_file_bytes):
        try:
            data = _parse(text, name)
        except HistoryImportError:
            if single or _HISTORY_NAME.search(Path(name).name):
                raise
            skipped["other_file"] += 1
            continue
        fmt = _records_format(data, name)
        if fmt is None:
            if single:
                raise HistoryImportError(f"{name} is not a listening-history layout I know. {SUPPORTED}")
            skipped["other_file"] += 1  # e.g. Userdata.json next to the history files
            continue
        if fmt not in formats:
            formats.append(fmt)
        model, reader = _READERS[fmt]
        src = Path(name.rsplit(":", 1)[-1]).name
        try:
            records = _records(data, fmt)
        except _LayoutError as err:
            raise HistoryImportError(f"{name}: {err}. That is not how a {fmt} export is laid out; use the file "
                                     f"as downloaded. {SUPPORTED}") from None
        for at, rec in records:
            read += 1
            try:
                got = reader(model.model_validate(rec), src)
            except ValidationError as err:
                skipped["bad_record"] += 1
                if len(seen_examples := examples.setdefault("bad_record", [])) < MAX_EXAMPLES:
                    seen_examples.append(f"{src}: {problem(err, at)}")
                continue
            if isinstance(got, str):
                skipped[got] += 1
                continue
            key = (got.ts, got.artist.casefold(), got.title.casefold())
            if key in seen:
                skipped["duplicate"] += 1
                continue
            seen.add(key)
            listens.append(got)
    if not formats:
        raise HistoryImportError(f"No listening history found in {path}. {SUPPORTED}")
    if read and skipped["bad_record"] == read:
        raise HistoryImportError(f"{examples['bad_record'][0]}. None of the records in {path} ({read:,}) could be "
                                 f"read, so nothing was imported; check it is the export as downloaded. {SUPPORTED}")
    listens.sort(key=lambda x: x.ts)
    report = HistoryReport(source=str(path), format="+".join(formats), read=read, kept=len(listens),
                           skipped=dict(skipped), skip_signals=sum(x.skipped for x in listens), examples=examples)
    return listens, report
