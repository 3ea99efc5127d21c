"""Tests for the generated demo catalogue and the demo listeners' histories."""

from __future__ import annotations

import csv
import gzip
import json
import re
import statistics
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from retrieval.demo.catalogue import (
    DemoError,
    build_demo_catalogue,
    describe_demo,
    generate_catalogue,
    generate_histories,
    write_histories,
)
from retrieval.demo.history import HISTORY_FILE, HistoryError
from retrieval.tracks import Catalogue, Track, normalise_name

JAZZ = {"jazz", "bebop", "cool jazz", "vocal jazz", "smooth jazz", "bossa nova"}
METAL = {"metal", "heavy metal", "thrash metal", "death metal"}
LATIN = {"latin", "reggaeton", "salsa"}


@pytest.fixture(scope="module")
def tracks() -> list[Track]:
    return generate_catalogue()


@pytest.fixture(scope="module")
def by_id(tracks) -> dict[str, Track]:
    return {t.track_id: t for t in tracks}


@pytest.fixture(scope="module")
def histories(tracks) -> dict[str, list[dict]]:
    return generate_histories(tracks)


def _plays(rows: list[dict], by_id: dict[str, Track]) -> list[tuple[dict, Track]]:
    return [(r, by_id[r["spotify_track_uri"].removeprefix("spotify:track:")]) for r in rows if r["spotify_track_uri"]]


def test_same_output_every_run(tracks, histories):
    start = time.perf_counter()
    again = generate_catalogue()
    assert time.perf_counter() - start < 3.0
    assert [t.model_dump() for t in again] == [t.model_dump() for t in tracks]
    assert generate_histories(again) == histories
    other = generate_catalogue(500, seed=8)
    assert [t.title for t in other] != [t.title for t in tracks[:500]]


def test_size_genres_and_ids(tracks):
    assert len(tracks) == 12_000
    genres = {g for t in tracks for g in t.genres}
    assert len(genres) >= 30
    assert all(g == g.lower() for g in genres)
    for word in ("rock", "grunge", "punk", "metal", "dance pop", "hip hop", "trap", "r&b", "house", "techno",
                 "drum and bass", "ambient", "lo-fi beats", "jazz", "bebop", "bossa nova", "k-pop", "classical",
                 "shoegaze", "salsa", "gospel", "soundtrack"):
        assert word in genres, word
    ids = [t.track_id for t in tracks]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"demo-\d{6}", i) for i in ids)


def test_every_sampled_track_validates(tracks):
    for t in tracks[::37]:
        again = Track.model_validate(t.model_dump())
        assert again == t
        assert 1 <= len(t.genres) <= 3


def test_structure_is_coherent(tracks):
    by_artist: dict[str, list[Track]] = defaultdict(list)
    for t in tracks:
        by_artist[t.artist].append(t)
    assert 800 <= len(by_artist) <= 1500
    album_sizes = Counter((t.artist, t.album) for t in tracks)
    sizes = list(album_sizes.values())
    assert sum(6 <= s <= 14 for s in sizes) >= len(sizes) - 1  # only the last album may be cut short
    for rows in by_artist.values():
        assert len({tuple(t.genres) for t in rows}) == 1  # genres are artist-level
        assert 1 <= len({t.album for t in rows}) <= 6
        years = [t.decade + 5 if t.year is None else t.year for t in rows]
        assert max(years) - min(years) <= 30
        assert 1955 <= min(years) and max(years) <= 2026
    for t in tracks:
        if t.year is not None:
            assert t.release_date.startswith(f"{t.year:04d}-") and len(t.release_date) == 10
            assert t.decade == t.year // 10 * 10
        else:
            assert t.decade is not None and t.release_date is None
    missing_year = sum(t.year is None for t in tracks) / len(tracks)
    assert 0.03 < missing_year < 0.07


def _median(tracks, genre, field="tempo"):
    return statistics.median(getattr(t, field) for t in tracks if genre in t.genres and getattr(t, field) is not None)


