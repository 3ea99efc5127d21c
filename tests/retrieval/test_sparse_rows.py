"""SparseLines (numpy) gives what scipy.sparse gave for the operations the planner uses, on random tiny matrices,
and reads and writes scipy's own .npz form."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from retrieval.genres import GenreMatrix
from retrieval.lexical import LexicalFileError, LexicalIndex
from retrieval.sparse_rows import SparseLines


def random_csr(seed: int, n: int = 40, width: int = 12, density: float = 0.2, signed: bool = False):
    rng = np.random.default_rng(seed)
    m = sparse.random(n, width, density=density, format="csr", dtype=np.float32, random_state=rng)
    if signed:
        m.data -= 0.5
    m.data = m.data.astype(np.float32)
    dense = m.toarray()
    dense[3] = 0  # an empty line
    return sparse.csr_matrix(dense)


@pytest.mark.parametrize("seed", range(6))
def test_weighted_max_and_sum_match_scipy(seed):
    m = random_csr(seed)
    weights = np.random.default_rng(seed + 100).normal(size=m.shape[1]).astype(np.float32)  # negative ones too
    best, total = SparseLines.from_scipy(m).weighted_max_and_sum(weights)
    weighted = m.multiply(weights[None, :]).tocsr()
    assert np.array_equal(best, np.asarray(weighted.max(axis=1).todense()).ravel())
    assert np.allclose(total, np.asarray(weighted.sum(axis=1)).ravel(), atol=1e-6)


def test_a_full_line_takes_its_own_max_even_below_zero():
    m = sparse.csr_matrix(np.array([[-1.0, -2.0], [0.0, -3.0]], dtype=np.float32))
    best, _ = SparseLines.from_scipy(m).weighted_max_and_sum(np.ones(2, np.float32))
    assert best.tolist() == [-1.0, 0.0]  # line 0 holds every position; line 1 has an absent one (a 0)


@pytest.mark.parametrize("seed", range(4))
def test_take_matches_row_indexing(seed):
    m = random_csr(seed)
    rows = np.random.default_rng(seed).integers(0, m.shape[0], size=25)
    taken = SparseLines.from_scipy(m).take(rows)
    expected = m[rows]
    assert np.array_equal(taken.indptr, expected.indptr)
    assert np.array_equal(taken.indices, expected.indices) and np.array_equal(taken.data, expected.data)


@pytest.mark.parametrize("seed", range(4))
def test_scatter_sum_and_lines_touching_match_scipy(seed):
    m = random_csr(seed)
    cols = [0, 5, 5, 11]
    csc = m.tocsc()
    assert np.allclose(SparseLines.from_scipy(csc).scatter_sum(cols),
                       np.asarray(csc[:, sorted(set(cols))].sum(axis=1)).ravel(), atol=1e-6)
    assert np.array_equal(SparseLines.from_scipy(m).lines_touching(cols),
                          np.asarray((m[:, sorted(set(cols))] > 0).sum(axis=1)).ravel() > 0)
    assert SparseLines.from_scipy(csc).scatter_sum([]).tolist() == [0.0] * m.shape[0]


def test_line_ids_match_coo_rows():
    m = random_csr(1)
    lines = SparseLines.from_scipy(m)
    assert np.array_equal(lines.line_ids(), m.tocoo().row) and np.array_equal(lines.indices, m.tocoo().col)


@pytest.mark.parametrize("indptr", [[0, 2, 1, 3], [1, 2, 3, 3], [0, 1, 2]])
def test_inconsistent_arrays_are_refused(indptr):
    with pytest.raises(ValueError):
        SparseLines(np.array(indptr), np.zeros(3, np.int32), np.ones(3, np.float32), 4)


class Tiny:
    """The few catalogue columns GenreMatrix reads."""

    def __init__(self, genres):
        self.genres = genres

    def __len__(self):
        return len(self.genres)


def test_genre_matrix_scores_and_tags():
    cat = Tiny([("rock", "punk"), (), ("jazz",), ("rock",), ("unknown tag",)])
    g = GenreMatrix(cat, ["jazz", "punk", "rock"])
    s = g.scores(np.array([0.0, 0.5, 1.0], np.float32))
    assert np.allclose(s, [0.8 * 1.0 + 0.2 * 0.75, 0.0, 0.0, 1.0, 0.0])
    assert np.allclose(g.scores(np.array([0.0, 0.5, 1.0], np.float32), np.array([3, 0])), [s[3], s[0]])
    assert g.any_of([1]).tolist() == [True, False, False, False, False]


def test_lexical_index_reads_scipys_npz_and_its_own(tmp_path):
    texts = ["blue in green", "so what", "green onions", "kind of blue blue"]
    idx = LexicalIndex.from_texts(texts)
    idx.save(tmp_path / "lex")
    again = LexicalIndex.load(tmp_path / "lex", rows=4)
    assert np.array_equal(again.scores("blue green"), idx.scores("blue green"))
    back = sparse.load_npz(tmp_path / "lex.npz")  # scipy reads ours ...
    sparse.save_npz(tmp_path / "old.npz", back)  # ... and an index saved by scipy (older homes) reads back
    (tmp_path / "old.json").write_text((tmp_path / "lex.json").read_text())
    assert np.array_equal(LexicalIndex.load(tmp_path / "old", rows=4).scores("blue"), idx.scores("blue"))
    expected = np.asarray(back[:, [idx.vocab["blue"], idx.vocab["green"]]].sum(axis=1)).ravel()
    assert np.allclose(idx.scores("blue green"), expected) and idx.scores("nothing here") is None
    with pytest.raises(LexicalFileError):
        LexicalIndex.load(tmp_path / "lex", rows=5)
    np.savez(tmp_path / "bad.npz", indices=np.array([0, 9]), indptr=np.array([0, 2]), format=np.array("csc"),
             shape=np.array([4, 1]), data=np.ones(2, np.float32))
    (tmp_path / "bad.json").write_text('{"x": 0}')
    with pytest.raises(LexicalFileError):  # a position past the last track
        LexicalIndex.load(tmp_path / "bad", rows=4)
