"""The foundation's must-show on the real 66k-track catalogue (../shared/data, as in CI): import it into a fresh
data home, then '45 minutes of upbeat 90s rock for a road trip, no Nirvana' must hold every hard constraint and
be rock. Real import, vectors, FAISS and BM25: about 20-70 s on 2 cores."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA

CATALOG = SHARED_DATA / "catalog.csv.gz"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_app(tmp_path_factory, encoder):
    if not CATALOG.exists():
        pytest.skip(f"{CATALOG} is not here (CI and development machines have it beside the project)")
    from assistant.app import build
    from assistant.settings import Settings

    app = build(Settings(home=tmp_path_factory.mktemp("segue-real-home")), encoder=encoder)
    app.import_catalogue(CATALOG)
    yield app
    app.close()


def test_the_road_trip_must_show(real_app):
    pl = real_app.playlist("45 minutes of upbeat 90s rock for a road trip, no Nirvana")
    tracks = [e.track for e in pl.tracks]
    assert pl.report.satisfied, pl.report
    assert all(t.year is not None and 1990 <= t.year <= 1999 for t in tracks)
    assert not any("nirvana" in t.artist.casefold() for t in tracks)
    assert abs(sum(t.duration_ms for t in tracks) / 60000 - 45) <= 45 * 0.05
    # a rock listener would accept it: rock-tagged artists, not country ('road trip' once pulled in 'Road ...' songs)
    # ('country rock' alone doesn't count as rock: the country songs it pulled in were tagged with it)
    rock = sum(any("rock" in g and "country" not in g for g in t.genres) for t in tracks)
    assert rock >= 0.8 * len(tracks), [(t.artist, t.genres) for t in tracks]


def test_impossible_requests_get_a_clear_report(real_app):
    from assistant.errors import NoPlaylist

    future = real_app.playlist("songs from 2090")
    assert not future.report.satisfied and not future.tracks
    assert any(not c.satisfied and c.detail for c in future.report.checks)
    for prompt in ("3 hours of Zzyzx Qwerty Band", "3 hours of songs by Zzyzx Qwerty Band"):
        try:
            nobody = real_app.playlist(prompt)
        except NoPlaylist as no:  # read as too vague: a question back, not a wrong list
            assert str(no)
            continue
        failed = [ch for ch in nobody.report.checks if not ch.satisfied]
        assert not nobody.report.satisfied and any("Zzyzx Qwerty" in ch.detail for ch in failed), nobody.report
