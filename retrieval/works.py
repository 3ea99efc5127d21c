"""Songs and albums by name: a title index over the catalogue, so "Kid A" or "Heroes by David Bowie" find rows.

Titles are compared through `normalise_name` after dropping version suffixes ("- Remastered 2011",
"(Live)", "[Collector's Edition]"), so one song's several releases are found together.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from retrieval.tracks import Catalogue, normalise_name

_VERSION = re.compile(r"\s+-\s+.*$|\s*[\(\[][^\)\]]*(?:remaster|live|version|edition|mix|edit|mono|stereo|deluxe|"
                      r"anniversary|expanded|bonus|demo|acoustic)[^\)\]]*[\)\]]", re.IGNORECASE)


_ANY_BRACKETS = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_DASH_SUFFIX = re.compile(r"\s+[-\u2013\u2014]\s+.*$")
_CREDIT_SPLIT = re.compile(r"\s+(?:featuring|feat\.?|ft\.?|with|x|vs\.?)\s+|\s*[,&/;+]\s*|\s+and\s+", re.IGNORECASE)


def title_key(title: str) -> str:
    """Comparable form of a song or album title: version suffixes dropped, then `normalise_name`."""
    return normalise_name(_VERSION.sub("", title or "")) or normalise_name(title or "")


def song_identity(artist: str, title: str) -> str:
    """One key per song of one artist, whatever the release: every bracketed part and dash suffix of the title goes
    ('Electric Relaxation (Relax Yourself Girl)', '- Remastered 2009', '(feat. X)', '[Live]'), and only the first
    credited artist counts ('Nat King Cole & Orchestra'). Two versions of a song share it; covers by others do not."""
    bare = normalise_name(_DASH_SUFFIX.sub("", _ANY_BRACKETS.sub("", title or ""))) or title_key(title)
    first = _CREDIT_SPLIT.split(artist or "", maxsplit=1)[0]
    return f"{normalise_name(first) or normalise_name(artist or '')}|{bare}"


class WorkIndex:
    """Rows by song title and by album title."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.songs: dict[str, list[int]] = defaultdict(list)
        self.albums: dict[str, list[int]] = defaultdict(list)
        self.song_keys: list[str] = [""] * len(catalogue)  # row -> its title key
        for i, t in enumerate(catalogue.titles):
            if t:
                key = title_key(t)
                self.songs[key].append(i)
                self.song_keys[i] = key
        self.album_keys: list[str] = [""] * len(catalogue)  # row -> its album's title key
        for i, a in enumerate(catalogue.strings.get("album") or []):
            if a:
                key = title_key(a)
                self.albums[key].append(i)
                self.album_keys[i] = key
        self.song_key_array = np.asarray(self.song_keys, dtype=object)  # the same, indexable by an array of rows
        # row -> one integer per song (artist and bare title): every release of a song shares it
        ids: dict[str, int] = {}
        self.song_ids = np.fromiter((ids.setdefault(song_identity(a, t), len(ids)) if t else -1 - i
                                     for i, (a, t) in enumerate(zip(catalogue.artists, catalogue.titles))),
                                    dtype=np.int64, count=len(catalogue))
        self.first_year = self._first_years()

    def arrays(self) -> dict[str, np.ndarray]:
        """What `from_arrays` needs to make this index again without normalising a title (`retrieval.derived`)."""
        from retrieval.derived import pack_strings

        return {**pack_strings("song_keys", self.song_keys), **pack_strings("album_keys", self.album_keys),
                "song_ids": self.song_ids, "first_year": self.first_year}

    @classmethod
    def from_arrays(cls, catalogue: Catalogue, arrays: dict[str, np.ndarray]) -> WorkIndex:
        """The index `arrays()` saved, for the same catalogue: the same keys, rows and years as building it."""
        from retrieval.derived import unpack_strings

        self = cls.__new__(cls)
        self.catalogue = catalogue
        self.song_keys = unpack_strings(arrays, "song_keys")
        self.album_keys = unpack_strings(arrays, "album_keys")
        self.songs = defaultdict(list)
        self.albums = defaultdict(list)
        for i, t in enumerate(catalogue.titles):
            if t:
                self.songs[self.song_keys[i]].append(i)
        for i, a in enumerate(catalogue.strings.get("album") or []):
            if a:
                self.albums[self.album_keys[i]].append(i)
        self.song_key_array = np.asarray(self.song_keys, dtype=object)
        self.song_ids = np.asarray(arrays["song_ids"], dtype=np.int64)
        self.first_year = np.asarray(arrays["first_year"], dtype=np.float64)
        return self

    def _first_years(self) -> np.ndarray:
        """Per row, the earliest year known for its song: its own year, its first Hot 100 week, and those of the
        artist's other releases of it ('Magic Carpet Ride' on a 1998 compilation is a 1968 song). NaN unknown."""
        cat = self.catalogue
        years = np.asarray(cat.column("year"), dtype=np.float64).copy()
        debut = cat.strings.get("chart_debut") or [None] * len(cat)
        for i, d in enumerate(debut):
            if d and d[:4].isdigit():
                years[i] = min(years[i], float(d[:4])) if not np.isnan(years[i]) else float(d[:4])
        first: dict[tuple[int, str], float] = {}
        codes = cat.artist_codes
        for i, key in enumerate(self.song_keys):
            if key and not np.isnan(years[i]):
                k = (int(codes[i]), key)
                first[k] = min(first.get(k, years[i]), years[i])
        out = years.copy()
        for i, key in enumerate(self.song_keys):
            if key:
                out[i] = first.get((int(codes[i]), key), out[i])
        return out

    def find(self, title: str, artist: str | None = None, kind: str = "any") -> list[int]:
        """Rows of the song or album called `title` (by `artist` when given): songs first, best known first."""
        key = title_key(title)
        if not key:
            return []
        rows: list[int] = []
        if kind in ("song", "any"):
            rows += self.songs.get(key, [])
        if kind in ("album", "any"):
            rows += [r for r in self.albums.get(key, []) if r not in set(rows)]
        if artist:
            want = normalise_name(artist)
            rows = [r for r in rows if normalise_name(self.catalogue.artists[r]) == want]
        if not rows:
            return []
        pop = np.nan_to_num(np.asarray(self.catalogue.column("popularity"))[rows], nan=-1.0)
        return [rows[i] for i in np.argsort(-pop, kind="stable")]
