"""Tabular catalogues: Segue CSV, the common Spotify CSV layouts, and JSON lines.

One generic path: column names are mapped onto `Track` fields through `ALIASES`, every value is
checked here (an impossible value becomes None and is counted as fixed), then each `Track(...)`
is still validated by pydantic (measured: no difference from model_construct beyond noise, ~2 s CPU
for the 66k-row catalogue either way).
"""

from __future__ import annotations

import ast
import gzip
import io
import json
import math
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from retrieval.importers import bounds
from retrieval.importers.report import CatalogueImportError, Tally, shown
from retrieval.tracks import Track

Progress = Callable[[int, int | None], None] | None
PROGRESS_EVERY = 1000
BAD_UNICODE = "text with a lone surrogate (not valid Unicode)"

# Track field -> accepted column names, most specific first (all lower case).
ALIASES: dict[str, tuple[str, ...]] = {
    "track_id": ("track_id", "id", "spotify_id", "track_uri", "uri"),
    "title": ("title", "track_name", "name", "song", "song_name", "track_title"),
    "artist": ("artist", "track_artist", "artists", "artist_name", "artist(s)_name", "artists_name"),
    "album": ("album", "album_name", "track_album_name"),
    "release_date": ("release_date", "track_album_release_date", "album_release_date"),
    "year": ("year", "release_year", "released_year"),
    "decade": ("decade",),
    "popularity": ("popularity", "track_popularity"),
    "duration_ms": ("duration_ms",),
    "explicit": ("explicit",),
    "danceability": ("danceability",),
    "energy": ("energy",),
    "key": ("key",),
    "loudness": ("loudness",),
    "mode": ("mode",),
    "speechiness": ("speechiness",),
    "acousticness": ("acousticness",),
    "instrumentalness": ("instrumentalness",),
    "liveness": ("liveness",),
    "valence": ("valence",),
    "tempo": ("tempo", "bpm"),
    "time_signature": ("time_signature",),
    "chart_peak": ("chart_peak", "peak_position"),
    "chart_weeks": ("chart_weeks", "weeks_on_chart"),
    "chart_debut": ("chart_debut",),
    "path": ("path", "file_path"),
}
# Every one of these present is read, and their values are unioned into `genres`.
GENRE_COLUMNS = ("genres", "genre", "track_genre", "playlist_genre", "playlist_subgenre", "artist_genres")
# Artist columns holding several artists: the first is the primary one.
LIST_ARTIST_COLUMNS = ("artists", "artist(s)_name", "artists_name")
REQUIRED = ("track_id", "title", "artist")
EXPECTED_HINT = (
    "a track id (track_id / id), a title (title / track_name / name) and an artist "
    "(artist / track_artist / artists)"
)

# field -> (low, high, integer?) ; values outside become unknown.
RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    **{f: (0.0, 1.0, False) for f in ("danceability", "energy", "speechiness", "acousticness",
                                      "instrumentalness", "liveness", "valence")},
    "popularity": (0.0, 100.0, False),
    "loudness": (-100.0, 20.0, False),
    "tempo": (1e-9, 400.0, False),  # tempo 0 means unknown
    "duration_ms": (1, None, True),
    "key": (0, 11, True),  # Spotify's -1 means no key detected
    "mode": (0, 1, True),
    "time_signature": (1, 12, True),  # 0 means unknown
    "year": (1000, 2100, True),
    "decade": (1000, 2100, True),
    "chart_peak": (1, 200, True),
    "chart_weeks": (0, None, True),
}
STRING_FIELDS = ("album", "chart_debut", "path")
MISSING = frozenset(("", "na", "n/a", "nan", "null"))
DATE_RE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")
SPOTIFY_PREFIX = re.compile(r"^(spotify:track:|https?://open\.spotify\.com/track/)")


