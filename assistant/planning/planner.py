"""Constraints -> candidates -> ranked, checked Playlist.

The one entry point is `make_playlist`. It translates `Constraints` into a plain `FilterSpec`,
gathers candidates from the prompt's meaning, the requested genres, the listener's taste
centroids and any seeds (over-fetch, filter, trim in `retrieval.index.filtered_search`), scores
and selects them (`retrieval.ranking`), and checks the result (`checks.check_constraints`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from assistant.model.constraints import Constraints, Length
from assistant.model.playlist import Playlist, PlaylistTrack
from assistant.planning.checks import check_constraints, missing_artists, pool_facts
from retrieval.filters import FilterSpec, allowed_mask, artist_code_index
from retrieval.index import filtered_search
from retrieval.library import Library
from retrieval.ranking import Candidates, Weights, feature_fit, score, select, top_components
from retrieval.taste import TasteProfile, affinity, album_affinity, era_affinity

PRF_DEPTH = 20
PINNED_BONUS = 1.0  # above the whole spread of the other candidates' scores
ALBUM_AFFINITY = 1.0  # weight of the listener's albums inside the artist-affinity term (chosen on playlists.dev: 0.5 / 1.0)
ERA_AFFINITY = 1.0  # weight of the artist's years the listener plays, inside the artist-affinity term
ERA_YEARS = 3.0
GENRE_FIT_GATE = 0.25  # a genre fit (0..1) from which the listener's artists count fully (chosen on playlists.dev)
FEEL_FIT_GATE = (0.5, 0.7)  # 1 - largest distance to a feel target: where own artists start to count, and count fully
REISSUE_PENALTY = 1.0  # the best-to-median gap: an older song re-released in the asked years only fills in
PREFER_YEAR_BONUS = 0.5  # 'Pop Hits 2020': that year's releases first, by half the best-to-median gap (chosen on playlists.dev)
AVOID_PENALTY = 1.0  # a soft "less X" costs the gap between the best and the median candidate: X only when little else fits
DEDUPE_DEPTH = 2000  # only the best-scored candidates can be picked, so only they are de-duplicated


def weights_for(taste: TasteProfile | None) -> Weights:
    """Component weights (chosen on playlists.dev): without a history the request's words carry most
    (titles, albums, artist names, and the tracks that sound like the best word matches); with one,
    the listener's own artists and taste outweigh the words."""
    if taste is None:
        return Weights(lexical=2.0, seed=2.0, artist=3.0)
    return Weights(lexical=0.5, seed=1.0, artist=6.0)


def filter_spec(c: Constraints) -> FilterSpec:
    """The hard part of the constraints, as retrieval's plain filter."""
    return FilterSpec(
        year_min=c.years.min if c.years else None,
        year_max=c.years.max if c.years else None,
        tempo_min=c.tempo.min if c.tempo else None,
        tempo_max=c.tempo.max if c.tempo else None,
        duration_min_ms=c.track_minutes.min * 60000 if c.track_minutes and c.track_minutes.min is not None else None,
        duration_max_ms=c.track_minutes.max * 60000 if c.track_minutes and c.track_minutes.max is not None else None,
        explicit=c.explicit,
        exclude_artists=frozenset(a.casefold() for a in c.exclude_artists),
        include_artists=frozenset(a.casefold() for a in c.include_artists),
        exclude_genres=frozenset(c.exclude_genres),
        require_duration=c.length.minutes is not None,
    )


def _scaled(x: np.ndarray) -> np.ndarray:
    """Min-max to 0..1 over the candidates (constant -> 0.5)."""
    lo, hi = float(np.min(x)), float(np.max(x))
    if hi - lo < 1e-9:
        return np.full_like(x, 0.5, dtype=np.float32)
    return ((x - lo) / (hi - lo)).astype(np.float32)


