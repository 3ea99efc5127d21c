"""What a request means on this catalogue, beyond its hard filters: eras, popularity kinds, covers, occasions,
and how far the listener's own taste may reach. Pure functions over the library and the constraints.

- **Eras** are read against the catalogue's own dates, never the wall clock: "new" is its last few years of
  releases; "newer" / "older" than the seeds is after (before) most of the seed artists' and works' years.
- **Popularity kinds** come from the catalogue's chart facts (`retrieval.charts`): hits rank by chart peak and run;
  one-hit wonders are an artist's only top-40 song; deep cuts never made the top 40 and are little played, and
  for a listener they are songs they have not played.
- **Covers of X**: songs X recorded, as recorded by others (the works index).
- **Concepts** (occasions, moods, activities, scenes) bring feature ranges, genre families that fit or do not, and
  for some occasions the words their songs' titles carry ('christmas': santa, sleigh, jingle). The artists and
  tracks the listener names say what the occasion means to them: each range widens to hold their middle 80%
  ("study music, some Khalid" keeps Khalid and the singers like him, not only instrumentals), and a family the
  occasion avoids is not avoided when they carry it.
- **The request bounds the listener's taste**: their own artists may fill at most the share of their plays that
  fits the request (at least `OWN_SHARE_FLOOR`), unless they asked for their favourites; "new to me" and deep
  cuts leave out songs they have played.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.model.constraints import Constraints, Range
from assistant.understanding import merged_profile, seasonal_cues
from retrieval.filters import artist_code_index
from retrieval.library import Library
from retrieval.taste import TasteProfile

NEW_YEARS = 3  # "new music": the catalogue's last three years of releases
MIN_KIND = 6  # fewer rows than this of an asked-for kind (deep cuts, hits) and the others fill in
TOP_HITS_DISCOVERY = 0.05  # 'biggest hits', 'chart-toppers': the parser's lowest discovery
OWN_SHARE_FLOOR = 0.2  # own artists may always fill this share, however far the request is from the history
RANGE_PENALTY = 1.5  # x spread, for a track at the far end of a feature range (the occasion's feel)
FAMILY_BONUS = 0.35  # x spread, for a track of a genre family that fits the occasion
AVOID_PENALTY = 1.0  # x spread, for a track of a family to avoid ("less grunge", no metal at a funeral)
HIT_BONUS = 1.5  # x spread x hit strength, when hits are asked for
DOUBT_PENALTY = 1.0  # x spread, for a doubtful date when years are asked for
REFERENCE_SPAN = 0.8  # the share of the named references' values a feature range widens to hold
REFERENCE_FAMILY = 0.25  # a family to avoid that this share of the named references carry is no longer avoided
SEASONAL_PENALTY = 1.0  # x spread, for a holiday song in a request that is not about that holiday
_WORD = re.compile(r"[^\W_]+")


# -- the concept inventory, as planning needs it ---------------------------------------------------------------
def concept_families(c: Constraints) -> tuple[list[str], list[str]]:
    """Genre families that fit the request's concepts, and words the titles of their songs carry."""
    if not c.concepts:
        return [], []
    profile = merged_profile(c.concepts)
    return profile.fits, profile.cues


# -- eras ---------------------------------------------------------------------------------------------------------
def latest_year(library: Library) -> int | None:
    """The catalogue's latest year of releases, robust to a stray future date: the 99.5th percentile of years."""
    years = np.asarray(library.catalogue.column("year"), dtype=np.float64)
    known = years[~np.isnan(years)]
    return int(np.percentile(known, 99.5)) if known.size else None


def seed_rows(library: Library, c: Constraints, work_rows: list[int]) -> np.ndarray:
    """Catalogue rows of the seed artists, plus the rows of named seed works."""
    return _artist_rows(library, c.seed_artists, work_rows)


def reference_rows(library: Library, c: Constraints, track_rows: list[int]) -> np.ndarray:
    """Catalogue rows of what the listener named as references: the named artists (seed and only-these) and the
    named or liked seed tracks (`track_rows`; not the tracks a refill keeps: the listener may have asked for less
    of their sound)."""
    return _artist_rows(library, c.seed_artists + c.include_artists, track_rows)


