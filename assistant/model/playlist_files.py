"""Playlist exports (M3U8, XSPF, JSPF), readers to parse them back, and an atomic file write.

Shared choices: titles, artists and albums are written on one line (line breaks become spaces,
characters XML cannot hold are dropped, lone surrogates from undecodable file names become
U+FFFD). Unknown stays unknown: an unknown field is left out, never written as 0 or "". A track
id that looks like a Spotify id (22 base62 characters) is written as `spotify:track:<id>`, any
other as `urn:segue:track:<id>` (percent-encoded). MusicBrainz ids are written only when a track
carries them (`recording_mbid`/`mbid`, `artist_mbids`; the current Track has none).

M3U8: `#EXTM3U`, `#PLAYLIST:<title>`, then per track `#EXTINF:<seconds>,<Artist> - <Title>`
(-1 when unknown) and the file path on the next line. A track without a local file gets its
`#EXTINF` line and no location line: players read every non-comment line as a location, and
VLC and mpv drop pending `#EXTINF` metadata at the next `#EXTINF`, so the entry is skipped in
playback yet stays readable. A path that cannot stand on one line as it is (line breaks, a
leading `#` or space, undecodable bytes) is written as a `file://` URI, which players accept.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from assistant.model.errors import BadInput

FORMATS = {"m3u8": ".m3u8", "xspf": ".xspf", "jspf": ".jspf"}
XSPF_NS = "http://xspf.org/ns/0/"
MB_PLAYLIST = "https://musicbrainz.org/doc/jspf#playlist"
MB_TRACK = "https://musicbrainz.org/doc/jspf#track"
MB_RECORDING = "https://musicbrainz.org/recording/"
MB_ARTIST = "https://musicbrainz.org/artist/"
SEGUE_URN = "urn:segue:track:"
SPOTIFY_URI = "spotify:track:"

_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_DROP = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
_EXTINF = re.compile(r'#EXTINF:\s*(-?\d+(?:\.\d+)?)((?:\s+[\w-]+="[^"]*")*)\s*,(.*)', re.IGNORECASE)
_ID_SAFE = ":@!$&'()*+,;=-._~"


class PlaylistFormatError(BadInput, ValueError):
    """A playlist file that cannot be read, or a format Segue does not write."""


# -- writing ------------------------------------------------------------------------------
def export(tracks: Iterable[Any], fmt: str, title: str, creator: str | None = None, annotation: str | None = None) -> str:
    """The playlist as text in `fmt` ("m3u8", "xspf" or "jspf"); write it with `write_export`."""
    key = str(fmt).strip().lower().lstrip(".")
    if key not in FORMATS:
        raise PlaylistFormatError(f"unknown playlist format {fmt!r}: choose one of {', '.join(FORMATS)}")
    writer = {"m3u8": to_m3u8, "xspf": to_xspf, "jspf": to_jspf}[key]
    return writer(list(tracks), title, creator=creator, annotation=annotation)


def to_m3u8(tracks: list, title: str, creator: str | None = None, annotation: str | None = None) -> str:
    """M3U8 text. `creator` and `annotation` have no place in M3U and are not written."""
    lines = ["#EXTM3U"]
    if clean_text(title):
        lines.append(f"#PLAYLIST:{clean_text(title)}")
    for t in tracks:
        seconds = round(t.duration_ms / 1000) if t.duration_ms else -1
        artist, name = clean_text(t.artist), clean_text(t.title)
        lines.append(f"#EXTINF:{seconds},{artist} - {name}" if artist else f"#EXTINF:{seconds},{name}")
        if t.path:
            lines.append(m3u_location(t.path))
    return "\n".join(lines) + "\n"


def to_xspf(tracks: list, title: str, creator: str | None = None, annotation: str | None = None) -> str:
    """XSPF version 1, pretty-printed, UTF-8 declared."""
    root = ET.Element("playlist", {"xmlns": XSPF_NS, "version": "1"})
    _sub(root, "title", clean_text(title))
    _sub(root, "creator", clean_text(creator))
    _sub(root, "annotation", clean_text(annotation, keep_lines=True))
    track_list = ET.SubElement(root, "trackList")
    for t in tracks:
        el = ET.SubElement(track_list, "track")
        if t.path:
            _sub(el, "location", path_uri(t.path))
        for identifier in track_identifiers(t):
            _sub(el, "identifier", identifier)
        _sub(el, "title", clean_text(t.title))
        _sub(el, "creator", clean_text(t.artist))
        _sub(el, "album", clean_text(t.album))
        if t.duration_ms:
            _sub(el, "duration", str(int(t.duration_ms)))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_jspf(tracks: list, title: str, creator: str | None = None, annotation: str | None = None) -> str:
    """JSPF (https://www.xspf.org/jspf) with the MusicBrainz extensions ListenBrainz reads, where known."""
    creator = clean_text(creator)
    playlist = _present(title=clean_text(title), creator=creator, annotation=clean_text(annotation, keep_lines=True))
    if creator:  # the only playlist-level MusicBrainz field Segue knows; no `public`, no `created_for`
        playlist["extension"] = {MB_PLAYLIST: {"creator": creator}}
    items = []
    for t in tracks:
        item = _present(
            title=clean_text(t.title),
            creator=clean_text(t.artist),
            album=clean_text(t.album),
            duration=int(t.duration_ms) if t.duration_ms else None,
            location=[path_uri(t.path)] if t.path else None,
            identifier=track_identifiers(t),
        )
        artists = [MB_ARTIST + m for m in _mbids(getattr(t, "artist_mbids", None))]
        if artists:
            item["extension"] = {MB_TRACK: {"artist_identifiers": artists}}
        items.append(item)
    playlist["track"] = items
    return json.dumps({"playlist": playlist}, ensure_ascii=False, indent=2) + "\n"


def track_identifiers(track: Any) -> list[str]:
    """URIs naming the track: a MusicBrainz recording URL when one is known, then its Segue/Spotify id."""
    found = [MB_RECORDING + m for m in _mbids([getattr(track, "recording_mbid", None) or getattr(track, "mbid", None)])]
    tid = str(track.track_id)
    found.append(SPOTIFY_URI + tid if _SPOTIFY_ID.fullmatch(tid) else SEGUE_URN + quote(_SURROGATE.sub("\ufffd", tid), safe=_ID_SAFE))
    return found


def path_uri(path: str) -> str:
    """A `file://` URI for an absolute path; a percent-encoded relative reference otherwise."""
    p = Path(path)
    return p.as_uri() if p.is_absolute() else quote(os.fsencode(path))


def write_export(text: str, path: str | os.PathLike) -> Path:
    """Write `text` as UTF-8 to `path` atomically: a temp file in the same folder, then os.replace."""
    target = Path(path)
    data = text.encode("utf-8")
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


# -- reading ------------------------------------------------------------------------------
def read_m3u8(text: str | bytes) -> list[dict]:
    """Entries of an M3U/M3U8 playlist: {"title", "artist", "seconds", "location", "path"}.

    `seconds` is None when unknown (-1); `location` is the line as written (None for an
    `#EXTINF` without one); `path` is the local file it names, None for a remote URL.
    """
    entries: list[dict] = []
    pending: dict | None = None
    for number, raw in enumerate(_as_text(text, "M3U8").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if line[:8].upper() == "#EXTINF:":
            if pending:
                entries.append(pending)
            match = _EXTINF.fullmatch(line)
            if not match:
                raise PlaylistFormatError(f"M3U8 line {number} is not '#EXTINF:<seconds>,<title>': {line[:80]!r}")
            seconds = round(float(match.group(1)))
            artist, sep, name = match.group(3).strip().partition(" - ")  # titles hold " - " more often than artists
            pending = {"title": name if sep else artist, "artist": artist if sep else None}
            pending.update(seconds=seconds if seconds >= 0 else None, location=None, path=None)
        elif not line.startswith("#"):
            entry = pending or {"title": None, "artist": None, "seconds": None}
            entries.append(dict(entry, location=line, path=_local_path(line, uri=False)))
            pending = None
    if pending:
        entries.append(pending)
    return entries


def read_xspf(text: str | bytes) -> dict:
    """{"title", "creator", "annotation", "tracks", "extension"} from XSPF; each track is
    {"title", "artist", "album", "duration_ms", "locations", "identifiers", "path", "track_id"}."""
    text = _as_text(text, "XSPF")
    if "<!ENTITY" in text:
        raise PlaylistFormatError("XSPF playlist declares XML entities; refusing to read it")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise PlaylistFormatError(f"XSPF playlist is not well-formed XML ({exc})") from None
    ns = f"{{{XSPF_NS}}}" if root.tag.startswith(f"{{{XSPF_NS}}}") else ""
    if root.tag != f"{ns}playlist":
        raise PlaylistFormatError(f"not an XSPF playlist: the root element is {root.tag!r}, expected <playlist xmlns={XSPF_NS!r}>")
    if root.get("version") not in ("0", "1"):
        raise PlaylistFormatError(f"unsupported XSPF version {root.get('version')!r} (expected 0 or 1)")
    track_list = root.find(f"{ns}trackList")
    if track_list is None:
        raise PlaylistFormatError("XSPF playlist has no <trackList>")

    def texts(el: ET.Element, tag: str) -> list[str]:
        return [(e.text or "").strip() for e in el.findall(ns + tag)]

    playlist: dict[str, Any] = {key: root.findtext(ns + key) for key in ("title", "creator", "annotation")}
    playlist["track"] = [
        {
            **{key: el.findtext(ns + key) for key in ("title", "creator", "album")},
            "duration": (el.findtext(ns + "duration") or "").strip() or None,
            "location": texts(el, "location"),
            "identifier": texts(el, "identifier"),
        }
        for el in track_list.findall(ns + "track")
    ]
    return _playlist(playlist, "XSPF")


def read_jspf(text: str | bytes) -> dict:
    """The same shape as `read_xspf`; "extension" is the playlist's extension object (or {})."""
    try:
        data = json.loads(_as_text(text, "JSPF"))
    except json.JSONDecodeError as exc:
        raise PlaylistFormatError(f"JSPF playlist is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("playlist"), dict):
        raise PlaylistFormatError('JSPF playlist must be a JSON object with a "playlist" object')
    return _playlist(data["playlist"], "JSPF")


def _playlist(playlist: dict, fmt: str) -> dict:
    """Check a JSPF-shaped playlist object and turn it into the reader's dict."""

    def string(obj: dict, key: str, where: str) -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise PlaylistFormatError(f'{fmt} {where}: "{key}" must be a string, got {type(value).__name__}')
        return value

    def uris(obj: dict, key: str, where: str) -> list[str]:
        value = obj.get(key, [])
        value = [value] if isinstance(value, str) else value  # early JSPF drafts used one string
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PlaylistFormatError(f'{fmt} {where}: "{key}" must be an array of URI strings')
        return [v for v in value if v]

    items, extension = playlist.get("track", []), playlist.get("extension") or {}
    if not isinstance(items, list) or not isinstance(extension, dict):
        raise PlaylistFormatError(f'{fmt} playlist: "track" must be an array and "extension" an object')
    tracks = []
    for i, item in enumerate(items, start=1):
        where = f"track {i}"
        if not isinstance(item, dict):
            raise PlaylistFormatError(f"{fmt} {where} is not an object")
        duration = item.get("duration")
        if duration is not None and (isinstance(duration, bool) or not re.fullmatch(r"\d+", str(duration))):
            raise PlaylistFormatError(f"{fmt} {where}: duration must be a whole number of milliseconds, got {duration!r}")
        locations, identifiers = uris(item, "location", where), uris(item, "identifier", where)
        local = [p for p in (_local_path(u, uri=True) for u in locations) if p]
        ids = [unquote(u[len(SEGUE_URN) :]) for u in identifiers if u.startswith(SEGUE_URN)]
        ids += [u[len(SPOTIFY_URI) :] for u in identifiers if u.startswith(SPOTIFY_URI)]
        tracks.append(
            {
                "title": string(item, "title", where),
                "artist": string(item, "creator", where),
                "album": string(item, "album", where),
                "duration_ms": int(duration) if duration is not None else None,
                "locations": locations,
                "identifiers": identifiers,
                "path": local[0] if local else None,
                "track_id": ids[0] if ids else None,
            }
        )
    found = {key: string(playlist, key, "playlist") for key in ("title", "creator", "annotation")}
    return dict(found, tracks=tracks, extension=extension)


# -- helpers ------------------------------------------------------------------------------
def clean_text(value: str | None, keep_lines: bool = False) -> str | None:
    """Text fit for every format, None when empty. Line breaks become spaces (`keep_lines`: \\n,
    for annotations); characters XML cannot hold are dropped, lone surrogates become U+FFFD."""
    if value is None:
        return None
    text = re.sub(r"\r\n?", "\n", str(value)) if keep_lines else _BREAKS.sub(" ", str(value))
    return _DROP.sub("", _SURROGATE.sub("\ufffd", text)).strip() or None


def _present(**fields: Any) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


def _sub(parent: ET.Element, tag: str, value: str | None) -> None:
    if value:
        ET.SubElement(parent, tag).text = value


def m3u_location(path: str) -> str:
    """A track's location line in M3U: the path itself when it fits one line and is no comment, else a file URI."""
    return path if clean_text(path) == path and not path.startswith("#") else path_uri(path)


def _mbids(values: Any) -> list[str]:
    """The valid MusicBrainz ids (UUIDs) among `values`, lower-case; anything else is skipped."""
    found = []
    for value in values or ():
        with contextlib.suppress(ValueError):
            found.append(str(uuid.UUID(str(value))))
    return found


def _as_text(text: str | bytes, fmt: str) -> str:
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PlaylistFormatError(f"{fmt} playlist is not UTF-8 text ({exc})") from None
    if not isinstance(text, str):
        raise PlaylistFormatError(f"{fmt} playlist must be text, not {type(text).__name__}")
    return text.removeprefix("\ufeff")


def _local_path(location: str, uri: bool) -> str | None:
    """The local file a location names, None for a remote URL. `uri`: the location is a URI
    reference (XSPF/JSPF), so a relative one is percent-decoded; an M3U line is a plain path."""
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return os.fsdecode(unquote_to_bytes(parts.path)) if parts.netloc in ("", "localhost") else None
    if len(scheme) > 1:  # http:, spotify:, ... (one letter is a Windows drive)
        return None
    return os.fsdecode(unquote_to_bytes(location)) if uri else location
