"""Segue retrieval: the catalogue, its vectors and indexes, listeners and their taste, candidates and ranking.

This package never imports `assistant`; it takes plain filters (boolean masks, small specs).

    tracks.py, home.py          tracks and the columnar catalogue; where a data home keeps things
    encoder.py, vectors.py,     the text encoder (one-method interface), track vectors (genre text, audio
    audio_space.py, collab.py   features, co-occurrence), FAISS indexes (exact, IVF, HNSW) behind `VectorIndex`
    index.py, library.py        and the loaded library that holds them (built once, memory-mapped)
    filters.py, genres.py,      hard filters as a mask, genre scores, BM25, titles and works, scoring and
    lexical.py, works.py,       selection: pure functions over candidate rows
    ranking.py, taste.py        taste profiles from plays
    catalogue_service.py        the services the composition root wires: the active catalogue (import, load,
    listeners.py                info) and the listeners (plays, feedback, taste)
    errors.py                   the one error tree (SegueError and its kinds)
    importers/, store/, demo/   what listeners bring in; the SQLite store; the generated demo catalogue
"""

import os as _os

# One BLAS thread: Segue's query-time maths is many small matrix-vector products, where OpenBLAS threads
# contend on a 2-core laptop (measured: 92 ms mean per playlist with the default, 36 ms with one thread).
# Set before numpy loads; an explicit OPENBLAS_NUM_THREADS in the environment wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
