"""Chunked building (retrieval/npy_rows.py and its users): every chunked step equals the one-shot computation it
replaced, bit for bit, and a pass over a memory-mapped file leaves nothing resident. Small real arrays and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import npy_rows
from retrieval.audio_space import unit_rows, unit_rows_in_place
from retrieval.library import AUDIO_WEIGHT, TEXT_WEIGHT, centred, combined_chunks, save_items
from retrieval.npy_rows import NpyRowWriter, mean_rows, release, row_chunks
from retrieval.vectors import Vectors


def rows(n: int, d: int, seed: int = 0, offset: float = 0.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((n, d)) + offset).astype(np.float32)


def rss_file_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssFile:"))


def test_the_row_writer_writes_what_np_save_writes(tmp_path: Path) -> None:
    x = rows(1000, 7)
    np.save(tmp_path / "whole.npy", x)
    with NpyRowWriter(tmp_path / "chunked.npy", len(x), (7,)) as out:
        for _, part in row_chunks(x, 300):
            out.write(part)
    assert (tmp_path / "chunked.npy").read_bytes() == (tmp_path / "whole.npy").read_bytes()


def test_the_row_writer_refuses_rows_that_do_not_fit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not fit"):
        with NpyRowWriter(tmp_path / "x.npy", 3, (2,)) as out:
            out.write(np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match="1 rows written, 3 announced"):
        with NpyRowWriter(tmp_path / "x.npy", 3, (2,)) as out:
            out.write(np.zeros((1, 2), np.float32))


@pytest.mark.parametrize("n, chunk", [(1, 4), (5000, 4096), (200_003, 65536), (70_000, 999)])
def test_mean_rows_is_numpys_mean_bit_for_bit(n: int, chunk: int) -> None:
    x = rows(n, 12, seed=n, offset=3.0)  # an offset makes float32 rounding order matter
    assert np.array_equal(mean_rows(x, chunk), x.mean(axis=0))


def test_mean_rows_of_a_memory_mapped_file(tmp_path: Path) -> None:
    x = rows(100_000, 16, offset=2.0)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert np.array_equal(mean_rows(mapped, 4096), x.mean(axis=0))


def test_unit_rows_in_place_equals_unit_rows() -> None:
    x = rows(20_000, 33, offset=0.5)
    x[7] = 0.0  # an all-zero row stays zero
    expected = unit_rows(x)
    assert np.array_equal(unit_rows_in_place(x.copy(), chunk=1000), expected)
    with pytest.raises(TypeError):
        unit_rows_in_place(x.astype(np.float64))


def test_combined_chunks_equal_the_whole_array_at_once(tmp_path: Path) -> None:
    text, audio = unit_rows(rows(10_000, 24, 1, 0.3)), unit_rows(rows(10_000, 5, 2))
    mean = text.mean(axis=0)
    whole = np.empty((10_000, 29), np.float32)  # the one-shot computation this replaced
    whole[:, :24] = TEXT_WEIGHT * centred(text, mean)
    whole[:, 24:] = AUDIO_WEIGHT * audio
    whole /= np.maximum(np.linalg.norm(whole, axis=1, keepdims=True), 1e-12)
    np.save(tmp_path / "t.npy", text)
    np.save(tmp_path / "a.npy", audio)
    mapped = Vectors(np.load(tmp_path / "t.npy", mmap_mode="r"), np.zeros(10_000, bool),
                     np.load(tmp_path / "a.npy", mmap_mode="r"), {}, [], np.zeros((0, 24), np.float32), "k")
    npy_rows.CHUNK_ROWS, old = 4096, npy_rows.CHUNK_ROWS
    try:
        assert np.array_equal(np.concatenate(list(combined_chunks(text, audio, mean))), whole)
        save_items(tmp_path / "items.npy", mapped, mean)
    finally:
        npy_rows.CHUNK_ROWS = old
    assert np.array_equal(np.load(tmp_path / "items.npy"), whole)


def test_a_pass_over_a_mapped_file_leaves_it_unresident(tmp_path: Path) -> None:
    x = rows(2_000_000, 16)  # 128 MB
    np.save(tmp_path / "big.npy", x)
    mapped = np.load(tmp_path / "big.npy", mmap_mode="r")
    before = rss_file_kb()
    total = sum(float(part[:, 0].sum()) for _, part in row_chunks(mapped))
    assert rss_file_kb() - before < 40_000  # one 4 MB chunk at a time, not 128 MB
    assert total == pytest.approx(float(x[:, 0].astype(np.float64).sum()), rel=1e-4)
    np.asarray(mapped[:1_000_000]).sum()  # touch half of it
    assert rss_file_kb() - before > 40_000
    release(mapped[10:20])  # a view's mapping is the whole file's
    assert rss_file_kb() - before < 40_000
    assert np.array_equal(mapped[123_456], x[123_456])  # still readable: mapped in again
    release(x)  # not mapped: nothing happens
