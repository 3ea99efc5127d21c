"""Genre tags as a sparse track x term matrix, for scoring every row against requested genres at once (numpy only:
`retrieval.sparse_rows`)."""

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
        for i, tags in enumerate(catalogue.genres):
            cols.extend(pos[t] for t in tags if t in pos)
            indptr[i + 1] = len(cols)
        indices = np.asarray(cols, dtype=np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        self.rows = SparseLines(indptr, indices, data, len(terms))  # one line of tags per track
        self.tag_counts = np.diff(indptr).astype(np.float32)

    def scores(self, term_scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per row: 0.8 x the best tag's score + 0.2 x the mean over its tags (0 for untagged rows).
        The mean slightly favours tracks that are mostly the requested genre over those with one related tag."""
        m = self.rows if rows is None else self.rows.take(rows)
        counts = self.tag_counts if rows is None else self.tag_counts[rows]
        best, total = m.weighted_max_and_sum(term_scores)
        mean = total / np.maximum(counts, 1)
        return (0.8 * best + 0.2 * mean).astype(np.float32)

    def tagged_with_any(self, columns: list[int]) -> np.ndarray:
        """Per row: True when the track carries any of the terms at `columns`."""
        return self.rows.lines_touching(columns)