def _artist_rows(library: Library, names: list[str], extra: list[int]) -> np.ndarray:
    """Rows by the named artists (`artists_mask`), joined with `extra` rows."""
    mask = artists_mask(library, names)
    rows = np.flatnonzero(mask) if mask is not None else np.zeros(0, np.int64)
    return np.union1d(rows, np.asarray(extra, dtype=np.int64))


def yield_to_references(library: Library, c: Constraints, rows: np.ndarray) -> Constraints:
    """`c` made to hold what the listener named (`rows`, see `reference_rows`): each feature range widened to the
    middle `REFERENCE_SPAN` of the references' own values, and the genre families to avoid that the references
    carry (in at least `REFERENCE_FAMILY` of their rows) no longer avoided ('pump me up while cooking' avoids metal
    until the listener names Metallica). Unchanged without references."""
    if not len(rows) or not (c.feature_ranges.items() or c.avoid_genres):
        return c
    lo_q, hi_q = (1 - REFERENCE_SPAN) / 2, (1 + REFERENCE_SPAN) / 2
    wider = {}
    for name, r in c.feature_ranges.items():
        v = np.asarray(library.catalogue.column(name)[rows], dtype=np.float64)
        v = v[~np.isnan(v)]
        if not v.size:
            continue
        lo, hi = float(np.quantile(v, lo_q)), float(np.quantile(v, hi_q))
        wider[name] = Range(min=None if r.min is None else round(min(r.min, lo), 3),
                            max=None if r.max is None else round(max(r.max, hi), 3))
    avoid = [g for g in c.avoid_genres if family_mask(library, [g], rows).mean() < REFERENCE_FAMILY]
    return c.model_copy(update={"feature_ranges": c.feature_ranges.model_copy(update=wider), "avoid_genres": avoid})


def resolve_era(library: Library, c: Constraints, work_rows: list[int] | None = None) -> Constraints:
    """`era` made into years on this catalogue (a note says how); unchanged when there is nothing to read it by."""
    if c.era == "any":
        return c
    lo, hi = (c.years.min, c.years.max) if c.years else (None, None)
    if c.era == "new":
        latest = latest_year(library)
        if latest is None:
            return c
        lo = max(lo or 0, latest - NEW_YEARS + 1)
        note = f"'new' read as {lo}-{latest}: this catalogue's latest releases are from {latest}"
    else:
        rows = seed_rows(library, c, work_rows or [])
        years = np.asarray(library.works().first_year)[rows] if len(rows) else np.zeros(0)
        years = years[~np.isnan(years)]
        if not years.size:
            return c.model_copy(update={"notes": c.notes + [f"'{c.era}' needs a known artist or work to compare with; "
                                                              "read without it"]})
        if c.era == "newer":
            ref = int(np.percentile(years, 75)) if len(years) > 2 else int(years.max())
            lo = max(lo or 0, ref + 1)
            note = f"'newer' read as after {ref} (most of the seeds' releases are from then or before)"
        else:
            ref = int(np.percentile(years, 25)) if len(years) > 2 else int(years.min())
            hi = min(hi if hi is not None else 10_000, ref - 1)
            note = f"'older' read as before {ref} (most of the seeds' releases are from then or after)"
    if lo is not None and hi is not None and lo > hi:
        return c.model_copy(update={"notes": c.notes + [note + "; that contradicts the years asked for, so the "
                                                          "years asked for stand"]})
    return c.model_copy(update={"years": Range(min=lo, max=hi), "notes": c.notes + [note]})


# -- pools --------------------------------------------------------------------------------------------------------
def played_songs(library: Library, taste: TasteProfile | None) -> np.ndarray:
    """Song ids (`works.song_identity`) the listener has played."""
    if taste is None or not taste.play_counts:
        return np.zeros(0, np.int64)
    rows = np.fromiter(taste.play_counts, dtype=np.int64)
    return np.unique(np.asarray(library.works().song_ids)[rows])


def covers_mask(library: Library, artists: list[str]) -> np.ndarray:
    """Rows that are songs one of `artists` recorded, recorded by someone else (credits counted)."""
    return covers_of(library.catalogue, library.works(), artists)


