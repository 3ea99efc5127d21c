"""The concept lookup: exact phrases first, then the nearest concept by embedding, or a reported miss.

`ConceptIndex(concepts, encoder, cache_dir)` is cheap to build: nothing is encoded until the first `find` (or
`load()`, which `Planner.prepare` calls at import). The phrase vectors are cached as `<cache_dir>/<key>.npy`,
key = hash of the concepts' names and phrases (what is embedded; editing a target range keeps the vectors) and the
encoder's name and dimension, written atomically; a stale file in the folder is replaced, a damaged one (unreadable,
of another shape, not finite) encoded again, and a home that cannot be written only loses the saving. `find(text, protected=[(start, end), ...])`:

1. words of the request, clause by clause (commas, "and", "for", "with", "to"...); words the caller protected
   (names, genres, years) or negated ("no country") take part in nothing;
2. exact phrase matches in the normalised text, longest first (score 1.0, how="phrase");
3. candidate spans (word n-grams of 1..4 words not starting or ending with a stopword, whole clauses) in one
   batched encoder call; a span's similarity to a concept is that of its best phrase; a span is a candidate for
   its best concept when that is at least `threshold` (`word_threshold` for a single word: short texts all look
   alike to the encoder) and beats the second-best concept by `margin` (how="nearest");
4. candidates taken by rank (score + `length_bonus` per extra content word: a longer span that fits is more
   specific), skipping overlaps and concepts already taken; a span whose words all belong to a concept already
   taken, without being its own concept's name, is part of that one ("party" beside "retirement party");
   at most `max_concepts`, shown most certain first;
5. clauses introduced by "for", "to", "while", "during" that hold no concept and no protected word are misses,
   with their nearest concept (when at least `miss_floor` close, and not a concept already found).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.understanding.concept_spans import (
    candidate_spans,
    content_count,
    cue_clauses,
    exact_matches,
    name_words,
    phrase_key,
    span_keys,
    words,
)
from assistant.understanding.concepts import (
    DEFAULT_PATH,
    Concept,
    ConceptMatch,
    ConceptMiss,
    ConceptReading,
    load_concepts,
)
from retrieval.encoder import TextEncoder

CACHE_VERSION = 1
SHIPPED_DIR = Path(__file__).with_name("data") / "concept_vectors"
# Tuned on phrasings.dev.jsonl only (see the report of the concept layer); the test phrasings were read once after.
THRESHOLD = 0.895
MARGIN = 0.015
MISS_FLOOR = 0.85
MAX_CONCEPTS = 3
WORD_THRESHOLD = 0.975  # a single word needs more: short texts all look alike to the encoder
LENGTH_BONUS = 0.08  # per extra content word: a longer span that fits a concept is more specific
ENCODE_BATCH = 64  # phrases per encoder call: the same vectors as one call, ~200 MB less memory at import


def inventory_key(concepts: Sequence[Concept], encoder: TextEncoder, kind: str) -> str:
    """A hash of the phrases (in order) and the encoder: the name of the cached phrase vectors."""
    h = hashlib.sha256(f"v{CACHE_VERSION}|{getattr(encoder, 'name', type(encoder).__name__)}|{encoder.dim}|{kind}"
                       .encode())
    for c in concepts:
        h.update(("\x1e" + c.name + "\x1f" + "\x1f".join(c.phrases)).encode())
    return h.hexdigest()[:20]


class ConceptIndex:
    """Nearest-concept lookup over an inventory of concepts, with phrase vectors cached on disk."""

    def __init__(self, concepts: Sequence[Concept], encoder: TextEncoder, cache_dir: Path | str | None = None, *,
                 threshold: float = THRESHOLD, margin: float = MARGIN, miss_floor: float = MISS_FLOOR,
                 max_concepts: int = MAX_CONCEPTS, phrase_kind: Literal["query", "passage"] = "query",
                 word_threshold: float = WORD_THRESHOLD, length_bonus: float = LENGTH_BONUS):
        self.concepts = list(concepts)
        self.encoder = encoder
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.threshold, self.margin, self.miss_floor, self.max_concepts = threshold, margin, miss_floor, max_concepts
        self.phrase_kind = phrase_kind
        self.word_threshold, self.length_bonus = word_threshold, length_bonus
        self.by_name = {c.name: c for c in self.concepts}
        self.owner = np.array([k for k, c in enumerate(self.concepts) for _ in c.phrases], dtype=np.int64)
        self.starts = np.cumsum([0] + [len(c.phrases) for c in self.concepts[:-1]])
        self.table: dict[tuple[str, ...], int] = {}
        for k, c in enumerate(self.concepts):
            for p in [c.name, *c.phrases]:
                self.table.setdefault(phrase_key(p), k)
        self.longest = max(len(k) for k in self.table)
        self.vocab = [frozenset(w for p in [c.name, *c.phrases] for w in phrase_key(p)) for c in self.concepts]
        self.name_keys = [name_words(c.name) for c in self.concepts]
        self._vectors: np.ndarray | None = None

    @classmethod
    def from_path(cls, encoder: TextEncoder, cache_dir: Path | str | None = None, path: Path | str = DEFAULT_PATH,
                  **options) -> ConceptIndex:
        return cls(load_concepts(path), encoder, cache_dir, **options)

    @property
    def key(self) -> str:
        return inventory_key(self.concepts, self.encoder, self.phrase_kind)

    def load(self, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """The phrase vectors (n_phrases, dim): from the cache when fresh, else encoded (`progress(done, total)`
        after each batch of phrases) and cached."""
        if self._vectors is not None:
            return self._vectors
        path = self.cache_dir / f"{self.key}.npy" if self.cache_dir is not None else None
        vectors = self._read(SHIPPED_DIR / f"{self.key}.npy")
        if vectors is None and path is not None:
            vectors = self._read(path)
        if vectors is None:
            phrases = [p for c in self.concepts for p in c.phrases]
            vectors = np.zeros((len(phrases), self.encoder.dim), dtype=np.float32)
            for start in range(0, len(phrases), ENCODE_BATCH):
                batch = phrases[start:start + ENCODE_BATCH]
                vectors[start:start + len(batch)] = self.encoder.encode(batch, kind=self.phrase_kind)
                if progress:
                    progress(start + len(batch), len(phrases))
            if path is not None:
                try:
                    save_atomically(path, vectors)
                    for stale in path.parent.glob("*.npy"):
                        if stale != path:
                            stale.unlink(missing_ok=True)
                except OSError:
                    pass  # a read-only or full home only loses the saving
        self._vectors = np.asarray(vectors, dtype=np.float32)
        return self._vectors

    def _read(self, path: Path) -> np.ndarray | None:
        """Saved phrase vectors of the right shape, or None (absent, unreadable, truncated, empty, not finite)."""
        if not path.exists():
            return None
        try:
            vectors = np.load(path, mmap_mode="r")
        except (OSError, ValueError, EOFError):
            return None
        if vectors.shape != (len(self.owner), self.encoder.dim) or not np.isfinite(vectors).all():
            return None
        return vectors

    def concept_scores(self, vectors: np.ndarray) -> np.ndarray:
        """Similarity of each row of `vectors` to each concept (its best phrase): (n, n_concepts)."""
        return np.maximum.reduceat(vectors @ self.load().T, self.starts, axis=1)

    def find(self, text: str, protected: Iterable[tuple[int, int]] = ()) -> ConceptReading:
        """The concepts `text` evokes (and the misses); spans overlapping `protected` character ranges are skipped."""
        ws = words(text, protected)
        exact = exact_matches(text, self.table, [w for w in ws if w.blocked], self.longest)
        # (rank, score, start, end, concept, how): rank is the score plus a bonus per extra content word
        cands = [(1.0 + self.length_bonus * (content_count(ws, a, b) - 1), 1.0, a, b, k, "phrase")
                 for a, b, k in exact]
        spans = candidate_spans(ws)
        clauses = cue_clauses(ws)
        texts = list(dict.fromkeys([text[a:b] for a, b, _ in spans] + [text[a:b] for a, b in clauses]))
        row = {}
        if texts:
            scores = self.concept_scores(self.encoder.encode(texts, kind="query"))
            row = {t: scores[i] for i, t in enumerate(texts)}
        for a, b, n in spans:
            s = row[text[a:b]]
            top = np.argsort(-s)[:2]
            best, gap = min(1.0, float(s[top[0]])), float(s[top[0]] - s[top[1]]) if len(top) > 1 else 1.0
            if best >= (self.threshold if n > 1 else self.word_threshold) and gap >= self.margin:
                cands.append((best + self.length_bonus * (n - 1), best, a, b, int(top[0]), "nearest"))
        chosen: list[tuple] = []  # (start, end, concept, score, how, content words), best first
        for _, score, a, b, k, how in sorted(cands, key=lambda c: (-c[0], c[5] != "phrase", c[2])):
            if any(k == o[2] or overlaps((a, b), [o[:2]]) for o in chosen):
                continue
            # "party" beside "retirement party": words of a concept found, not the name of their own concept
            mine = span_keys(ws, a, b)
            mine = mine if mine != self.name_keys[k] else frozenset()
            if mine and any(mine <= self.vocab[o[2]] for o in chosen):
                continue
            chosen = [o for o in chosen if not (o[5] and o[5] <= self.vocab[k])]
            chosen.append((a, b, k, score, how, mine))
        found = [ConceptMatch(name=self.concepts[k].name, kind=self.concepts[k].kind, span=(a, b), text=text[a:b],
                              score=round(score, 4), how=how) for a, b, k, score, how, _ in chosen[:self.max_concepts]]
        found.sort(key=lambda f: -f.score)  # chosen by rank (longer spans first), shown most certain first
        taken = [c.span for c in found]
        misses = []
        for a, b in clauses:
            if overlaps((a, b), taken):
                continue
            s = row[text[a:b]]
            k = int(np.argmax(s))
            if float(s[k]) >= self.miss_floor and all(f.name != self.concepts[k].name for f in found):
                misses.append(ConceptMiss(span=(a, b), text=text[a:b], nearest=self.concepts[k].name,
                                          score=round(float(s[k]), 4)))
        return ConceptReading(concepts=found, misses=misses)


def overlaps(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in others)


def save_atomically(path: Path, vectors: np.ndarray) -> None:
    """Write `vectors` to `path` (.npy) through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".concepts-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, vectors)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
