"""Compressed sparse lines in plain numpy: the few operations the planner runs on the genre matrix and the BM25
columns, without importing scipy.sparse (a tenth of a second of every command's start-up, issue 17).

A `SparseLines` holds `n` lines; line i has the entries `indices[indptr[i]:indptr[i+1]]` (positions across,
< `width`) with values `data[...]`. The genre matrix stores one line per track (CSR, positions are genre terms);
a BM25 index one line per word (CSC, positions are tracks). The arrays are the ones scipy's CSR/CSC use and
`scipy.sparse.save_npz` writes, so either can read what the other saved. Building stays with scipy at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SparseLines:
    indptr: np.ndarray   # int, n + 1
    indices: np.ndarray  # int32, positions across
    data: np.ndarray     # float32 values
    width: int

    def __post_init__(self) -> None:
        if self.indptr.ndim != 1 or len(self.indptr) < 1 or len(self.indices) != len(self.data) \
                or int(self.indptr[-1]) != len(self.indices) or int(self.indptr[0]) != 0 \
                or bool(np.any(np.diff(self.indptr) < 0)):
            raise ValueError("inconsistent sparse arrays")

    @classmethod
    def from_scipy(cls, matrix) -> SparseLines:
        """The lines of a scipy CSR (rows) or CSC (columns) matrix."""
        width = matrix.shape[1] if matrix.format == "csr" else matrix.shape[0]
        return cls(np.asarray(matrix.indptr), np.asarray(matrix.indices), np.asarray(matrix.data), int(width))

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @property
    def counts(self) -> np.ndarray:
        """Entries per line."""
        return np.diff(self.indptr)

    def line_ids(self) -> np.ndarray:
        """The line of every entry (the row array of a COO form)."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.counts)

    def take(self, lines: np.ndarray) -> SparseLines:
        """The given lines, in that order (like `csr[rows]`)."""
        lines = np.asarray(lines, dtype=np.int64)
        starts, counts = self.indptr[lines], self.counts[lines]
        indptr = np.zeros(len(lines) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        pos = np.repeat(starts - indptr[:-1], counts) + np.arange(int(indptr[-1]), dtype=np.int64)
        return SparseLines(indptr, self.indices[pos], self.data[pos], self.width)

    def scatter_sum(self, lines: list[int] | np.ndarray) -> np.ndarray:
        """Per position across: the sum of the given lines' values (`csc[:, cols].sum(axis=1)` for a CSC index)."""
        lines = np.unique(np.asarray(lines, dtype=np.int64))
        picked = self.take(lines)
        if not len(picked.indices):
            return np.zeros(self.width, dtype=np.float32)
        return np.bincount(picked.indices, weights=picked.data, minlength=self.width).astype(np.float32)

    def lines_touching(self, positions: list[int] | np.ndarray) -> np.ndarray:
        """Per line: True when it has an entry at any of `positions` (`(csr[:, cols].sum(axis=1) > 0)` for
        positive values)."""
        hit = np.isin(self.indices, np.asarray(positions, dtype=self.indices.dtype)) & (self.data > 0)
        return np.bincount(self.line_ids()[hit], minlength=len(self)) > 0

    def weighted_max_and_sum(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per line, with each entry's value times `weights[position]`: the largest (counting the line's absent
        positions as 0, as scipy's `max(axis=1)` does) and the sum; 0 and 0 for an empty line."""
        w = (self.data * np.asarray(weights, dtype=np.float32)[self.indices]).astype(np.float32)
        best = np.zeros(len(self), dtype=np.float32)
        total = np.zeros(len(self), dtype=np.float32)
        filled = np.flatnonzero(self.counts > 0)
        if len(filled):
            starts = self.indptr[filled]
            best[filled] = np.maximum.reduceat(w, starts)
            total[filled] = np.add.reduceat(w, starts)
            partial = self.counts[filled] < self.width  # an absent position is a 0 the max must see
            best[filled[partial]] = np.maximum(best[filled[partial]], 0)
        return best, total
