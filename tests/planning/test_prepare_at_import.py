"""An import prepares what the planner's vocabulary would otherwise build in the first command (issue 17): the
vocabulary's names are saved beside the catalogue's index and the concept phrase vectors in the home, and later
services load both. Real services on a tiny CSV; the text encoder is a small hashing one so that this stays in the
fast loop (the real encoder over the demo home: test_vocabulary_prepared_in_the_demo_home)."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import numpy as np

from assistant.compose import build
from assistant.model.settings import Settings
from assistant.understanding import saved_vocabulary
from assistant.understanding.concept_index import SHIPPED_DIR, ConceptIndex
from retrieval import derived


class HashEncoder:
    """Each word adds a fixed pseudo-random direction; counts the texts it encodes."""

    name = "hash-test"
    dim = 32

    def __init__(self):
        self.texts = 0

    def encode(self, texts, kind="passage"):
        self.texts += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in re.findall(r"\w+", text.lower()) or ["music"]:
                seed = int.from_bytes(hashlib.sha256(w.encode()).digest()[:4], "little")
                out[i] += np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out


def concepts_of(encoder) -> ConceptIndex:
    return ConceptIndex.from_path(encoder)


def write_csv(path: Path) -> None:
    artists = ["Radiohead", "Major Lazer Featuring MØ", "The Weeknd", "Tasha Cobbs Leonard", "Madonna"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["track_id", "title", "artist", "album", "year", "genres", "duration_ms", "energy"])
        for i in range(40):
            w.writerow([f"id{i}", f"Song {i} - Remastered", artists[i % 5], f"Album {i % 4}", 1980 + i,
                        ["rock|art rock", "edm", "canadian pop", "gospel", "dance pop"][i % 5], 200000, 0.5])


def test_an_import_saves_the_vocabulary_and_the_concept_vectors_and_commands_load_them(tmp_path):
    src, home = tmp_path / "cat.csv", tmp_path / "home"
    write_csv(src)
    encoder = HashEncoder()
    app = build(Settings(home=home), encoder=encoder)
    try:
        stages = []
        app.catalogue.import_catalogue(src, progress=lambda stage, done, total: stages.append((stage, done, total)))
        library = app.catalogue.library()
        assert ("vocabulary", 1, 1) in stages and stages[-1] == ("concept phrases", len(concepts_of(encoder).owner),
                                                                len(concepts_of(encoder).owner))
        saved = derived.path_for(library.cache_dir, saved_vocabulary.NAME, saved_vocabulary.code_key())
        assert saved.exists()
        concepts = ConceptIndex.from_path(encoder, home / "concepts")
        assert [p.name for p in (home / "concepts").iterdir()] == [f"{concepts.key}.npy"]
        built = app.planner.vocabulary()  # the one the import built, kept by these services
    finally:
        app.close()

    encoder.texts = 0
    again = build(Settings(home=home), encoder=encoder)
    try:
        vocab = again.planner.vocabulary()
        assert vocab.concepts.load().shape == (len(concepts.owner), encoder.dim)
        assert encoder.texts == 0  # nothing encoded: the concept vectors were there
        assert list(vocab.artist_by_norm.items()) == list(built.artist_by_norm.items())
        assert list(vocab.entities.artists.items()) == list(built.entities.artists.items())
        assert vocab.entities.work("song 3") == ("Song 3", "song") and vocab.find_artist("weeknd") == ("The Weeknd", 1.0)
        assert vocab.genre_counts == built.genre_counts and vocab.names.special_words is not None  # loaded, not built
        assert again.planner.understand("only songs by radiohead").constraints.include_artists == ["Radiohead"]
        assert {t.track.artist for t in again.planner.playlist("only songs by radiohead", tracks=5).tracks} == {
            "Radiohead"}
    finally:
        again.close()


def test_a_second_import_keeps_the_concept_vectors(tmp_path):
    src, home = tmp_path / "cat.csv", tmp_path / "home"
    write_csv(src)
    encoder = HashEncoder()
    app = build(Settings(home=home), encoder=encoder)
    try:
        app.catalogue.import_catalogue(src)
        first = {p.name: p.stat().st_mtime_ns for p in (home / "concepts").iterdir()}
        src.write_text(src.read_text(encoding="utf-8").replace("Song 1 ", "Tune 1 "), encoding="utf-8")
        encoder.texts = 0
        app.catalogue.import_catalogue(src)
        assert {p.name: p.stat().st_mtime_ns for p in (home / "concepts").iterdir()} == first
        assert encoder.texts < 200  # the new catalogue's texts only, not the 1,500 concept phrases
        assert app.planner.vocabulary().entities.work("tune 1")[0] == "Tune 1"
    finally:
        app.close()


def test_vocabulary_prepared_in_the_demo_home(demo_app, demo_home):
    """Integration: the demo home (installed by the session's fixture, an import) finds the real encoder's concept
    vectors ready (shipped with Segue, so the home holds no copy), and its saved vocabulary parts are those the demo
    catalogue builds."""
    from tests.understanding.test_saved_vocabulary import same_entities, same_names

    encoder = demo_app.catalogue.encoder
    key = ConceptIndex.from_path(encoder, demo_home / "concepts").key
    assert (SHIPPED_DIR / f"{key}.npy").exists() and not (demo_home / "concepts" / f"{key}.npy").exists()
    library = demo_app.catalogue.library()
    loaded = saved_vocabulary.vocabulary_parts(library)  # as saved at install (or built and saved, when removed)
    assert derived.path_for(library.cache_dir, saved_vocabulary.NAME, saved_vocabulary.code_key()).exists()
    built = saved_vocabulary.build(library)
    same_entities(built.entities, loaded.entities)
    same_names(built.names, loaded.names)
    assert built.genre_counts == loaded.genre_counts
