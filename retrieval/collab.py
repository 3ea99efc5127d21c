"""Collaborative track vectors from sessions (playlists, listening sessions), item2vec-style.

Within-session co-occurrence (whole session, each session's pairs weighted 1/(len-1) so long
playlists do not dominate) -> positive PMI with context-distribution smoothing (alpha=0.75)
-> truncated SVD (U * sqrt(S)) -> unit rows. This is the closed-form cousin of skip-gram
with negative sampling (Levy & Goldberg 2014).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.errors import BadInput


class CollabError(BadInput, ValueError):
    """Bad session input (item ids out of range, bad sizes)."""


def build_collab_vectors(
    n_items: int, sessions: Sequence[Sequence[int]], dim: int = 64, alpha: float = 0.75
) -> tuple[np.ndarray, np.ndarray]:
    """Return (vectors (n_items, dim) float32 unit rows, seen (n_items,) bool).

    An item is "seen" when it co-occurs with at least one other item; unseen rows are zero vectors.
    """
    import scipy.sparse as sp

    if n_items < 0 or dim < 1:
        raise CollabError(f"n_items must be >= 0 and dim >= 1 (got n_items={n_items}, dim={dim}).")
    out = np.zeros((n_items, dim), dtype=np.float32)
    seen = np.zeros(n_items, dtype=bool)
    rows, cols, weights = [], [], []
    for s, session in enumerate(sessions):
        items = np.unique(np.asarray(list(session), dtype=np.int64))
        if items.size and (items[0] < 0 or items[-1] >= n_items):
            raise CollabError(f"Session {s} has item ids outside 0..{n_items - 1}; map track ids to catalogue rows first.")
        if items.size < 2:
            continue
        rows.append(np.full(items.size, len(rows), dtype=np.int64))
        cols.append(items)
        weights.append(np.full(items.size, 1.0 / np.sqrt(items.size - 1)))
    if not rows:
        return out, seen
    b = sp.csr_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(len(rows), n_items)
    )
    co = (b.T @ b).tocsr()  # pair weight per session = 1/(len-1)
    co.setdiag(0)
    co.eliminate_zeros()
    items = np.flatnonzero(np.asarray(co.getnnz(axis=1)) > 0)
    if items.size == 0:
        return out, seen
    co = co[items][:, items].tocoo()
    total = co.data.sum()
    row_sum = np.asarray(co.sum(axis=1)).ravel()
    ctx = row_sum**alpha
    ctx_p = ctx / ctx.sum()
    pmi = np.log((co.data / total) / ((row_sum[co.row] / total) * ctx_p[co.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (co.row[keep], co.col[keep])), shape=(items.size, items.size))
    k = min(dim, items.size - 1) if items.size > 1 else 1
    if items.size <= max(2 * dim, 300):
        u, s, _ = np.linalg.svd(ppmi.toarray(), full_matrices=False)
        u, s = u[:, :k], s[:k]
    else:
        from scipy.sparse.linalg import svds

        u, s, _ = svds(ppmi, k=k, random_state=0)
    emb = u * np.sqrt(np.maximum(s, 0))[None, :]
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    ok = norms[:, 0] > 1e-12
    emb = emb / np.maximum(norms, 1e-12)
    out[items[ok], : emb.shape[1]] = emb[ok].astype(np.float32)
    seen[items[ok]] = True
    return out, seen
