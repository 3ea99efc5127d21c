"""Listening-history importers: Spotify, Last.fm and ListenBrainz exports -> `Listen`s.

`read_history` reads one export file, a folder of them, or a .zip as downloaded, and applies
ListenBrainz's import rules: podcasts, audiobooks, incognito plays and interrupted plays under
30 s are left out, except that a short play the listener skipped is kept as `skipped=True`
(taste counts skips against). `retrieval.importers.matching` then ties listens to catalogue rows.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from retrieval.errors import BadInput

FORMATS = ("spotify-extended", "spotify-account", "lastfm", "listenbrainz")
SUPPORTED = (
    "Supported exports: Spotify Extended Streaming History (Streaming_History_Audio_*.json or endsong_*.json), "
    "Spotify account data (StreamingHistory*.json), Last.fm recent-tracks JSON ({\"recenttracks\": ...}), "
    "and ListenBrainz listens (.json list or .jsonl). Pass one such file, a folder of them, or the export's .zip."
)
MIN_PLAY_MS = 30_000
_HISTORY_NAME = re.compile(r"streaming_?history|endsong|listens|recenttracks|scrobbles", re.I)


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


# -- reading ------------------------------------------------------------------------------
def _parse(text: str, name: str) -> object:
    text = text.lstrip("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1:
            try:
                return [json.loads(ln) for ln in lines]
            except json.JSONDecodeError:
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


def _files(path: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of each JSON/JSONL file at `path`: a file, a folder (recursive) or a .zip."""
    if not path.exists():
        raise HistoryImportError(f"No such file or folder: {path}. {SUPPORTED}")
    try:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in (".json", ".jsonl"):
                    yield str(p), p.read_text(encoding="utf-8-sig", errors="replace")
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for n in sorted(z.namelist()):
                    if n.lower().endswith((".json", ".jsonl")):
                        yield f"{path}:{n}", z.read(n).decode("utf-8-sig", errors="replace")
        else:
            yield str(path), path.read_text(encoding="utf-8-sig", errors="replace")
    except (OSError, zipfile.BadZipFile) as err:
        raise HistoryImportError(f"Could not read {path}: {err}. Check the path and permissions.") from None


def _text(v: object) -> str | None:
    if isinstance(v, dict):
        v = v.get("#text") or v.get("name")
    if v is None:
        return None
    s = str(v).strip()
    return s or None


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


def _spotify_extended(r: dict, src: str) -> Listen | str:
    if r.get("episode_name") or r.get("audiobook_title") or r.get("spotify_episode_uri") or r.get("audiobook_uri"):
        return "podcast_or_audiobook"
    title, artist = _text(r.get("master_metadata_track_name")), _text(r.get("master_metadata_album_artist_name"))
    if not title or not artist:
        return "podcast_or_audiobook"
    if r.get("incognito_mode"):
        return "incognito"
    ms = r.get("ms_played")
    ms = int(ms) if isinstance(ms, (int, float)) else None
    reason = r.get("reason_end")
    skip = False
    if ms is not None and ms < MIN_PLAY_MS and reason != "trackdone":
        if r.get("skipped") is True or reason == "fwdbtn":
            skip = True
        else:
            return "short_play"
    ts = datetime.fromisoformat(str(r["ts"]).replace("Z", "+00:00"))
    return Listen(ts=ts, artist=artist, title=title, album=_text(r.get("master_metadata_album_album_name")),
                  track_id=spotify_id(r.get("spotify_track_uri")), ms_played=ms, skipped=skip, source=src)


def _spotify_account(r: dict, src: str) -> Listen | str:
    if r.get("episodeName") or r.get("podcastName") or r.get("audiobookName"):
        return "podcast_or_audiobook"
    title, artist = _text(r.get("trackName")), _text(r.get("artistName"))
    if not title or not artist:
        return "podcast_or_audiobook"
    ms = r.get("msPlayed")
    ms = int(ms) if isinstance(ms, (int, float)) else None
    if ms is not None and ms < MIN_PLAY_MS:
        return "short_play"  # this export has no end reason, so a short play is not a known skip
    ts = datetime.strptime(str(r["endTime"])[:16], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return Listen(ts=ts, artist=artist, title=title, ms_played=ms, source=src)


def _lastfm(r: dict, src: str) -> Listen | str:
    date = r.get("date")
    if not date or (r.get("@attr") or {}).get("nowplaying"):
        return "now_playing"
    title, artist = _text(r.get("name")), _text(r.get("artist"))
    if not title or not artist:
        return "missing_fields"
    uts = date.get("uts") if isinstance(date, dict) else date
    ts = datetime.fromtimestamp(int(uts), tz=UTC)
    return Listen(ts=ts, artist=artist, title=title, album=_text(r.get("album")), source=src)


def _listenbrainz(r: dict, src: str) -> Listen | str:
    md = r.get("track_metadata") or {}
    title, artist = _text(md.get("track_name")), _text(md.get("artist_name"))
    if not title or not artist:
        return "missing_fields"
    info = md.get("additional_info") or {}
    tid = spotify_id(info.get("spotify_id")) or spotify_id(info.get("origin_url"))
    ts = datetime.fromtimestamp(int(r["listened_at"]), tz=UTC)
    return Listen(ts=ts, artist=artist, title=title, album=_text(md.get("release_name")), track_id=tid, source=src)


_READERS = {"spotify-extended": _spotify_extended, "spotify-account": _spotify_account,
            "lastfm": _lastfm, "listenbrainz": _listenbrainz}


def _records(data: object, fmt: str) -> list:
    if fmt == "lastfm":
        pages = data if isinstance(data, list) else [data]
        out: list = []
        for page in pages:
            if isinstance(page, dict) and "recenttracks" in page:
                tracks = (page["recenttracks"] or {}).get("track") or []
                out.extend(tracks if isinstance(tracks, list) else [tracks])
            else:
                out.append(page)
        return out
    if isinstance(data, dict):  # ListenBrainz API payload, or a one-line JSONL file
        return list(data["payload"]["listens"]) if "payload" in data else [data]
    return list(data)  # type: ignore[arg-type]


def read_history(path: Path) -> tuple[list[Listen], HistoryReport]:
    """Read a history file, a folder of them or a .zip; listens sorted by time, duplicates dropped."""
    path = Path(path)
    skipped: Counter[str] = Counter()
    formats: list[str] = []
    listens: list[Listen] = []
    read = 0
    seen: set[tuple] = set()
    single = _single(path)
    for name, text in _files(path):
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
        reader = _READERS[fmt]
        src = Path(name.rsplit(":", 1)[-1]).name
        for rec in _records(data, fmt):
            read += 1
            if not isinstance(rec, dict):
                skipped["bad_record"] += 1
                continue
            try:
                got = reader(rec, src)
            except (KeyError, TypeError, ValueError, OverflowError, OSError):
                got = "bad_record"
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
    listens.sort(key=lambda x: x.ts)
    report = HistoryReport(source=str(path), format="+".join(formats), read=read, kept=len(listens),
                           skipped=dict(skipped), skip_signals=sum(x.skipped for x in listens))
    return listens, report