class ColumnMap:
    """Where each Track field comes from in a row (a list index for CSV, a key for JSON)."""

    def __init__(self, names: list[str], keys: list[Any]):
        lower = {n.strip().lower(): k for n, k in zip(names, keys)}
        self.fields: dict[str, Any] = {}
        self.artist_is_list = False
        for field, aliases in ALIASES.items():
            for alias in aliases:
                if alias in lower:
                    self.fields[field] = lower[alias]
                    if field == "artist":
                        self.artist_is_list = alias in LIST_ARTIST_COLUMNS
                    break
        self.genres = [lower[g] for g in GENRE_COLUMNS if g in lower]
        self.missing = [f for f in REQUIRED if f not in self.fields]


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def read_head(path: Path, size: int = 64 * 1024) -> bytes:
    """The first bytes of a file, decompressed when it is gzip."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as fh:
        return fh.read(size)


def sniff_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the head decodes as such, else Windows-1252 (Excel's usual export)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the head
            return "cp1252"
    return "utf-8-sig"


def open_text(path: Path) -> io.TextIOBase:
    """Open a plain or gzip text file (undecodable bytes replaced, never a crash)."""
    encoding = sniff_encoding(read_head(path))
    raw = gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def count_lines(path: Path) -> int | None:
    """Newlines in a plain file (a progress total); None for gzip files."""
    if is_gzip(path):
        return None
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def pick_delimiter(header_line: str) -> str:
    return max((",", "\t", ";"), key=header_line.count) if header_line else ","


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in MISSING)


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    return str(value).strip() or None


def _split_list(value: Any) -> list[str]:
    """A list cell: a JSON list, a Python-list string "['a', 'b']", or text split on | and ;."""
    if _missing(value):
        return []
    if isinstance(value, dict):
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        s = str(value).strip()
        items = []
        if s.startswith("["):
            try:
                parsed = ast.literal_eval(s)
                items = [str(v) for v in parsed] if isinstance(parsed, (list, tuple)) else []
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                items = [p.strip(" '\"") for p in s.strip("[]").split(",")]
        else:
            items = re.split(r"[|;]", s)
    return [i.strip() for i in items if i and i.strip()]


def _primary_artist(value: Any, is_list: bool) -> str | None:
    if isinstance(value, (list, tuple)) or (isinstance(value, str) and value.lstrip().startswith("[")):
        names = _split_list(value)
        return names[0] if names else None
    text = _text(value)
    if text and is_list and ";" in text:
        text = text.split(";")[0].strip() or None
    return text


def _track_id(value: Any) -> str | None:
    text = _text(value)
    return SPOTIFY_PREFIX.sub("", text).split("?")[0] if text else None


def _number(field: str, value: Any, tally: Tally, ref: str) -> float | int | None:
    if _missing(value):
        return None
    low, high, integer = RANGES[field]
    try:
        if isinstance(value, bool):
            raise TypeError("a boolean is not a number")
        x = float(value)
    except (TypeError, ValueError):
        tally.fix(f"{field} not a number (set unknown)", ref)
        return None
    if not math.isfinite(x) or (low is not None and x < low) or (high is not None and x > high):
        tally.fix(f"{field} out of range (set unknown)", ref)
        return None
    if integer:
        if x != int(x):
            tally.fix(f"{field} not a whole number (set unknown)", ref)
            return None
        return int(x)
    return x


def _explicit(value: Any, tally: Tally, ref: str) -> bool | None:
    if isinstance(value, bool):
        return value
    if _missing(value):
        return None
    s = str(value).strip().lower()
    if s in ("true", "1", "1.0", "yes", "t", "y"):
        return True
    if s in ("false", "0", "0.0", "no", "f", "n"):
        return False
    tally.fix("explicit not true/false (set unknown)", ref)
    return None


def _valid_unicode(data: dict[str, Any]) -> bool:
    """False when a text value holds a lone surrogate (JSON allows "\\ud800"; no file or database can store it)."""
    for value in data.values():
        for text in (value if isinstance(value, list) else (value,)):
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return False
    return True


class RowReader:
    """Turns rows into Tracks, rejecting rows without id/title/artist and repeated ids."""

    def __init__(self, tally: Tally, merge_duplicates: bool):
        self.tally = tally
        self.merge_duplicates = merge_duplicates
        self.tracks: list[Track] = []
        self.seen: dict[str, int] = {}

    def add(self, row: Any, cols: ColumnMap, ref: str) -> None:
        f = cols.fields
        tally = self.tally
        tid = _track_id(row[f["track_id"]]) if "track_id" in f else None
        if tid is None:
            return tally.reject("missing track_id", ref)
        title = _text(row[f["title"]]) if "title" in f else None
        if title is None:
            return tally.reject("missing title", ref)
        artist = _primary_artist(row[f["artist"]], cols.artist_is_list) if "artist" in f else None
        if artist is None:
            return tally.reject("missing artist", ref)
        genres: list[str] = []
        for g in cols.genres:
            for name in _split_list(row[g]):
                if name not in genres:
                    genres.append(name)
        if tid in self.seen:
            if not self.merge_duplicates:
                return tally.reject("duplicate track_id", ref)
            kept = self.tracks[self.seen[tid]].genres
            kept.extend(g for g in genres if g not in kept)
            return tally.reject("duplicate track_id (genres merged into first)", ref)

        data: dict[str, Any] = {"track_id": tid, "title": title, "artist": artist, "genres": genres}
        for name in STRING_FIELDS:
            data[name] = _text(row[f[name]]) if name in f else None
        for name in RANGES:
            data[name] = _number(name, row[f[name]], tally, ref) if name in f else None
        data["explicit"] = _explicit(row[f["explicit"]], tally, ref) if "explicit" in f else None
        date = _text(row[f["release_date"]]) if "release_date" in f else None
        match = DATE_RE.match(date) if date else None
        if date and (match is None or not 1000 <= int(match.group(1)) <= 2100):
            tally.fix("release_date not YYYY[-MM[-DD]] (set unknown)", ref)
            date, match = None, None
        data["release_date"] = date
        if data["year"] is None and match is not None:
            data["year"] = int(match.group(1))
        if not _valid_unicode(data):
            return tally.reject(BAD_UNICODE, ref)
        try:
            track = Track(**data)
        except ValidationError as exc:  # only if Track's rules grow stricter than RANGES
            loc = exc.errors()[0].get("loc") or ("value",)
            return tally.reject(f"invalid {loc[0]}", ref)
        self.seen[tid] = len(self.tracks)
        self.tracks.append(track)


def csv_header(path: Path) -> tuple[list[str], str]:
    """The header cells and the delimiter of a CSV file."""
    import csv

    with open_text(path) as fh:
        first = fh.readline(bounds.MAX_LINE_CHARS)
    delim = pick_delimiter(first)
    cells = next(csv.reader([first], delimiter=delim), [])
    return [c.strip() for c in cells], delim


def read_csv(path: Path, fmt: str, tally: Tally, progress: Progress) -> tuple[list[Track], int]:
    """Read a CSV catalogue; returns tracks and the number of data rows read."""
    import csv

    header, delim = csv_header(path)
    cols = ColumnMap(header, list(range(len(header))))
    if cols.missing:
        raise CatalogueImportError(
            f"{shown(path)}: no {', '.join(cols.missing)} column. Expected {EXPECTED_HINT}; "
            f"found: {', '.join(header[:12]) or 'nothing'}. Rename the columns and try again."
        )
    total = count_lines(path) if progress else None
    total = max(total - 1, 0) if total is not None else None
    reader_ = RowReader(tally, merge_duplicates=(fmt == "spotify-csv"))
    width = len(header)
    rows = 0
    csv.field_size_limit(bounds.MAX_LINE_CHARS)
    with open_text(path) as fh:
        reader = csv.reader(bounds.bounded_lines(fh, tally), delimiter=delim)
        next(reader, None)
        try:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:  # a field over the limit, a stray quote: that row only
                    rows += 1
                    tally.reject(f"broken CSV row ({str(exc)[:80]})", f"line {reader.line_num}")
                    continue
                if reader.line_num > bounds.MAX_LINES or rows >= bounds.MAX_ROWS:
                    raise bounds.too_big(path)
                if not row:
                    continue
                rows += 1
                if len(row) < width:
                    row += [""] * (width - len(row))
                reader_.add(row, cols, f"line {reader.line_num}")
                if progress and rows % PROGRESS_EVERY == 0:
                    progress(rows, total)
        except (OSError, EOFError, zlib.error) as exc:
            raise CatalogueImportError(f"{shown(path)}: cannot read the file ({exc}). Is it truncated?") from exc
    if progress:
        progress(rows, rows)
    return reader_.tracks, rows


def iter_json_lines(path: Path, tally: Tally) -> Iterator[tuple[int, str]]:
    with open_text(path) as fh:
        for number, line in enumerate(bounds.bounded_lines(fh, tally), start=1):
            if number > bounds.MAX_LINES:
                raise bounds.too_big(path)
            if line.strip():
                yield number, line


def read_jsonl(path: Path, tally: Tally, progress: Progress) -> tuple[list[Track], int]:
    """Read one JSON object per line; malformed, over-long or invalid-Unicode lines are rejected, never fatal."""
    total = count_lines(path) if progress else None
    reader_ = RowReader(tally, merge_duplicates=False)
    maps: dict[tuple[str, ...], ColumnMap] = {}
    rows = 0
    try:
        for number, line in iter_json_lines(path, tally):
            if rows >= bounds.MAX_ROWS:
                raise bounds.too_big(path)
            rows += 1
            ref = f"line {number}"
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                tally.reject("malformed JSON", ref)
                continue
            if not isinstance(obj, dict):
                tally.reject("malformed JSON", ref)
                continue
            keys = tuple(obj)
            cols = maps.get(keys)
            if cols is None:
                cols = maps[keys] = ColumnMap([str(k) for k in keys], list(keys))
            reader_.add(obj, cols, ref)
            if progress and rows % PROGRESS_EVERY == 0:
                progress(rows, total)
    except (OSError, EOFError, zlib.error) as exc:
        raise CatalogueImportError(f"{shown(path)}: cannot read the file ({exc}). Is it truncated?") from exc
    if progress:
        progress(rows, rows)
    return reader_.tracks, rows
