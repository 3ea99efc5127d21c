"""Genre tags as a sparse track x term matrix, for scoring every row against requested genres at once.

Genre tags are the artist's, so a million rows carry only a few thousand distinct tag lists: the scores are computed
once per distinct list (`tag sets`) and spread to the rows, the same numbers, bit for bit, as computing them over
the whole matrix (every row's score depends on its own tags only, taken in column order as scipy's canonical form
has them), in a fraction of the time.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

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
        data = np.ones(len(indices), dtype=np.float32)
        self.matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(catalogue), len(terms)))
        counts = np.diff(indptr).astype(np.float32)
        self.tag_counts = counts
        self.row_set = row_set  # row -> its tag set
        # the tag sets in scipy's canonical form (columns sorted, a repeated tag once with its count)
        sets = sparse.csr_matrix((np.ones(sum(len(k) for k in set_of_cols), np.float32),
                                  np.fromiter((c for k in set_of_cols for c in k), dtype=np.int32),
                                  np.r_[0, np.cumsum([len(k) for k in set_of_cols])].astype(np.int64)),
                                 shape=(len(set_of_cols), len(terms)))
        sets.sum_duplicates()
        self._sets = sets
        self._set_counts = np.fromiter((len(k) for k in set_of_cols), dtype=np.float32, count=len(set_of_cols))

    def scores(self, term_scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per row: 0.8 x the best tag's score + 0.2 x the mean over its tags (0 for untagged rows).
        The mean slightly favours tracks that are mostly the requested genre over those with one related tag."""
        per_set = self._scores_per_set(np.asarray(term_scores).astype(np.float32))
        return per_set[self.row_set if rows is None else self.row_set[rows]]

    def _scores_per_set(self, term_scores: np.ndarray) -> np.ndarray:
        """`scores` of each tag set, computed as scipy computes them for a row (`m.multiply(term_scores)`, then
        `max(axis=1)` and `sum(axis=1)` over the canonical form, implicit zeros counting in the max)."""
        sets = self._sets
        weighted = sets.data * term_scores[sets.indices]  # a tag repeated k times: k x its score, as scipy sums it
        repeated = sets.data > 1
        if repeated.any():  # scipy adds the repeats one by one
            for j in np.flatnonzero(repeated):
                total = np.float32(0)
                for _ in range(int(sets.data[j])):
                    total = np.float32(total + term_scores[sets.indices[j]])
                weighted[j] = total
        n_sets = sets.shape[0]
        best = np.zeros(n_sets, dtype=np.float32)
        total = np.zeros(n_sets, dtype=np.float32)
        tagged = np.flatnonzero(np.diff(sets.indptr) > 0)
        if len(tagged):
            starts = sets.indptr[tagged]
            best[tagged] = np.maximum.reduceat(weighted, starts)
            not_full = np.diff(sets.indptr)[tagged] < sets.shape[1]
            best[tagged[not_full]] = np.maximum(best[tagged[not_full]], 0)
            total[tagged] = np.add.reduceat(weighted, starts)
        mean = total / np.maximum(self._set_counts, 1)
        return (0.8 * best + 0.2 * mean).astype(np.float32)

    def any_of(self, cols: list[int], rows: np.ndarray | None = None) -> np.ndarray:
        """Per row (of `rows`, else all): whether it carries one of the tags `cols` (`matrix[:, cols].sum(axis=1) > 0`,
        by tag set)."""
        per_set = np.asarray(self._sets[:, list(cols)].sum(axis=1)).ravel() > 0
        return per_set[self.row_set if rows is None else self.row_set[rows]]
