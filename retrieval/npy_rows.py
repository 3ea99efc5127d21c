"""Large row arrays written and read a chunk of rows at a time, so that building the vectors and indexes of a
million-track catalogue never holds a second full-size copy of an array, nor keeps a whole file resident.

- `NpyRowWriter` writes an (n, ...) array to a `.npy` file in row order; the file is byte for byte what `np.save`
  writes.
- `row_chunks` yields consecutive chunks (views) of an array; for a memory-mapped one, the pages a chunk read are
  dropped from this process before the next (`release`), so one pass over a 1.5 GB file holds one chunk.
- `mean_rows` is `x.mean(axis=0)` of float32 rows, bit for bit, computed chunk by chunk.
- `release` drops the resident pages of a memory-mapped array from this process (they stay in the page cache; the
  next read maps them in again).
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CHUNK_ROWS = 65536  # a multiple of FAISS's query block (4096): adding in chunks assigns exactly as adding at once


class NpyRowWriter:
    """Write an array of shape (n, *row_shape) to `path` one chunk of rows after another, in row order."""

    def __init__(self, path: Path, n: int, row_shape: tuple[int, ...], dtype=np.float32):
        self.path = Path(path)
        self.n = int(n)
        self.row_shape = tuple(int(d) for d in row_shape)
        self.dtype = np.dtype(dtype)
        self.written = 0
        self._file = open(self.path, "wb")
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": (self.n, *self.row_shape)}
        np.lib.format.write_array_header_1_0(self._file, header)

    def write(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape[1:] != self.row_shape or self.written + len(rows) > self.n:
            self.close()
            raise ValueError(f"rows of shape {rows.shape} do not fit {self.path.name} "
                             f"({self.written} of {self.n} rows of {self.row_shape} written)")
        rows.tofile(self._file)
        self.written += len(rows)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> NpyRowWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close()
        if kind is None and self.written != self.n:
            raise ValueError(f"{self.path.name}: {self.written} rows written, {self.n} announced")


def row_chunks(rows: np.ndarray, chunk: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, rows[first:first + chunk]) for consecutive chunks (`CHUNK_ROWS` rows unless told); a memory-mapped
    array's pages are released after each chunk (a caller keeping a chunk may still read it: its pages map in
    again)."""
    chunk = chunk or CHUNK_ROWS
    try:
        for start in range(0, len(rows), chunk):
            yield start, rows[start:start + chunk]
            release(rows)
    finally:
        release(rows)


def mean_rows(rows: np.ndarray, chunk: int | None = None) -> np.ndarray:
    """`rows.mean(axis=0)` of a float32 (n, d) array, bit for bit, reading one chunk at a time: numpy sums the rows
    of a C-ordered array one after another into a float32 total, which this continues across chunks."""
    if rows.dtype != np.float32 or rows.ndim != 2:
        raise TypeError(f"mean_rows needs float32 rows (n, d), got {rows.dtype} {rows.shape}")
    total = None
    for _, part in row_chunks(rows, chunk):
        total = np.add.reduce(part if total is None else np.concatenate([total[None], part]), axis=0)
    if total is None:
        return np.asarray(rows).mean(axis=0)  # no rows: numpy's own NaNs and warning
    return np.true_divide(total, np.intp(len(rows)), out=total, casting="unsafe")


def release(array: np.ndarray) -> None:
    """Drop the resident pages of a memory-mapped (read-only) array from this process; other arrays are left as
    they are. Reading it again maps the pages back in from the page cache or the file."""
    base = array
    while base is not None and not isinstance(getattr(base, "_mmap", None), mmap.mmap):
        base = getattr(base, "base", None)
    mapping = getattr(base, "_mmap", None) if base is not None else None
    if getattr(base, "mode", "c") not in ("r", "r+"):  # a copy-on-write mapping would lose its changes
        return
    if isinstance(mapping, mmap.mmap) and not mapping.closed and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)