def genre_term_scores(library: Library, requested: list[str]) -> np.ndarray | None:
    """0..1 per vocabulary term: 1 for a requested term or one containing it as whole words
    ('album rock' for 'rock'), partial credit for terms the encoder finds close."""
    terms = library.vectors.genre_terms
    pos = {t: i for i, t in enumerate(terms)}
    req = [g for g in requested if g in pos]
    if not req:
        return None
    gv = library.centred_genre_vectors()
    sims = gv @ gv[[pos[g] for g in req]].T  # (g, r)
    out = np.clip((sims.max(axis=1) - 0.45) / 0.4, 0, 0.8).astype(np.float32)
    words = [re.compile(rf"(^|\b){re.escape(g)}(\b|$)") for g in req]
    for i, t in enumerate(terms):
        if any(w.search(t) for w in words):
            out[i] = 1.0
    return out


@dataclass
class Pool:
    """The merged candidate rows and what was computed on the way (reused for scoring)."""

    rows: np.ndarray
    text_q: np.ndarray
    seed_vec: np.ndarray | None
    lexical: np.ndarray | None
    term_scores: np.ndarray | None


def _top_allowed(values: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k largest positive values among allowed rows, best first."""
    v = np.where(allowed, values, 0.0)
    top = np.argpartition(-v, min(k, len(v) - 1))[:k]
    top = top[np.argsort(-v[top], kind="stable")]
    return top[v[top] > 0]


def gather(library: Library, c: Constraints, allowed: np.ndarray, taste: TasteProfile | None, candidate_k: int = 600) -> Pool:
    """Candidates from the prompt's meaning, its words (BM25), the requested genres, seeds (or, with no
    seeds and no history, the tracks that sound like the best word matches) and the listener's taste.
    Each vector source over-fetches, filters and trims in `filtered_search`."""
    cat = library.catalogue
    words = c.theme or " ".join(c.genres + c.moods + c.activities)
    text_q = library.encoder.encode([words or c.prompt or "music"], kind="query")[0]
    targets = dict(c.targets.items())
    k = max(candidate_k, 30 * (c.length.tracks or int((c.length.minutes or 60) / 3.5)))
    queries: list[tuple[np.ndarray | None, int]] = [(library.query_vector(text_q, targets), k)]
    gpos = {t: i for i, t in enumerate(library.vectors.genre_terms)}
    genre_rows_q = [gpos[g] for g in c.genres if g in gpos]
    if genre_rows_q:
        gq = np.asarray(library.vectors.genre_vectors)[genre_rows_q].mean(axis=0)
        queries.append((library.query_vector(gq / max(np.linalg.norm(gq), 1e-9), targets), k))
    seed_rows = _seed_rows(library, c)
    seed_vec = library.item_mean(seed_rows) if seed_rows else None
    queries.append((seed_vec, k))
    pool_rows: set[int] = set()
    if taste is not None and len(taste.centroids):
        queries += [(cen, max(200, k // 2)) for cen in np.asarray(taste.centroids)]
        # the listener's most-played artists: their other tracks are candidates too
        top_artists = sorted(taste.artist_affinity, key=taste.artist_affinity.get, reverse=True)[:30]
        if top_artists:
            mine = np.isin(cat.artist_codes, np.asarray(top_artists, dtype=np.int32)) & allowed
            pool_rows.update(np.flatnonzero(mine)[:5000].tolist())
    term_scores = genre_term_scores(library, c.genres) if c.genres else None
    if term_scores is not None:
        # every allowed row scored by genre at once (sparse); the best, popular first, join the pool
        g_all = library.genre_matrix().scores(term_scores) + 0.2 * library.popularity_prior()
        pool_rows.update(_top_allowed(g_all, allowed, k).tolist())
    # names read out of the request still count as words: "This Is Logic" must match the artist Logic
    # (artists only: a work's title words, "Kid A", would match every "Kid" in the catalogue)
    names = c.seed_artists + c.include_artists
    lex_words = " ".join(x for x in [_lexical_words(c, words), *names] if x)
    lexical = library.lexical.scores(lex_words) if lex_words else None
    if lexical is not None:
        best = _top_allowed(lexical, allowed, k)
        pool_rows.update(best.tolist())
        if seed_vec is None and taste is None and len(best):
            # pseudo-relevance feedback: the best word matches, as a sound-and-genre query
            seed_vec = library.item_mean(best[:PRF_DEPTH])
            queries.append((seed_vec, k))
    for q, kk in queries:
        if q is not None:
            _, found = filtered_search(library.index, library.items, q, kk, allowed)
            pool_rows.update(int(r) for r in np.ravel(found) if r >= 0)
    rows = np.fromiter(sorted(pool_rows), dtype=np.int64, count=len(pool_rows))
    return Pool(rows=rows, text_q=text_q, seed_vec=seed_vec, lexical=lexical, term_scores=term_scores)


def make_playlist(
    c: Constraints,
    library: Library,
    taste: TasteProfile | None = None,
    *,
    default_tracks: int = 20,
    default_max_per_artist: int = 2,
    listener: str | None = None,
    exclude_rows: set[int] | None = None,
    missing_works: list[str] | None = None,
) -> Playlist:
    """Build a ranked, checked playlist for `c` from `library`, personalised by `taste` when given."""
    cat = library.catalogue
    if c.length.minutes is None and c.length.tracks is None:
        c = c.model_copy(update={"length": Length(tracks=default_tracks)})
    spec = filter_spec(c)
    banned = set(exclude_rows or ()) | set(_rows_of(library, c.exclude_tracks))
    if banned:
        spec = replace(spec, exclude_rows=frozenset(banned))
    missing = missing_artists(library, c.include_artists)
    allowed = allowed_mask(cat, spec)  # empty when none of the requested artists exists
    cap = c.max_per_artist if c.max_per_artist is not None else (None if c.include_artists else default_max_per_artist)

    pool = gather(library, c, allowed, taste)
    pinned = [r for r in _rows_of(library, c.include_tracks) if allowed[r]]
    rows = np.union1d(pool.rows, np.asarray(pinned, dtype=np.int64)) if pinned else pool.rows
    cands = _candidates(library, c, rows, pool.text_q, taste, pool.seed_vec, dict(c.targets.items()), pool.term_scores)
    if pool.lexical is not None and len(rows):
        top_lex = float(pool.lexical.max())
        cands.lexical = (pool.lexical[rows] / top_lex).astype(np.float32) if top_lex > 0 else None
    discovery = {"hits": min(c.discovery, 0.1), "deep_cuts": max(c.discovery, 0.85)}.get(c.popularity, c.discovery)
    scores, parts = score(cands, weights_for(taste), discovery)
    if c.avoid_genres and len(rows):  # 'less grunge' is remembered: those genres rank lower in every refill
        scores = scores - AVOID_PENALTY * _spread(scores) * _has_genres(library, c.avoid_genres, rows)
    if c.prefer_year is not None and len(rows):
        scores = scores + PREFER_YEAR_BONUS * _spread(scores) * (np.asarray(cat.column("year")[rows]) == c.prefer_year)
    if pinned:  # tracks the listener asked for by name come first, whatever the others score (the cap and length hold)
        finite = scores[np.isfinite(scores)]
        lift = PINNED_BONUS + (float(finite.max() - finite.min()) if len(finite) else 0.0)
        scores = scores + lift * np.isin(rows, pinned)
    scores = _drop_duplicates(library, rows, scores)
    if c.years is not None and len(rows):
        # a known decade passes the year filter, but a track of known year is the safer pick
        unknown_year = np.isnan(np.asarray(cat.column("year")[rows]))
        scores = scores - 0.3 * unknown_year
        if c.years.min is not None:
            # a reissue dates the release, not the song: '90s rock' should not be a 1998 compilation's 1968 hit
            older = library.works().first_year[rows] < c.years.min
            scores = scores - REISSUE_PENALTY * _spread(scores) * older
    picked = select(
        cands,
        scores,
        target_tracks=c.length.tracks,
        target_ms=c.length.minutes * 60000 if c.length.minutes else None,
        max_per_artist=cap,
    )
    entries = [
        PlaylistTrack(track=cat.track(int(cands.rows[i])), why=_why(library, c, cands, parts, i), score=round(float(scores[i]), 4))
        for i in picked
    ]
    facts = pool_facts(library, c, allowed, missing, missing_works or [], _unknown_name(c, pool.lexical))
    report = check_constraints(c, [e.track for e in entries], facts, cap)
    ranked = cands.rows[np.argsort(-scores, kind="stable")].tolist()
    return Playlist(
        constraints=c,
        tracks=entries,
        report=report,
        catalogue=cat.meta.get("label", cat.meta.get("name", "")),
        listener=listener,
        candidate_rows=ranked,
    )


def _lexical_words(c: Constraints, words: str) -> str:
    """The request's words for BM25 without the mood and activity words already read ('road trip' is the
    listener's context, not a title to match: it pulled 'Road ...' country songs into '90s rock for a road
    trip'). When nothing else is left, the words stay as they are."""
    drop = {w for phrase in c.moods + c.activities for w in re.findall(r"\w+", phrase.casefold())}
    kept = [w for w in re.findall(r"[\w'&-]+", words or "") if w.casefold() not in drop]
    return " ".join(kept) if kept else words


