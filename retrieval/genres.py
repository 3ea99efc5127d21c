"""Genre tags as a sparse track x term matrix, for scoring every row against requested genres at once (numpy only:
`retrieval.sparse_rows`; scipy is not imported by a command).

Genre tags are the artist's, so a million rows carry only a few thousand distinct tag lists: the scores are computed
once per distinct list (`tag sets`) and spread to the rows, the same numbers, bit for bit, as scipy computed them
over the whole matrix (every row's score depends on its own tags only, taken in column order as scipy's canonical
form has them), in a fraction of the time.
"""

from __future__ import annotations

import numpy as np

from retrieval.sparse_rows import SparseLines
from retrieval.tracks import Catalogue


class GenreMatrix:
    """Row i holds the catalogue's genre tags of track i, over the vocabulary `terms`."""

    def __init__(self, catalogue: Catalogue, terms: list[str]):
        pos = {t: j for j, t in enumerate(terms)}
        indptr = np.zeros(len(catalogue) + 1, dtype=np.int64)
        cols: list[int] = []
        seen: dict[tuple[str, ...], tuple[list[int], int]] = {}  # a row's tags -> (its columns, its tag set)
        set_of_cols: dict[tuple[int, ...], int] = {}  # a tag set's sorted columns (repeats kept) -> its number
        row_set = np.zeros(len(catalogue), dtype=np.int32)
        for i, tags in enumerate(catalogue.genres):
            known = seen.get(tags)
            if known is None:
                row_cols = [pos[t] for t in tags if t in pos]
                known = seen[tags] = (row_cols, set_of_cols.setdefault(tuple(sorted(row_cols)), len(set_of_cols)))
            cols.extend(known[0])
            indptr[i + 1] = len(cols)
            row_set[i] = known[1]
        indices = np.asarray(cols, dtype=np.int32)
        self.rows = SparseLines(indptr, indices, np.ones(len(indices), dtype=np.float32), len(terms))  # per track
        self.tag_counts = np.diff(indptr).astype(np.float32)
        self.row_set = row_set  # row -> its tag set
        self.sets = _canonical_sets(list(set_of_cols), len(terms))
        self._set_counts = np.fromiter((len(k) for k in set_of_cols), dtype=np.float32, count=len(set_of_cols))

    def scores(self, term_scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per row: 0.8 x the best tag's score + 0.2 x the mean over its tags (0 for untagged rows).
        The mean slightly favours tracks that are mostly the requested genre over those with one related tag."""
        per_set = self._scores_per_set(np.asarray(term_scores).astype(np.float32))
        return per_set[self.row_set if rows is None else self.row_set[rows]]

    def _scores_per_set(self, term_scores: np.ndarray) -> np.ndarray:
        """`scores` of each tag set, computed as scipy computed them for a row (`m.multiply(term_scores)`, then
        `max(axis=1)` and `sum(axis=1)` over the canonical form, implicit zeros counting in the max)."""
        sets = self.sets
        weighted = sets.data * term_scores[sets.indices]  # a tag repeated k times: k x its score, as scipy sums it
        for j in np.flatnonzero(sets.data > 1):  # scipy adds the repeats one by one
            total = np.float32(0)
            for _ in range(int(sets.data[j])):
                total = np.float32(total + term_scores[sets.indices[j]])
            weighted[j] = total
        best = np.zeros(len(sets), dtype=np.float32)
        total = np.zeros(len(sets), dtype=np.float32)
        tagged = np.flatnonzero(sets.counts > 0)
        if len(tagged):
            starts = sets.indptr[tagged]
            best[tagged] = np.maximum.reduceat(weighted, starts)
            not_full = sets.counts[tagged] < sets.width
            best[tagged[not_full]] = np.maximum(best[tagged[not_full]], 0)
            total[tagged] = np.add.reduceat(weighted, starts)
        mean = total / np.maximum(self._set_counts, 1)
        return (0.8 * best + 0.2 * mean).astype(np.float32)

    def any_of(self, cols: list[int], rows: np.ndarray | None = None) -> np.ndarray:
        """Per row (of `rows`, else all): whether it carries one of the tags `cols` (by tag set)."""
        per_set = self.sets.lines_touching(cols)
        return per_set[self.row_set if rows is None else self.row_set[rows]]


def _canonical_sets(sets: list[tuple[int, ...]], width: int) -> SparseLines:
    """One line per tag set in scipy's canonical form: columns sorted, a repeated tag once with its count."""
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    indices: list[int] = []
    counts: list[float] = []
    for i, cols in enumerate(sets):  # already sorted
        for c in cols:
            if indices and len(indices) > indptr[i] and indices[-1] == c:
                counts[-1] += 1.0
            else:
                indices.append(c)
                counts.append(1.0)
        indptr[i + 1] = len(indices)
    return SparseLines(indptr, np.asarray(indices, dtype=np.int32), np.asarray(counts, dtype=np.float32), width)