def test_genre_typical_features(tracks):
    assert 120 <= _median(tracks, "house") <= 128
    assert _median(tracks, "drum and bass") > 165
    assert 84 <= _median(tracks, "hip hop") <= 100
    assert _median(tracks, "ambient") < 95
    assert _median(tracks, "ambient", "energy") < 0.35 < 0.8 < _median(tracks, "metal", "energy")
    assert _median(tracks, "classical", "acousticness") > 0.8
    assert _median(tracks, "hip hop", "speechiness") > 3 * _median(tracks, "rock", "speechiness")
    assert _median(tracks, "classical", "duration_ms") > _median(tracks, "punk", "duration_ms") * 1.5
    signatures = Counter(t.time_signature for t in tracks if t.time_signature is not None)
    assert signatures[4] / sum(signatures.values()) > 0.85
    assert {t.key for t in tracks if t.key is not None} == set(range(12))
    assert {t.mode for t in tracks if t.mode is not None} == {0, 1}
    assert 0 < sum(t.tempo is None for t in tracks) < 0.01 * len(tracks)  # a few unknown, never 0


def test_popularity_is_long_tailed_and_charts_are_rare(tracks):
    per_artist: dict[str, float] = defaultdict(float)
    for t in tracks:
        per_artist[t.artist] += t.popularity or 0.0
    sums = sorted(per_artist.values(), reverse=True)
    assert sum(sums[: len(sums) // 10]) > 0.4 * sum(sums)
    assert 0 < sum(t.popularity is None for t in tracks) < 0.05 * len(tracks)
    charted = [t for t in tracks if t.chart_peak is not None]
    assert 0.01 * len(tracks) < len(charted) <= 0.035 * len(tracks)
    known = sorted((t.popularity for t in tracks if t.popularity is not None), reverse=True)
    assert min(t.popularity for t in charted) >= known[int(0.05 * len(known))]
    assert all(t.chart_debut and t.chart_weeks and t.year for t in charted)


def test_explicit_mainly_in_hip_hop(tracks):
    def rate(genre):
        flags = [t.explicit for t in tracks if t.genres[0] == genre and t.explicit is not None]
        return sum(flags) / len(flags)

    assert rate("trap") > 0.5 and rate("hip hop") > 0.35
    assert rate("jazz") < 0.05 and rate("classical") < 0.05
    assert 0 < sum(t.explicit is None for t in tracks) < 0.15 * len(tracks)


def test_names_are_fictional(tracks, shared_data):
    with gzip.open(shared_data / "catalog.csv.gz", "rt", encoding="utf-8") as f:
        real = {normalise_name(row["artist"]) for row in csv.DictReader(f)}
    ours = {normalise_name(t.artist) for t in tracks} | {normalise_name(t.artist) for t in generate_catalogue(3000, 1)}
    assert not ours & real


def test_columnar_catalogue_matches_track_list():
    tracks = generate_catalogue(2_000, seed=3)
    cat = build_demo_catalogue(2_000, seed=3)
    assert cat.generated and cat.meta["label"] == describe_demo(2_000, 3)
    assert cat.content_hash() == Catalogue.from_tracks(tracks).content_hash()
    row, track = cat.track(123), tracks[123]
    assert (row.title, row.artist, row.album, row.genres, row.year, row.key) == (
        track.title, track.artist, track.album, track.genres, track.year, track.key)
    assert row.tempo == pytest.approx(track.tempo, abs=1e-3) and row.energy == pytest.approx(track.energy, abs=1e-6)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(DemoError, match="positive"):
        generate_catalogue(0)
    with pytest.raises(DemoError, match="seed"):
        generate_catalogue(10, seed="7")  # type: ignore[arg-type]
    with pytest.raises(HistoryError, match="generate a catalogue"):
        generate_histories([])


def test_describe_demo():
    assert describe_demo() == "Generated demo catalogue (fictional artists), 12,000 tracks, seed 7"


def test_history_rows_reference_tracks(histories, by_id):
    assert set(histories) == {"alex", "sam", "riley", "jordan"}
    for name, rows in histories.items():
        assert 800 <= len(rows) <= 3000, name
        stamps = [r["ts"] for r in rows]
        assert stamps == sorted(stamps)
        assert "2024-11-01" <= stamps[0][:10] and stamps[-1] <= "2026-10-31T23:59:59Z"
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps)
        podcasts = [r for r in rows if r["episode_name"]]
        assert podcasts and all(r["master_metadata_track_name"] is None and r["spotify_track_uri"] is None
                                for r in podcasts)
        assert 0 < sum(r["incognito_mode"] for r in rows) < 0.05 * len(rows)
        for r, t in _plays(rows, by_id):
            assert r["master_metadata_track_name"] == t.title
            assert r["master_metadata_album_artist_name"] == t.artist
            assert r["master_metadata_album_album_name"] == t.album
            assert r["reason_end"] in ("trackdone", "fwdbtn")
            assert r["skipped"] == (r["reason_end"] == "fwdbtn")
            if r["skipped"]:
                assert r["ms_played"] <= 30_000
            else:
                assert r["ms_played"] == t.duration_ms


def test_listener_tastes(histories, by_id):
    sam = _plays(histories["sam"], by_id)
    jazz = sum(bool(JAZZ & set(t.genres)) for _, t in sam) / len(sam)
    metal = sum(bool(METAL & set(t.genres)) for _, t in sam) / len(sam)
    assert 0.3 < jazz < 0.7 and 0.3 < metal < 0.7 and jazz + metal > 0.85
    jazz_energy = np.mean([t.energy for _, t in sam if JAZZ & set(t.genres) and t.energy is not None])
    metal_energy = np.mean([t.energy for _, t in sam if METAL & set(t.genres) and t.energy is not None])
    assert metal_energy - jazz_energy > 0.35

    alex = _plays(histories["alex"], by_id)
    assert sum(bool({"rock", "grunge", "punk", "alternative rock"} & set(t.genres)) for _, t in alex) > 0.8 * len(alex)
    assert 1988 <= statistics.median(t.year for _, t in alex if t.year) <= 2001

    riley = _plays(histories["riley"], by_id)
    assert sum(bool({"house", "techno", "ambient", "deep house"} & set(t.genres)) for _, t in riley) > 0.8 * len(riley)

    jordan = _plays(histories["jordan"], by_id)
    early = [t for r, t in jordan if r["ts"] < "2026-08-01"]
    late = [t for r, t in jordan if r["ts"] >= "2026-08-01"]
    assert sum(bool(LATIN & set(t.genres)) for t in early) < 0.1 * len(early)
    assert sum(bool(LATIN & set(t.genres)) for t in late) > 0.5 * len(late)


def test_skips_and_favourites(histories, by_id):
    taste = {"alex": {"rock", "grunge", "punk", "alternative rock", "hard rock", "post-punk"}}
    alex = _plays(histories["alex"], by_id)
    skipped = [t for r, t in alex if r["skipped"]]
    assert len(skipped) > 0.03 * len(alex)
    assert sum(not (taste["alex"] & set(t.genres)) for t in skipped) > 0.5 * len(skipped)
    for rows in histories.values():
        counts = Counter(r["spotify_track_uri"] for r in rows if r["spotify_track_uri"])
        assert counts.most_common(1)[0][1] >= 20


def test_write_histories(histories, tmp_path):
    paths = write_histories(histories, tmp_path)
    assert set(paths) == set(histories)
    for name, path in paths.items():
        assert path == tmp_path / name / HISTORY_FILE
        assert json.loads(path.read_text(encoding="utf-8")) == histories[name]
    with pytest.raises(HistoryError, match="folder name"):
        write_histories({"../evil": []}, tmp_path)


@pytest.mark.integration
def test_million_tracks_columnar_under_a_minute():
    start = time.perf_counter()
    cat = build_demo_catalogue(1_000_000)
    assert time.perf_counter() - start < 60
    assert len(cat) == 1_000_000 and cat.ids[-1] == "demo-999999"
    assert len(set(cat.ids[::997])) == len(cat.ids[::997])