def _spread(scores: np.ndarray) -> float:
    """The gap between the best (99th percentile) and the median candidate: the scale of soft nudges."""
    finite = scores[np.isfinite(scores)]
    return float(np.percentile(finite, 99) - np.percentile(finite, 50)) if len(finite) else 0.0


def _has_genres(library: Library, terms: list[str], rows: np.ndarray) -> np.ndarray:
    """1.0 for the rows tagged with any of `terms` (catalogue genre terms), else 0.0."""
    pos = {t: j for j, t in enumerate(library.vectors.genre_terms)}
    cols = [pos[t] for t in terms if t in pos]
    if not cols:
        return np.zeros(len(rows))
    return (np.asarray(library.genre_matrix().matrix[rows][:, cols].sum(axis=1)).ravel() > 0).astype(np.float64)


def _seed_rows(library: Library, c: Constraints) -> list[int]:
    rows: list[int] = []
    if c.seed_artists:
        code_of = artist_code_index(library.catalogue)
        codes = [code_of[a.casefold()] for a in c.seed_artists if a.casefold() in code_of]
        if codes:
            rows += np.flatnonzero(np.isin(library.catalogue.artist_codes, codes)).tolist()[:200]
    for tid in c.seed_tracks:
        r = library.catalogue.row_of(tid)
        if r is not None:
            rows.append(r)
    return rows


