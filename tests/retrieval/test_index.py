"""Contract tests for retrieval.index, run against both index kinds on tiny data with known neighbours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.index import (
    ExactIndex,
    HNSWIndex,
    IndexFileError,
    IVFIndex,
    IndexInputError,
    build_index,
    filtered_search,
    load_index,
    save_index,
)

N = 40
DIM = 8


def arc_vectors() -> np.ndarray:
    """N unit vectors on an arc with strictly growing gaps, rotated into DIM dims.

    Angles t_i = 0.02 i + 0.001 i^2 (< pi in total), so by cosine the nearest other row of i is i-1
    (the smaller gap), and the order along the arc is the neighbour order.
    """
    i = np.arange(N, dtype=np.float64)
    t = 0.02 * i + 0.001 * i**2
    flat = np.zeros((N, DIM))
    flat[:, 0], flat[:, 1] = np.cos(t), np.sin(t)
    rotation, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((DIM, DIM)))
    return (flat @ rotation).astype(np.float32)


def brute_top_k(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    scores = vectors @ query
    rows = np.arange(len(vectors)) if allowed is None else np.flatnonzero(allowed)
    return rows[np.argsort(-scores[rows], kind="stable")][:k]


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return arc_vectors()


@pytest.fixture(scope="module", params=["exact", "hnsw", "ivf"])
def index(request, vectors):
    if request.param == "exact":
        idx = build_index(vectors, ann_threshold=10**9)
    else:
        idx = build_index(vectors, ann_threshold=0, ann=request.param)
    assert idx.kind == request.param
    return idx


def test_build_index_picks_kind_by_threshold(vectors):
    assert isinstance(build_index(vectors, ann_threshold=N + 1), ExactIndex)
    assert isinstance(build_index(vectors, ann_threshold=N), IVFIndex)
    assert isinstance(build_index(vectors, ann_threshold=N, ann="hnsw"), HNSWIndex)


def test_self_is_nearest(index, vectors):
    scores, rows = index.search(vectors, 1)
    assert rows.dtype == np.int64 and scores.dtype == np.float32
    assert rows.shape == scores.shape == (N, 1)
    assert np.array_equal(rows[:, 0], np.arange(N))
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5)


@pytest.mark.parametrize("row, expected", [(0, [0, 1, 2]), (10, [10, 9, 11]), (39, [39, 38, 37])])
def test_known_top3_order(index, vectors, row, expected):
    scores, rows = index.search(vectors[row], 3)  # a 1-D query is one row
    assert rows.tolist() == [expected]
    assert np.all(np.diff(scores[0]) <= 0)


def test_k_larger_than_n_pads(index, vectors):
    scores, rows = index.search(vectors[:2], N + 5)
    assert rows.shape == (2, N + 5)
    assert np.all(rows[:, N:] == -1) and np.all(np.isneginf(scores[:, N:]))
    assert sorted(rows[0, :N].tolist()) == list(range(N))


def test_k_zero_gives_empty_columns(index, vectors):
    scores, rows = index.search(vectors[:3], 0)
    assert scores.shape == rows.shape == (3, 0)


def test_unnormalised_input_gives_cosine(index, vectors):
    scores, rows = index.search(vectors[5] * 7.5, 3)
    assert rows[0].tolist() == [5, 4, 6]
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_save_load_round_trip(index, vectors, tmp_path: Path):
    path = tmp_path / "sub" / "vectors.faiss"
    save_index(index, path)
    assert [p.name for p in path.parent.iterdir()] == ["vectors.faiss"]  # no temp file left
    loaded = load_index(path)
    assert loaded.kind == index.kind and loaded.ntotal == N and loaded.dim == DIM
    a, b = index.search(vectors, 5), loaded.search(vectors, 5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    save_index(loaded, path)  # overwriting in place works
    assert np.array_equal(load_index(path).search(vectors, 5)[1], a[1])


def test_filtered_search_honours_mask(index, vectors):
    allowed = np.arange(N) % 2 == 0
    scores, rows = filtered_search(index, vectors, vectors[11], 5, allowed)
    assert rows.tolist() == brute_top_k(vectors, vectors[11], 5, allowed).tolist()
    assert rows.tolist() == [10, 12, 8, 14, 6]
    assert np.all(np.diff(scores) <= 0) and scores.dtype == np.float32


def test_filtered_search_without_mask_matches_search(index, vectors):
    scores, rows = filtered_search(index, vectors, vectors[20][None, :], 4, None)
    expected_scores, expected_rows = index.search(vectors[20], 4)
    assert rows.tolist() == expected_rows[0].tolist()
    assert np.allclose(scores, expected_scores[0])


def test_fallback_when_overfetch_finds_too_few(index, vectors):
    # Mask wide enough that the index is asked, but the 12 fetched rows (0..11) are all disallowed.
    allowed = np.zeros(N, dtype=bool)
    allowed[25:] = True
    scores, rows = filtered_search(index, vectors, vectors[0], 3, allowed, overfetch=4)
    assert rows.tolist() == [25, 26, 27]
    assert np.allclose(scores, vectors[[25, 26, 27]] @ vectors[0], atol=1e-5)


def test_fallback_very_selective_mask_is_exact(index, vectors):
    allowed = np.zeros(N, dtype=bool)
    allowed[[3, 30, 31, 38]] = True
    scores, rows = filtered_search(index, vectors, vectors[35], 10, allowed)
    assert rows.tolist() == [38, 31, 30, 3]  # fewer allowed rows than k: all of them, best first
    assert rows.tolist() == brute_top_k(vectors, vectors[35], 10, allowed).tolist()
    scores, rows = filtered_search(index, vectors, vectors[0], 2, allowed)  # over-fetch (rows 0..7) finds only 3
    assert rows.tolist() == [3, 30]


def test_empty_mask_and_zero_k_return_empty(index, vectors):
    scores, rows = filtered_search(index, vectors, vectors[0], 5, np.zeros(N, dtype=bool))
    assert scores.shape == rows.shape == (0,)
    assert scores.dtype == np.float32 and rows.dtype == np.int64
    assert len(filtered_search(index, vectors, vectors[0], 0, None)[1]) == 0


@pytest.mark.parametrize(
    "bad",
    [
        lambda v: v.astype(np.int64),  # wrong dtype
        lambda v: v[:, :3],  # wrong dimension
        lambda v: v.reshape(N, 2, 4),  # wrong rank
        lambda v: np.where(np.eye(N, DIM, dtype=bool), np.nan, v).astype(np.float32),  # NaN
        lambda v: v.tolist(),  # not an array
    ],
)
def test_bad_queries_raise_clear_error(index, vectors, bad):
    with pytest.raises(ValueError) as err:
        index.search(bad(vectors), 3)
    assert isinstance(err.value, IndexInputError) and str(err.value)


def test_bad_arguments_raise_clear_error(index, vectors):
    with pytest.raises(IndexInputError, match="k must be"):
        index.search(vectors, -1)
    with pytest.raises(IndexInputError, match="allowed must be a boolean"):
        filtered_search(index, vectors, vectors[0], 3, np.ones(N, dtype=np.int8))
    with pytest.raises(IndexInputError, match="allowed must be a boolean"):
        filtered_search(index, vectors, vectors[0], 3, np.ones(N - 1, dtype=bool))
    with pytest.raises(IndexInputError, match="query must be one vector"):
        filtered_search(index, vectors, vectors[:2], 3, None)
    with pytest.raises(IndexInputError, match="vectors must have shape"):
        filtered_search(index, vectors[:-1], vectors[0], 3, None)


def test_bad_build_input_raises_clear_error(vectors):
    with pytest.raises(IndexInputError, match="empty"):
        build_index(np.zeros((0, DIM), dtype=np.float32))
    with pytest.raises(IndexInputError, match="float"):
        build_index(np.array([["a", "b"]]))
    with pytest.raises(IndexInputError, match="m must be"):
        HNSWIndex.build(vectors, m=0)
    with pytest.raises(IndexInputError, match="ann must be"):
        build_index(vectors, ann="annoy")
    with pytest.raises(IndexInputError, match="nlist"):
        IVFIndex.build(vectors, nlist=N + 1)


def test_load_missing_or_corrupt_file(tmp_path: Path):
    with pytest.raises(IndexFileError, match="build the index"):
        load_index(tmp_path / "nope.faiss")
    junk = tmp_path / "junk.faiss"
    junk.write_bytes(b"not a faiss index at all")
    with pytest.raises(IndexFileError, match="rebuild"):
        load_index(junk)


@pytest.mark.parametrize("ann", ["hnsw", "ivf"])
def test_ann_recall_on_clustered_data(ann):
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((20, 32))
    x = (centres[rng.integers(0, 20, 3000)] + 0.6 * rng.standard_normal((3000, 32))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    queries = x[:200] + 0.05 * rng.standard_normal((200, 32)).astype(np.float32)
    exact = build_index(x, ann_threshold=10**9).search(queries, 10)[1]
    approx = build_index(x, ann_threshold=0, ann=ann).search(queries, 10)[1]
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall >= 0.95


def test_ivf_large_k_is_not_short():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4000, 16)).astype(np.float32)
    ivf = IVFIndex.build(x, nlist=64, nprobe=1)  # one probed list holds ~60 rows, far fewer than k
    scores, rows = ivf.search(x[:3], 500)
    assert np.all(rows >= 0) and all(len(set(r)) == 500 for r in rows)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_search_restores_faiss_global_settings(index, vectors):
    import faiss

    threads, blas = faiss.omp_get_max_threads(), faiss.cvar.distance_compute_blas_threshold
    index.search(vectors[0], 3)
    index.search(np.repeat(vectors, 2, axis=0), 3)  # a batch large enough to switch BLAS on
    assert faiss.omp_get_max_threads() == threads
    assert faiss.cvar.distance_compute_blas_threshold == blas
