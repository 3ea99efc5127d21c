"""A folder of audio files as a catalogue: tags read with mutagen (in a bounded worker process, `tag_reader`), the
file name when tags are missing. Which files are read at all is `folder.audio_files`."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

from retrieval.importers.bounds import MAX_ROWS
from retrieval.importers.folder import AUDIO_EXTENSIONS, FoundFile, audio_files
from retrieval.importers.report import CatalogueImportError, Tally, shown
from retrieval.importers.tabular import DATE_RE, PROGRESS_EVERY, Progress
from retrieval.importers.tag_reader import TagReader
from retrieval.tracks import Track

UNKNOWN_ARTIST = "Unknown artist"
NO_PATH = "file name not valid UTF-8 (kept without its path: rename the file to play or export it)"
TRACK_NUMBER = re.compile(r"^\s*\d{1,3}\s*[-._)]?\s+")


def file_track_id(path: Path) -> str:
    """A stable id for a local file: 'file:' + 16 hex digits of sha1 of its resolved path."""
    return "file:" + hashlib.sha1(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _tag(tags: dict, key: str) -> list[str]:
    """Values of one tag as the worker read them (`tag_worker.tag_values`)."""
    return [v for v in tags.get(key) or [] if isinstance(v, str) and v]


def _from_file_name(path: Path) -> tuple[str | None, str]:
    """(artist or None, title) from a name like '01 - Artist - Title.mp3' or 'Title.flac'."""
    name = path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # undecodable bytes: U+FFFD
    name = "".join(ch if ch.isprintable() else " " for ch in name).strip() or "?"
    stem = TRACK_NUMBER.sub("", name).strip() or name
    if " - " in stem:
        artist, title = stem.split(" - ", 1)
        if artist.strip() and title.strip():
            return artist.strip(), title.strip()
    return None, stem


def read_audio_file(item: FoundFile, root: Path, tally: Tally, reader: TagReader) -> Track | None:
    """One Track from one file, or None (rejected in `tally`) when its tags cannot be read."""
    path = item.path
    ref = shown(path.relative_to(root) if path.is_relative_to(root) else path)
    result = reader.read(item.target)
    if "error" in result:
        tally.reject(str(result["error"])[:200], ref)
        return None
    tags = result["tags"]
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
    length = result.get("length")
    duration_ms = int(round(length * 1000)) if isinstance(length, (int, float)) and math.isfinite(length) else None
    resolved = Path(item.target)
    path_text: str | None = str(resolved)
    try:
        path_text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes: no JSON, database or web answer could carry this path
        path_text = None
        tally.fix(NO_PATH, ref)
    return Track(
        track_id=file_track_id(resolved),
        title=title,
        artist=artist,
        album=albums[0] if albums else None,
        release_date=release_date,
        year=year,
        genres=genres,
        duration_ms=duration_ms if duration_ms and duration_ms > 0 else None,
        path=path_text,
    )


def read_audio_folder(root: Path, tally: Tally, progress: Progress) -> tuple[list[Track], int]:
    """Every audio file under `root`; returns tracks and the number of files read."""
    files = audio_files(root, tally)
    if not files:
        skipped = sum(tally.rejected.values())
        raise CatalogueImportError(
            f"{shown(root)}: no audio files found (looked for {' '.join(AUDIO_EXTENSIONS)} in all sub-folders"
            + (f"; {skipped} skipped: {', '.join(sorted(tally.rejected))}" if skipped else "")
            + "). Point at the folder that holds your music, or at a CSV/JSONL catalogue."
        )
    if len(files) > MAX_ROWS:
        raise CatalogueImportError(f"{shown(root)}: more than {MAX_ROWS:,} audio files; Segue imports at most "
                                   f"{MAX_ROWS:,} tracks. Point at a smaller folder.")
    tracks: list[Track] = []
    seen: set[str] = set()
    with TagReader() as reader:
        for done, item in enumerate(files, start=1):
            track = read_audio_file(item, root, tally, reader)
            if track is not None:
                if track.track_id in seen:
                    tally.reject("duplicate file (same resolved path)", str(item.path.relative_to(root)))
                else:
                    seen.add(track.track_id)
                    tracks.append(track)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, len(files))
    if progress:
        progress(len(files), len(files))
    return tracks, len(files)
