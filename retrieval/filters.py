"""Hard filters as a plain spec, turned into a boolean mask over catalogue rows.

`retrieval` does not know the assistant's `Constraints`; the assistant translates them into a
`FilterSpec`. Unknown values never pass a bound they cannot be shown to meet (a track of
unknown year is not "from the 90s"), except that a known decade wholly inside a year range counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import numpy as np

from retrieval.tracks import Catalogue


@dataclass(frozen=True)
class FilterSpec:
    year_min: float | None = None
    year_max: float | None = None
    tempo_min: float | None = None
    tempo_max: float | None = None
    duration_min_ms: float | None = None
    duration_max_ms: float | None = None
    explicit: str = "allow"  # allow | exclude | only
    exclude_artists: frozenset[str] = field(default_factory=frozenset)  # case-folded names
    include_artists: frozenset[str] = field(default_factory=frozenset)  # case-folded names; empty = any
    exclude_rows: frozenset[int] = field(default_factory=frozenset)
    exclude_genres: frozenset[str] = field(default_factory=frozenset)
    require_duration: bool = False  # when the length is in minutes, unknown durations cannot be counted


def _bounded(values: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    ok = ~np.isnan(values)
    if lo is not None:
        ok &= values >= lo
    if hi is not None:
        ok &= values <= hi
    return ok


def year_mask(catalogue: Catalogue, lo: float | None, hi: float | None) -> np.ndarray:
    """Rows whose year is in range, or whose year is unknown but whose whole decade is in range."""
    year = np.asarray(catalogue.column("year"))
    decade = np.asarray(catalogue.column("decade"))
    ok = _bounded(year, lo, hi)
    by_decade = np.isnan(year) & ~np.isnan(decade)
    if lo is not None:
        by_decade &= decade >= lo
    if hi is not None:
        by_decade &= decade + 9 <= hi
    return ok | by_decade


def artist_mask(catalogue: Catalogue, names: frozenset[str]) -> np.ndarray:
    """Rows whose artist (case-folded) is one of `names`."""
    code_of = artist_code_index(catalogue)
    wanted = [code_of[a] for a in names if a in code_of]
    if not wanted:
        return np.zeros(len(catalogue), dtype=bool)
    return np.isin(catalogue.artist_codes, np.asarray(wanted, dtype=np.int32))


def artist_code_index(catalogue: Catalogue) -> dict[str, int]:
    """Case-folded artist name -> artist code (cached on the catalogue)."""
    cached = getattr(catalogue, "_artist_code_of", None)
    if cached is None:
        codes = catalogue.artist_codes
        cached = {}
        for i, a in enumerate(catalogue.artists):
            cached.setdefault(a.casefold(), int(codes[i]))
        catalogue._artist_code_of = cached  # type: ignore[attr-defined]
    return cached


def genre_rows(catalogue: Catalogue, terms: frozenset[str]) -> np.ndarray:
    """Rows carrying any of the genre tags in `terms` (exact tags)."""
    return np.fromiter((bool(terms.intersection(g)) for g in catalogue.genres), dtype=bool, count=len(catalogue))


_PROFANE = re.compile(r"\b(?:fuck\w*|motherf\w*|shit\w*|bullshit|bitch\w*|cunt\w*|pussy|dick|cock|whore\w*|hoes?|"
                      r"nigg\w*|fag\w*|asshole\w*|bastard\w*|damn|goddamn|dumbass|slut\w*|twat)\b", re.IGNORECASE)
_PROFANE_ROWS: WeakKeyDictionary[Catalogue, np.ndarray] = WeakKeyDictionary()


def profane_rows(catalogue: Catalogue) -> np.ndarray:
    """Rows whose title or album carries a swear word (computed once per catalogue)."""
    rows = _PROFANE_ROWS.get(catalogue)
    if rows is None:
        albums = catalogue.strings.get("album") or [""] * len(catalogue)
        rows = np.fromiter((bool(_PROFANE.search(f"{t} {a or ''}")) for t, a in zip(catalogue.titles, albums)),
                           dtype=bool, count=len(catalogue))
        _PROFANE_ROWS[catalogue] = rows
    return rows


def allowed_mask(catalogue: Catalogue, spec: FilterSpec) -> np.ndarray:
    """Boolean mask of rows that pass every hard filter in `spec`."""
    n = len(catalogue)
    ok = np.ones(n, dtype=bool)
    if spec.year_min is not None or spec.year_max is not None:
        ok &= year_mask(catalogue, spec.year_min, spec.year_max)
    if spec.tempo_min is not None or spec.tempo_max is not None:
        ok &= _bounded(np.asarray(catalogue.column("tempo")), spec.tempo_min, spec.tempo_max)
    duration = np.asarray(catalogue.column("duration_ms"))
    if spec.duration_min_ms is not None or spec.duration_max_ms is not None:
        ok &= _bounded(duration, spec.duration_min_ms, spec.duration_max_ms)
    if spec.require_duration:
        ok &= ~np.isnan(duration)
    explicit = np.asarray(catalogue.explicit)
    if spec.explicit == "exclude":
        ok &= explicit != 1  # unknown counts as clean only if not flagged; reported by the check
        ok &= ~profane_rows(catalogue)  # where the flag is unknown, a swear word in the title or album is evidence
    elif spec.explicit == "only":
        ok &= explicit == 1
    if spec.include_artists:
        ok &= artist_mask(catalogue, spec.include_artists)
    if spec.exclude_artists:
        ok &= ~artist_mask(catalogue, spec.exclude_artists)
    if spec.exclude_genres:
        ok &= ~genre_rows(catalogue, spec.exclude_genres)
    if spec.exclude_rows:
        ok[np.fromiter(spec.exclude_rows, dtype=np.int64, count=len(spec.exclude_rows))] = False
    return ok