def covers_of(cat, works, artists: list[str]) -> np.ndarray:
    """`covers_mask` over a catalogue and its work index."""
    from retrieval.charts import credited_names
    from retrieval.tracks import normalise_name

    wanted = {normalise_name(a) for a in artists}
    own_rows = [i for i in range(len(cat)) if set(credited_names(cat.artists[i])) & wanted]
    titles = {works.song_keys[i] for i in own_rows if works.song_keys[i]}
    mask = np.zeros(len(cat), dtype=bool)
    for key in titles:
        for r in works.songs.get(key, []):
            mask[r] = True
    mask[own_rows] = False
    return mask


def restrict(library: Library, c: Constraints, allowed: np.ndarray, taste: TasteProfile | None,
             need: int) -> tuple[np.ndarray, list[str], int | None]:
    """The rows a playlist may come from, narrowed by what the request means (covers, title words, popularity
    kinds but hits, new-to-me), notes on the narrowing, and the number of rows of the asked-for popularity kind that fit the
    request when it is fewer than `need` (else None). Covers and title words always narrow. A popularity kind
    narrows to its strict reading when enough rows fit, else to a looser one (deep cuts: never in the top 40);
    failing both, to the strict reading when at least `MIN_KIND` rows fit (the playlist is then shorter, and the note
    says why), else not at all."""
    notes: list[str] = []
    out = allowed.copy()
    cat = library.catalogue
    if c.covers_of:
        out &= covers_mask(library, c.covers_of)
        if not out.any():
            notes.append(f"no covers of {', '.join(c.covers_of)} in this catalogue")
    if c.title_words:
        titles = np.asarray([t.casefold() for t in cat.titles], dtype=object)
        for w in c.title_words:
            pat = re.compile(rf"\b{re.escape(w.casefold())}\b")
            out &= np.fromiter((bool(pat.search(t)) for t in titles), dtype=bool, count=len(titles))
    played = played_songs(library, taste)
    if (c.familiarity == "new_to_me" or c.popularity == "deep_cuts") and len(played):
        out &= ~np.isin(np.asarray(library.works().song_ids), played)
    charts = library.charts()
    # hits are a preference (`adjust` ranks them by chart peak and run): chart facts cover a third of the catalogue,
    # so a well-known track without them is no less a hit; the biggest hits ('chart-toppers', 'number ones',
    # 'biggest hits': discovery at its lowest) are the charts' top ten, else top forty
    tiers = {"hits": [charts.top10, charts.top40] if c.discovery <= TOP_HITS_DISCOVERY else [],
             "one_hit_wonders": [charts.one_hit],
             # deep cuts: never in the top 40 and little played; else, if too few fit, never in the top 40
             "deep_cuts": [charts.deep, ~charts.top40]}.get(c.popularity, [])
    # enough of the kind in what the request is about: its genres and the artists it names ('Def Leppard's greatest
    # hits' are counted among Def Leppard's songs, not the whole catalogue's)
    fits = genre_fit_mask(library, c.genres)
    named = artists_mask(library, c.include_artists + c.seed_artists)
    about = fits if named is None else fits & named
    for kind in tiers:
        narrowed = out & kind
        if int((narrowed & about).sum()) >= need:
            return narrowed, notes, None
    if tiers and c.popularity != "hits":
        found = int((out & tiers[-1] & about).sum())
        label = c.popularity.replace("_", " ")
        if found >= MIN_KIND:
            notes.append(f"only {found} {label} fit the rest of the request in this catalogue")
            must = artists_mask(library, c.include_artists)  # only songs by the must-have artists; 'like X' is not
            return out & tiers[-1] & (fits if must is None else fits & must), notes, found
        notes.append(f"only {found} {label} fit the rest of the request in this catalogue; others fill in")
    return out, notes, None


def artists_mask(library: Library, names: list[str]) -> np.ndarray | None:
    """Rows by one of the named artists; None when the request names none the catalogue holds."""
    code_of = artist_code_index(library.catalogue)
    codes = [code_of[a.casefold()] for a in names if a.casefold() in code_of]
    return np.isin(library.catalogue.artist_codes, codes) if codes else None


def genre_fit_mask(library: Library, genres: list[str]) -> np.ndarray:
    """Rows tagged with one of `genres` or a tag containing it ('grunge', 'post-grunge'); all rows without genres."""
    if not genres:
        return np.ones(len(library.catalogue), dtype=bool)
    return family_mask(library, genres, np.arange(len(library.catalogue))) > 0


