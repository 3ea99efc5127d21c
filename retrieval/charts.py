"""Popularity as listeners mean it, from the catalogue's own facts: hits (a Billboard Hot 100 peak, weeks on the
chart, Spotify popularity), one-hit wonders (an artist's only top-40 song, counting every credit they share), and
deep cuts (never in the top 40, little played).

Nothing here knows the wall clock: "new" and "recent" are read against the catalogue's own latest year elsewhere.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from retrieval.tracks import Catalogue, normalise_name

HIT_PEAK = 40  # a "hit" reached the Hot 100's top 40
TOP_PEAK = 10  # one of the biggest hits reached its top 10
DEEP_POPULARITY = 0.45  # a deep cut is below this Spotify popularity (0..1) when popularity is known
_CREDIT_SPLIT = re.compile(r"\s+(?:featuring|feat\.?|ft\.?|with|x|vs\.?|duet with|a duet with)\s+|\s*[,&/;+]\s*"
                           r"|\s+and\s+", re.I)


def credited_names(artist: str) -> list[str]:
    """Every artist a credit names, normalised: 'Diana Ross & Lionel Richie' -> ['diana ross', 'lionel richie']."""
    names = [normalise_name(p) for p in _CREDIT_SPLIT.split(artist or "")]
    return [n for n in dict.fromkeys(names) if n]


class ChartFacts:
    """Per catalogue row: its Hot 100 peak and weeks (NaN unknown), how much of a hit it is (0..1), whether it is a
    one-hit wonder's hit, and whether it is a deep cut."""

    def __init__(self, catalogue: Catalogue, song_keys: list[str]):
        n = len(catalogue)
        self.peak = np.asarray(catalogue.column("chart_peak"), dtype=np.float64)
        self.weeks = np.asarray(catalogue.column("chart_weeks"), dtype=np.float64)
        pop = np.asarray(catalogue.column("popularity"), dtype=np.float64) / 100.0
        top40 = np.nan_to_num(self.peak, nan=1e9) <= HIT_PEAK
        self.top10 = np.nan_to_num(self.peak, nan=1e9) <= TOP_PEAK
        # hit strength: a #1 with a long run is 1; a #40 with a short one ~0.3; uncharted rows fall back on popularity
        # convex in the peak: a #1 is far more of a hit than a #19 (1.0, 0.55 before the weeks), a #40 is 0.2
        chart = np.where(np.isnan(self.peak), np.nan,
                         0.75 * (1.0 - (np.nan_to_num(self.peak, nan=100.0) - 1) / 99.0) ** 3
                         + 0.25 * np.clip(np.nan_to_num(self.weeks) / 20.0, 0, 1))
        self.hit = np.where(np.isnan(chart), 0.6 * np.nan_to_num(pop, nan=0.0), chart).astype(np.float32)
        self.top40 = top40
        # one-hit wonders: the artist's only top-40 song, counting every credit the artist shares
        hits_of: dict[str, set[str]] = defaultdict(set)
        names_of: list[list[str]] = []
        for i in range(n):
            names = credited_names(catalogue.artists[i])
            names_of.append(names)
            if top40[i]:
                for name in names:
                    hits_of[name].add(song_keys[i] or str(i))
        self.one_hit = np.array([bool(top40[i]) and len(names_of[i]) == 1 and len(hits_of[names_of[i][0]]) == 1
                                 for i in range(n)], dtype=bool)
        self.artist_hits = np.array([max((len(hits_of[x]) for x in names_of[i]), default=0) for i in range(n)],
                                    dtype=np.int32)
        # deep cuts: never a top-40 hit, and not popular where popularity is known
        self.deep = ~top40 & (np.isnan(pop) | (pop < DEEP_POPULARITY))

    FIELDS = ("peak", "weeks", "top10", "hit", "top40", "one_hit", "artist_hits", "deep")

    def arrays(self) -> dict[str, np.ndarray]:
        """Every per-row fact, for `from_arrays` (`retrieval.derived`)."""
        return {f: np.asarray(getattr(self, f)) for f in self.FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ChartFacts:
        self = cls.__new__(cls)
        for f in cls.FIELDS:
            setattr(self, f, arrays[f])
        return self
