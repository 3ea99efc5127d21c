"""A folder of audio files as a catalogue: tags read with mutagen, the file name when tags are missing."""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path
from typing import Any

from retrieval.importers.report import CatalogueImportError, Tally
from retrieval.importers.tabular import DATE_RE, PROGRESS_EVERY, Progress
from retrieval.tracks import Track

AUDIO_EXTENSIONS = (".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav")
UNKNOWN_ARTIST = "Unknown artist"
# easy tag name -> raw ID3 frame ids (WAV and AIFF files carry plain ID3 tags).
ID3_FRAMES = {
    "title": ("TIT2",),
    "artist": ("TPE1",),
    "albumartist": ("TPE2",),
    "album": ("TALB",),
    "date": ("TDRC", "TYER", "TDRL", "TDOR"),
    "genre": ("TCON",),
}
TRACK_NUMBER = re.compile(r"^\s*\d{1,3}\s*[-._)]?\s+")


def file_track_id(path: Path) -> str:
    """A stable id for a local file: 'file:' + 16 hex digits of sha1 of its resolved path."""
    return "file:" + hashlib.sha1(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def list_audio_files(root: Path) -> list[Path]:
    """Audio files under `root`, recursively, in a stable order; hidden files and folders skipped."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(AUDIO_EXTENSIONS):
                found.append(Path(folder) / name)
    return found


def _tag(tags: Any, key: str) -> list[str]:
    """Values of one tag, from easy tags (MP3, MP4, FLAC, Ogg) or raw ID3 frames (WAV, AIFF)."""
    if tags is None:
        return []
    values: Any = None
    try:
        values = tags.get(key)
    except (KeyError, ValueError, TypeError):
        values = None
    if not values and hasattr(tags, "getall"):
        for frame_id in ID3_FRAMES.get(key, ()):
            frames = tags.getall(frame_id)
            if frames:
                values = frames[0].genres if frame_id == "TCON" else frames[0].text
                break
    if not values:
        return []
    if isinstance(values, (str, bytes)):
        values = [values]
    out = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]
    return [v.strip() for v in out if v and v.strip()]


def _from_file_name(path: Path) -> tuple[str | None, str]:
    """(artist or None, title) from a name like '01 - Artist - Title.mp3' or 'Title.flac'."""
    stem = TRACK_NUMBER.sub("", path.stem).strip() or path.stem
    if " - " in stem:
        artist, title = stem.split(" - ", 1)
        if artist.strip() and title.strip():
            return artist.strip(), title.strip()
    return None, stem


def read_audio_file(path: Path, root: Path, tally: Tally) -> Track | None:
    """One Track from one file, or None (rejected in `tally`) when mutagen cannot read it."""
    import mutagen

    ref = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        audio = mutagen.File(path, easy=True)
    except Exception:  # mutagen raises many kinds on damaged files; any of them means unreadable
        audio = None
    if audio is None:
        tally.reject("unreadable audio file", ref)
        return None
    tags = audio.tags
    titles, artists = _tag(tags, "title"), _tag(tags, "artist") or _tag(tags, "albumartist")
    name_artist, name_title = _from_file_name(path)
    title = titles[0] if titles else name_title
    if not titles:
        tally.fix("no title tag (title from file name)", ref)
    if artists:
        artist = artists[0]
    elif name_artist:
        artist = name_artist
        tally.fix("no artist tag (artist from file name)", ref)
    else:
        artist = UNKNOWN_ARTIST
        tally.fix(f"no artist tag (set '{UNKNOWN_ARTIST}')", ref)
    albums = _tag(tags, "album")
    dates = _tag(tags, "date")
    release_date = year = None
    if dates:
        text = dates[0].split("T")[0].strip()
        match = DATE_RE.match(text) or re.match(r"^(\d{4})", text)
        if match and 1000 <= int(match.group(1)) <= 2100:
            year = int(match.group(1))
            release_date = text if DATE_RE.match(text) else match.group(1)
    genres: list[str] = []
    for value in _tag(tags, "genre"):
        for g in re.split(r"[;,/|]", value):
            if g.strip() and g.strip() not in genres:
                genres.append(g.strip())
    length = getattr(getattr(audio, "info", None), "length", None)
    duration_ms = int(round(length * 1000)) if isinstance(length, (int, float)) and math.isfinite(length) else None
    resolved = path.resolve()
    return Track(
        track_id=file_track_id(path),
        title=title,
        artist=artist,
        album=albums[0] if albums else None,
        release_date=release_date,
        year=year,
        genres=genres,
        duration_ms=duration_ms if duration_ms and duration_ms > 0 else None,
        path=str(resolved),
    )


def read_audio_folder(root: Path, tally: Tally, progress: Progress) -> tuple[list[Track], int]:
    """Every audio file under `root`; returns tracks and the number of files read."""
    files = list_audio_files(root)
    if not files:
        raise CatalogueImportError(
            f"{root}: no audio files found (looked for {' '.join(AUDIO_EXTENSIONS)} in all sub-folders). "
            "Point at the folder that holds your music, or at a CSV/JSONL catalogue."
        )
    tracks: list[Track] = []
    seen: set[str] = set()
    for done, path in enumerate(files, start=1):
        track = read_audio_file(path, root, tally)
        if track is not None:
            if track.track_id in seen:
                tally.reject("duplicate file (same resolved path)", str(path))
            else:
                seen.add(track.track_id)
                tracks.append(track)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(files))
    if progress:
        progress(len(files), len(files))
    return tracks, len(files)
