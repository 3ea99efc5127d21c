"""Derived facts saved beside the index (`retrieval.derived`, issue 17 prototype): loading them gives exactly what
building them gives, and a damaged, short or foreign file is ignored (the facts are built again)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval import derived
from retrieval.charts import ChartFacts
from retrieval.tracks import Catalogue, Track
from retrieval.works import WorkIndex

ODD = ["Song 1 - Remastered 2011", "!!!", "Café (Live)", "Bad \udcff bytes", "", "Song 1", "Heroes [Deluxe Edition]"]


def catalogue() -> Catalogue:
    tracks = [Track(track_id=f"t{i}", title=ODD[i % len(ODD)] or "x", artist=["Band", "The Band & Friend", "Solo"][i % 3],
                    album=[None, "Album (Deluxe)", "!!!", "Greatest Hits"][i % 4], year=1960 + i if i % 5 else None,
                    chart_peak=(i % 50) + 1 if i % 2 else None, chart_weeks=i % 20 if i % 2 else None,
                    chart_debut=f"{1950 + i}-01-01" if i % 7 == 0 else None, popularity=float(i % 100) if i % 3 else None)
              for i in range(40)]
    return Catalogue.from_tracks(tracks, meta={"name": "odd"})


def same_works(a: WorkIndex, b: WorkIndex) -> None:
    assert a.song_keys == b.song_keys and a.album_keys == b.album_keys
    assert list(a.songs.items()) == list(b.songs.items()) and list(a.albums.items()) == list(b.albums.items())
    assert np.array_equal(a.song_ids, b.song_ids) and a.song_ids.dtype == b.song_ids.dtype
    assert np.array_equal(a.first_year, b.first_year, equal_nan=True) and a.first_year.dtype == b.first_year.dtype
    assert list(a.song_key_array) == list(b.song_key_array)


def test_saved_works_and_charts_load_back_exactly(tmp_path: Path) -> None:
    cat = catalogue()
    works = WorkIndex(cat)
    derived.save(tmp_path, "works", works.arrays())
    same_works(works, WorkIndex.from_arrays(cat, derived.load(tmp_path, "works", len(cat))))
    charts = ChartFacts(cat, works.song_keys)
    derived.save(tmp_path, "charts", charts.arrays())
    loaded = ChartFacts.from_arrays(derived.load(tmp_path, "charts", len(cat)))
    for f in ChartFacts.FIELDS:
        a, b = np.asarray(getattr(charts, f)), np.asarray(getattr(loaded, f))
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f


def test_strings_round_trip_through_blob_and_offsets() -> None:
    strings = ["", "a", "Café", "bad \udcff", "日本語", ""]
    assert derived.unpack_strings(derived.pack_strings("s", strings), "s") == strings


def test_lines_round_trip_with_newlines_surrogates_and_empties() -> None:
    for strings in ([], [""], ["", ""], ["a", "b\nc", "", "\n", "Café \udcff", "日本語"]):
        assert derived.unpack_lines(derived.pack_lines("s", strings), "s") == strings
    arrays = derived.pack_lines("s", ["ab", "c\nd", "e"])
    for damaged in ({**arrays, "s.lines": arrays["s.lines"][:-1]}, {**arrays, "s.count": arrays["s.count"][:2]},
                    {**arrays, "s.count": arrays["s.count"] + [1, 0, 0]}):
        with pytest.raises(ValueError):
            derived.unpack_lines(damaged, "s")


def test_saved_facts_of_another_layer_carry_their_own_code_key(tmp_path: Path) -> None:
    key = derived.source_key([Path(derived.__file__)], extra="another layer")
    assert key != derived.code_key()
    derived.save(tmp_path, "names", {"keys": np.arange(5)}, key)
    assert derived.path_for(tmp_path, "names", key).exists() and not derived.path_for(tmp_path, "names").exists()
    assert derived.load(tmp_path, "names", None, key)["keys"].tolist() == [0, 1, 2, 3, 4]  # any length
    assert derived.load(tmp_path, "names", None) is None


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04garbage", b"\x93NUMPY"])
def test_a_damaged_file_is_ignored(tmp_path: Path, damage: bytes) -> None:
    derived.save(tmp_path, "doubt", {"date": np.zeros(3), "genre": np.zeros(3)})
    derived.path_for(tmp_path, "doubt").write_bytes(damage)
    assert derived.load(tmp_path, "doubt", 3) is None


def test_a_file_of_another_length_or_none_is_ignored(tmp_path: Path) -> None:
    derived.save(tmp_path, "doubt", {"date": np.zeros(3), "genre": np.zeros(3)})
    assert derived.load(tmp_path, "doubt", 4) is None
    assert derived.load(tmp_path, "charts", 3) is None
    assert derived.load(None, "doubt", 3) is None
    assert derived.load(tmp_path, "doubt", 3) is not None


def test_the_file_name_carries_the_code_key(tmp_path: Path) -> None:
    assert derived.code_key() in derived.path_for(tmp_path, "works").name


def test_saving_removes_what_older_code_saved(tmp_path: Path) -> None:
    (tmp_path / "derived").mkdir()
    stale = tmp_path / "derived" / "doubt-0000000000000000.npz"
    stale.write_bytes(b"older")
    other = tmp_path / "derived" / "works-0000000000000000.npz"
    other.write_bytes(b"older")
    derived.save(tmp_path, "doubt", {"date": np.zeros(3)})
    assert not stale.exists() and other.exists() and derived.load(tmp_path, "doubt", 3) is not None


def test_a_read_only_folder_only_loses_the_saving(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("a file where the folder should be")
    derived.save(target, "doubt", {"date": np.zeros(3)})  # no error
    assert derived.load(target, "doubt", 3) is None


def test_a_library_loads_what_it_built(demo_app) -> None:
    """Integration: the demo home's library, built and saved, then loaded by fresh services: the same facts."""
    from assistant.compose import build

    first = demo_app.catalogue.library()
    shutil.rmtree(first.cache_dir / "derived", ignore_errors=True)  # built here, whatever ran before
    built = (first.works(), first.charts(), first.doubt())
    assert {p.name.split("-")[0] for p in (first.cache_dir / "derived").iterdir()} >= {"works", "charts", "doubt"}
    again = build(demo_app.settings, encoder=demo_app.catalogue.encoder)
    try:
        lib = again.catalogue.library()
        same_works(built[0], lib.works())
        for f in ChartFacts.FIELDS:
            a, b = np.asarray(getattr(built[1], f)), np.asarray(getattr(lib.charts(), f))
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f
        assert np.array_equal(built[2].date, lib.doubt().date) and np.array_equal(built[2].genre, lib.doubt().genre)
    finally:
        again.close()