# -- taste bound ---------------------------------------------------------------------------------------------------
def own_share(library: Library, c: Constraints, taste: TasteProfile | None, fit: np.ndarray | None) -> float | None:
    """The share of the playlist the listener's own artists may fill: the share of their plays that fits the
    request (`fit`: 0..1 per catalogue row, None when the request names no genre or feel), at least
    `OWN_SHARE_FLOOR`; None (no bound) for "my favourites" or when nothing in the request can be compared."""
    if taste is None or c.familiarity == "favourites" or fit is None or not taste.play_counts:
        return None
    rows = np.fromiter(taste.play_counts, dtype=np.int64)
    plays = np.fromiter(taste.play_counts.values(), dtype=np.float64)
    share = float((fit[rows] * plays).sum() / max(plays.sum(), 1.0))
    return max(OWN_SHARE_FLOOR, share)


def is_own(taste: TasteProfile | None, codes: np.ndarray) -> np.ndarray:
    if taste is None:
        return np.zeros(len(codes), dtype=bool)
    return np.isin(codes, np.fromiter(taste.artist_affinity, dtype=np.int64))


# -- scores -------------------------------------------------------------------------------------------------------
def range_distance(library: Library, c: Constraints, rows: np.ndarray) -> np.ndarray | None:
    """0..1 per row: how far outside the feature ranges it lies (its furthest feature: one far-off feature is enough
    to miss a first dance; unknown counts as halfway), None without ranges."""
    ranges = c.feature_ranges.items()
    if not ranges or not len(rows):
        return None
    cat = library.catalogue
    parts = []
    for name, r in ranges:
        v = np.asarray(cat.column(name)[rows], dtype=np.float64)
        scale = 30.0 if name == "tempo" else 0.3
        lo = -np.inf if r.min is None else r.min
        hi = np.inf if r.max is None else r.max
        d = np.clip(np.maximum(lo - v, v - hi), 0, None) / scale
        parts.append(np.where(np.isnan(v), 0.5, np.clip(d, 0, 1)))
    return np.max(parts, axis=0)


def family_mask(library: Library, families: list[str], rows: np.ndarray) -> np.ndarray:
    """1.0 for rows tagged with a genre containing any family as whole words ('metal' in 'thrash metal')."""
    if not families or not len(rows):
        return np.zeros(len(rows))
    terms = library.vectors.genre_terms
    pats = [re.compile(rf"(^|\b){re.escape(f.casefold())}(\b|$)") for f in families]
    cols = [j for j, t in enumerate(terms) if any(p.search(t) for p in pats)]
    if not cols:
        return np.zeros(len(rows))
    return library.genre_matrix().any_of(cols, rows).astype(np.float64)


def title_mask(library: Library, words: list[str], rows: np.ndarray) -> np.ndarray:
    """1.0 for rows whose title carries any of `words` (whole words)."""
    if not words or not len(rows):
        return np.zeros(len(rows))
    pat = re.compile(r"\b(?:" + "|".join(re.escape(w.casefold()) for w in words) + r")\b")
    titles = library.catalogue.titles
    return np.fromiter((1.0 if pat.search(titles[int(r)].casefold()) else 0.0 for r in rows), dtype=np.float64,
                       count=len(rows))


def adjust(library: Library, c: Constraints, rows: np.ndarray, scores: np.ndarray, spread: float) -> np.ndarray:
    """Scores nudged by what the request means: the occasion's feel and families, families to avoid, hits, doubtful
    dates under a year filter, and holiday songs outside their holiday."""
    if not len(rows):
        return scores
    out = scores.astype(np.float64, copy=True)
    dist = range_distance(library, c, rows)
    if dist is not None:
        out -= RANGE_PENALTY * spread * dist
    fits, cues = concept_families(c)
    if fits and not c.genres:
        out += FAMILY_BONUS * spread * family_mask(library, fits, rows)
    if c.avoid_genres:
        out -= AVOID_PENALTY * spread * family_mask(library, c.avoid_genres, rows)
    if c.popularity == "hits":
        out += HIT_BONUS * spread * library.charts().hit[rows]
    if c.years is not None:
        out -= DOUBT_PENALTY * spread * library.doubt().date[rows]
    seasonal = [w for w in seasonal_cues() if w not in cues]
    if seasonal and not (c.subject and any(w in c.subject.casefold() for w in seasonal)):
        out -= SEASONAL_PENALTY * spread * title_mask(library, seasonal, rows)
    return out
