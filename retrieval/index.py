"""Vector indexes: one small interface over exact (flat) and approximate (IVF, HNSW) FAISS search.

Vectors are L2-normalised float32, so inner product = cosine similarity. Rows are catalogue row
numbers. `filtered_search` adds a boolean row mask with an exact fallback for selective masks.
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


def _as_matrix(x: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Check a float array of shape (n, d) (or (d,), read as one row) and return it as C-contiguous float32."""
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
    x = np.ascontiguousarray(x, dtype=np.float32)
    if not np.isfinite(x).all():
        raise IndexInputError(f"{name} contains NaN or infinite values; fix or drop those rows first")
    return x


def _normalised(x: np.ndarray) -> np.ndarray:
    """Return x with unit-length rows (zero rows stay zero); no copy when already normalised."""
    norms = np.linalg.norm(x, axis=1)
    if np.all((np.abs(norms - 1.0) < 1e-4) | (norms == 0.0)):
        return x
    return (x / np.maximum(norms, 1e-12)[:, None]).astype(np.float32)


def _check_k(k: Any) -> int:
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
        q = _normalised(_as_matrix(queries, "queries", self.dim))
        k = _check_k(k)
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

        x = _normalised(_as_matrix(vectors, "vectors"))
        index = faiss.IndexFlatIP(x.shape[1])
        index.add(x)
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
        x = _normalised(_as_matrix(vectors, "vectors"))
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

        x = _normalised(_as_matrix(vectors, "vectors"))
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
        sample = x
        if n > 64 * nlist:
            sample = x[np.sort(np.random.default_rng(seed).choice(n, 64 * nlist, replace=False))]
        index.train(sample)
        index.add(x)
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
    x = _as_matrix(vectors, "vectors")
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
        faiss.write_index(inner, str(tmp))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_index(path: Path) -> VectorIndex:
    """Read an index written by save_index; raises IndexFileError if it is missing or unreadable."""
    import faiss

    path = Path(path)
    if not path.is_file():
        raise IndexFileError(f"no index file at {path}; build the index first")
    try:
        inner = faiss.read_index(str(path))
    except RuntimeError as exc:
        raise IndexFileError(f"could not read index file {path} ({str(exc).strip().splitlines()[0]}); delete it and rebuild the index") from exc
    if isinstance(inner, faiss.IndexHNSWFlat):
        return HNSWIndex(inner)
    if isinstance(inner, faiss.IndexIVFFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT:
        return IVFIndex(inner)
    if isinstance(inner, faiss.IndexFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT:
        return ExactIndex(inner)
    raise IndexFileError(f"{path} holds a {type(inner).__name__}, not an index Segue wrote; delete it and rebuild the index")


# ---------------------------------------------------------------------------------------------
# filtered search


def _exact_top_k(vectors: np.ndarray, rows: np.ndarray, q: np.ndarray, k: int, chunk: int = 32768) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by cosine among `rows` of `vectors` (numpy); ties broken by lower row number.
    Works through `rows` in chunks so a large allowed set never copies the whole matrix."""
    k = min(k, len(rows))
    best_s = np.zeros(0, dtype=np.float32)
    best_r = np.zeros(0, dtype=np.int64)
    for start in range(0, len(rows), chunk):
        part_rows = rows[start:start + chunk]
        sub = np.asarray(vectors[part_rows], dtype=np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", sub, sub))  # ~2x faster than np.linalg.norm(axis=1) here
        scores = ((sub @ q) / np.maximum(norms, 1e-12)).astype(np.float32)
        if k < len(part_rows):
            top = np.argpartition(-scores, k - 1)[:k]
            scores, part_rows = scores[top], part_rows[top]
        best_s = np.concatenate([best_s, scores])
        best_r = np.concatenate([best_r, part_rows.astype(np.int64)])
        if len(best_r) > k:
            top = np.argpartition(-best_s, k - 1)[:k]
            best_s, best_r = best_s[top], best_r[top]
    order = np.lexsort((best_r, -best_s))
    return best_s[order], best_r[order]


MAX_FETCH = 200_000  # beyond this many rows from the index, exact search over the allowed rows is cheaper


def filtered_search(
    index: VectorIndex,
    vectors: np.ndarray,
    query: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    overfetch: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k catalogue rows for one query among rows where `allowed` is True (None = all rows).

    Returns 1-D (scores float32, rows int64), best first, at most k long (shorter only when fewer rows
    are allowed). Fetches k*overfetch from the index and keeps allowed rows; when fewer than k survive it
    searches the allowed rows exactly, so the answer is then the true top-k among them.
    `vectors` must be the (n, d) vectors the index was built from.
    """
    q = _normalised(_as_matrix(query, "query", index.dim))
    if q.shape[0] != 1:
        raise IndexInputError(f"query must be one vector of shape (d,) or (1, d), got {np.shape(query)}")
    k = _check_k(k)
    if isinstance(overfetch, bool) or not isinstance(overfetch, (int, np.integer)) or overfetch < 1:
        raise IndexInputError(f"overfetch must be a positive integer, got {overfetch!r}")
    n = index.ntotal
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.shape != (n, index.dim):
        raise IndexInputError(f"vectors must have shape ({n}, {index.dim}) to match the index, got {np.shape(vectors)}; rebuild the index")
    if allowed is not None:
        if not isinstance(allowed, np.ndarray) or allowed.dtype != np.bool_ or allowed.shape != (n,):
            raise IndexInputError(f"allowed must be a boolean numpy array of shape ({n},), got {getattr(allowed, 'dtype', type(allowed).__name__)} {np.shape(allowed)}")
    n_allowed = n if allowed is None else int(allowed.sum())
    empty = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))
    if k == 0 or n_allowed == 0:
        return empty
    want = min(k, n_allowed)
    # Over-fetch, filter, trim; fetch more (x8, then x64) when too few survive; then search exactly.
    # Skip a round when the mask is so selective that its over-fetch would not be expected to suffice.
    for factor in (1, 8, 64):
        fetch = min(n, k * int(overfetch) * factor)
        if factor > 1 and fetch >= n_allowed // 2:
            break  # fetching that much costs more than scoring the allowed rows exactly
        if n_allowed * fetch < want * n:
            continue
        scores, rows = index.search(q, fetch)
        scores, rows = scores[0], rows[0]
        keep = rows >= 0
        if allowed is not None:
            keep &= allowed[np.where(keep, rows, 0)]
        scores, rows = scores[keep][:k], rows[keep][:k]
        if len(rows) >= want:
            return scores.astype(np.float32), rows.astype(np.int64)
        if fetch >= min(n, MAX_FETCH):
            break
    candidates = np.arange(n, dtype=np.int64) if allowed is None else np.flatnonzero(allowed).astype(np.int64)
    return _exact_top_k(vectors, candidates, q[0], k)