def _candidates(library, c, rows, text_q, taste, seed_vec, targets, term_scores) -> Candidates:
    cat = library.catalogue
    text = np.asarray(library.vectors.text[rows], dtype=np.float32)
    items = np.asarray(library.items[rows], dtype=np.float32)
    inferred = np.asarray(library.vectors.text_inferred[rows], dtype=bool)
    pop = library.popularity(rows)
    cands = Candidates(
        rows=rows,
        relevance=_scaled(text @ text_q) if len(rows) else np.zeros(0, np.float32),
        popularity=pop,
        durations_ms=np.asarray(cat.column("duration_ms")[rows], dtype=np.float64),
        artist_codes=np.asarray(cat.artist_codes[rows]),
        vectors=items,
        trust=np.where(inferred, 0.6, 1.0).astype(np.float32),
        song_keys=library.works().song_key_array[rows],
        song_ids=library.works().song_ids[rows],
    )
    if len(rows) == 0:
        return cands
    gate = np.ones(len(rows), dtype=np.float32)  # how far the listener's artists and taste may lift each track
    if term_scores is not None:
        cands.genre = library.genre_matrix().scores(term_scores, rows)
        # as far as its (artist-level) genres fit the request; untagged artists keep the benefit of the doubt
        tagged = library.genre_matrix().tag_counts[rows] > 0
        gate *= np.where(tagged, np.clip(cands.genre / GENRE_FIT_GATE, 0, 1), 1.0).astype(np.float32)
    if targets:
        names = [n for n, _ in targets.items()]
        values = np.stack([np.asarray(cat.column(n)[rows], dtype=np.float32) for n in names], axis=1)
        fit = feature_fit(values, np.array([v for _, v in targets.items()], dtype=np.float32))
        cands.features = _scaled(fit)
        # and as far as it has the asked-for feel: 1 - its largest distance to a target (one far-off feature is enough
        # to miss 'chill': instrumental thrash is not music for studying)
        worst = 1.0 - np.nan_to_num(np.abs(values - np.array([v for _, v in targets.items()], dtype=np.float32)[None, :]),
                                    nan=0.5).max(axis=1)
        gate *= np.clip((worst - FEEL_FIT_GATE[0]) / (FEEL_FIT_GATE[1] - FEEL_FIT_GATE[0]), 0, 1).astype(np.float32)
    if taste is not None and (term_scores is not None or targets):
        cands.personal_gate = gate
    if seed_vec is not None:
        cands.seed = _scaled(items @ seed_vec)
    if taste is not None:
        aff = np.asarray(affinity(taste, items, rows=rows), dtype=np.float32)
        share = taste.artist_affinity
        artist_share = np.array([share.get(int(a), 0.0) for a in cands.artist_codes], dtype=np.float32)
        cands.taste = _scaled(aff)
        cands.artist = np.sqrt(np.clip(artist_share / max(float(artist_share.max()), 1e-9), 0, 1)) if artist_share.any() else None
        album = album_affinity(cat, taste, rows)
        if album is not None:  # the albums the listener plays: their other tracks are the likeliest next plays
            base = cands.artist if cands.artist is not None else np.zeros(len(rows), np.float32)
            cands.artist = (base + ALBUM_AFFINITY * album).astype(np.float32)
        era = era_affinity(cat, taste, rows, ERA_YEARS)
        if era is not None and cands.artist is not None:  # and, of an artist, the years the listener plays
            cands.artist = (cands.artist + ERA_AFFINITY * era).astype(np.float32)
    return cands


