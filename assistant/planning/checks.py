"""Constraint checking: a pure function from (constraints, chosen tracks, pool facts) to a report.

Every hard constraint becomes one `Check` with a reason a person can act on (`check_constraints`). `PoolFacts`
says what the catalogue could offer, so a shortfall is explained ("only 22 of 30 minutes ... exist");
`pool_facts` computes them from the library and the rows that pass the hard filters.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.model.constraints import Check, Constraints, Report
from retrieval.filters import artist_code_index
from retrieval.library import Library
from retrieval.tracks import Track

__all__ = ["LENGTH_TOLERANCE", "PoolFacts", "check_constraints", "check_length", "missing_artists", "pool_facts"]

LENGTH_TOLERANCE = 0.05


class PoolFacts(BaseModel):
    """What the catalogue offers under the hard filters (computed by the planner)."""

    model_config = ConfigDict(extra="forbid")

    catalogue_tracks: int = Field(description="Tracks in the catalogue")
    allowed_tracks: int = Field(description="Tracks passing every hard filter")
    allowed_minutes: float = Field(description="Their total length in minutes")
    allowed_artists: int = Field(default=0, description="Distinct artists among them")
    year_span: tuple[int, int] | None = Field(default=None, description="Earliest and latest known year in the catalogue")
    missing_artists: list[str] = Field(default_factory=list, description="Requested artists not in the catalogue")
    missing_works: list[str] = Field(default_factory=list, description="Songs or albums asked for but not in the catalogue")
    description: str = Field(default="tracks", description="Words for the pool, e.g. '1990s rock'")
    unknown_name: str | None = Field(default=None, description="A name-like request that matches nothing in the "
                                     "catalogue (no artist, title, album or tag has its words)")


def missing_artists(library: Library, names: list[str]) -> list[str]:
    """The names among `names` that no artist of the catalogue has (case-insensitive)."""
    code_of = artist_code_index(library.catalogue)
    return [n for n in names if n.casefold() not in code_of]


def _describe_pool(c: Constraints) -> str:
    """Words for the tracks the hard filters allow: 'tracks of 1990s rock'."""
    bits = []
    if c.years:
        lo, hi = c.years.min, c.years.max
        if lo is not None and hi is not None and hi - lo == 9 and lo % 10 == 0:
            bits.append(f"{int(lo)}s")
        else:
            bits.append(f"{c.years.describe()}")
    bits += c.genres[:2]
    if c.include_artists:
        bits.append("by " + ", ".join(c.include_artists))
    return ("tracks of " + " ".join(bits)) if bits else "tracks passing these filters"


def pool_facts(library: Library, c: Constraints, allowed: np.ndarray, missing: list[str],
               missing_works: list[str], unknown_name: str | None = None) -> PoolFacts:
    """What the catalogue offers under `c`'s hard filters (`allowed`: a boolean mask over its rows)."""
    cat = library.catalogue
    dur = np.asarray(cat.column("duration_ms"))[allowed]
    return PoolFacts(
        catalogue_tracks=len(cat),
        allowed_tracks=int(allowed.sum()),
        allowed_minutes=float(np.nansum(dur) / 60000),
        allowed_artists=int(np.count_nonzero(np.bincount(cat.artist_codes[allowed]))),  # codes are 0..artists-1
        year_span=library.year_span(),
        missing_artists=missing,
        missing_works=missing_works,
        unknown_name=unknown_name,
        description=_describe_pool(c),
    )


def _minutes(ms: int) -> float:
    return ms / 60000


def check_length(c: Constraints, tracks: list[Track], pool: PoolFacts, cap: int | None) -> Check:
    total = _minutes(sum(t.duration_ms or 0 for t in tracks))
    why_short = _shortfall_reason(pool, cap)
    if c.length.minutes is not None:
        want = c.length.minutes
        ok = abs(total - want) <= want * LENGTH_TOLERANCE
        detail = f"{total:.1f} of {want:g} minutes (within ±{LENGTH_TOLERANCE:.0%})" if ok else f"{total:.1f} of {want:g} minutes"
        if not ok and total < want:
            detail += f": {why_short}"
        return Check(constraint=f"length {want:g} minutes", satisfied=ok, detail=detail)
    want_n = c.length.tracks or 0
    ok = len(tracks) == want_n
    detail = f"{len(tracks)} of {want_n} tracks"
    if not ok:
        detail += f": {why_short}"
    return Check(constraint=f"length {want_n} tracks", satisfied=ok, detail=detail)


def _shortfall_reason(pool: PoolFacts, cap: int | None) -> str:
    if pool.allowed_tracks == 0:
        return f"no {pool.description} exist in this catalogue"
    text = (
        f"only {pool.allowed_tracks} {pool.description} ({pool.allowed_minutes:.0f} minutes, "
        f"{pool.allowed_artists} artists) exist in this catalogue"
    )
    if cap:
        text += f"; with at most {cap} per artist that allows {min(pool.allowed_tracks, cap * pool.allowed_artists)} tracks"
    return text + "; loosen a constraint to get more"


def _all(tracks: list[Track], pred, label: str, constraint: str, hint: str) -> Check:
    bad = [t for t in tracks if not pred(t)]
    if not bad:
        return Check(constraint=constraint, satisfied=True, detail=f"all {len(tracks)} tracks {label}")
    names = ", ".join(f"{t.artist} - {t.title}" for t in bad[:3])
    return Check(constraint=constraint, satisfied=False, detail=f"{len(bad)} tracks are not {label} ({names}); {hint}")


