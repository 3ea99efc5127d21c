"""Genre tags as a sparse track x term matrix, for scoring every row against requested genres at once."""

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
        for i, tags in enumerate(catalogue.genres):
            cols.extend(pos[t] for t in tags if t in pos)
            indptr[i + 1] = len(cols)
        indices = np.asarray(cols, dtype=np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        self.matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(catalogue), len(terms)))
        counts = np.diff(indptr).astype(np.float32)
        self.tag_counts = counts

    def scores(self, term_scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per row: 0.8 x the best tag's score + 0.2 x the mean over its tags (0 for untagged rows).
        The mean slightly favours tracks that are mostly the requested genre over those with one related tag."""
        m = self.matrix if rows is None else self.matrix[rows]
        counts = self.tag_counts if rows is None else self.tag_counts[rows]
        weighted = m.multiply(term_scores[None, :].astype(np.float32)).tocsr()
        best = np.asarray(weighted.max(axis=1).todense()).ravel()
        mean = np.asarray(weighted.sum(axis=1)).ravel() / np.maximum(counts, 1)
        return (0.8 * best + 0.2 * mean).astype(np.float32)
