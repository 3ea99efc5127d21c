"""Tracks and the columnar catalogue.

A `Track` is one row, as a pydantic model: unknown values stay `None`, never 0.
A `Catalogue` holds many tracks column by column (numpy arrays, NaN for unknown numbers)
so that filtering and ranking over a million tracks stays fast; it builds `Track` models
on demand and saves/loads itself as memory-mapped `.npy` files: numbers as columns, strings as UTF-8 bytes and
offsets (`retrieval.string_columns`, decoded per value), so a loaded catalogue holds no Python string per row.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrieval.errors import NotReady
from retrieval.string_columns import GenresColumn, StringColumn, write_column

# Audio features on a 0..1 scale (Spotify Web API definitions).
UNIT_FEATURES = (
    "danceability",
    "energy",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
)
# Every numeric column kept as float32 with NaN for unknown.
FLOAT_COLUMNS = UNIT_FEATURES + (
    "tempo",
    "loudness",
    "key",
    "mode",
    "time_signature",
    "year",
    "decade",
    "popularity",
    "duration_ms",
    "chart_peak",
    "chart_weeks",
)
STRING_COLUMNS = ("track_id", "title", "artist", "album", "release_date", "chart_debut", "path")
# 2: string columns as memory-mapped UTF-8 arrays (`retrieval.string_columns`); 1: all strings in strings.json
CATALOGUE_FORMAT = 2


class Track(BaseModel):
    """One track. Unknown stays unknown (None), never 0."""

    model_config = ConfigDict(extra="forbid")

    track_id: str = Field(description="Stable id (Spotify id, file hash, ...)")
    title: str = Field(description="Track title")
    artist: str = Field(description="Primary artist name")
    album: str | None = Field(default=None, description="Album name")
    release_date: str | None = Field(default=None, description="Release date as given (YYYY, YYYY-MM or YYYY-MM-DD)")
    year: int | None = Field(default=None, description="Release year (or first chart year)")
    decade: int | None = Field(default=None, description="Decade, e.g. 1990, when only that is known")
    genres: list[str] = Field(default_factory=list, description="Artist-level genre tags")
    popularity: float | None = Field(default=None, ge=0, le=100, description="Popularity 0..100")
    duration_ms: int | None = Field(default=None, gt=0, description="Duration in milliseconds")
    explicit: bool | None = Field(default=None, description="Explicit lyrics flag")
    danceability: float | None = Field(default=None, ge=0, le=1)
    energy: float | None = Field(default=None, ge=0, le=1)
    key: int | None = Field(default=None, ge=-1, le=11, description="Pitch class 0-11")
    loudness: float | None = Field(default=None, description="Loudness in dB")
    mode: int | None = Field(default=None, ge=0, le=1, description="1 major, 0 minor")
    speechiness: float | None = Field(default=None, ge=0, le=1)
    acousticness: float | None = Field(default=None, ge=0, le=1)
    instrumentalness: float | None = Field(default=None, ge=0, le=1)
    liveness: float | None = Field(default=None, ge=0, le=1)
    valence: float | None = Field(default=None, ge=0, le=1)
    tempo: float | None = Field(default=None, gt=0, description="Tempo in BPM")
    time_signature: int | None = Field(default=None, ge=0, le=12)
    chart_peak: int | None = Field(default=None, ge=1, description="Billboard Hot 100 peak position")
    chart_weeks: int | None = Field(default=None, ge=0, description="Weeks on the Billboard Hot 100")
    chart_debut: str | None = Field(default=None, description="Date of the first Hot 100 week")
    path: str | None = Field(default=None, description="Local audio file, when there is one")


def _num(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


class Catalogue:
    """Columnar store of tracks. Index `i` (0..n-1) is the row number used by vectors and indexes."""

    def __init__(
        self,
        strings: dict[str, Sequence[str | None]],  # lists, or memory-mapped StringColumns when loaded
        genres: Sequence[tuple[str, ...]],
        floats: dict[str, np.ndarray],
        explicit: np.ndarray,
        meta: dict | None = None,
    ):
        self.strings = strings
        self.genres = genres
        self.floats = floats
        self.explicit = explicit  # int8: -1 unknown, 0 clean, 1 explicit
        self.meta = dict(meta or {})
        self.ids: list[str] = strings["track_id"]  # type: ignore[assignment]
        self.titles: list[str] = strings["title"]  # type: ignore[assignment]
        self.artists: list[str] = strings["artist"]  # type: ignore[assignment]
        self._row_of: dict[str, int] | None = None
        self._artist_codes: np.ndarray | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_tracks(cls, tracks: Iterable[Track], meta: dict | None = None) -> Catalogue:
        tracks = list(tracks)
        n = len(tracks)
        strings: dict[str, list[str | None]] = {c: [None] * n for c in STRING_COLUMNS}
        floats = {c: np.full(n, np.nan, dtype=np.float32) for c in FLOAT_COLUMNS}
        explicit = np.full(n, -1, dtype=np.int8)
        genres: list[tuple[str, ...]] = []
        for i, t in enumerate(tracks):
            for c in STRING_COLUMNS:
                strings[c][i] = getattr(t, c)
            for c in FLOAT_COLUMNS:
                v = getattr(t, c)
                if v is not None:
                    floats[c][i] = v
            if t.explicit is not None:
                explicit[i] = 1 if t.explicit else 0
            genres.append(tuple(t.genres))
        return cls(strings, genres, floats, explicit, meta)

    def __len__(self) -> int:
        return len(self.ids)

    def track(self, i: int) -> Track:
        data: dict = {c: self.strings[c][i] for c in STRING_COLUMNS}
        for c in FLOAT_COLUMNS:
            v = _num(float(self.floats[c][i]))
            if v is not None and c in ("key", "mode", "time_signature", "year", "decade", "duration_ms", "chart_peak", "chart_weeks"):
                v = int(round(v))
            data[c] = v
        e = int(self.explicit[i])
        data["explicit"] = None if e < 0 else bool(e)
        data["genres"] = list(self.genres[i])
        return Track(**data)

    def tracks(self, rows: Sequence[int]) -> list[Track]:
        return [self.track(int(i)) for i in rows]

    def row_of(self, track_id: str) -> int | None:
        if self._row_of is None:
            self._row_of = {tid: i for i, tid in enumerate(self.ids)}
        return self._row_of.get(track_id)

    @property
    def artist_codes(self) -> np.ndarray:
        """An int32 code per row, equal for rows of the same (case-folded) artist."""
        if self._artist_codes is None:
            codes: dict[str, int] = {}
            self._artist_codes = np.fromiter(
                (codes.setdefault(a.casefold(), len(codes)) for a in self.artists), dtype=np.int32, count=len(self)
            )
        return self._artist_codes

    @property
    def generated(self) -> bool:
        """True when this is a generated demo catalogue (label it wherever it is shown)."""
        return bool(self.meta.get("generated"))

    def column(self, name: str) -> np.ndarray:
        return self.floats[name]

    # -- identity -----------------------------------------------------------------------
    def content_hash(self) -> str:
        """A key that changes whenever anything vectors or indexes depend on changes."""
        if "content_hash" in self.meta:
            return self.meta["content_hash"]
        h = hashlib.sha256()
        for c in ("track_id", "title", "artist", "album"):
            h.update("\x1f".join(s or "" for s in self.strings[c]).encode())
        h.update("\x1e".join("|".join(g) for g in self.genres).encode())
        for c in FLOAT_COLUMNS:
            h.update(np.ascontiguousarray(self.floats[c]).tobytes())
        h.update(np.ascontiguousarray(self.explicit).tobytes())
        digest = h.hexdigest()[:16]
        self.meta["content_hash"] = digest
        return digest

    # -- persistence --------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write atomically: into a sibling temp folder, then rename over `directory`."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.with_name(directory.name + ".tmp")
        if tmp.exists():
            _rmtree(tmp)
        tmp.mkdir()
        try:
            for c in FLOAT_COLUMNS:
                np.save(tmp / f"{c}.npy", np.ascontiguousarray(self.floats[c], dtype=np.float32))
            np.save(tmp / "explicit.npy", np.ascontiguousarray(self.explicit, dtype=np.int8))
            for c in STRING_COLUMNS:
                write_column(tmp, c, self.strings[c])
            write_column(tmp, "genres", ["|".join(g) for g in self.genres])
            meta = dict(self.meta, format=CATALOGUE_FORMAT, n=len(self), content_hash=self.content_hash())
            (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        except BaseException:  # a full or read-only disk: leave no half-written folder behind
            _rmtree(tmp)
            raise
        old = directory.with_name(directory.name + ".old")
        if old.exists():
            _rmtree(old)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        if old.exists():
            _rmtree(old)

    @classmethod
    def load(cls, directory: Path) -> Catalogue:
        """Read what `save` wrote (string columns memory-mapped; a format-1 folder's strings.json read whole); a
        missing, truncated or inconsistent part raises DamagedCatalogue."""
        directory = Path(directory)
        try:
            meta = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            if meta.get("format", 1) >= 2:
                strings = {c: StringColumn.open(directory, c) for c in STRING_COLUMNS}
                genres = GenresColumn.open(directory, "genres")
            else:
                payload = json.loads((directory / "strings.json").read_bytes().decode("utf-8", "surrogateescape"))
                strings = {c: list(payload[c]) for c in STRING_COLUMNS}
                genres = [tuple(g.split("|")) if g else () for g in payload["genres"]]
            floats = {c: np.load(directory / f"{c}.npy", mmap_mode="r") for c in FLOAT_COLUMNS}
            explicit = np.load(directory / "explicit.npy", mmap_mode="r")
            n = int(meta["n"])
            sizes = {len(v) for v in strings.values()} | {len(genres), len(explicit)} | {len(a) for a in floats.values()}
        except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError) as exc:
            what = (f"{Path(exc.filename).name}: {exc.strerror}" if isinstance(exc, OSError) and exc.filename
                    else f"{type(exc).__name__}: {str(exc)[:120]}")
            raise DamagedCatalogue(directory, what) from exc
        if sizes != {n}:
            raise DamagedCatalogue(directory, f"its parts hold {sorted(sizes)} rows, the manifest says {n}")
        return cls(strings, genres, floats, explicit, meta)


class DamagedCatalogue(NotReady):
    """The saved active catalogue cannot be read (truncated, edited, half-written); importing it again fixes it."""

    def __init__(self, directory: Path, what: str):
        where = os.fsencode(directory).decode("utf-8", "backslashreplace")  # printable even from an odd SEGUE_HOME
        super().__init__(f"The active catalogue in {where} is damaged ({what}). Import it again with "
                         "`segue catalog import PATH` (or `segue catalog demo`); listeners and history are kept.")


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def normalise_name(text: str) -> str:
    """Case-fold, strip accents and punctuation, drop a leading 'the ' and featured artists."""
    import re
    import unicodedata

    s = unicodedata.normalize("NFKD", text or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("&", " and ")
    s = re.sub(r"\s*[\(\[](feat|ft|with)\.?[^\)\]]*[\)\]]", "", s)
    s = re.sub(r"\s+(feat|ft)\.?\s.*$", "", s)
    s = re.sub(r"[^\w\s]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    if s.startswith("the "):
        s = s[4:]
    return s
