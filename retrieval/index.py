"""Vector indexes: one small interface over exact (flat) and approximate (IVF, HNSW) FAISS search.

Vectors are L2-normalised float32, so inner product = cosine similarity. Rows are catalogue row
numbers (`retrieval.filtered_search` adds a boolean row mask). Building reads the rows a chunk at a time, so a
memory-mapped million rows is indexed without a second copy; loading memory-maps an IVF index's lists.
faiss is imported only inside the adapters.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from retrieval.errors import BadInput, NotReady
from retrieval.npy_rows import release, row_chunks

# Measured with faiss 1.15.1 on 2 shared cores (bench/ann_recall.py): one OpenMP thread beats two for
# small query batches, and BLAS only pays off for batches of >= ~20 queries.
_BLAS_MIN_QUERIES = 20
_MULTI_THREAD_MIN_QUERIES = 64
_faiss_lock = threading.Lock()  # faiss thread/BLAS settings are process-global


class IndexInputError(BadInput, ValueError):
    """Bad vectors, queries, masks or parameters given to an index."""


class IndexFileError(NotReady, ValueError):
    """An index file is missing, unreadable or of an unknown kind."""


class VectorIndex(Protocol):
    """Nearest-neighbour search over L2-normalised vectors by inner product."""

    kind: str  # "exact" | "hnsw" | "ivf"
    dim: int
    ntotal: int

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores (q,k) float32, rows (q,k) int64), best first; missing slots are row -1, score -inf."""
        ...


# ---------------------------------------------------------------------------------------------
# input checks


