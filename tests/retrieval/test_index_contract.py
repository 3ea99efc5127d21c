"""The `VectorIndex` contract: one suite of cases that every index kind must pass (DESIGN.md practice 17).

`IndexContract` holds the cases; each kind mixes it in and says how to build itself and how close to the true
neighbours it must come. The data is tiny and its answer is known: `arc_vectors` puts N unit vectors on an arc
with growing gaps (so the neighbour order is the order along the arc), and the recall cases compare with a
brute-force numpy search. A new index kind is a new class at the bottom of this file.

Kind-specific behaviour (choosing a kind, build parameters, IVF's short lists, unreadable files) is in
test_index.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.filtered_search import filtered_search
from retrieval.index import (
    IndexInputError,
    build_index,
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


def clustered(seed: int = 3, n: int = 3000, dim: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """n unit vectors around 20 centres, and 200 queries near the first 200 of them."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    x = (centres[rng.integers(0, 20, n)] + 0.6 * rng.standard_normal((n, dim))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    queries = x[:200] + 0.05 * rng.standard_normal((200, dim)).astype(np.float32)
    return x, queries


def true_top_k(x: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The true top-k rows by cosine, computed in float64 with numpy."""
    q = queries.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return np.argsort(-(q @ x.astype(np.float64).T), axis=1, kind="stable")[:, :k]


class IndexContract:
    """Cases every `VectorIndex` kind passes. A subclass sets `kind`, `min_recall` and `build(vectors)`."""

    kind: str
    min_recall: float  # recall@10 against the true neighbours on clustered data; 1.0 means exactly them

    @staticmethod
    def build(vectors: np.ndarray):
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def vectors(cls) -> np.ndarray:
        return arc_vectors()

    @pytest.fixture(scope="class")
    @classmethod
    def index(cls, vectors):
        return cls.build(vectors)

    # -- what it is ------------------------------------------------------------------------------------------
    def test_kind_size_and_dimension(self, index):
        assert index.kind == self.kind
        assert (index.ntotal, index.dim) == (N, DIM)

    # -- the true neighbours ---------------------------------------------------------------------------------
    def test_self_is_nearest(self, index, vectors):
        scores, rows = index.search(vectors, 1)
        assert rows.dtype == np.int64 and scores.dtype == np.float32
        assert rows.shape == scores.shape == (N, 1)
        assert np.array_equal(rows[:, 0], np.arange(N))
        assert np.allclose(scores[:, 0], 1.0, atol=1e-5)

    @pytest.mark.parametrize("row, expected", [(0, [0, 1, 2]), (10, [10, 9, 11]), (39, [39, 38, 37])])
    def test_known_top3_order(self, index, vectors, row, expected):
        scores, rows = index.search(vectors[row], 3)  # a 1-D query is one row
        assert rows.tolist() == [expected]
        assert np.all(np.diff(scores[0]) <= 0)

    def test_unnormalised_input_gives_cosine(self, index, vectors):
        scores, rows = index.search(vectors[5] * 7.5, 3)
        assert rows[0].tolist() == [5, 4, 6]
        assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)

    def test_recall_at_10_on_clustered_data(self):
        x, queries = clustered()
        truth = true_top_k(x, queries, 10)
        found = self.build(x).search(queries, 10)[1]
        recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(found, truth)])
        assert recall >= self.min_recall, f"{self.kind}: recall@10 {recall:.3f} < {self.min_recall}"
        if self.min_recall == 1.0:  # exact search: the very rows, in the very order
            assert np.array_equal(found, truth)

    # -- edges of k ------------------------------------------------------------------------------------------
    def test_k_larger_than_n_pads(self, index, vectors):
        scores, rows = index.search(vectors[:2], N + 5)
        assert rows.shape == (2, N + 5)
        assert np.all(rows[:, N:] == -1) and np.all(np.isneginf(scores[:, N:]))
        assert sorted(rows[0, :N].tolist()) == list(range(N))

    def test_k_zero_gives_empty_columns(self, index, vectors):
        scores, rows = index.search(vectors[:3], 0)
        assert scores.shape == rows.shape == (3, 0)

    # -- save and load ---------------------------------------------------------------------------------------
    def test_save_load_round_trip(self, index, vectors, tmp_path: Path):
        path = tmp_path / "sub" / "vectors.faiss"
        save_index(index, path)
        assert [p.name for p in path.parent.iterdir()] == ["vectors.faiss"]  # no temp file left
        loaded = load_index(path)
        assert loaded.kind == index.kind and loaded.ntotal == N and loaded.dim == DIM
        a, b = index.search(vectors, 5), loaded.search(vectors, 5)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
        save_index(loaded, path)  # overwriting in place works
        assert np.array_equal(load_index(path).search(vectors, 5)[1], a[1])

    # -- filtered search -------------------------------------------------------------------------------------
    def test_filtered_search_honours_mask(self, index, vectors):
        allowed = np.arange(N) % 2 == 0
        scores, rows = filtered_search(index, vectors, vectors[11], 5, allowed)
        assert rows.tolist() == brute_top_k(vectors, vectors[11], 5, allowed).tolist()
        assert rows.tolist() == [10, 12, 8, 14, 6]
        assert np.all(np.diff(scores) <= 0) and scores.dtype == np.float32

    def test_filtered_search_without_mask_matches_search(self, index, vectors):
        scores, rows = filtered_search(index, vectors, vectors[20][None, :], 4, None)
        expected_scores, expected_rows = index.search(vectors[20], 4)
        assert rows.tolist() == expected_rows[0].tolist()
        assert np.allclose(scores, expected_scores[0])

    def test_fallback_when_overfetch_finds_too_few(self, index, vectors):
        # Mask wide enough that the index is asked, but the 12 fetched rows (0..11) are all disallowed.
        allowed = np.zeros(N, dtype=bool)
        allowed[25:] = True
        scores, rows = filtered_search(index, vectors, vectors[0], 3, allowed, overfetch=4)
        assert rows.tolist() == [25, 26, 27]
        assert np.allclose(scores, vectors[[25, 26, 27]] @ vectors[0], atol=1e-5)

    def test_fallback_very_selective_mask_is_exact(self, index, vectors):
        allowed = np.zeros(N, dtype=bool)
        allowed[[3, 30, 31, 38]] = True
        scores, rows = filtered_search(index, vectors, vectors[35], 10, allowed)
        assert rows.tolist() == [38, 31, 30, 3]  # fewer allowed rows than k: all of them, best first
        assert rows.tolist() == brute_top_k(vectors, vectors[35], 10, allowed).tolist()
        scores, rows = filtered_search(index, vectors, vectors[0], 2, allowed)  # over-fetch (rows 0..7) finds only 3
        assert rows.tolist() == [3, 30]

    def test_empty_mask_and_zero_k_return_empty(self, index, vectors):
        scores, rows = filtered_search(index, vectors, vectors[0], 5, np.zeros(N, dtype=bool))
        assert scores.shape == rows.shape == (0,)
        assert scores.dtype == np.float32 and rows.dtype == np.int64
        assert len(filtered_search(index, vectors, vectors[0], 0, None)[1]) == 0

    # -- bad input -------------------------------------------------------------------------------------------
    @pytest.mark.parametrize(
        "bad",
        [
            lambda v: v.astype(np.int64),  # wrong dtype
            lambda v: v[:, :3],  # wrong dimension
            lambda v: v.reshape(N, 2, 4),  # wrong rank
            lambda v: np.where(np.eye(N, DIM, dtype=bool), np.nan, v).astype(np.float32),  # NaN
            lambda v: v.tolist(),  # not an array
        ],
        ids=["int-dtype", "wrong-dim", "rank-3", "nan", "list"],
    )
    def test_bad_queries_raise_clear_error(self, index, vectors, bad):
        with pytest.raises(ValueError) as err:
            index.search(bad(vectors), 3)
        assert isinstance(err.value, IndexInputError) and str(err.value)

    def test_bad_arguments_raise_clear_error(self, index, vectors):
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

    # -- process-wide state ----------------------------------------------------------------------------------
    def test_search_restores_faiss_global_settings(self, index, vectors):
        import faiss

        threads, blas = faiss.omp_get_max_threads(), faiss.cvar.distance_compute_blas_threshold
        index.search(vectors[0], 3)
        index.search(np.repeat(vectors, 2, axis=0), 3)  # a batch large enough to switch BLAS on
        assert faiss.omp_get_max_threads() == threads
        assert faiss.cvar.distance_compute_blas_threshold == blas


# --- the implementations ---------------------------------------------------------------------------------------


class TestExactIndex(IndexContract):
    kind = "exact"
    min_recall = 1.0

    @staticmethod
    def build(vectors):
        return build_index(vectors, ann_threshold=10**9)


class TestIVFIndex(IndexContract):
    kind = "ivf"
    min_recall = 0.95

    @staticmethod
    def build(vectors):
        return build_index(vectors, ann_threshold=0, ann="ivf")


class TestHNSWIndex(IndexContract):
    kind = "hnsw"
    min_recall = 0.95

    @staticmethod
    def build(vectors):
        return build_index(vectors, ann_threshold=0, ann="hnsw")
