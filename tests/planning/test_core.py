"""Pure core: ranking selection, constraint checks, filters and metrics on tiny hand-made data."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.eval.playlists import ndcg_at, r_precision, recall_at
from assistant.model.constraints import Constraints, Length, Range
from assistant.planning import PoolFacts, check_constraints
from retrieval.filters import FilterSpec, allowed_mask
from retrieval.ranking import Candidates, Weights, popularity_term, score, select
from retrieval.tracks import Catalogue, Track


def _cands(n=10, artists=None, dur=None):
    rng = np.random.default_rng(0)
    v = rng.normal(size=(n, 4)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return Candidates(
        rows=np.arange(n), relevance=np.linspace(1, 0, n).astype(np.float32), popularity=np.full(n, np.nan, np.float32),
        durations_ms=np.asarray(dur if dur is not None else [180_000] * n, dtype=np.float64),
        artist_codes=np.asarray(artists if artists is not None else list(range(n)), dtype=np.int32), vectors=v,
    )


def test_select_respects_artist_cap_and_count():
    c = _cands(10, artists=[0, 0, 0, 1, 1, 1, 2, 2, 2, 3])
    s, _ = score(c, Weights(), 0.3)
    picked = select(c, s, target_tracks=6, max_per_artist=2)
    assert len(picked) == 6
    assert max(np.bincount(c.artist_codes[picked])) <= 2


def test_select_prefers_new_songs_over_a_second_version_of_one():
    c = _cands(6)
    c.song_keys = np.asarray(["rainy day", "rainy day", "go", "etcetera", "", ""], dtype=object)
    s, _ = score(c, Weights(), 0.3)
    picked = select(c, s, target_tracks=4, diversity=0.0)
    assert 0 in picked and 1 not in picked  # the cover of track 0's song waits behind every other song
    assert len(select(c, s, target_tracks=6, diversity=0.0)) == 6  # still used when nothing else is left


def test_select_fills_minutes_without_overshooting():
    c = _cands(30, dur=[200_000 + 7_000 * i for i in range(30)])
    s, _ = score(c, Weights(), 0.3)
    picked = select(c, s, target_ms=20 * 60_000, tolerance=0.05)
    total = c.durations_ms[picked].sum()
    assert abs(total - 20 * 60_000) <= 0.05 * 20 * 60_000


def test_discovery_flips_popularity_preference():
    pop = np.array([0.9, 0.05], np.float32)
    assert popularity_term(pop, 0.0)[0] > popularity_term(pop, 0.0)[1]
    assert popularity_term(pop, 1.0)[0] < popularity_term(pop, 1.0)[1]


def _t(i, **kw):
    base = dict(track_id=f"t{i}", title=kw.pop("title", f"Song {i}"), artist=kw.pop("artist", f"A{i}"), duration_ms=240_000)
    return Track(**base, **kw)


def test_filters_keep_unknown_out_of_bounds():
    cat = Catalogue.from_tracks([
        _t(0, year=1995, tempo=120), _t(1, year=None, decade=1990), _t(2, year=None), _t(3, year=1985, tempo=None),
        _t(4, year=1999, explicit=True, artist="Nirvana"),
    ])
    assert allowed_mask(cat, FilterSpec(year_min=1990, year_max=1999)).tolist() == [True, True, False, False, True]
    assert allowed_mask(cat, FilterSpec(tempo_min=100)).tolist() == [True, False, False, False, False]
    assert allowed_mask(cat, FilterSpec(exclude_artists=frozenset({"nirvana"}))).tolist()[4] is False
    assert allowed_mask(cat, FilterSpec(explicit="exclude")).tolist()[4] is False


def test_check_reports_shortfall_with_reason():
    c = Constraints(prompt="30 minutes of 1950s bossa nova", years=Range(min=1950, max=1959), length=Length(minutes=30))
    tracks = [_t(i, year=1958) for i in range(5)]  # 20 minutes
    pool = PoolFacts(catalogue_tracks=100, allowed_tracks=5, allowed_minutes=20, allowed_artists=5, description="tracks of 1950s bossa nova")
    rep = check_constraints(c, tracks, pool)
    assert not rep.satisfied
    length = next(ch for ch in rep.checks if ch.constraint.startswith("length"))
    assert "20.0 of 30 minutes" in length.detail and "only 5 tracks of 1950s bossa nova" in length.detail


def test_check_flags_a_violation():
    c = Constraints(exclude_artists=["Nirvana"], length=Length(tracks=2))
    rep = check_constraints(c, [_t(0, artist="Nirvana"), _t(1)], PoolFacts(catalogue_tracks=2, allowed_tracks=1, allowed_minutes=4))
    assert not rep.satisfied
    assert any(not ch.satisfied and "Nirvana" in ch.detail for ch in rep.checks)


def test_constraints_forbid_extra_fields_and_bad_ranges():
    with pytest.raises(ValueError):
        Constraints(mood="happy")
    with pytest.raises(ValueError):
        Range(min=2000, max=1990)
    with pytest.raises(ValueError):
        Length(minutes=10, tracks=3)


def test_metrics_on_a_known_ranking():
    gold = {"a", "b"}
    ranked = ["a", "x", "b", "y"]
    assert r_precision(ranked, gold) == 0.5
    assert recall_at(ranked, gold, 100) == 1.0
    expected = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert ndcg_at(ranked, gold) == pytest.approx(expected)


def test_range_describes_itself_plainly():
    assert Range(min=2090, max=2090).describe() == "2090"
    assert Range(min=1990, max=1999).describe() == "1990-1999"
    assert Range(min=120, max=None).describe("BPM") == ">= 120 BPM"


def test_a_songs_first_year_comes_from_its_earliest_release_or_chart_week():
    from retrieval.works import WorkIndex

    cat = Catalogue.from_tracks([
        _t(0, title="Magic Carpet Ride", artist="Steppenwolf", year=1998),
        _t(1, title="Magic Carpet Ride - Single Version", artist="Steppenwolf", year=1968),
        _t(2, title="Tush", artist="ZZ Top", year=1992, chart_debut="1975-07-12"),
        _t(3, title="Magic Carpet Ride", artist="Someone Else", year=1995),
        _t(4, title="Jealous Again", artist="The Black Crowes", year=1990),
        _t(5, title="Unknown Song", artist="Nobody", year=None),
    ])
    first = WorkIndex(cat).first_year
    assert first[:5].tolist() == [1968, 1968, 1975, 1995, 1990]  # another artist's song of the same name is not it
    assert np.isnan(first[5])
