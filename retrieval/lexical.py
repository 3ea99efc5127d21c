"""BM25 indexes (sparse; scipy only builds them, queries are numpy): over each track's title, artist, album and
genre tags (for the names a request holds), and over its genre tags alone (for the request's other words).

Dense vectors know genres and sound; they do not know that "Ghost Stories" is a Coldplay album.
This sparse side catches names and words; the planner blends both (hybrid retrieval).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from retrieval.sparse_rows import SparseLines
from retrieval.tracks import Catalogue

TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and the of for to in on at by with from my your me i you it is are be this that or no not feat ft "
    "song songs music playlist mix tracks track best top vol edit remastered remaster version".split()
)
K1, B = 1.2, 0.75


def tokenize(text: str) -> list[str]:
    return [t for t in TOKEN.findall((text or "").casefold()) if t not in STOPWORDS and len(t) > 1]


class LexicalIndex:
    """BM25 weights as a sparse (tracks x terms) matrix kept by columns (one line of track weights per word); a
    query is a sum of columns."""

    def __init__(self, columns: SparseLines, vocab: dict[str, int]):
        self.columns = columns
        self.vocab = vocab

    @classmethod
    def build(cls, catalogue: Catalogue) -> LexicalIndex:
        """Over each track's title, artist, album and genre tags."""
        albums = catalogue.strings["album"]
        return cls.from_texts([" ".join((catalogue.titles[i], catalogue.artists[i], albums[i] or "",
                                         " ".join(catalogue.genres[i]))) for i in range(len(catalogue))])

    @classmethod
    def build_tags(cls, catalogue: Catalogue) -> LexicalIndex:
        """Over each track's genre tags only: the free words of a request may match what a track is ('tropical',
        'chill'), never what it is called."""
        # each tag word counts once and a long tag list is no weaker: a track is as much 'rap' with five tags as
        # with one ('rap', 'melodic rap', 'dfw rap' is not three times more rap), so a word's score is its rarity
        return cls.from_texts([" ".join(gs) for gs in catalogue.genres], binary=True)

    @classmethod
    def from_texts(cls, texts: list[str], binary: bool = False) -> LexicalIndex:
        """BM25 over the texts; `binary`: a word counts once per text and text length does not matter (idf only)."""
        from scipy import sparse

        vocab: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        for text in texts:
            for tok in tokenize(text):
                indices.append(vocab.setdefault(tok, len(vocab)))
            indptr.append(len(indices))
        n = len(texts)
        tf = sparse.csr_matrix(
            (np.ones(len(indices), np.float32), np.asarray(indices, np.int32), np.asarray(indptr, np.int64)),
            shape=(n, max(len(vocab), 1)),
        )
        tf.sum_duplicates()
        if binary:
            tf.data[:] = 1.0
        lengths = np.diff(tf.indptr).astype(np.float32)
        avg = float(lengths.mean()) if n else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        b = 0.0 if binary else B
        row_norm = np.repeat(K1 * (1 - b + b * lengths / max(avg, 1e-9)), np.diff(tf.indptr))
        tf.data = (tf.data * (K1 + 1) / (tf.data + row_norm) * idf[tf.indices]).astype(np.float32)
        return cls(SparseLines.from_scipy(tf.tocsc()), vocab)

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score per track, or None when no query word is in the catalogue."""
        ids = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not ids:
            return None
        return self.columns.scatter_sum(ids)

    def save(self, path: Path) -> None:
        """The columns as `scipy.sparse.save_npz` writes a CSC matrix (either can read it), the words as JSON."""
        import json

        c = self.columns
        np.savez_compressed(path.with_suffix(".npz"), indices=c.indices, indptr=c.indptr, format=np.array("csc"),
                            shape=np.array([c.width, len(c)]), data=c.data)
        path.with_suffix(".json").write_text(json.dumps(self.vocab, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path, rows: int | None = None) -> LexicalIndex:
        """Read what `save` wrote; a missing, truncated or inconsistent file raises LexicalFileError (a cache:
        delete it and it is rebuilt). `rows`: the number of tracks it must cover."""
        import json
        import zipfile

        try:
            with np.load(path.with_suffix(".npz"), allow_pickle=False) as z:
                fmt = z["format"].item()
                if (fmt.decode("ascii", "replace") if isinstance(fmt, bytes) else fmt) != "csc":
                    raise ValueError("not a CSC matrix")
                n_rows, n_cols = (int(x) for x in z["shape"])
                columns = SparseLines(z["indptr"], z["indices"], z["data"].astype(np.float32, copy=False), n_rows)
            vocab = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise LexicalFileError(f"cannot read the lexical index {path} ({type(exc).__name__})") from exc
        if not isinstance(vocab, dict) or (rows is not None and n_rows != rows) or len(columns) != n_cols or any(
                not isinstance(i, int) or not 0 <= i < n_cols for i in vocab.values()) or (
                len(columns.indices) and not 0 <= int(columns.indices.min()) <= int(columns.indices.max()) < n_rows):
            raise LexicalFileError(f"the lexical index {path} does not match its catalogue")
        return cls(columns, vocab)


class LexicalFileError(ValueError):
    """A saved lexical index that cannot be used (damaged or from another catalogue); it is a cache to rebuild."""
