"""Doubt about the catalogue's own facts, so that a wrong date or a borrowed genre tag does not fill a playlist.

Genres here are the artist's tags (a name shared by two artists can carry the other's), and a release year can be a
compilation's or a reissue's. Two checks, both from the catalogue alone:

- **era**: each genre tag has an era, from the earliest typical year (median) to the latest track of the other
  artists that carry it (a rare tag borrows the artists of its nearest tags). A track dated long before the
  era of every tag it carries has borrowed tags (1966 "Barefootin'" tagged synthwave, War tagged gangster rap); one
  dated long after has a reissue's date (a 1940s band's track filed under 1980).
- **artist's years**: a track dated long after almost every other track of its artist (a 1975 song on a 1991 box
  set) has a doubtful date.

`CatalogueDoubt.date` and `.genre` are 0 or 1 per row; ranking downweights doubtful rows where the doubted fact
matters (a year filter, a genre request), and `segue catalog info` shows the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.tracks import Catalogue

ERA_MARGIN = 10.0  # years before the tag's era (its other artists' earliest median year) or after it (their latest track)
ERA_ARTISTS = 3  # a tag with this many artists or fewer borrows its nearest tags' artists
NEIGHBOURS = 8  # nearest tags a rare tag may borrow artists from
NEIGHBOUR_SIMILARITY = 0.5  # ... if they are at least this close (centred genre vectors)
ARTIST_GAP = 12.0  # years after the artist's 90th-percentile year before a date is doubtful
ARTIST_SUPPORT = 4  # other dated tracks an artist needs before their years count


@dataclass
class CatalogueDoubt:
    date: np.ndarray  # (n,) 0..1: doubt that the row's date is its song's
    genre: np.ndarray  # (n,) 0..1: doubt that the row's genre tags describe it

    def counts(self) -> dict[str, int]:
        return {"doubtful_dates": int((self.date >= 0.5).sum()), "doubtful_genres": int((self.genre >= 0.5).sum())}


def _artist_years(matrix, years: np.ndarray, codes: np.ndarray, pick) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per genre term: (`pick` of the artist's known years, artist code) of each artist carrying it, by year."""
    all_rows = matrix.line_ids()
    known = ~np.isnan(years[all_rows])
    rows, cols = all_rows[known], matrix.indices[known]
    order = np.lexsort((codes[rows], cols))
    rows, cols = rows[order], cols[order]
    out: list[list[tuple[float, int]]] = [[] for _ in range(matrix.width)]
    if len(rows):
        keys = cols.astype(np.int64) * (int(codes.max()) + 1) + codes[rows]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], len(keys)]):
            out[int(cols[s])].append((float(pick(years[rows[s:e]])), int(codes[rows[s]])))
    result = []
    for pairs in out:
        pairs.sort()
        result.append((np.array([y for y, _ in pairs]), np.array([c for _, c in pairs], dtype=np.int64)))
    return result


def _edges(per_term, term_vectors: np.ndarray | None, take_first: bool):
    """Per genre term, one edge of its era without any one artist: the two earliest (or latest) artists (year, code),
    so a track's own artist never sets the era it is judged by. A tag with too few artists borrows those of its
    nearest tags. NaN years where even that is not enough."""
    n_terms = len(per_term)
    edge = np.full((n_terms, 2), np.nan)
    edge_code = np.full((n_terms, 2), -1, dtype=np.int64)
    counts = np.array([len(y) for y, _ in per_term])
    rare = np.flatnonzero((counts > 0) & (counts <= ERA_ARTISTS))
    neighbours: dict[int, np.ndarray] = {}
    if len(rare) and term_vectors is not None and len(term_vectors) == n_terms:
        tv = np.asarray(term_vectors, dtype=np.float32)
        tv = tv - tv.mean(axis=0)
        tv /= np.maximum(np.linalg.norm(tv, axis=1, keepdims=True), 1e-9)
        sims = tv[rare] @ tv.T
        sims[np.arange(len(rare)), rare] = -1.0
        top = np.argsort(-sims, axis=1)[:, :NEIGHBOURS]
        for i, j in enumerate(rare):
            neighbours[int(j)] = top[i][sims[i, top[i]] >= NEIGHBOUR_SIMILARITY]
    for j in range(n_terms):
        ys, cs = per_term[j]
        if 0 < len(ys) <= ERA_ARTISTS:
            pool_y, pool_c = [ys], [cs]
            for k in neighbours.get(j, ()):
                if sum(len(y) for y in pool_y) > ERA_ARTISTS:
                    break
                pool_y.append(per_term[int(k)][0])
                pool_c.append(per_term[int(k)][1])
            ys, cs = np.concatenate(pool_y), np.concatenate(pool_c)
            order = np.argsort(ys, kind="stable")
            ys, cs = ys[order], cs[order]
        if len(ys) > ERA_ARTISTS:
            edge[j], edge_code[j] = (ys[:2], cs[:2]) if take_first else (ys[-1:-3:-1], cs[-1:-3:-1])
    return edge, edge_code


def assess(catalogue: Catalogue, genre_matrix, term_vectors: np.ndarray | None = None) -> CatalogueDoubt:
    """Doubt per row from the catalogue's columns, its track x genre-term matrix (`retrieval.genres`) and, when
    given, the genre terms' vectors (rows in the matrix's column order) for rare tags' eras."""
    n = len(catalogue)
    codes = np.asarray(catalogue.artist_codes, dtype=np.int64)
    years = np.asarray(catalogue.column("year"), dtype=np.float64)
    decades = np.asarray(catalogue.column("decade"), dtype=np.float64)
    year_known = ~np.isnan(years)
    when_lo = np.where(year_known, years, decades)  # a decade-only row spans its decade
    when_hi = np.where(year_known, years, decades + 9)
    first, first_code = _edges(_artist_years(genre_matrix.rows, years, codes, np.median), term_vectors, True)
    last, last_code = _edges(_artist_years(genre_matrix.rows, years, codes, np.max), term_vectors, False)

    r, c = genre_matrix.rows.line_ids(), genre_matrix.rows.indices
    usable = ~np.isnan(first[c, 0]) & ~np.isnan(when_lo[r])
    r, c = r[usable], c[usable]
    own = codes[r]
    earliest = np.where(first_code[c, 0] == own, first[c, 1], first[c, 0])  # the other artists' earliest year
    latest = np.where(last_code[c, 0] == own, last[c, 1], last[c, 0])
    supported = np.bincount(r, minlength=n)
    before = np.bincount(r, weights=(when_hi[r] < earliest - ERA_MARGIN), minlength=n)
    after = np.bincount(r, weights=(when_lo[r] > latest + ERA_MARGIN), minlength=n)
    # older than every tag's era: a known year is a fact, so the tags are borrowed (a name clash); newer than every
    # tag's era: the date is a reissue's or a compilation's
    genre = ((supported > 0) & (before == supported) & year_known).astype(np.float32)
    date = ((supported > 0) & (after == supported)).astype(np.float32)

    # an artist's outlier: dated long after nearly all their other tracks
    order = np.lexsort((years, codes))
    order = order[~np.isnan(years[order])]
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(order)]):
        if e - s <= ARTIST_SUPPORT:
            continue
        group = order[s:e]
        ys = years[group]  # sorted
        for k, row in enumerate(group):
            others = np.delete(ys, k)
            if ys[k] > np.percentile(others, 90) + ARTIST_GAP:
                date[row] = 1.0
    return CatalogueDoubt(date=date, genre=genre)
