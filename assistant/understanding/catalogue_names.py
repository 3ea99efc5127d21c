"""A catalogue's artists and titles in the form `Vocabulary` compares names in (`retrieval.tracks.normalise_name`).

`CatalogueNames.build(artists, titles)` normalises every name once: each normalised artist name with the display
name most tracks use (ties: the first by name) and its track count, the artists ordered by length for fuzzy
lookups, and the set of normalised titles. `arrays()` and `from_arrays()` turn them into numpy arrays and back
(what `saved_vocabulary` saves at import), adding the names whose words the loose reading compares are not their
plain words (`name_spelling.name_words` leaves initials out), so that a new process normalises nothing. Loaded,
the set of titles is made on first use (few requests ask whether words are a title).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from assistant.understanding.name_spelling import name_words
from retrieval.derived import pack_lines, unpack_lines
from retrieval.tracks import normalise_name


class CatalogueNames:
    """Normalised artist names (-> display name, -> track count, by length) and normalised titles of a catalogue."""

    def __init__(self, artist_by_norm: dict[str, str], tracks_by_norm: Counter[str], titles: Iterable[str],
                 by_length: list[str], special_words: dict[str, tuple[str, ...]] | None = None):
        """`titles`: a set, or any iterable of distinct titles, made a set on first use."""
        self.artist_by_norm = artist_by_norm  # normalised name -> display name; most tracks first
        self.tracks_by_norm = tracks_by_norm  # normalised name -> tracks credited to the names it stands for
        self.by_length = by_length  # the normalised names by (length, name)
        # normalised name -> its `name_words`, for the names whose words are not `norm.split()` (None: not computed)
        self.special_words = special_words
        self._titles = titles

    @property
    def titles(self) -> set[str]:
        """The normalised titles of the catalogue's tracks."""
        if not isinstance(self._titles, set):
            self._titles = set(self._titles)
        return self._titles

    @classmethod
    def build(cls, artists: Iterable[str | None], titles: Iterable[str | None] | None = None) -> CatalogueNames:
        """From a catalogue's artist and title per track (a name given n times counts n)."""
        counts = Counter(a for a in artists if a and a.strip())
        artist_by_norm: dict[str, str] = {}
        tracks_by_norm: Counter[str] = Counter()
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            norm = normalise_name(name)
            artist_by_norm.setdefault(norm, name)
            tracks_by_norm[norm] += n
        artist_by_norm.pop("", None)
        normalised = {normalise_name(t) for t in (titles or []) if t}
        normalised.discard("")
        return cls(artist_by_norm, tracks_by_norm, normalised, sorted(artist_by_norm, key=lambda x: (len(x), x)))

    def words_of(self, norm: str) -> tuple[str, ...]:
        """The words the loose reading compares for a normalised artist name: `name_spelling.name_words`, as saved
        when the names were loaded."""
        if self.special_words is None:
            return name_words(norm)
        words = self.special_words.get(norm)
        return words if words is not None else tuple(norm.split())

    def arrays(self) -> dict[str, np.ndarray]:
        """The names as numpy arrays (strings packed by `retrieval.derived.pack_lines`): what `from_arrays` reads."""
        norms = list(self.tracks_by_norm)  # every normalised name, '' included, in the order they were met
        position = {norm: i for i, norm in enumerate(norms)}
        if self.special_words is None:
            self.special_words = {n: w for n in self.artist_by_norm if (w := name_words(n)) != tuple(n.split())}
        special = self.special_words
        return {
            **pack_lines("norms", norms),
            **pack_lines("artist_names", [self.artist_by_norm.get(n, "") for n in norms]),
            "tracks": np.array([self.tracks_by_norm[n] for n in norms], dtype=np.int64),
            "by_length": np.array([position[n] for n in self.by_length], dtype=np.int64),
            "special": np.array([position[n] for n in special], dtype=np.int64),
            **pack_lines("special_words", [" ".join(w) for w in special.values()]),
            **pack_lines("titles", sorted(self.titles)),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> CatalogueNames:
        """The names `arrays()` gave; ValueError, KeyError or IndexError when the arrays do not fit together."""
        norms = unpack_lines(arrays, "norms")
        artist_by_norm = dict(zip(norms, unpack_lines(arrays, "artist_names"), strict=True))
        tracks_by_norm: Counter[str] = Counter()
        dict.update(tracks_by_norm, zip(norms, arrays["tracks"].tolist(), strict=True))
        if len(tracks_by_norm) != len(norms):
            raise ValueError("saved names repeat")
        artist_by_norm.pop("", None)  # as `build` does: a name of punctuation alone names no artist
        by_length = [norms[i] for i in arrays["by_length"].tolist()]
        if len(by_length) != len(artist_by_norm) or set(by_length) != artist_by_norm.keys():
            raise ValueError("saved artist order does not fit the names")
        special = {norms[i]: tuple(w.split()) for i, w in
                   zip(arrays["special"].tolist(), unpack_lines(arrays, "special_words"), strict=True)}
        return cls(artist_by_norm, tracks_by_norm, unpack_lines(arrays, "titles"), by_length, special)
