"""The foundation's must-show on the real 66k-track catalogue (../shared/data, as in CI): imported once per session
by the real CLI (`real_home` in tests/conftest.py: vectors, FAISS and BM25, about 20-40 s on 2 cores), then '45
minutes of upbeat 90s rock for a road trip, no Nirvana' must hold every hard constraint and be rock."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_app(real_home, encoder):
    from assistant.compose import build
    from assistant.model.settings import Settings

    app = build(Settings(home=real_home), encoder=encoder)
    yield app
    app.close()


def test_the_road_trip_must_show(real_app):
    pl = real_app.planner.playlist("45 minutes of upbeat 90s rock for a road trip, no Nirvana")
    tracks = [e.track for e in pl.tracks]
    assert pl.report.satisfied, pl.report
    assert all(t.year is not None and 1990 <= t.year <= 1999 for t in tracks)
    assert not any("nirvana" in t.artist.casefold() for t in tracks)
    assert abs(sum(t.duration_ms for t in tracks) / 60000 - 45) <= 45 * 0.05
    # a rock listener would accept it: rock-tagged artists, not country ('road trip' once pulled in 'Road ...' songs)
    # ('country rock' alone doesn't count as rock: the country songs it pulled in were tagged with it)
    rock = sum(any("rock" in g and "country" not in g for g in t.genres) for t in tracks)
    assert rock >= 0.8 * len(tracks), [(t.artist, t.genres) for t in tracks]
    # 90s songs, not a 90s compilation's 1968 'Magic Carpet Ride' (earlier releases and Hot 100 weeks date a song)
    lib = real_app.planner.library()
    first = lib.works().first_year
    older = [t.title for t in tracks if first[lib.catalogue.row_of(t.track_id)] < 1990]
    assert len(older) <= 1, older


def test_impossible_requests_get_a_clear_report(real_app):
    from assistant.model.errors import NoPlaylist

    future = real_app.planner.playlist("songs from 2090")
    assert not future.report.satisfied and not future.tracks
    assert any(not c.satisfied and c.detail for c in future.report.checks)
    for prompt in ("3 hours of Zzyzx Qwerty Band", "3 hours of songs by Zzyzx Qwerty Band"):
        try:
            nobody = real_app.planner.playlist(prompt)
        except NoPlaylist as no:  # read as too vague: a question back, not a wrong list
            assert str(no)
            continue
        failed = [ch for ch in nobody.report.checks if not ch.satisfied]
        assert not nobody.report.satisfied and any("Zzyzx Qwerty" in ch.detail for ch in failed), nobody.report


def test_a_listeners_own_artists_yield_to_the_genre_asked_for(real_app):
    """A thrash-metal listener asking for smooth jazz gets jazz, not Metallica; asking for metal, their own artists;
    asking for sad acoustic songs, quiet ones."""
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from assistant.planning import make_playlist
    from retrieval.taste import build_taste

    lib = real_app.planner.library()
    cat = lib.catalogue
    col = lib.vectors.genre_terms.index("thrash metal")
    history = np.flatnonzero(lib.genre_matrix().any_of([col]))[:60].tolist()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    taste = build_taste(history, [now - timedelta(days=60 - i) for i in range(len(history))], [False] * len(history),
                        lib.items, cat.artist_codes, now=now)

    def own(prompt: str) -> tuple[int, list]:
        pl = make_playlist(real_app.planner.constraints(prompt), lib, taste)
        mine = [e.track for e in pl.tracks if int(cat.artist_codes[cat.row_of(e.track.track_id)]) in taste.artist_affinity]
        return len(mine), pl.tracks

    n, tracks = own("smooth jazz")
    assert n == 0 and tracks, [(e.track.artist, e.track.genres) for e in tracks]
    assert sum(any("jazz" in g for g in e.track.genres) for e in tracks) >= 0.8 * len(tracks)
    n, tracks = own("metal for the gym")
    assert n >= 0.5 * len(tracks), [e.track.artist for e in tracks]
    # no genre asked, but a feel: their artists count only where the tracks have it (thrash ballads, not thrash)
    _, tracks = own("sad acoustic songs for a rainy day")
    assert sum(e.track.energy for e in tracks) / len(tracks) < 0.55, [(e.track.artist, e.track.energy) for e in tracks]
    n, tracks = own("chill music for studying")  # instrumental thrash is instrumental, but not chill
    assert n <= 0.5 * len(tracks), [(e.track.artist, e.track.energy) for e in tracks]


def test_words_beside_a_genre_refine_within_it(real_app):
    # 'west' is a word of 'west coast rap' tags too: beside a genre it only refines among that genre's tracks
    pl = real_app.planner.playlist("reggae from the west indies")
    tracks = [e.track for e in pl.tracks]
    reggae = sum(any("reggae" in g or g in ("dub", "lovers rock", "ska") for g in t.genres) for t in tracks)
    assert reggae >= 0.9 * len(tracks), [(t.artist, t.genres) for t in tracks]
    assert not any("west coast" in g for t in tracks for g in t.genres)
