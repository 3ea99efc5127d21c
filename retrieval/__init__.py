"""Segue retrieval: tracks, vectors, indexes, listening history, taste, candidates and ranking.

This package never imports `assistant`; it takes plain filters (boolean masks, small specs).
"""

import os as _os

# One BLAS thread: Segue's query-time maths is many small matrix-vector products, where OpenBLAS threads
# contend on a 2-core laptop (measured: 92 ms mean per playlist with the default, 36 ms with one thread).
# Set before numpy loads; an explicit OPENBLAS_NUM_THREADS in the environment wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