def _drop_duplicates(library: Library, rows: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """One release of a song: the same artist and bare title (`works.song_identity`) keeps only its best-scored row."""
    songs = library.works().song_ids
    best: dict[int, int] = {}
    out = scores.copy()
    for i in np.argsort(-scores, kind="stable")[:DEDUPE_DEPTH]:
        key = int(songs[int(rows[i])])
        if key in best:
            out[i] = -np.inf
        else:
            best[key] = i
    return out


def _rows_of(library: Library, ids: list[str]) -> list[int]:
    rows = (library.catalogue.row_of(t) for t in ids)
    return [r for r in rows if r is not None]


def _unknown_name(c: Constraints, lexical: np.ndarray | None) -> str | None:
    """The request's words when they look like a name ('3 hours of Zzyzx Qwerty Band') and nothing else was
    read from it, and no track's title, artist, album or tags share a word with them; else None."""
    if c.genres or c.moods or c.activities or c.seed_artists or c.include_artists or c.seed_works or c.include_works:
        return None
    words = re.findall(r"[\w'&.-]+", c.theme or "")
    if not words or not all(w[:1].isupper() or w[:1].isdigit() for w in words):
        return None
    return " ".join(words) if lexical is None or float(np.max(lexical, initial=0.0)) <= 0 else None


LABELS = {"relevance": "matches the request", "lexical": "words of the request in its title, artist or album", "artist": "an artist you play", "genre": "genre", "taste": "fits your taste", "seed": "sounds like your seeds",
          "features": "feel", "popularity": "popularity"}


def _why(library: Library, c: Constraints, cands: Candidates, parts: dict[str, np.ndarray], i: int) -> str:
    t_row = int(cands.rows[i])
    cat = library.catalogue
    bits: list[str] = []
    for name in top_components(parts, i, k=3):
        if name == "genre":
            tags = [g for g in cat.genres[t_row] if any(r in g for r in c.genres)] or list(cat.genres[t_row][:1])
            bits.append(f"genre: {', '.join(tags[:2])}" if tags else "close to the genre")
        elif name == "features":
            shown = [f"{n} {float(cat.column(n)[t_row]):.2f}" for n, _ in c.targets.items() if not np.isnan(cat.column(n)[t_row])]
            bits.append(", ".join(shown[:2]) if shown else "feel")
        elif name == "seed":
            bits.append("like " + ", ".join(c.seed_artists[:2]) if c.seed_artists else "sounds like the closest word matches")
        elif name == "popularity":
            bits.append("a hidden gem" if c.discovery >= 0.5 else "a well-known pick")
        else:
            bits.append(LABELS[name])
    return "; ".join(bits) or "fills the set"
