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


# -- building a chunk at a time, loading memory-mapped (the million-track case) ------------------------------------
def clustered(n: int, d: int = 16, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((64, d))[rng.integers(0, 64, n)] + 0.3 * rng.standard_normal((n, d))).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("kind, normalised", [("ivf", True), ("ivf", False), ("exact", False), ("ivf-sampled", True)])
def test_an_index_built_in_chunks_from_a_mapped_file_is_the_one_built_at_once(tmp_path: Path, monkeypatch, kind,
                                                                               normalised) -> None:
    from retrieval import npy_rows
    from retrieval.index import save_index

    x = clustered(12_000) * (1.0 if normalised else 3.0)
    np.save(tmp_path / "x.npy", x)
    build = {"ivf": IVFIndex.build, "exact": ExactIndex.build,  # sampled: trained on 64 x nlist rows, as at 66k
             "ivf-sampled": lambda v: IVFIndex.build(v, nlist=50)}[kind]
    save_index(build(x), tmp_path / "whole.faiss")  # one chunk: the rows as one array
    monkeypatch.setattr(npy_rows, "CHUNK_ROWS", 4096)  # three chunks, read from the mapped file
    save_index(build(np.load(tmp_path / "x.npy", mmap_mode="r")), tmp_path / "chunked.faiss")
    assert (tmp_path / "chunked.faiss").read_bytes() == (tmp_path / "whole.faiss").read_bytes()


def test_a_memory_mapped_ivf_index_finds_what_the_loaded_one_finds(tmp_path: Path) -> None:
    import faiss

    from retrieval.index import save_index

    x = clustered(12_000)
    save_index(IVFIndex.build(x), tmp_path / "ivf.faiss")
    whole, mapped = load_index(tmp_path / "ivf.faiss", mmap=False), load_index(tmp_path / "ivf.faiss")
    assert isinstance(faiss.downcast_InvertedLists(mapped.index.invlists), faiss.OnDiskInvertedLists)
    assert not isinstance(faiss.downcast_InvertedLists(whole.index.invlists), faiss.OnDiskInvertedLists)
    for queries, k in ((x[:300], 10), (x[5:6], 500), (x[:40], 1)):  # 1 query (1 thread), 40 (BLAS), 300 (threads)
        a, b = whole.search(queries, k), mapped.search(queries, k)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    save_index(mapped, tmp_path / "again.faiss")  # a mapped index is saved with its lists, not the mapping
    assert (tmp_path / "again.faiss").read_bytes() == (tmp_path / "ivf.faiss").read_bytes()


def test_a_truncated_ivf_file_is_refused_before_it_is_mapped(tmp_path: Path) -> None:
    from retrieval.index import save_index

    save_index(IVFIndex.build(clustered(3000)), tmp_path / "ivf.faiss")
    data = (tmp_path / "ivf.faiss").read_bytes()
    (tmp_path / "ivf.faiss").write_bytes(data[: len(data) - 1000])  # the lists' end is gone
    with pytest.raises(IndexFileError):
        load_index(tmp_path / "ivf.faiss")
