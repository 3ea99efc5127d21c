"""Damaged files in a data home, on tiny real data: the saved catalogue raises one DamagedCatalogue that says to
import again; the lexical index and the vectors (caches) raise errors their loaders turn into a rebuild."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from retrieval.catalogue_service import CatalogueService
from retrieval.lexical import LexicalFileError, LexicalIndex
from retrieval.tracks import Catalogue, DamagedCatalogue, Track
from retrieval.vectors import Vectors, VectorsError, load_vectors, save_vectors


def small_catalogue() -> Catalogue:
    tracks = [Track(track_id=f"t{i}", title=f"Song {i}", artist="Band", genres=["rock"],
                    path=os.fsdecode(b"/music/bad\xff name.mp3") if i == 0 else None) for i in range(4)]
    return Catalogue.from_tracks(tracks, meta={"name": "small"})


def test_a_path_with_undecodable_bytes_saves_and_loads_back(tmp_path: Path) -> None:
    cat = small_catalogue()
    cat.save(tmp_path / "catalog")
    assert Catalogue.load(tmp_path / "catalog").strings["path"][0] == os.fsdecode(b"/music/bad\xff name.mp3")


@pytest.mark.parametrize("name, damage", [
    ("manifest.json", b"{\"n\": 4, \"na"), ("manifest.json", b""), ("manifest.json", b"[1]"), ("manifest.json", b"{}"),
    ("manifest.json", b"\xff\xfe\x00garbage"), ("title.utf8.npy", b"\x93NUMPY"), ("artist.offsets.npy", None),
    ("genres.none.npy", b""), ("year.npy", b"\x93NUMPY"), ("explicit.npy", b""), ("energy.npy", None),
])
def test_a_damaged_catalogue_is_one_error_that_says_to_import_again(tmp_path: Path, name, damage) -> None:
    small_catalogue().save(tmp_path / "catalog")
    if damage is None:
        (tmp_path / "catalog" / name).unlink()
    else:
        (tmp_path / "catalog" / name).write_bytes(damage)
    with pytest.raises(DamagedCatalogue, match="damaged .*segue catalog import PATH"):
        Catalogue.load(tmp_path / "catalog")


@pytest.mark.parametrize("name, array", [
    ("title.offsets.npy", np.array([0, 6, 12, 18, 99], dtype=np.int64)),  # past the end of the bytes
    ("title.offsets.npy", np.array([0, 12, 6, 18, 24], dtype=np.int64)),  # going backwards
    ("title.utf8.npy", np.zeros(5, dtype=np.uint8)),  # shorter than the offsets say
    ("album.none.npy", np.zeros(4, dtype=np.int64)),  # not booleans
])
def test_a_string_column_whose_files_disagree_is_damaged(tmp_path: Path, name, array) -> None:
    small_catalogue().save(tmp_path / "catalog")
    np.save(tmp_path / "catalog" / name, array)
    with pytest.raises(DamagedCatalogue, match="string column"):
        Catalogue.load(tmp_path / "catalog")


def test_a_catalogue_whose_columns_disagree_in_length_is_damaged(tmp_path: Path) -> None:
    small_catalogue().save(tmp_path / "catalog")
    np.save(tmp_path / "catalog" / "year.npy", np.zeros(3, dtype=np.float32))
    with pytest.raises(DamagedCatalogue, match=r"hold \[3, 4\] rows"):
        Catalogue.load(tmp_path / "catalog")


def test_the_service_reads_a_damaged_manifest_as_none(tmp_path: Path) -> None:
    service = CatalogueService(tmp_path, encoder_factory=lambda: None, ann_threshold=1000)
    small_catalogue().save(tmp_path / "catalog")
    assert service.manifest()["name"] == "small"
    (tmp_path / "catalog" / "manifest.json").write_bytes(b"{\"name\": \"sm")
    assert service.manifest() == {}  # so an import replaces it instead of failing on it


@pytest.mark.parametrize("damage", ["truncate", "empty", "random", "vocab-list", "vocab-out-of-range", "rows"])
def test_a_damaged_lexical_index_raises_lexical_file_error(tmp_path: Path, damage) -> None:
    cat = small_catalogue()
    LexicalIndex.build(cat).save(tmp_path / "lexical")
    npz, vocab = tmp_path / "lexical.npz", tmp_path / "lexical.json"
    assert LexicalIndex.load(tmp_path / "lexical", rows=len(cat)).scores("band") is not None
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:100])
    elif damage == "empty":
        npz.write_bytes(b"")
    elif damage == "random":
        npz.write_bytes(os.urandom(400))
    elif damage == "vocab-list":
        vocab.write_text("[1, 2]")
    elif damage == "vocab-out-of-range":
        vocab.write_text('{"band": 99999}')
    with pytest.raises(LexicalFileError):
        LexicalIndex.load(tmp_path / "lexical", rows=len(cat) + (1 if damage == "rows" else 0))


def tiny_vectors() -> Vectors:
    rng = np.random.default_rng(0)
    return Vectors(text=rng.random((4, 8), dtype=np.float32), text_inferred=np.zeros(4, bool),
                   audio=rng.random((4, 3), dtype=np.float32), audio_stats={"columns": []}, genre_terms=["rock"],
                   genre_vectors=rng.random((1, 8), dtype=np.float32), key="k")


@pytest.mark.parametrize("name, damage", [
    ("manifest.json", b"{\"version\""), ("manifest.json", b"[1, 2]"), ("manifest.json", b"\xff"),
    ("text.npy", b"\x93NUMPY\x01\x00"), ("audio.npy", b""),
])
def test_damaged_vectors_raise_vectors_error(tmp_path: Path, name, damage) -> None:
    save_vectors(tiny_vectors(), tmp_path / "v")
    assert len(load_vectors(tmp_path / "v")) == 4
    (tmp_path / "v" / name).write_bytes(damage)
    with pytest.raises(VectorsError, match="rebuilt"):
        load_vectors(tmp_path / "v")


def test_a_column_saved_as_a_scalar_is_damage_not_a_crash(tmp_path: Path) -> None:
    small_catalogue().save(tmp_path / "catalog")
    np.save(tmp_path / "catalog" / "explicit.npy", np.int8(1))
    with pytest.raises(DamagedCatalogue, match="TypeError"):
        Catalogue.load(tmp_path / "catalog")
