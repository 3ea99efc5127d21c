"""String columns saved as UTF-8 bytes and offsets and read memory-mapped (retrieval/string_columns.py), and the
catalogue that loads them: every value comes back as it was saved, read like the list it replaces; a catalogue
saved by older code (format 1, strings.json) still loads. Tiny real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from retrieval.string_columns import GenresColumn, StringColumn, write_column
from retrieval.tracks import STRING_COLUMNS, Catalogue, Track

VALUES = ["Song", None, "", "Café ☕", os.fsdecode(b"/music/bad\xff name.mp3"), "lone \ud800 surrogate", "x" * 5000,
          None, "Sigur Rós | Ágætis byrjun"]


def test_a_column_reads_back_every_value_as_saved(tmp_path: Path) -> None:
    write_column(tmp_path, "c", VALUES)
    col = StringColumn.open(tmp_path, "c")
    assert len(col) == len(VALUES) and list(col) == VALUES and col == VALUES and VALUES == col
    assert [col[i] for i in range(len(VALUES))] == VALUES
    assert col[-1] == VALUES[-1] and col[np.int64(3)] == VALUES[3] and col[2:6] == VALUES[2:6] and col[::-3] == VALUES[::-3]
    assert col != VALUES[:-1] and col != [*VALUES[:-1], "other"]
    with pytest.raises(IndexError):
        col[len(VALUES)]
    with pytest.raises(IndexError):
        col[-len(VALUES) - 1]
    with pytest.raises(TypeError):
        col["1"]


def test_iteration_crosses_its_chunks(tmp_path: Path, monkeypatch) -> None:
    from retrieval import string_columns

    values = [None if i % 5 == 0 else f"v{i}" for i in range(1000)]
    write_column(tmp_path, "c", values)
    monkeypatch.setattr(string_columns, "_CHUNK", 7)
    assert list(StringColumn.open(tmp_path, "c")) == values


def test_an_empty_column(tmp_path: Path) -> None:
    write_column(tmp_path, "c", [])
    assert list(StringColumn.open(tmp_path, "c")) == [] and len(StringColumn.open(tmp_path, "c")) == 0


def test_damaged_bytes_are_shown_not_fatal(tmp_path: Path) -> None:
    write_column(tmp_path, "c", ["abc", "déf"])
    data = np.load(tmp_path / "c.utf8.npy")
    data[4] = 0xFF  # inside "é"
    np.save(tmp_path / "c.utf8.npy", data)
    assert StringColumn.open(tmp_path, "c")[1].startswith("d\ufffd")


def test_genres_come_back_as_tuples(tmp_path: Path) -> None:
    genres = [("rock", "indie rock"), (), ("jazz",)]
    write_column(tmp_path, "genres", ["|".join(g) for g in genres])
    col = GenresColumn.open(tmp_path, "genres")
    assert list(col) == genres and [col[i] for i in range(3)] == genres and col[1:] == genres[1:]


def catalogue() -> Catalogue:
    """Surrogates only in paths: importers refuse them elsewhere (and `content_hash` cannot encode them)."""
    plain = [v if v is None or v.isprintable() else "plain" for v in VALUES]
    tracks = [Track(track_id=f"t{i}", title=plain[i] or "untitled", artist=f"Artist {i % 3}", album=plain[i],
                    release_date="1999-01-02" if i % 2 else None, genres=["rock", "pop"] if i % 3 else [],
                    path=VALUES[(i + 4) % len(VALUES)], chart_debut=None, year=1990 + i) for i in range(len(VALUES))]
    return Catalogue.from_tracks(tracks, meta={"name": "strings"})


def test_a_saved_catalogue_loads_every_string_and_track_back(tmp_path: Path) -> None:
    cat = catalogue()
    cat.save(tmp_path / "catalog")
    loaded = Catalogue.load(tmp_path / "catalog")
    assert isinstance(loaded.titles, StringColumn) and isinstance(loaded.genres, GenresColumn)
    for c in STRING_COLUMNS:
        assert list(loaded.strings[c]) == list(cat.strings[c]), c
    assert list(loaded.genres) == list(cat.genres)
    assert [loaded.track(i) for i in range(len(cat))] == [cat.track(i) for i in range(len(cat))]
    assert loaded.row_of("t3") == 3 and np.array_equal(loaded.artist_codes, cat.artist_codes)
    assert loaded.content_hash() == cat.content_hash() == loaded.meta["content_hash"]
    loaded.meta.pop("content_hash")
    assert loaded.content_hash() == cat.content_hash()  # recomputed from the mapped columns
    loaded.save(tmp_path / "again")  # a loaded catalogue saves as it was
    assert [Catalogue.load(tmp_path / "again").track(i) for i in range(len(cat))] == [cat.track(i) for i in range(len(cat))]


def test_a_catalogue_saved_by_older_code_still_loads(tmp_path: Path) -> None:
    """Format 1 kept every string in strings.json; a home imported before still opens, the same tracks."""
    cat = catalogue()
    folder = tmp_path / "catalog"
    cat.save(folder)
    for f in folder.glob("*.utf8.npy"):
        for suffix in (".utf8.npy", ".offsets.npy", ".none.npy"):
            (folder / f.name.replace(".utf8.npy", suffix)).unlink()
    payload = {c: list(cat.strings[c]) for c in STRING_COLUMNS}
    payload["genres"] = ["|".join(g) for g in cat.genres]
    (folder / "strings.json").write_bytes(json.dumps(payload).encode("ascii"))  # format 1's escapes for surrogates
    meta = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(dict(meta, format=1)))
    old = Catalogue.load(folder)
    assert isinstance(old.titles, list)
    assert [old.track(i) for i in range(len(cat))] == [cat.track(i) for i in range(len(cat))]
