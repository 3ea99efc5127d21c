"""Name index for entity extraction: catalogue artists, track titles and album titles, normalised.

`EntityIndex.from_catalogue(cat)` builds plain dicts keyed by `entity_key` (case-folded, accents and
punctuation stripped, apostrophes dropped, '&' read as 'and', a leading 'the' dropped), so that
"Radiohead's" -> "radioheads" and "Iron & Wine" == "iron and wine". Titles are also indexed without
their version suffixes ("Song - Remastered 2011", "Song (feat. X)"). Artist credits are split into
their artists ("A Featuring B", "A, B & C Band"); which artists are credited on which works is kept
compact (`credits.CreditPairs`). It also keeps the words common in titles, which the extractor uses to
tell names from ordinary words. `arrays()` and `from_arrays()` turn an index into numpy arrays and back
(what `catalogue_names` saves at import, so that a new process does not normalise every name again).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

import numpy as np

from assistant.understanding.entities.credits import CreditPairs
from retrieval.derived import pack_lines, unpack_lines

_APOS = re.compile(r"['’`´]")
_NONWORD = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_ACRONYM = re.compile(r"(?<=\b\w)\.(?=\w\b)")  # 'M.O.P.' -> 'MOP.'
_VERSION = re.compile(r"\s+-\s+.*$|\s*[\(\[][^\)\]]*[\)\]]")
_CREDIT_SPLIT = re.compile(r"\s+(?:featuring|feat\.?|ft\.?|with|x|vs\.?|duet with)\s+|\s*[,;/]\s*", re.IGNORECASE)
_AND_SPLIT = re.compile(r"\s+(?:&|and)\s+", re.IGNORECASE)
COMMON_DF = 15  # a word in at least this many catalogue titles/albums counts as an ordinary word
GENRE_WORD_MIN = 4  # a word in at least this many genre terms is a genre word ('rock', 'deep', 'canadian')


def entity_key(text: str) -> str:
    """Normalised form of a name: 'The Beatles’' -> 'beatles', 'Françoise Hardy' -> 'francoise hardy'.

    Unlike `retrieval.tracks.normalise_name` (used by `Vocabulary.find_artist`) it drops apostrophes instead of
    splitting at them ("Radiohead's" -> 'radioheads', which the extractor strips to the artist), joins dotted
    acronyms ('M.O.P.' -> 'mop') and keeps featured credits ('A (feat. B)' -> 'a feat b'): catalogue credits are
    split into artists when the index is built, not by the key."""
    s = text or ""
    if not s.isascii():
        s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = _APOS.sub("", _ACRONYM.sub("", s.casefold().replace("&", " and ")))
    s = " ".join(_NONWORD.sub(" ", s).split())
    return s[4:] if s.startswith("the ") else s


def base_title(title: str) -> str:
    """A title without version suffixes: 'Shine - Kygo Remix' -> 'Shine', 'Latina (feat. Maluma)' -> 'Latina'."""
    return _VERSION.sub("", title or "").strip()


class EntityIndex:
    """Lookup tables for artist names and works (track and album titles) of one catalogue."""

    def __init__(self) -> None:
        self.artists: dict[str, str] = {}  # key -> display name
        self.artist_tracks: Counter[str] = Counter()  # key -> number of tracks credited
        self.titles: dict[str, str] = {}  # key -> display title (without version suffix)
        self.albums: dict[str, str] = {}
        self.pairs = CreditPairs([], [], np.zeros(0, np.int64), np.zeros(0, np.int32))  # (artist key, work key)
        self.common_words: set[str] = set()  # words in at least COMMON_DF titles/albums
        self.genre_terms: set[str] = set()
        self.genre_words: set[str] = set()
        self.max_words = 6
        self._by_length: list[str] = []
        self._lengths: list[int] = []

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_catalogue(cls, catalogue) -> EntityIndex:
        strings = catalogue.strings
        idx = cls.from_rows(strings["artist"], strings["title"], strings.get("album") or [None] * len(catalogue))
        idx.add_genres({g for gs in getattr(catalogue, "genres", ()) for g in gs})
        return idx

    @classmethod
    def from_tracks(cls, tracks: Iterable) -> EntityIndex:
        """From `Track` models (e.g. straight from `retrieval.importers.catalogue.read_catalogue`)."""
        tracks = list(tracks)
        idx = cls.from_rows([t.artist for t in tracks], [t.title for t in tracks], [t.album for t in tracks])
        idx.add_genres({g for t in tracks for g in t.genres})
        return idx

    def add_genres(self, terms: Iterable[str]) -> None:
        """Genre terms ('dream pop'): a span made only of genre words is a genre, not a name."""
        counts: Counter[str] = Counter()
        for term in terms:
            k = entity_key(term)
            if k:
                self.genre_terms.add(k)
                counts.update(k.split())
        self.genre_words = {w for w, n in counts.items() if n >= GENRE_WORD_MIN}

    @classmethod
    def from_rows(cls, artists: Iterable[str | None], titles: Iterable[str | None],
                  albums: Iterable[str | None]) -> EntityIndex:
        idx = cls()
        credits: dict[str, list[str]] = {}
        works: dict[str, tuple[tuple[str, ...], str]] = {}
        pairs: set[tuple[str, str]] = set()
        by_work: dict[str, dict[str, int]] = {}  # work key -> lead artist key -> tracks
        df: Counter[str] = Counter()  # word -> number of titles/albums containing it
        tracks = idx.artist_tracks
        for artist, title, album in zip(artists, titles, albums):
            keys = credits.get(artist) if artist else []
            if keys is None:
                keys = credits[artist] = idx._add_credit(artist)
            for k in keys:
                tracks[k] += 1
            for text, table in ((title, idx.titles), (album, idx.albums)):
                if not text:
                    continue
                hit = works.get(text)
                if hit is None:  # first time this title: its keys, display form and word counts
                    wkeys = idx._work_keys(text)
                    hit = works[text] = (wkeys, base_title(text) or text)
                    df.update(set(" ".join(wkeys).split()))
                wkeys, display = hit
                for wk in wkeys:
                    if wk not in table:
                        table[wk] = display
                    if keys:
                        counts = by_work.get(wk)
                        if counts is None:
                            counts = by_work[wk] = {}
                        counts[keys[0]] = counts.get(keys[0], 0) + 1
                        for k in keys:
                            pairs.add((k, wk))
        idx.common_words = {w for w, n in df.items() if n >= COMMON_DF}
        works_list = [*idx.titles, *(k for k in idx.albums if k not in idx.titles)]
        idx.pairs = CreditPairs.build(idx.artists, works_list, pairs, by_work)
        idx._by_length = sorted(idx.artists, key=len)
        idx._lengths = [len(k) for k in idx._by_length]
        return idx

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as numpy arrays (strings packed by `retrieval.derived.pack_lines`): what `from_arrays` reads."""
        album_at = {k: i for i, k in enumerate(self.albums)}
        works = self.pairs.works
        if works[:len(self.titles)] != list(self.titles) or len(self.pairs.artists) != len(self.artists):
            raise ValueError("credit pairs numbered apart from the index's titles and artists")
        artist_at = {k: i for i, k in enumerate(self.artists)}
        return {
            **pack_lines("artists", list(self.artists)), **pack_lines("artist_names", list(self.artists.values())),
            "artist_tracks": np.array([self.artist_tracks[k] for k in self.artists], dtype=np.int64),
            "artists_by_length": np.array([artist_at[k] for k in self._by_length], dtype=np.int64),
            **pack_lines("titles", list(self.titles)), **pack_lines("title_names", list(self.titles.values())),
            **pack_lines("albums", list(self.albums)), **pack_lines("album_names", list(self.albums.values())),
            "album_works": np.array([album_at[k] for k in works[len(self.titles):]], dtype=np.int64),
            "credit_codes": self.pairs.codes, "credit_leads": self.pairs.leads,
            **pack_lines("common_words", sorted(self.common_words)),
            **pack_lines("genre_terms", sorted(self.genre_terms)), **pack_lines("genre_words", sorted(self.genre_words)),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> EntityIndex:
        """The index `arrays()` gave; ValueError, KeyError or IndexError when the arrays do not fit together."""
        idx = cls()
        artists = unpack_lines(arrays, "artists")
        idx.artists = dict(zip(artists, unpack_lines(arrays, "artist_names"), strict=True))
        dict.update(idx.artist_tracks, zip(artists, arrays["artist_tracks"].tolist(), strict=True))
        titles, albums = unpack_lines(arrays, "titles"), unpack_lines(arrays, "albums")
        idx.titles = dict(zip(titles, unpack_lines(arrays, "title_names"), strict=True))
        idx.albums = dict(zip(albums, unpack_lines(arrays, "album_names"), strict=True))
        if (len(idx.artists), len(idx.titles), len(idx.albums)) != (len(artists), len(titles), len(albums)):
            raise ValueError("saved keys repeat")
        works = titles + [albums[i] for i in arrays["album_works"].tolist()]
        if len(set(works[len(titles):])) != len(works) - len(titles) or any(k in idx.titles for k in works[len(titles):]):
            raise ValueError("saved works repeat")
        idx.pairs = CreditPairs(artists, works, arrays["credit_codes"], arrays["credit_leads"])
        idx.common_words = set(unpack_lines(arrays, "common_words"))
        idx.genre_terms = set(unpack_lines(arrays, "genre_terms"))
        idx.genre_words = set(unpack_lines(arrays, "genre_words"))
        order = arrays["artists_by_length"]
        if not np.array_equal(np.sort(order), np.arange(len(artists))):
            raise ValueError("saved artist order is not a permutation")
        idx._by_length = [artists[i] for i in order.tolist()]
        idx._lengths = [len(k) for k in idx._by_length]
        return idx

    def _add_credit(self, credit: str) -> list[str]:
        """Index the artists of one credit; return their keys (the whole credit first)."""
        keys: list[str] = []
        parts = [credit] + [p for p in _CREDIT_SPLIT.split(credit) if p and p != credit]
        for i, part in enumerate(parts):
            subs = [part]
            if i > 0 or len(parts) == 1:
                subs += [q for q in _AND_SPLIT.split(part) if q != part and len(q.split()) >= 2]
            for name in subs:
                k = entity_key(name)
                if k and k not in keys:
                    self.artists.setdefault(k, name.strip())
                    keys.append(k)
        return keys

    @staticmethod
    def _work_keys(text: str) -> tuple[str, ...]:
        full = entity_key(text)
        if " - " not in text and "(" not in text and "[" not in text:
            return (full,) if full else ()
        base = entity_key(base_title(text))
        return tuple(k for k in dict.fromkeys((base, full)) if k)

    # -- lookups ----------------------------------------------------------------------
    def artist(self, key: str) -> str | None:
        return self.artists.get(key)

    def work(self, key: str) -> tuple[str | None, str]:
        """(display title, 'song'|'album'|'any') of a work key; (None, 'any') when unknown."""
        song, album = self.titles.get(key), self.albums.get(key)
        if song and album:
            return song, "any"
        if song:
            return song, "song"
        return (album, "album") if album else (None, "any")

    def work_artist(self, key: str) -> str | None:
        """The artist most credited with a work key, as displayed."""
        lead = self.pairs.lead_artist(key)
        return self.artists.get(lead) if lead is not None else None

    def is_common(self, word: str) -> bool:
        """An ordinary word: in many catalogue titles (the hand lists are in `wordlists`)."""
        return word in self.common_words

    def fuzzy_artist(self, key: str, min_score: float = 88.0) -> tuple[str | None, float]:
        """Closest artist key by spelling (rapidfuzz ratio on keys) -> (key, score 0..100)."""
        if len(key) < 5:
            return None, 0.0
        from rapidfuzz import fuzz, process

        n, s = len(key), min_score / 100
        spread = (2 - s) / s
        lo = bisect.bisect_left(self._lengths, int(n / spread))
        hi = bisect.bisect_left(self._lengths, int(n * spread) + 1)
        best = process.extractOne(key, self._by_length[lo:hi], scorer=fuzz.ratio, score_cutoff=min_score,
                                  processor=None)
        return (best[0], float(best[1])) if best else (None, 0.0)

