"""Candidates for a playlist: gathered from every source the request offers, then described for ranking.

`gather` merges rows from the request's meaning (a text query with its feel), the requested genres, named artists
(BM25 over names only: the request's free words never match titles, albums or artist names), titles that carry
the request's subject, the occasion's genre families, seeds, and the listener's taste, over-fetching and filtering
in `retrieval.filtered_search`. `describe` turns the rows into `retrieval.ranking.Candidates`, with the gate
that bounds how far the listener's own artists may lift each track.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.model.constraints import Constraints
from assistant.planning.meaning import artists_mask, concept_families, range_distance, title_mask
from assistant.understanding import FILLER_WORDS
from retrieval.filtered_search import filtered_search
from retrieval.filters import artist_code_index
from retrieval.library import Library
from retrieval.ranking import Candidates, feature_fit
from retrieval.taste import TasteProfile, affinity, album_affinity, era_affinity

PRF_DEPTH = 20
ALBUM_AFFINITY = 1.0  # weight of the listener's albums inside the artist-affinity term (chosen on playlists.dev: 0.5 / 1.0)
ERA_AFFINITY = 1.0  # weight of the artist's years the listener plays, inside the artist-affinity term
ERA_YEARS = 3.0
REFINE_FIT = 0.6  # a genre fit (0..1) at which a track is of a genre read: the tag itself or one very close to it
GENRE_FIT_GATE = 0.25  # a genre fit (0..1) from which the listener's artists count fully (chosen on playlists.dev)
FEEL_FIT_GATE = (0.5, 0.7)  # 1 - largest distance to a feel target: where own artists start to count, and count fully
RANGE_FIT_GATE = 0.35  # a distance outside the occasion's ranges (0..1) at which a play stops counting to the own share


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
    titled: np.ndarray | None = None  # rows whose titles carry the subject (or the occasion's title words)


def _top_allowed(values: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k largest positive values among allowed rows, best first."""
    v = np.where(allowed, values, 0.0)
    top = np.argpartition(-v, min(k, len(v) - 1))[:k]
    top = top[np.argsort(-v[top], kind="stable")]
    return top[v[top] > 0]


def feel_targets(c: Constraints) -> dict[str, float]:
    """Point targets for the feel: the explicit ones, else the middle of each feature range (tempo aside); a target
    outside its feature's range gives way to the range (the occasion is more specific than a mood word)."""
    targets = dict(c.targets.items())
    for name, r in c.feature_ranges.items():
        if name == "tempo" or r.min is None or r.max is None:
            continue
        if name not in targets or not r.min <= targets[name] <= r.max:
            targets[name] = round((r.min + r.max) / 2, 3)
    return targets


def free_words(c: Constraints, words: str) -> str:
    """The request's words for the tags-only BM25, without the genre, mood, activity and concept words already read
    ('road trip' is the listener's context, not a tag; a genre is matched by the genre channel) and without filler
    words in the languages the parser reads ('la' in 'para la fiesta' is not the tag 'la indie')."""
    read = c.moods + c.activities + c.concepts + c.genres
    drop = {w for phrase in read for w in re.findall(r"\w+", phrase.casefold())} | FILLER_WORDS
    return " ".join(w for w in re.findall(r"[\w'&-]+", words or "") if w.casefold() not in drop)


def work_names(c: Constraints) -> list[str]:
    """The songs and albums the request names, as words to match over titles and albums (with their artist)."""
    return [" ".join(x for x in (w.title, w.artist) if x) for w in c.seed_works + c.include_works]


def name_like(c: Constraints) -> str | None:
    """The request's words when it reads as nothing but a name ('Abbey Road', 'Zzyzx Qwerty Band': capitalised words
    and nothing else understood), else None: such a request is matched as a name."""
    if (c.genres or c.moods or c.activities or c.concepts or c.subject or c.title_words or c.covers_of
            or c.seed_artists or c.include_artists or c.seed_works or c.include_works):
        return None
    words = re.findall(r"[\w'&.-]+", c.theme or "")
    if not words or not all(w[:1].isupper() or w[:1].isdigit() for w in words):
        return None
    return " ".join(words)