def check_constraints(c: Constraints, tracks: list[Track], pool: PoolFacts, cap: int | None = None) -> Report:
    """Check every hard constraint in `c` against `tracks`; `cap` is the per-artist cap in force."""
    checks: list[Check] = []
    if pool.unknown_name:
        checks.append(Check(constraint=f"'{pool.unknown_name}'", satisfied=False,
                            detail=f"nothing in this catalogue is called '{pool.unknown_name}' (no artist, title, album "
                                   "or genre has these words): if it is an artist, check the spelling or import a "
                                   "catalogue that has them; the tracks here only fit the rest of the request"))
    if c.years is not None:
        span = pool.year_span
        constraint = f"years {c.years.describe()}"

        def in_years(t: Track) -> bool:
            if t.year is not None:
                return c.years.contains(t.year)
            return t.decade is not None and c.years.contains(t.decade) and c.years.contains(t.decade + 9)

        if not tracks and pool.allowed_tracks == 0 and span:
            checks.append(Check(constraint=constraint, satisfied=False,
                                detail=f"no tracks from {c.years.describe()} in this catalogue (it spans {span[0]}-{span[1]})"))
        else:
            checks.append(_all(tracks, in_years, f"from {c.years.describe()}", constraint, "this is a bug; please report it"))
    if c.tempo is not None:
        checks.append(_all(tracks, lambda t: c.tempo.contains(t.tempo), f"at {c.tempo.describe('BPM')}",
                           f"tempo {c.tempo.describe('BPM')}", "this is a bug; please report it"))
    if c.track_minutes is not None:
        checks.append(_all(tracks, lambda t: t.duration_ms is not None and c.track_minutes.contains(t.duration_ms / 60000),
                           f"{c.track_minutes.describe('minutes')} long", f"track length {c.track_minutes.describe('minutes')}",
                           "this is a bug; please report it"))
    if c.explicit == "exclude":
        flagged = [t for t in tracks if t.explicit]
        unknown = sum(1 for t in tracks if t.explicit is None)
        detail = "no track is flagged explicit"
        if unknown:
            detail += f" ({unknown} have no explicit flag in this catalogue)"
        if flagged:
            detail = f"{len(flagged)} tracks are flagged explicit"
        checks.append(Check(constraint="clean (no explicit tracks)", satisfied=not flagged, detail=detail))
    elif c.explicit == "only":
        checks.append(_all(tracks, lambda t: t.explicit is True, "flagged explicit", "explicit only", "this is a bug"))
    if c.exclude_artists:
        banned = {a.casefold() for a in c.exclude_artists}
        checks.append(_all(tracks, lambda t: t.artist.casefold() not in banned, f"by someone other than {', '.join(c.exclude_artists)}",
                           f"no {', '.join(c.exclude_artists)}", "this is a bug; please report it"))
    if c.exclude_tracks:
        ids = set(c.exclude_tracks)
        checks.append(_all(tracks, lambda t: t.track_id not in ids, "outside the excluded tracks",
                           f"exclude {len(ids)} tracks", "this is a bug; please report it"))
    if c.exclude_genres:
        banned_g = set(c.exclude_genres)
        checks.append(_all(tracks, lambda t: not banned_g.intersection(t.genres), f"free of {', '.join(c.exclude_genres)}",
                           f"no {', '.join(c.exclude_genres)}", "this is a bug; please report it"))
    if c.include_artists:
        wanted = {a.casefold() for a in c.include_artists}
        constraint = f"only {', '.join(c.include_artists)}"
        if pool.missing_artists and not tracks:
            checks.append(Check(constraint=constraint, satisfied=False,
                                detail=f"{', '.join(pool.missing_artists)} is not in this catalogue; check the spelling or import a catalogue that has them"))
        else:
            chk = _all(tracks, lambda t: t.artist.casefold() in wanted, f"by {', '.join(c.include_artists)}", constraint, "this is a bug")
            if pool.missing_artists:
                chk = Check(constraint=constraint, satisfied=False,
                            detail=f"{', '.join(pool.missing_artists)} not in this catalogue; {chk.detail}")
            checks.append(chk)
    if c.include_tracks or pool.missing_works:
        have = {t.track_id for t in tracks}
        lost = [t for t in c.include_tracks if t not in have]
        bits = []
        if pool.missing_works:
            bits.append(f"not in this catalogue: {', '.join(pool.missing_works)}")
        if lost:
            bits.append(f"{len(lost)} requested track(s) could not be placed (they break another constraint, "
                        "or the length or per-artist cap left no room)")
        n = len(c.include_tracks) + len(pool.missing_works)
        checks.append(Check(constraint=f"include {n} requested song{'s' if n != 1 else ''}", satisfied=not bits,
                            detail="; ".join(bits) if bits else f"all {len(c.include_tracks)} are in the playlist"))
    if cap is not None:
        counts = Counter(t.artist.casefold() for t in tracks)
        worst = max(counts.values(), default=0)
        constraint = f"at most {cap} per artist"
        ok = worst <= cap
        detail = f"the most by one artist is {worst}" if tracks else "no tracks"
        if c.max_per_artist is not None or not ok:
            checks.append(Check(constraint=constraint, satisfied=ok, detail=detail))
    checks.append(check_length(c, tracks, pool, cap))
    return Report(satisfied=all(ch.satisfied for ch in checks), checks=checks)
