"""retrieval.index beyond the contract every kind passes (test_index_contract.py): which kind build_index picks,
build parameters, IVF's short probed lists, and index files that are missing or not indexes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.index import (
    ExactIndex,
    HNSWIndex,
    IndexFileError,
    IndexInputError,
    IVFIndex,
    build_index,
    load_index,
)
from tests.retrieval.test_index_contract import DIM, N, arc_vectors


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return arc_vectors()


def test_build_index_picks_kind_by_threshold(vectors):
    assert isinstance(build_index(vectors, ann_threshold=N + 1), ExactIndex)
    assert isinstance(build_index(vectors, ann_threshold=N), IVFIndex)
    assert isinstance(build_index(vectors, ann_threshold=N, ann="hnsw"), HNSWIndex)


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


def test_ivf_large_k_is_not_short():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4000, 16)).astype(np.float32)
    ivf = IVFIndex.build(x, nlist=64, nprobe=1)  # one probed list holds ~60 rows, far fewer than k
    scores, rows = ivf.search(x[:3], 500)
    assert np.all(rows >= 0) and all(len(set(r)) == 500 for r in rows)
    assert np.all(np.diff(scores, axis=1) <= 0)
