"""Offline entity extraction: the artists and works (songs, albums) a music request names.

`extract("I love Radiohead's Kid A, and anything by boris", EntityIndex.from_catalogue(catalogue))` gives
Radiohead (artist), Kid A (work, by Radiohead) and boris (artist), in text order. Deterministic rules, no model:
names sit in slots the wording opens ("X by Y", "Y's X", "Artist - Title", quotes, "similar to X, Y and Z",
"(feat. Y)"), and catalogue names are also found without a slot when they cannot be ordinary words. Modules:
`entity` (the `Entity` record), `name_index` (catalogue names keyed by `entity_key`), `tokens` (the tokenizer),
`wordlists` (word lists, data only), `spans` (how a span becomes an entity, or is refused), `extractor` (the
stages, in order). On queries.dev (1,495 requests): artist F1 0.885, work F1 0.787 (`segue eval queries`).
"""

from assistant.understanding.entities.entity import Entity
from assistant.understanding.entities.extractor import extract
from assistant.understanding.entities.name_index import EntityIndex, entity_key
from assistant.understanding.entities.wordlists import ENGLISH, STRONG_BREAK, WEAK_BREAK

__all__ = ["ENGLISH", "STRONG_BREAK", "WEAK_BREAK", "Entity", "EntityIndex", "entity_key", "extract"]
