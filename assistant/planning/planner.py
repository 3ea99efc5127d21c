"""Constraints -> candidates -> ranked, checked Playlist.

The one entry point is `make_playlist`. It reads what the request means on this catalogue (`meaning`: eras,
popularity kinds, covers, new-to-me), translates the hard constraints into a plain `FilterSpec`, gathers and
describes candidates (`candidates`), scores them (`retrieval.ranking`) with the request's nudges (`meaning.adjust`),
selects them with the listener's own artists bounded by how well their history fits the request, orders them
along an asked-for energy arc, and checks the result (`checks.check_constraints`).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np

from assistant.model.constraints import Check, Constraints, Length
from assistant.model.playlist import Playlist, PlaylistTrack
from assistant.planning.arc_order import order_for_arc
from assistant.planning.candidates import describe, gather, name_like, request_fit
from assistant.planning.checks import check_constraints, missing_artists, pool_facts
from assistant.planning.explain import why
from assistant.planning.meaning import (
    adjust,
    covers_mask,
    is_own,
    own_share,
    reference_rows,
    resolve_era,
    restrict,
    yield_to_references,
)
from retrieval.filters import FilterSpec, allowed_mask
from retrieval.library import Library
from retrieval.ranking import Weights, score, select
from retrieval.taste import TasteProfile

PINNED_BONUS = 1.0  # above the whole spread of the other candidates' scores
REISSUE_PENALTY = 1.0  # the best-to-median gap: an older song re-released in the asked years only fills in
PREFER_YEAR_BONUS = 0.5  # 'Pop Hits 2020': that year's releases first, by half the best-to-median gap (chosen on playlists.dev)
TITLE_BONUS = 1.0  # x spread: a title that carries the request's subject ('christmas songs')
DEDUPE_DEPTH = 2000  # only the best-scored candidates can be picked, so only they are de-duplicated
TYPICAL_TRACK_MS = 225_000  # to turn a length in minutes into a number of tracks


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
    default_length = c.length.minutes is None and c.length.tracks is None
    if default_length:
        c = c.model_copy(update={"length": Length(tracks=default_tracks)})
    c = resolve_era(library, c, _rows_of(library, c.seed_tracks))
    # the artists and tracks the listener named (not the tracks a refill keeps, which are pinned as include_tracks)
    c = yield_to_references(library, c, reference_rows(library, c, _rows_of(library, c.seed_tracks)))
    spec = filter_spec(c)
    banned = set(exclude_rows or ()) | set(_rows_of(library, c.exclude_tracks))
    if banned:
        spec = replace(spec, exclude_rows=frozenset(banned))
    missing = missing_artists(library, c.include_artists)
    allowed = allowed_mask(cat, spec)  # empty when none of the requested artists exists
    need = c.length.tracks or max(1, math.ceil(c.length.minutes * 60000 / TYPICAL_TRACK_MS))
    allowed, notes, found = restrict(library, c, allowed, taste, need)
    if found is not None and default_length:  # no length was asked for: as many as there are of the kind
        c = c.model_copy(update={"length": Length(tracks=found)})
        notes = [n + f", so the playlist has {found} tracks" for n in notes]
    if notes:
        c = c.model_copy(update={"notes": c.notes + [n for n in notes if n not in c.notes]})
    cap = c.max_per_artist if c.max_per_artist is not None else (None if c.include_artists else default_max_per_artist)
    if c.popularity == "one_hit_wonders":
        cap = 1

    pool = gather(library, c, allowed, taste)
    pinned = [r for r in _rows_of(library, c.include_tracks) if allowed[r]]
    rows = np.union1d(pool.rows, np.asarray(pinned, dtype=np.int64)) if pinned else pool.rows
    cands = describe(library, c, rows, pool.text_q, taste, pool.seed_vec, pool.term_scores)
    if pool.lexical is not None and len(rows):
        top_lex = float(pool.lexical.max())
        cands.lexical = (pool.lexical[rows] / top_lex).astype(np.float32) if top_lex > 0 else None
    discovery = {"hits": min(c.discovery, 0.1), "deep_cuts": max(c.discovery, 0.85)}.get(c.popularity, c.discovery)
    scores, parts = score(cands, weights_for(taste), discovery)
    spread = _spread(scores)
    scores = adjust(library, c, rows, scores, spread)
    if pool.titled is not None and len(rows):
        scores = scores + TITLE_BONUS * spread * np.isin(rows, pool.titled)
    if c.prefer_year is not None and len(rows):
        scores = scores + PREFER_YEAR_BONUS * spread * (np.asarray(cat.column("year")[rows]) == c.prefer_year)
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
    share = None
    if taste is not None and taste.play_counts:  # the request bounds the listener's taste
        played = np.fromiter(taste.play_counts, dtype=np.int64)
        fit = request_fit(library, c, played, pool.term_scores)
        if fit is not None:
            full = np.zeros(len(cat), dtype=np.float32)
            full[played] = fit
            share = own_share(library, c, taste, full)
    picked = select(
        cands,
        scores,
        target_tracks=c.length.tracks,
        target_ms=c.length.minutes * 60000 if c.length.minutes else None,
        max_per_artist=cap,
        own=is_own(taste, cands.artist_codes) if share is not None else None,
        max_own=math.floor(share * need) if share is not None else None,
    )
    picked = order_for_arc(picked, np.asarray(cat.column("energy"))[cands.rows], c.ordering.arc)
    entries = [
        PlaylistTrack(track=cat.track(int(cands.rows[i])), why=why(library, c, cands, parts, i), score=round(float(scores[i]), 4))
        for i in picked
    ]
    facts = pool_facts(library, c, allowed, missing, missing_works or [], _unknown_name(c, pool.lexical))
    report = check_constraints(c, [e.track for e in entries], facts, cap)
    extra = meaning_checks(library, c, [int(cands.rows[i]) for i in picked])
    if extra:
        report = report.model_copy(update={"checks": report.checks + extra,
                                           "satisfied": report.satisfied and all(x.satisfied for x in extra)})
    ranked = cands.rows[np.argsort(-scores, kind="stable")].tolist()
    return Playlist(
        constraints=c,
        tracks=entries,
        report=report,
        catalogue=cat.meta.get("label", cat.meta.get("name", "")),
        listener=listener,
        candidate_rows=ranked,
    )


def meaning_checks(library: Library, c: Constraints, rows: list[int]) -> list[Check]:
    """The checks only the library can make: covers are covers, titles carry the asked-for words, and the whole
    request was read."""
    out: list[Check] = []
    if c.covers_of:
        mask = covers_mask(library, c.covers_of)
        bad = [r for r in rows if not mask[r]]
        out.append(Check(constraint=f"covers of {', '.join(c.covers_of)}", satisfied=bool(rows) and not bad,
                         detail=(f"every track is a song {', '.join(c.covers_of)} recorded, by someone else" if rows and not bad
                                 else f"{len(bad)} tracks are not covers" if bad
                                 else f"no covers of {', '.join(c.covers_of)} in this catalogue")))
    if c.title_words:
        pats = [re.compile(rf"\b{re.escape(w.casefold())}\b") for w in c.title_words]
        bad = [r for r in rows if not all(p.search(library.catalogue.titles[r].casefold()) for p in pats)]
        out.append(Check(constraint=f"titles with {', '.join(repr(w) for w in c.title_words)}",
                         satisfied=bool(rows) and not bad,
                         detail="every title has them" if rows and not bad else
                         f"{len(bad)} titles do not" if bad else "no title in this catalogue has them"))
    if c.unread:
        out.append(Check(constraint="the whole request", satisfied=False,
                         detail="I could not read " + "; ".join(repr(u) for u in c.unread) + ": rephrase it (e.g. "
                                "'at most 100 BPM', '90 minutes', 'no songs after 2010') and I will apply it"))
    return out


def _spread(scores: np.ndarray) -> float:
    """The gap between the best (99th percentile) and the median candidate: the scale of soft nudges."""
    finite = scores[np.isfinite(scores)]
    return float(np.percentile(finite, 99) - np.percentile(finite, 50)) if len(finite) else 0.0


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
    """The request's words when it reads as nothing but a name ('3 hours of Zzyzx Qwerty Band') and no track's
    title, artist, album or tags share a word with them; else None."""
    name = name_like(c)
    return name if name and (lexical is None or float(np.max(lexical, initial=0.0)) <= 0) else None


