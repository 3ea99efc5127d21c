"""Offline entity extraction: the artists and works (songs, albums) a music request names.

    index = EntityIndex.from_catalogue(catalogue)          # once per catalogue
    extract("I love Radiohead's Kid A, and anything by boris", index)
    -> [Entity(mention="Radiohead's", kind="artist", name="Radiohead", ...),
        Entity(mention="Kid A", kind="work", artist="Radiohead", ...), Entity(mention="boris", kind="artist", ...)]

Deterministic rules, no model: names sit in slots the request's wording opens ("X by Y", "Y's X",
"Artist - Title", quotes, "similar to X, Y and Z", "fans of X", "(feat. Y)"), and catalogue names are
also found without a slot when they cannot be ordinary words (rare words, or capitalised mid-sentence).
Inside a slot a name ends at punctuation or at a word that does not belong in names ("is", "but",
"songs", ...); lists split at 'and'/'or'/'&' unless the catalogue knows the whole ("Iron & Wine").
Names the catalogue lacks are kept when the slot is strong (by/quotes/possessive) or the span looks
like a name (a rare word, or capitalised in a cased text); typos are matched by spelling (rapidfuzz).

Modules: `entity_index` (catalogue names, normalised), `entity_words` (word lists, tokenizer),
`entity_slots` (how a span becomes an entity or is refused), `entity_rules` (the stages).
Measured on queries.dev (1,495 requests): artist F1 0.885, work F1 0.787 (`segue eval queries`).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.understanding.entities.name_index import EntityIndex, entity_key


@dataclass
class Entity:
    """One artist or work named in a request."""

    mention: str  # surface text, as written
    kind: str  # "artist" | "work"
    name: str  # the catalogue's spelling when matched, else the cleaned surface form
    start: int  # character offsets of `mention` in the request
    end: int
    in_catalogue: bool = False
    artist: str | None = None  # for a work: its artist, from the text ("X by Y", "Y's X") or the catalogue
    work_kind: str = "any"  # "song" | "album" | "any" (for works)


def extract(text: str, index: EntityIndex) -> list[Entity]:
    """Artists and works named in `text`, in order of appearance. Deterministic; no model, no network."""
    from assistant.understanding.entities.extractor import Extractor

    return Extractor(text, index).run()


__all__ = ["Entity", "EntityIndex", "entity_key", "extract"]