def _as_scores(mask: np.ndarray | None) -> np.ndarray | None:
    return None if mask is None else mask.astype(np.float32)


def _sum_scaled(*scores: np.ndarray | None) -> np.ndarray | None:
    """The sum of score arrays, each scaled to a maximum of 1 (None when there are none)."""
    parts = [x / float(x.max()) for x in scores if x is not None and float(x.max()) > 0]
    return np.sum(parts, axis=0).astype(np.float32) if parts else None


def subject_words(c: Constraints) -> list[str]:
    """Words a title may carry to be about the request's subject: the subject's own, and the occasion's title words."""
    words = [w for w in re.findall(r"[^\W_]+", (c.subject or "").casefold()) if len(w) > 2 and w not in _SUBJECT_STOP]
    return words + [w for w in concept_families(c)[1] if w not in words]


_SUBJECT_STOP = frozenset("the and for about with songs song music".split())


def gather(library: Library, c: Constraints, allowed: np.ndarray, taste: TasteProfile | None, candidate_k: int = 600) -> Pool:
    """Candidates from the prompt's meaning, its words (BM25), the requested genres, seeds (or, with no
    seeds and no history, the tracks that sound like the best word matches) and the listener's taste.
    Each vector source over-fetches, filters and trims in `filtered_search`."""
    cat = library.catalogue
    words = c.theme or " ".join(c.genres + c.moods + c.activities)
    text_q = library.encoder.encode([words or c.prompt or "music"], kind="query")[0]
    targets = feel_targets(c)
    k = max(candidate_k, 30 * (c.length.tracks or int((c.length.minutes or 60) / 3.5)))
    queries: list[tuple[np.ndarray | None, int]] = [(library.query_vector(text_q, targets), k)]
    gpos = {t: i for i, t in enumerate(library.vectors.genre_terms)}
    genre_rows_q = [gpos[g] for g in c.genres if g in gpos]
    if genre_rows_q:
        gq = np.asarray(library.vectors.genre_vectors)[genre_rows_q].mean(axis=0)
        queries.append((library.query_vector(gq / max(np.linalg.norm(gq), 1e-9), targets), k))
    seed_rows = seed_rows_of(library, c)
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
    genre_fit = None
    if term_scores is not None:
        # every allowed row scored by genre at once (sparse); the best, popular first, join the pool
        genre_fit = library.genre_matrix().scores(term_scores)
        pool_rows.update(_top_allowed(genre_fit + 0.2 * library.popularity_prior(), allowed, k).tolist())
    fits = [f for f in concept_families(c)[0] if f in gpos]
    if fits and not c.genres:  # the occasion's genre families (bossa nova for a dinner party) join the pool
        fam = genre_term_scores(library, fits)
        if fam is not None:
            g_all = library.genre_matrix().scores(fam) + 0.2 * library.popularity_prior()
            pool_rows.update(_top_allowed(g_all, allowed, k // 2).tolist())
    titled = None
    cues = subject_words(c)
    if cues:  # a subject is matched to titles (lyrics are not searched): 'christmas songs', 'songs about the ocean'
        hits = np.flatnonzero(allowed)
        hits = hits[title_mask(library, cues, hits) > 0]
        titled = hits
        order = np.argsort(-library.popularity_prior()[hits], kind="stable") if len(hits) else hits
        pool_rows.update(hits[order][:k].tolist())
    # words (BM25): names over titles, artists and albums ("This Is Logic" must match the artist Logic; a request
    # that reads as nothing but a name, 'Abbey Road', is one), the other
    # words over genre tags only: they never match titles, albums or artist names ('memorial' is not the album
    # "Gangsta Memorial"); a seed artist is found by sound (the seed vector), not by its name in other artists'
    # titles ('T-Shirt From Metallica')
    whole_name = name_like(c)
    names = " ".join(c.include_artists + work_names(c) + ([whole_name] if whole_name else []))
    free = free_words(c, words)
    tagged = library.tag_lexical().scores(free) if free else None
    if tagged is not None and genre_fit is not None:
        # with genres read, the other words refine within them ('west africa' among afrobeat and highlife is
        # 'west african jazz', not West Coast rap)
        tagged = tagged * (genre_fit >= REFINE_FIT)
    lexical = _sum_scaled(library.lexical.scores(names) if names else None,
                          _as_scores(artists_mask(library, c.seed_artists)), tagged)
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
    return Pool(rows=rows, text_q=text_q, seed_vec=seed_vec, lexical=lexical, term_scores=term_scores, titled=titled)


def seed_rows_of(library: Library, c: Constraints) -> list[int]:
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


def request_fit(library: Library, c: Constraints, rows: np.ndarray, term_scores: np.ndarray | None,
                ranges: bool = True) -> np.ndarray | None:
    """0..1 per row: how well it fits the request's genres and feel, and with `ranges` its occasion's feature ranges;
    None when the request names none of them. Without ranges it gates how far the listener's artists lift each
    track; with them it bounds their share of the playlist (`meaning.own_share`): a track far outside the occasion's
    ranges is pushed down for everyone (`meaning.adjust`), so it does not also lose the listener's lift (measured on
    playlists.dev with the history: gating by ranges too cost 0.005 R-precision)."""
    targets = feel_targets(c)
    if term_scores is None and not targets and not (ranges and c.feature_ranges.items()):
        return None
    cat = library.catalogue
    gate = np.ones(len(rows), dtype=np.float32)
    if term_scores is not None:
        genre = library.genre_matrix().scores(term_scores, rows)
        # as far as its (artist-level) genres fit the request; untagged artists keep the benefit of the doubt
        tagged = library.genre_matrix().tag_counts[rows] > 0
        gate *= np.where(tagged, np.clip(genre / GENRE_FIT_GATE, 0, 1), 1.0).astype(np.float32)
    if targets:
        names = list(targets)
        values = np.stack([np.asarray(cat.column(n)[rows], dtype=np.float32) for n in names], axis=1)
        # and as far as it has the asked-for feel: 1 - its largest distance to a target (one far-off feature is enough
        # to miss 'chill': instrumental thrash is not music for studying)
        worst = 1.0 - np.nan_to_num(np.abs(values - np.array(list(targets.values()), dtype=np.float32)[None, :]),
                                    nan=0.5).max(axis=1)
        gate *= np.clip((worst - FEEL_FIT_GATE[0]) / (FEEL_FIT_GATE[1] - FEEL_FIT_GATE[0]), 0, 1).astype(np.float32)
    dist = range_distance(library, c, rows) if ranges else None
    if dist is not None:
        gate *= np.clip(1.0 - dist / RANGE_FIT_GATE, 0, 1).astype(np.float32)
    return gate


def describe(library: Library, c: Constraints, rows: np.ndarray, text_q: np.ndarray, taste: TasteProfile | None,
             seed_vec: np.ndarray | None, term_scores: np.ndarray | None) -> Candidates:
    """The candidate rows as `Candidates`: relevance, popularity, genre and feel fit, seeds, taste."""
    targets = feel_targets(c)
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
    if term_scores is not None:
        # a borrowed tag (a name clash, `retrieval.doubt`) counts for little
        cands.genre = library.genre_matrix().scores(term_scores, rows) * (1.0 - 0.8 * library.doubt().genre[rows])
    if targets:
        names = list(targets)
        values = np.stack([np.asarray(cat.column(n)[rows], dtype=np.float32) for n in names], axis=1)
        cands.features = _scaled(feature_fit(values, np.array(list(targets.values()), dtype=np.float32)))
    # how far the listener's artists and taste may lift each track
    gate = request_fit(library, c, rows, term_scores, ranges=False)
    if taste is not None and gate is not None:
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


