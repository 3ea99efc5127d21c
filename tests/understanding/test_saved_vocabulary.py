"""The vocabulary's names saved at import (`understanding.saved_vocabulary`, issue 17): what a new process loads is
exactly what building gives (every table, in the same order), and a damaged, foreign or stale file is ignored and
built again. On a tiny catalogue of awkward names; the library is a stand-in holding what the saving reads (the
catalogue, the index folder and the genre terms), the import wiring is in test_vocabulary_at_import.py."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.understanding import saved_vocabulary
from assistant.understanding.catalogue_names import CatalogueNames
from assistant.understanding.entities import EntityIndex, extract
from assistant.understanding.entities.credits import CreditPairs
from assistant.understanding.name_spelling import name_words
from retrieval import derived
from retrieval.tracks import Catalogue, Track

ROWS = [  # artist, title, album, genres
    ("Radiohead", "Kid A", "Kid A", ["alternative rock"]),
    ("Radiohead", "Creep", "Pablo Honey", ["alternative rock"]),
    ("Radiohead", "Creep - Remastered 2009", "Pablo Honey", ["alternative rock"]),
    ("Major Lazer Featuring MØ", "Lean On - Remastered 2015", None, ["edm"]),
    ("Crosby, Stills & Nash", "Helplessly Hoping", None, ["folk rock"]),
    ("The Weeknd", "Blinding Lights", "After Hours", ["canadian pop"]),
    ("!!!", "Heart of Hearts", None, ["dance punk"]),  # a name of punctuation alone normalises to ''
    ("Line\nBreak Band", "Two\nLines (Live)", "Album\nWith Newline", ["noise"]),  # hostile: newlines in names
    ("Bad \udcff Bytes", "Café (feat. Ünïcode)", "Café", ["chanson"]),  # an undecodable byte kept as a surrogate
    ("Michael W. Smith", "Agnus Dei", None, ["ccm"]),
    ("Michael W. Smith", "Friends", None, ["ccm"]),
    ("Tasha Cobbs Leonard", "Break Every Chain", None, ["gospel"]),
    ("Tasha Cobbs Leonard", "Gracefully Broken", None, ["gospel"]),
    ("Madonna", "Music", "Music", ["dance pop"]),
    ("Chill", "Music", None, ["chill"]),
    ("", "No Artist", None, []),
]


def catalogue(rows=ROWS) -> Catalogue:
    tracks = [Track(track_id=f"t{i}", title=t, artist=a or "Unknown", album=al, genres=g)
              for i, (a, t, al, g) in enumerate(rows)]
    cat = Catalogue.from_tracks(tracks)
    cat.strings["artist"][-1] = ""  # as a catalogue with an empty credit holds it
    return cat


def library(cache_dir: Path | None, cat: Catalogue | None = None) -> SimpleNamespace:
    cat = cat or catalogue()
    terms = sorted({g for gs in cat.genres for g in gs}) + ["not in the catalogue"]
    return SimpleNamespace(catalogue=cat, cache_dir=cache_dir, vectors=SimpleNamespace(genre_terms=terms))


def same_entities(a: EntityIndex, b: EntityIndex) -> None:
    for field in ("artists", "artist_tracks", "titles", "albums"):
        assert list(getattr(a, field).items()) == list(getattr(b, field).items()), field
    assert (a.common_words, a.genre_terms, a.genre_words, a.max_words) == (b.common_words, b.genre_terms,
                                                                              b.genre_words, b.max_words)
    assert (a._by_length, a._lengths) == (b._by_length, b._lengths)
    assert (a.pairs.artists, a.pairs.works) == (b.pairs.artists, b.pairs.works)
    assert np.array_equal(a.pairs.codes, b.pairs.codes) and np.array_equal(a.pairs.leads, b.pairs.leads)


def same_names(a: CatalogueNames, b: CatalogueNames) -> None:
    assert list(a.artist_by_norm.items()) == list(b.artist_by_norm.items())
    assert list(a.tracks_by_norm.items()) == list(b.tracks_by_norm.items())
    assert a.titles == b.titles and a.by_length == b.by_length
    assert [a.words_of(n) for n in a.artist_by_norm] == [b.words_of(n) for n in b.artist_by_norm] == [
        name_words(n) for n in a.artist_by_norm]


def saved_file(cache_dir: Path) -> Path:
    return derived.path_for(cache_dir, saved_vocabulary.NAME, saved_vocabulary.code_key())


# -- built and loaded are the same ---------------------------------------------------------------------------------

def test_loaded_parts_equal_built_ones(tmp_path):
    lib = library(tmp_path)
    built = saved_vocabulary.vocabulary_parts(lib)  # nothing saved yet: built, then saved
    assert saved_file(tmp_path).exists()
    loaded = saved_vocabulary.vocabulary_parts(lib)
    assert loaded.entities is not built.entities
    same_entities(built.entities, loaded.entities)
    same_names(built.names, loaded.names)
    assert loaded.genre_counts == built.genre_counts == [sum(t in gs for gs in lib.catalogue.genres)
                                                         for t in lib.vectors.genre_terms]
    assert built.genre_counts[0] == 3 and built.genre_counts[-1] == 0  # alternative rock; a term of no track
    assert loaded.names.special_words == {"michael w smith": ("michael", "smith")}  # saved: no name is normalised
    e = loaded.entities
    assert e.artists["mø"] == "MØ" and e.work("lean on") == ("Lean On", "song") and e.work("music")[1] == "any"
    assert e.artists["line break band"] == "Line\nBreak Band" and e.titles["two lines"] == "Two\nLines"
    assert e.albums["album with newline"] == "Album\nWith Newline" and e.artists["bad bytes"] == "Bad \udcff Bytes"
    assert ("radiohead", "creep") in e.pairs and ("radiohead", "kid a") in e.pairs and ("weeknd", "kid a") not in e.pairs
    assert e.work_artist("creep") == "Radiohead" and e.work_artist("nothing") is None
    assert "" not in loaded.names.artist_by_norm and loaded.names.tracks_by_norm[""] == 1  # '!!!', as built
    assert [(x.kind, x.name) for x in extract("play Radiohead's Kid A and some MØ", loaded.entities)] == \
        [(x.kind, x.name) for x in extract("play Radiohead's Kid A and some MØ", built.entities)]


def test_the_same_index_from_rows_or_from_its_arrays():
    built = EntityIndex.from_catalogue(catalogue())
    same_entities(built, EntityIndex.from_arrays(built.arrays()))
    empty = EntityIndex.from_rows([], [], [])
    same_entities(empty, EntityIndex.from_arrays(empty.arrays()))
    names = CatalogueNames.build([], None)
    same_names(names, CatalogueNames.from_arrays(names.arrays()))


def test_credit_pairs_answer_like_a_set_of_pairs():
    pairs = {("a", "x"), ("a", "y"), ("b", "y")}
    credits = CreditPairs.build(["a", "b"], ["x", "y", "z"], pairs, {"y": {"a": 1, "b": 2}, "x": {"a": 1}, "z": {}})
    assert set(credits) == pairs and len(credits) == 3
    assert all(p in credits for p in pairs) and ("b", "x") not in credits and ("c", "x") not in credits
    assert ("a",) not in credits and "ax" not in credits
    assert [credits.lead_artist(w) for w in ("x", "y", "z", "unknown")] == ["a", "b", None, None]
    tie = CreditPairs.build(["a", "b"], ["x"], [], {"x": {"b": 2, "a": 2}})
    assert tie.lead_artist("x") == "b"  # the first met, as `max` over the counts' order gives
    for codes, leads in (([5], [-1]), ([1, 1], [-1]), ([0], [2]), ([1, 0], [-1])):
        with pytest.raises(ValueError):
            CreditPairs(["a", "b"], ["x"], np.array(codes), np.array(leads))


# -- damaged, foreign and stale files are built again --------------------------------------------------------------

@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04garbage", b"\x93NUMPY", "flip"])
def test_a_damaged_file_is_built_again_and_saved_over(tmp_path, damage):
    lib = library(tmp_path)
    built = saved_vocabulary.vocabulary_parts(lib)
    path = saved_file(tmp_path)
    if damage == "flip":  # one byte changed inside an array: the zip's CRC refuses it
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    else:
        path.write_bytes(damage)
    again = saved_vocabulary.vocabulary_parts(lib)
    same_entities(built.entities, again.entities)
    same_names(built.names, again.names)
    assert zipfile.is_zipfile(path) and derived.load(tmp_path, saved_vocabulary.NAME, None,
                                                     saved_vocabulary.code_key()) is not None


@pytest.mark.parametrize("part", ["entities.artist_tracks", "entities.credit_leads", "names.by_length",
                                  "entities.titles.count", "names.norms.lines", "genre_counts", "rows"])
def test_arrays_that_do_not_fit_together_are_built_again(tmp_path, part):
    lib = library(tmp_path)
    built = saved_vocabulary.vocabulary_parts(lib)
    arrays = saved_vocabulary.arrays(built, lib)
    arrays[part] = arrays[part][:-1] if len(arrays[part]) > 1 else arrays[part] + 7
    derived.save(tmp_path, saved_vocabulary.NAME, arrays, saved_vocabulary.code_key())
    again = saved_vocabulary.vocabulary_parts(lib)
    same_entities(built.entities, again.entities)
    same_names(built.names, again.names)
    assert again.genre_counts == built.genre_counts


def test_a_file_of_another_catalogue_or_of_older_code_is_not_read(tmp_path):
    other = library(tmp_path, catalogue(ROWS[:5]))
    saved_vocabulary.vocabulary_parts(other)  # another catalogue's names under the current code key
    lib = library(tmp_path)
    same_entities(saved_vocabulary.build(lib).entities, saved_vocabulary.vocabulary_parts(lib).entities)
    stale = tmp_path / "derived" / f"{saved_vocabulary.NAME}-0000000000000000.npz"
    saved_file(tmp_path).rename(stale)  # what older code saved: never read, removed by the next saving
    parts = saved_vocabulary.vocabulary_parts(lib)
    assert len(parts.entities.artists) > len(EntityIndex.from_catalogue(other.catalogue).artists)
    assert not stale.exists() and saved_file(tmp_path).exists()


def test_the_code_key_covers_the_code_that_computes_the_names():
    names = {p.name for p in saved_vocabulary.SOURCES}
    assert {"name_index.py", "credits.py", "catalogue_names.py", "name_spelling.py", "tracks.py", "derived.py",
            "saved_vocabulary.py"} <= names
    assert all(p.exists() for p in saved_vocabulary.SOURCES)
    assert saved_vocabulary.code_key() in saved_file(Path("/x")).name


def test_a_folder_that_cannot_be_written_only_loses_the_saving(tmp_path):
    blocked = tmp_path / "index"
    blocked.write_text("a file where the index folder should be")
    parts = saved_vocabulary.vocabulary_parts(library(blocked))
    assert parts.entities.artists["radiohead"] == "Radiohead"
    assert saved_vocabulary.vocabulary_parts(library(None)).names.artist_by_norm["radiohead"] == "Radiohead"
