"""The parts of a catalogue's vocabulary that cost time to compute, saved beside the catalogue's index.

`vocabulary_parts(library)` gives the library's entity index (`entities.EntityIndex`), its normalised artist names
and titles (`catalogue_names.CatalogueNames`) and the track count of each of its genre terms: loaded from
`<index dir>/derived/vocabulary-<code key>.npz` when saved there, else built from the catalogue (normalising every
artist, title and album: about 1.6 s at 66k tracks) and saved. `Planner.prepare` calls it at import, so that
commands only load them.

The file is written through `retrieval.derived` (numpy arrays only, read with `allow_pickle=False`; written to a
temporary file and renamed; the files of older code keys removed). The index directory is keyed by the catalogue's
content, the encoder and the library version; the code key hashes the modules that compute these parts and the
Unicode version the name normalisers read, so editing them (or a Python with another Unicode database) builds them
again. A missing, damaged or mismatched file is ignored and the parts are built again; a read-only home only loses
the saving.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np

from assistant.understanding.catalogue_names import CatalogueNames
from assistant.understanding.entities import EntityIndex
from retrieval import derived

NAME = "vocabulary"
_HERE = Path(__file__).resolve().parent
_RETRIEVAL = Path(derived.__file__).resolve().parent
# the modules whose code decides what is saved (tracks: normalise_name; derived: the packing)
SOURCES = (_HERE / "saved_vocabulary.py", _HERE / "catalogue_names.py", _HERE / "name_spelling.py",
           _HERE / "entities" / "name_index.py", _HERE / "entities" / "credits.py",
           _RETRIEVAL / "tracks.py", _RETRIEVAL / "derived.py")


class VocabularyParts(NamedTuple):
    entities: EntityIndex
    names: CatalogueNames
    genre_counts: list[int]  # tracks tagged with each of the library's genre terms (`library.vectors.genre_terms`)


@functools.cache
def code_key() -> str:
    return derived.source_key(SOURCES, extra=f"unicode {unicodedata.unidata_version}")


def vocabulary_parts(library) -> VocabularyParts:
    """The library's vocabulary parts: loaded as saved for its catalogue and this code, else built and saved."""
    saved = derived.load(library.cache_dir, NAME, None, code_key())
    if saved is not None:
        try:
            return from_arrays(saved, library)
        except (KeyError, ValueError, IndexError):
            pass  # damaged or foreign: built again below, and saved over it
    parts = build(library)
    derived.save(library.cache_dir, NAME, arrays(parts, library), code_key())
    return parts


def build(library) -> VocabularyParts:
    """The parts computed from the library's catalogue."""
    cat = library.catalogue
    counts = Counter(g for gs in cat.genres for g in gs)
    return VocabularyParts(entities=EntityIndex.from_catalogue(cat), names=CatalogueNames.build(cat.artists, cat.titles),
                           genre_counts=[counts.get(t, 0) for t in library.vectors.genre_terms])


def arrays(parts: VocabularyParts, library) -> dict[str, np.ndarray]:
    """The parts as named numpy arrays, with the catalogue's size to check them against when loaded."""
    return {"rows": np.array([len(library.catalogue)], dtype=np.int64),
            "genre_counts": np.array(parts.genre_counts, dtype=np.int64),
            **{f"entities.{k}": v for k, v in parts.entities.arrays().items()},
            **{f"names.{k}": v for k, v in parts.names.arrays().items()}}


def from_arrays(saved: dict[str, np.ndarray], library) -> VocabularyParts:
    """The parts `arrays` saved; ValueError, KeyError or IndexError when they do not fit this library."""
    counts = saved["genre_counts"]
    if int(saved["rows"][0]) != len(library.catalogue) or counts.shape != (len(library.vectors.genre_terms),):
        raise ValueError("saved vocabulary of another catalogue")
    entities = EntityIndex.from_arrays({k[9:]: v for k, v in saved.items() if k.startswith("entities.")})
    names = CatalogueNames.from_arrays({k[6:]: v for k, v in saved.items() if k.startswith("names.")})
    return VocabularyParts(entities=entities, names=names, genre_counts=counts.tolist())