def _rows_view(x: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Check that x is a float array of shape (n, d) (or (d,), read as one row); return it as (n, d), not copied."""
    if not isinstance(x, np.ndarray):
        raise IndexInputError(f"{name} must be a numpy array, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise IndexInputError(f"{name} must hold floats (float32), got dtype {x.dtype}; convert with .astype(np.float32)")
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] == 0:
        raise IndexInputError(f"{name} must have shape (n, d) with d > 0, got {x.shape}")
    if dim is not None and x.shape[1] != dim:
        raise IndexInputError(f"{name} has dimension {x.shape[1]} but the index has {dim}; rebuild the index or use matching vectors")
    return x


def _finite(x: np.ndarray, name: str) -> np.ndarray:
    if not np.isfinite(x).all():
        raise IndexInputError(f"{name} contains NaN or infinite values; fix or drop those rows first")
    return x


def as_matrix(x: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Check a float array of shape (n, d) (or (d,), read as one row) and return it as C-contiguous float32."""
    return _finite(np.ascontiguousarray(_rows_view(x, name, dim), dtype=np.float32), name)


def _unit(norms: np.ndarray) -> bool:
    return bool(np.all((np.abs(norms - 1.0) < 1e-4) | (norms == 0.0)))


def normalised(x: np.ndarray) -> np.ndarray:
    """Return x with unit-length rows (zero rows stay zero); no copy when already normalised."""
    norms = np.linalg.norm(x, axis=1)
    if _unit(norms):
        return x
    return (x / np.maximum(norms, 1e-12)[:, None]).astype(np.float32)


def _checked_rows(vectors: Any, name: str = "vectors") -> tuple[np.ndarray, bool]:
    """The rows to index as (n, d), checked a chunk at a time (a memory-mapped million rows is never copied whole),
    and whether they need normalising: like `normalised` of the whole array, either every row is or none is."""
    x = _rows_view(vectors, name)
    normalise = False
    for _, part in row_chunks(x):
        normalise |= not _unit(np.linalg.norm(_finite(np.ascontiguousarray(part, dtype=np.float32), name), axis=1))
    return x, normalise


def _as_unit(part: np.ndarray, normalise: bool) -> np.ndarray:
    part = np.ascontiguousarray(part, dtype=np.float32)
    return (part / np.maximum(np.linalg.norm(part, axis=1), 1e-12)[:, None]).astype(np.float32) if normalise else part


def _unit_chunks(x: np.ndarray, normalise: bool) -> Iterator[np.ndarray]:
    """Consecutive chunks of `_checked_rows`' rows as C-contiguous float32, normalised when they need it."""
    for _, part in row_chunks(x):
        yield _as_unit(part, normalise)


def check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise IndexInputError(f"k must be a non-negative integer, got {k!r}")
    return int(k)


@contextmanager
def _search_settings(n_queries: int) -> Iterator[None]:
    """Set faiss threads and BLAS threshold for a batch of n_queries, restoring them afterwards."""
    import faiss

    with _faiss_lock:
        old_threads = faiss.omp_get_max_threads()
        old_blas = faiss.cvar.distance_compute_blas_threshold
        if n_queries < _MULTI_THREAD_MIN_QUERIES:
            faiss.omp_set_num_threads(1)
        if n_queries >= _BLAS_MIN_QUERIES:
            faiss.cvar.distance_compute_blas_threshold = _BLAS_MIN_QUERIES
        try:
            yield
        finally:
            faiss.omp_set_num_threads(old_threads)
            faiss.cvar.distance_compute_blas_threshold = old_blas


# ---------------------------------------------------------------------------------------------
# adapters


class _FaissIndex:
    """Shared search code over a faiss index holding inner-product vectors."""

    kind = "?"

    def __init__(self, index: Any):
        self.index = index
        self.dim = int(index.d)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows for each query: (scores (q,k) float32, rows (q,k) int64), -1 / -inf padded."""
        q = normalised(as_matrix(queries, "queries", self.dim))
        k = check_k(k)
        nq = q.shape[0]
        scores = np.full((nq, k), -np.inf, dtype=np.float32)
        rows = np.full((nq, k), -1, dtype=np.int64)
        kk = min(k, self.ntotal)
        if kk == 0 or nq == 0:
            return scores, rows
        with _search_settings(nq):
            s, r = self._raw_search(q, kk)
        found = r >= 0
        scores[:, :kk] = np.where(found, s, -np.inf)
        rows[:, :kk] = r
        return scores, rows

    def _raw_search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(q, k)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ntotal={self.ntotal}, dim={self.dim})"


class ExactIndex(_FaissIndex):
    """Exact search: faiss.IndexFlatIP over L2-normalised float32 vectors."""

    kind = "exact"

    @classmethod
    def build(cls, vectors: np.ndarray) -> ExactIndex:
        import faiss

        x, normalise = _checked_rows(vectors)
        index = faiss.IndexFlatIP(x.shape[1])
        for part in _unit_chunks(x, normalise):  # a chunk at a time: the same rows, in order, as one add
            index.add(part)
        return cls(index)


class HNSWIndex(_FaissIndex):
    """Approximate search: faiss.IndexHNSWFlat with inner-product metric.

    Defaults (M=32, efConstruction=200, efSearch=128) give recall@10 0.999 on 384-d clustered vectors.
    On clumpy catalogue-like vectors (tight isolated artist groups) the graph leaves some groups
    unreachable: recall@10 0.86 there, 0.97 only with M=64, efConstruction=800, efSearch=512.
    """

    kind = "hnsw"

    @classmethod
    def build(cls, vectors: np.ndarray, m: int = 32, ef_construction: int = 200, ef_search: int = 128) -> HNSWIndex:
        import faiss

        for name, value in (("m", m), ("ef_construction", ef_construction), ("ef_search", ef_search)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise IndexInputError(f"{name} must be a positive integer, got {value!r}")
        x = normalised(as_matrix(vectors, "vectors"))
        index = faiss.IndexHNSWFlat(x.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
        index.add(x)  # uses all OpenMP threads
        return cls(index)

    @property
    def ef_search(self) -> int:
        return int(self.index.hnsw.efSearch)

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise IndexInputError(f"ef_search must be a positive integer, got {value!r}")
        self.index.hnsw.efSearch = value


class IVFIndex(_FaissIndex):
    """Approximate search: faiss.IndexIVFFlat (inner product, spherical k-means coarse quantiser).

    nlist ~ 4 sqrt(n) (capped so every list has ~39+ training points), nprobe = max(16, nlist // 64).
    Builds in seconds where HNSW takes minutes on 2 cores, and copes with tight isolated clumps
    (e.g. one artist's tracks) that an HNSW graph can leave unreachable; see bench/ann_recall.py.
    """

    kind = "ivf"

    @classmethod
    def build(cls, vectors: np.ndarray, nlist: int | None = None, nprobe: int | None = None, seed: int = 0) -> IVFIndex:
        import faiss

        x, normalise = _checked_rows(vectors)
        n, d = x.shape
        if nlist is None:
            nlist = max(1, min(int(round(4 * np.sqrt(n))), n // 39))
        for name, value in (("nlist", nlist), ("nprobe", nprobe if nprobe is not None else 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise IndexInputError(f"{name} must be a positive integer, got {value!r}")
        if nlist > n:
            raise IndexInputError(f"nlist ({nlist}) cannot exceed the number of vectors ({n})")
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, int(nlist), faiss.METRIC_INNER_PRODUCT)
        index.cp.spherical = True
        index.cp.seed = seed
        index.cp.min_points_per_centroid = 1  # small lists are fine; avoids faiss warnings on small n
        if n > 64 * nlist:
            sample = _as_unit(x[np.sort(np.random.default_rng(seed).choice(n, 64 * nlist, replace=False))], normalise)
            release(x)
        else:
            sample = np.concatenate(list(_unit_chunks(x, normalise)))
        index.train(sample)
        del sample
        for part in _unit_chunks(x, normalise):  # faiss adds in blocks of 65536 itself: the same lists as one add
            index.add(part)
        index.nprobe = int(nprobe) if nprobe is not None else min(int(nlist), max(16, int(nlist) // 64))
        return cls(index)  # faiss's Python wrapper keeps `quantizer` referenced by `index`

    def _raw_search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Probe enough lists to expect ~2k candidates; redo exhaustively any query still short of k."""
        import faiss

        nlist, n = int(self.index.nlist), self.ntotal
        nprobe = min(nlist, max(self.nprobe, -(-2 * k * nlist // max(n, 1))))
        s, r = self.index.search(q, k, params=faiss.SearchParametersIVF(nprobe=nprobe))
        short = np.flatnonzero((r < 0).any(axis=1))
        if len(short) and nprobe < nlist:
            s2, r2 = self.index.search(q[short], k, params=faiss.SearchParametersIVF(nprobe=nlist))
            s[short], r[short] = s2, r2
        return s, r

    @property
    def nprobe(self) -> int:
        return int(self.index.nprobe)

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise IndexInputError(f"nprobe must be a positive integer, got {value!r}")
        self.index.nprobe = value


# ---------------------------------------------------------------------------------------------
# building, saving, loading


ANN_KINDS = ("ivf", "hnsw")


def build_index(vectors: np.ndarray, ann_threshold: int = 20_000, *, ann: str = "ivf") -> VectorIndex:
    """Exact index for fewer than `ann_threshold` rows, else the `ann` kind ("ivf" or "hnsw") with tuned defaults.

    ann_threshold=0 forces the ANN kind. IVF is the default ANN kind because it met recall@10 >= 0.95 on
    every bench set while HNSW did not on clumpy catalogue-like vectors (bench/ann_recall.py); for other
    parameters call ExactIndex.build / HNSWIndex.build / IVFIndex.build directly.
    """
    if ann not in ANN_KINDS:
        raise IndexInputError(f"ann must be one of {', '.join(ANN_KINDS)}, got {ann!r}")
    x = _rows_view(vectors, "vectors")  # checked row by row in the builders, never copied whole here
    if x.shape[0] == 0:
        raise IndexInputError("vectors is empty; there is nothing to index (add tracks first)")
    if x.shape[0] < ann_threshold:
        return ExactIndex.build(x)
    return HNSWIndex.build(x) if ann == "hnsw" else IVFIndex.build(x)


def save_index(index: VectorIndex, path: Path) -> None:
    """Write the index with faiss.write_index to a temporary file, fsync it, then os.replace into place."""
    import faiss

    inner = getattr(index, "index", None)
    if inner is None:
        raise IndexInputError(f"cannot save {type(index).__name__}: expected an ExactIndex or HNSWIndex")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        faiss.write_index(_lists_in_memory(inner), str(tmp))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _lists_in_memory(inner: Any) -> Any:
    """An IVF index whose lists are memory-mapped (`load_index`) as one holding them in memory, for writing: faiss
    would write only the mapping's bookkeeping. The file written is the one the mapped index was read from."""
    import faiss

    if not isinstance(inner, faiss.IndexIVFFlat) or not isinstance(faiss.downcast_InvertedLists(inner.invlists),
                                                                   faiss.OnDiskInvertedLists):
        return inner
    lists = faiss.ArrayInvertedLists(inner.nlist, inner.code_size)
    for i in range(inner.nlist):
        if size := inner.invlists.list_size(i):
            lists.add_entries(i, size, inner.invlists.get_ids(i), inner.invlists.get_codes(i))
    copy = faiss.IndexIVFFlat(faiss.clone_index(inner.quantizer), inner.d, inner.nlist, inner.metric_type)
    copy.replace_invlists(lists, True)
    lists.this.disown()  # the index owns its lists now
    copy.ntotal, copy.nprobe, copy.is_trained = inner.ntotal, inner.nprobe, inner.is_trained
    return copy


def load_index(path: Path, mmap: bool = True) -> VectorIndex:
    """Read an index written by save_index; raises IndexFileError if it is missing or unreadable.

    With `mmap` an IVF index's inverted lists (its vectors: 1.6 GB at a million tracks) are memory-mapped from the
    file (`faiss.IO_FLAG_MMAP`, read-only) instead of read into memory: the same search results, and a process
    holds only the lists it has probed, as file pages it shares with other processes serving the same home.
    Measured at 1M (page cache warm): loads in 0.06 s instead of 4.7 s, searches ~1 ms slower (p50 3.3-5.4 ms
    against 2.3-4.3 ms for k = 50-8000). Flat and HNSW indexes are read whole either way."""
    import faiss

    path = Path(path)
    if not path.is_file():
        raise IndexFileError(f"no index file at {path}; build the index first")
    try:
        inner = faiss.read_index(str(path), faiss.IO_FLAG_MMAP if mmap else 0)
    except RuntimeError as exc:
        raise IndexFileError(f"could not read index file {path} ({str(exc).strip().splitlines()[0]}); delete it and rebuild the index") from exc
    if isinstance(inner, faiss.IndexHNSWFlat):
        return HNSWIndex(inner)
    if isinstance(inner, faiss.IndexIVFFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT:
        lists = faiss.downcast_InvertedLists(inner.invlists)
        if isinstance(lists, faiss.OnDiskInvertedLists):
            lists.prefetch_nthread = 0  # else every search starts 32 threads to pre-read its lists: +2 ms a search
        return IVFIndex(inner)
    if isinstance(inner, faiss.IndexFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT:
        return ExactIndex(inner)
    raise IndexFileError(f"{path} holds a {type(inner).__name__}, not an index Segue wrote; delete it and rebuild the index")
