"""Taste profiles on synthetic vectors: interests, recency, skips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from retrieval.taste import affinity, build_taste

NOW = datetime(2024, 6, 1, tzinfo=UTC)
D = 32


def _cluster(rng, axis: int, n: int, noise: float = 0.15) -> np.ndarray:
    v = np.zeros((n, D), np.float32)
    v[:, axis] = 1.0
    v += rng.normal(0, noise, size=(n, D)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _world(seed: int = 0):
    """Rows 0-199 random background, 200-239 'jazz' around e0, 240-279 'metal' around e1."""
    rng = np.random.default_rng(seed)
    bg = rng.normal(size=(200, D)).astype(np.float32)
    bg /= np.linalg.norm(bg, axis=1, keepdims=True)
    vecs = np.vstack([bg, _cluster(rng, 0, 40), _cluster(rng, 1, 40)])
    codes = np.arange(len(vecs), dtype=np.int32) // 10  # ten tracks per artist
    return vecs, codes


def _listen_all(rows, days_ago=None):
    rows = list(rows)
    ts = [NOW - timedelta(days=(days_ago[i] if days_ago else i % 20)) for i in range(len(rows))]
    return rows, ts, [False] * len(rows)


def _cos(a, b) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_jazz_and_metal_listener_gets_two_centroids_not_the_average():
    vecs, codes = _world()
    rows, ts, sk = _listen_all(list(range(200, 280)) * 2)
    p = build_taste(rows, ts, sk, vecs, codes)
    assert p.centroids.shape == (2, D)
    assert np.allclose(np.linalg.norm(p.centroids, axis=1), 1, atol=1e-5)
    assert np.allclose(sorted(p.centroid_weights), [0.5, 0.5], atol=0.05)
    e0, e1 = np.eye(D)[0], np.eye(D)[1]
    best = sorted([max(_cos(c, e0), _cos(c, e1)) for c in p.centroids])
    assert best[0] > 0.9  # each centroid sits on one cluster
    assert {int(np.argmax([_cos(c, e0), _cos(c, e1)])) for c in p.centroids} == {0, 1}
    mean = vecs[200:280].mean(axis=0)
    assert _cos(mean, e0) < 0.75 and _cos(mean, e1) < 0.75  # the average alone is far from both
    # both interests score well; unrelated background does not
    a = affinity(p, vecs)
    assert a.shape == (280,) and a.min() >= -1 and a.max() <= 1
    assert a[200:240].mean() > 0.6 and a[240:280].mean() > 0.6
    assert a[:200].mean() < 0.2
    assert p.play_counts[200] == 2 and sum(p.play_counts.values()) == 160
    assert abs(sum(p.artist_affinity.values()) - 1) < 1e-6 and p.artist_affinity[20] == 20 / 160


def test_single_interest_gives_one_centroid():
    vecs, codes = _world(1)
    p = build_taste(*_listen_all(range(200, 240)), vecs, codes)
    assert len(p.centroids) == 1 and p.centroid_weights.tolist() == [1.0]
    assert _cos(p.centroids[0], np.eye(D)[0]) > 0.9


def test_minor_interest_is_kept_with_its_share():
    vecs, codes = _world(2)
    rows = list(range(200, 240)) * 3 + list(range(240, 250))  # mostly jazz, some metal
    p = build_taste(*_listen_all(rows), vecs, codes)
    assert len(p.centroids) == 2
    assert np.allclose(sorted(p.centroid_weights), [10 / 130, 120 / 130], atol=1e-6)


def test_recent_follows_the_newest_listens():
    vecs, codes = _world(3)
    rows = list(range(200, 240)) + list(range(240, 280))
    days = [200 + i for i in range(40)] + [i % 5 for i in range(40)]  # jazz long ago, metal this week
    p = build_taste(rows, [NOW - timedelta(days=d) for d in days], [False] * 80, vecs, codes)
    e0, e1 = np.eye(D)[0], np.eye(D)[1]
    assert _cos(p.recent, e1) > 0.8 and _cos(p.recent, e0) < 0.2
    assert abs(_cos(p.long_term, e0) - _cos(p.long_term, e1)) < 0.2  # long term weighs both
    a = affinity(p, vecs)
    assert a[240:280].mean() > a[200:240].mean()
    # `now` anchors the decay; far in the future everything has decayed alike, so the direction holds
    later = build_taste(rows, [NOW - timedelta(days=d) for d in days], [False] * 80, vecs, codes,
                        now=NOW + timedelta(days=3000))
    assert later.newest == NOW


def test_skips_count_against():
    vecs, codes = _world(4)
    plays = list(range(200, 240))
    skipped = list(range(240, 260)) * 2
    rows = plays + skipped
    flags = [False] * len(plays) + [True] * len(skipped)
    ts = [NOW - timedelta(days=i % 10) for i in range(len(rows))]
    with_skips = build_taste(rows, ts, flags, vecs, codes)
    without = build_taste(plays, ts[: len(plays)], flags[: len(plays)], vecs, codes)
    assert with_skips.skipped_rows[240] == 2 and 240 not in with_skips.play_counts
    assert len(with_skips.centroids) == 1  # skipped tracks make no interest
    metal = vecs[240:280]
    assert affinity(with_skips, metal).mean() < affinity(without, metal).mean()
    # given rows, the skipped tracks themselves drop further than unplayed metal
    scores = affinity(with_skips, metal, rows=np.arange(240, 280))
    assert scores[:20].mean() < scores[20:].mean() - 0.3
    assert _cos(with_skips.long_term, np.eye(D)[1]) < _cos(without.long_term, np.eye(D)[1])


def test_no_usable_history_gives_empty_profile():
    vecs, codes = _world(5)
    p = build_taste([None, None, 201], [NOW] * 3, [False, False, True], vecs, codes)
    assert p.empty and p.long_term is None and p.recent is None
    assert p.counts == {"plays": 0, "skips": 1, "unmatched": 2}
    assert np.all(affinity(p, vecs[:5]) == 0)


def test_deterministic():
    vecs, codes = _world(6)
    rng = np.random.default_rng(9)
    rows = rng.integers(0, 280, size=300).tolist()
    a = build_taste(*_listen_all(rows), vecs, codes)
    b = build_taste(*_listen_all(rows), vecs, codes)
    assert np.array_equal(a.centroids, b.centroids) and 1 <= len(a.centroids) <= 6
    assert np.array_equal(affinity(a, vecs), affinity(b, vecs))


def test_taste_from_stored_listens(tmp_path):
    from retrieval.importers.history import Listen
    from retrieval.store.listens import Store
    from retrieval.taste import taste_from_listens
    from retrieval.tracks import Catalogue, Track

    vecs, _ = _world(7)
    cat = Catalogue.from_tracks(Track(track_id=f"t{i}", title=f"Song {i}", artist=f"A{i // 10}") for i in range(280))
    listens = [Listen(ts=NOW - timedelta(hours=i), artist="a", title=f"s{i}", skipped=i % 5 == 4, source="x")
               for i in range(60)]
    ids = [f"t{200 + i}" if i < 50 else None for i in range(60)]
    with Store(tmp_path / "s.db") as s:
        s.add_listens("alex", listens, ids, "k")
        p = taste_from_listens(s.listens("alex"), cat, vecs)
    assert p.counts == {"plays": 40, "skips": 10, "unmatched": 10}
    assert len(p.centroids) == 2 and set(p.artist_affinity) <= {20, 21, 22, 23, 24}


def test_era_and_album_affinity_favour_the_years_and_albums_played():
    from retrieval.taste import TasteProfile, album_affinity, era_affinity
    from retrieval.tracks import Catalogue, Track

    def t(i, artist, year, album):
        return Track(track_id=f"t{i}", title=f"Song {i}", artist=artist, year=year, album=album, duration_ms=200_000)

    cat = Catalogue.from_tracks([t(0, "Coldplay", 2014, "Ghost Stories"), t(1, "Coldplay", 2015, "A Head Full"),
                                 t(2, "Coldplay", 2000, "Parachutes"), t(3, "Coldplay", None, "Live"),
                                 t(4, "Muse", 2014, "Ghost Stories"), t(5, "Coldplay", 2014, "Ghost Stories")])
    taste = TasteProfile(long_term=None, recent=None, centroids=np.zeros((0, 4)), centroid_weights=np.zeros(0),
                         play_counts={0: 3}, skipped_rows={}, artist_affinity={int(cat.artist_codes[0]): 1.0})
    rows = np.array([1, 2, 3, 4, 5])
    era = era_affinity(cat, taste, rows, scale_years=3.0)
    assert era[0] > era[1] > 0 and era[2] == 0 and era[3] == 0  # unknown year, other artist: no lift
    assert np.isclose(era[4], 1.0)
    album = album_affinity(cat, taste, rows)
    assert album.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]  # Muse's 'Ghost Stories' is another album
