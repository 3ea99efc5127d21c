"""What a request means on a catalogue, on tiny hand-made data: covers, eras against the catalogue and the seeds,
the listener's own artists bounded by how well their history fits the request, the order of an energy arc, the
biggest hits counted among what the request is about, and an occasion yielding to the artists the listener names."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from assistant.model.constraints import Constraints, Range
from assistant.planning.arc_order import order_for_arc
from assistant.planning.meaning import (
    covers_of,
    own_share,
    reference_rows,
    resolve_era,
    restrict,
    yield_to_references,
)
from retrieval.charts import ChartFacts
from retrieval.genres import GenreMatrix
from retrieval.ranking import Candidates, select
from retrieval.tracks import Catalogue, Track
from retrieval.works import WorkIndex


def _catalogue() -> Catalogue:
    rows = [("The Beatles", "Hey Jude", 1968), ("Wilson Pickett", "Hey Jude", 1969), ("The Beatles", "Let It Be", 1970),
            ("Aretha Franklin", "Let It Be", 1970), ("Aretha Franklin", "Respect", 1967),
            ("Paul McCartney & The Beatles", "Hey Jude - Live", 2009), ("Metallica", "One", 1988),
            ("Metallica", "Fuel", 1998), ("Metallica", "Enter Sandman", 1991), ("Metallica", "Battery", 1986),
            ("Newer Band", "Song", 2019)]
    return Catalogue.from_tracks(Track(track_id=f"t{i}", title=t, artist=a, year=y) for i, (a, t, y) in enumerate(rows))


def test_covers_are_songs_the_artist_recorded_by_someone_else():
    cat = _catalogue()
    mask = covers_of(cat, WorkIndex(cat), ["The Beatles"])
    assert [cat.titles[i] + " / " + cat.artists[i] for i in np.flatnonzero(mask)] == [
        "Hey Jude / Wilson Pickett", "Let It Be / Aretha Franklin"]  # not their own, nor a credit they share


def test_eras_read_against_the_seeds_and_the_catalogue():
    cat = _catalogue()
    library = SimpleNamespace(catalogue=cat, works=lambda: WorkIndex(cat))
    newer = resolve_era(library, Constraints(seed_artists=["Metallica"], era="newer"))
    assert newer.years.min == 1993 and "newer" in newer.notes[-1]  # after 75% of Metallica's years (1986-1998)
    older = resolve_era(library, Constraints(seed_artists=["Metallica"], era="older"))
    assert older.years.max == 1986  # before most of them
    new = resolve_era(library, Constraints(era="new"))
    assert new.years.min == 2016 and "2018" in new.notes[-1]  # the last three of the catalogue's years (99.5th percentile)
    kept = resolve_era(library, Constraints(seed_artists=["Metallica"], era="newer", years=Range(max=1990)))
    assert kept.years == Range(max=1990) and "contradicts" in kept.notes[-1]
    assert resolve_era(library, Constraints(era="newer")).years is None  # no seed to compare with: said, not guessed


def _cands(n: int, own_every: int = 2) -> tuple[Candidates, np.ndarray]:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(n, 4)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    cands = Candidates(rows=np.arange(n), relevance=np.zeros(n, np.float32), popularity=np.zeros(n, np.float32),
                       durations_ms=np.full(n, 200_000.0), artist_codes=np.arange(n, dtype=np.int32), vectors=v)
    return cands, np.arange(n) % own_every == 0


def test_the_listeners_own_artists_fill_at_most_their_share():
    cands, own = _cands(40)
    scores = np.where(own, 2.0, 1.0)  # their own artists score highest
    assert sum(own[select(cands, scores, target_tracks=10)]) == 10  # unbounded: all their own
    picked = select(cands, scores, target_tracks=10, own=own, max_own=3)
    assert len(picked) == 10 and sum(own[picked]) == 3
    assert sum(own[select(cands, scores, target_tracks=10, own=own, max_own=0)]) == 0


def test_the_share_is_how_much_of_their_history_fits_the_request():
    taste = SimpleNamespace(play_counts={0: 8, 1: 2}, artist_affinity={})
    fit = np.zeros(5)
    fit[1] = 1.0  # only the track they played twice fits the request
    assert own_share(None, Constraints(), taste, fit) == 0.2  # 2 of 10 plays fit (and the floor is 0.2)
    fit[0] = 1.0
    assert own_share(None, Constraints(), taste, fit) == 1.0
    assert own_share(None, Constraints(familiarity="favourites"), taste, fit * 0) is None  # 'my favourites': no bound
    assert own_share(None, Constraints(), taste, None) is None  # nothing in the request to compare with


def test_an_energy_arc_orders_the_picks():
    energy = np.array([0.9, 0.1, 0.5, 0.3, 0.7])
    picked = [0, 1, 2, 3, 4]
    assert [energy[i] for i in order_for_arc(picked, energy, "rising")] == [0.1, 0.3, 0.5, 0.7, 0.9]
    assert [energy[i] for i in order_for_arc(picked, energy, "falling")] == [0.9, 0.7, 0.5, 0.3, 0.1]
    peak = [energy[i] for i in order_for_arc(picked, energy, "peak")]
    assert peak.index(0.9) not in (0, 4) and peak[0] < 0.9 and peak[-1] < 0.9
    assert order_for_arc(picked, energy, "any") == picked and sorted(order_for_arc(picked, energy, "valley")) == picked


def _hits_library():
    """Twelve top-ten hits by twelve artists, and one band with one top-ten hit among its nine songs."""
    tracks = [Track(track_id=f"h{i}", title=f"Hit {i}", artist=f"Star {i}", chart_peak=1 + i % 9, popularity=80)
              for i in range(12)]
    tracks += [Track(track_id=f"b{i}", title=f"Band Song {i}", artist="The Band", chart_peak=(3 if i == 0 else None),
                     popularity=40) for i in range(9)]
    cat = Catalogue.from_tracks(tracks)
    works = WorkIndex(cat)
    charts = ChartFacts(cat, works.song_keys)
    return SimpleNamespace(catalogue=cat, works=lambda: works, charts=lambda: charts)


def test_the_biggest_hits_are_counted_among_what_the_request_is_about():
    library = _hits_library()
    allowed = np.ones(len(library.catalogue), dtype=bool)
    # the catalogue's biggest hits: enough top-ten songs, so only they remain
    out, _, _ = restrict(library, Constraints(popularity="hits", discovery=0.05), allowed, None, need=10)
    assert int(out.sum()) == 13
    # 'The Band's greatest hits': one top-ten song of theirs is too few to narrow to; their songs stay, ranked later
    out, _, _ = restrict(library, Constraints(popularity="hits", discovery=0.05, seed_artists=["The Band"]),
                         allowed, None, need=10)
    assert out.all()
    # plain 'hits' never narrow: a well-known song without chart facts is no less a hit
    out, _, _ = restrict(library, Constraints(popularity="hits"), allowed, None, need=10)
    assert out.all()


def _study_library():
    """Quiet instrumentals for studying, a singer the listener names, and a metal band."""
    tracks = [Track(track_id=f"i{i}", title=f"Etude {i}", artist="Piano Trio", energy=0.2, instrumentalness=0.9,
                    genres=["ambient"]) for i in range(4)]
    tracks += [Track(track_id=f"k{i}", title=f"Song {i}", artist="The Singer", energy=0.5 + 0.05 * i,
                     instrumentalness=0.0, genres=["r&b"]) for i in range(5)]
    tracks += [Track(track_id=f"m{i}", title=f"Riff {i}", artist="Loud Band", energy=0.95, instrumentalness=0.1,
                     genres=["thrash metal"]) for i in range(3)]
    cat = Catalogue.from_tracks(tracks)
    terms = ["ambient", "r&b", "thrash metal"]
    matrix = GenreMatrix(cat, terms)
    return SimpleNamespace(catalogue=cat, vectors=SimpleNamespace(genre_terms=terms), genre_matrix=lambda: matrix)


def test_an_occasion_yields_to_the_artists_the_listener_names():
    library = _study_library()
    study = Constraints(feature_ranges={"energy": Range(min=0.0, max=0.4), "instrumentalness": Range(min=0.3, max=1.0)},
                        avoid_genres=["metal"])
    # nothing named: the occasion's ranges and avoids hold
    assert yield_to_references(library, study, reference_rows(library, study, [])) == study
    # 'study music, some of The Singer': the ranges widen to hold the middle of the singer's songs
    named = study.model_copy(update={"seed_artists": ["The Singer"]})
    out = yield_to_references(library, named, reference_rows(library, named, []))
    assert out.feature_ranges.instrumentalness.min == 0.0 and out.feature_ranges.energy.max >= 0.65
    assert out.feature_ranges.energy.min == 0.0 and out.avoid_genres == ["metal"]  # nothing named carries metal
    # a liked metal track: metal is no longer avoided
    out = yield_to_references(library, study, reference_rows(library, study, [library.catalogue.row_of("m0")]))
    assert out.avoid_genres == [] and out.feature_ranges.energy.max == 0.95
