"""The genre matrix scores rows by tag set (retrieval/genres.py): the same numbers, bit for bit, as scoring the whole
sparse matrix with scipy as it did before, on a small real catalogue with repeated, unknown and missing tags."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from retrieval.genres import GenreMatrix
from retrieval.tracks import Catalogue, Track

TERMS = ["ambient", "jazz", "metal", "pop", "rock", "soul"]
TAGS = [["rock", "pop"], ["pop", "rock"], [], ["jazz"], ["rock", "rock", "rock"], ["metal", "unknown"], ["unknown"],
        ["soul", "jazz", "pop", "jazz"], ["ambient", "jazz", "metal", "pop", "rock", "soul"], ["rock", "pop"]]


def catalogue(n: int = 400) -> Catalogue:
    rng = np.random.default_rng(5)
    return Catalogue.from_tracks([Track(track_id=f"t{i}", title=f"s{i}", artist=f"a{i % 9}",
                                        genres=TAGS[int(rng.integers(len(TAGS)))]) for i in range(n)])


def scipy_matrix(matrix: GenreMatrix) -> sparse.csr_matrix:
    r = matrix.rows
    return sparse.csr_matrix((r.data, r.indices, r.indptr), shape=(len(r), r.width))


def scipy_scores(matrix: GenreMatrix, term_scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """What `GenreMatrix.scores` computed before tag sets: scipy over the whole (or the rows') matrix."""
    whole = scipy_matrix(matrix)
    m = whole if rows is None else whole[rows]
    counts = matrix.tag_counts if rows is None else matrix.tag_counts[rows]
    weighted = m.multiply(term_scores[None, :].astype(np.float32)).tocsr()
    best = np.asarray(weighted.max(axis=1).todense()).ravel()
    mean = np.asarray(weighted.sum(axis=1)).ravel() / np.maximum(counts, 1)
    return (0.8 * best + 0.2 * mean).astype(np.float32)


@pytest.mark.parametrize("kind", ["positive", "signed float64", "mostly zero", "all negative", "thirds"])
def test_scores_by_tag_set_are_scipys_bit_for_bit(kind) -> None:
    matrix = GenreMatrix(catalogue(), TERMS)
    rng = np.random.default_rng(len(kind))
    term_scores = {"positive": rng.random(6).astype(np.float32), "signed float64": rng.standard_normal(6),
                   "mostly zero": np.array([0, 0, 0.7, 0, 0, 0], np.float32),
                   "all negative": -rng.random(6).astype(np.float32),
                   "thirds": np.full(6, 1 / 3, np.float32)}[kind]  # repeats summed one by one round differently
    rows = np.sort(rng.choice(400, 150, replace=False))
    for r in (None, rows, rows[::-1].copy(), np.zeros(0, np.int64)):
        expected, got = scipy_scores(matrix, term_scores, r), matrix.scores(term_scores, r)
        assert got.dtype == expected.dtype == np.float32 and got.tobytes() == expected.tobytes()


def test_any_of_is_a_column_sum_over_the_matrix() -> None:
    matrix = GenreMatrix(catalogue(), TERMS)
    rows = np.arange(0, 400, 7)
    for cols in ([1], [2, 5], [0, 0, 3], []):
        expected = np.asarray(scipy_matrix(matrix)[:, cols].sum(axis=1)).ravel() > 0
        assert np.array_equal(matrix.any_of(cols), expected)
        assert np.array_equal(matrix.any_of(cols, rows), expected[rows])


def test_rows_with_the_same_tags_share_a_tag_set() -> None:
    matrix = GenreMatrix(catalogue(), TERMS)
    genres = list(catalogue().genres)
    a, b = genres.index(("rock", "pop")), genres.index(("pop", "rock"))  # the same tags in another order
    assert matrix.row_set[a] == matrix.row_set[b]
    # ("unknown",) is untagged like (); ("rock", "pop") twice and ("pop", "rock") are one set
    assert len(set(matrix.row_set.tolist())) == len(TAGS) - 3
