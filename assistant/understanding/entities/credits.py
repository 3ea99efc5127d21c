"""Which catalogue artists are credited on which works (track and album titles), kept compact.

`CreditPairs` answers `(artist key, work key) in pairs` and `lead_artist(work key)` like a set of key pairs and a
dict of dicts would, without holding a Python tuple per pair (1.4 million of them at a million tracks): artist and
work keys are numbered in the order the index met them, each pair is one int64 code (artist number x number of
works + work number) in a sorted array, looked up with `np.searchsorted`, and each work keeps the number of its
most credited lead artist (-1: none).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np


class CreditPairs:
    """The (artist key, work key) pairs credited together, and each work's most credited lead artist."""

    def __init__(self, artists: list[str], works: list[str], codes: np.ndarray, leads: np.ndarray):
        """`artists` and `works`: distinct keys, numbered by position; `codes`: sorted unique int64 pair codes;
        `leads`: per work, the number of its lead artist or -1. ValueError when they do not fit together. The keys'
        numbers are looked up through dicts made on the first lookup (a request that names nothing needs none)."""
        self.artists = artists
        self.works = works
        self.codes = np.asarray(codes, dtype=np.int64)
        self.leads = np.asarray(leads, dtype=np.int32)
        span = len(artists) * len(works)
        if (len(self.leads) != len(works) or self.codes.ndim != 1
                or len(self.codes) and (self.codes[0] < 0 or self.codes[-1] >= span or np.any(np.diff(self.codes) <= 0))
                or len(self.leads) and (self.leads.min() < -1 or self.leads.max() >= len(artists))):
            raise ValueError("credit pairs that do not fit their keys")
        self._ids: tuple[dict[str, int], dict[str, int]] | None = None

    @classmethod
    def build(cls, artists: Iterable[str], works: Iterable[str], pairs: Iterable[tuple[str, str]],
              lead_counts: Mapping[str, Mapping[str, int]]) -> CreditPairs:
        """From the artist and work keys (in order), the credited pairs, and per work key the tracks of each lead
        artist key; the lead of a work is the artist with most tracks, the first met on a tie."""
        artists, works = list(artists), list(works)
        artist_ids = dict(zip(artists, range(len(artists))))
        work_ids = dict(zip(works, range(len(works))))
        if len(artist_ids) != len(artists) or len(work_ids) != len(works):
            raise ValueError("credit pairs over repeated keys")
        n = len(works)
        codes = np.unique(np.fromiter((artist_ids[a] * n + work_ids[w] for a, w in pairs), dtype=np.int64))
        leads = np.full(n, -1, dtype=np.int32)
        for work, counts in lead_counts.items():
            if counts:
                leads[work_ids[work]] = artist_ids[max(counts, key=counts.__getitem__)]
        made = cls(artists, works, codes, leads)
        made._ids = (artist_ids, work_ids)
        return made

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        artist_ids, work_ids = self.ids()
        a, w = artist_ids.get(pair[0]), work_ids.get(pair[1])
        if a is None or w is None:
            return False
        code = a * len(self.works) + w
        i = int(np.searchsorted(self.codes, code))
        return i < len(self.codes) and int(self.codes[i]) == code

    def __iter__(self) -> Iterator[tuple[str, str]]:
        n = len(self.works)
        for code in self.codes.tolist():
            yield self.artists[code // n], self.works[code % n]

    def __len__(self) -> int:
        return len(self.codes)

    def ids(self) -> tuple[dict[str, int], dict[str, int]]:
        """The number of each artist key and of each work key."""
        if self._ids is None:
            self._ids = (dict(zip(self.artists, range(len(self.artists)))), dict(zip(self.works, range(len(self.works)))))
        return self._ids

    def lead_artist(self, work: str) -> str | None:
        """The key of the artist most credited as the lead of `work`, or None (an unknown work, or no credit)."""
        w = self.ids()[1].get(work)
        a = int(self.leads[w]) if w is not None else -1
        return self.artists[a] if a >= 0 else None
