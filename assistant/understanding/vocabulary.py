"""What the catalogue knows (genre terms, artists), so parsed words can be tied to real catalogue names.

Genre terms are compared through `genre_key` (case, accents, '&'/'n' -> 'and', hyphens -> spaces, common
spellings like 'rnb' or 'hiphop'), artists through `retrieval.tracks.normalise_name`, then rapidfuzz.
Genre vectors are passages `"<term> music"` (as `retrieval.vectors` encodes them); a word is compared as the
query `"<word> music"`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.understanding.catalogue_names import CatalogueNames
from assistant.understanding.entities import EntityIndex
from assistant.understanding.lexicon import GENRE_ALIASES
from assistant.understanding.name_spelling import LooseMatch, LooseNames
from retrieval.tracks import normalise_name

if TYPE_CHECKING:
    from retrieval.encoder import TextEncoder
    from retrieval.library import Library
    from retrieval.tracks import Catalogue

GENRE_TEMPLATE = "{} music"
_WORD_SPLIT = re.compile(r"[\s\-_/]+")
_SINGLE_ALIASES = {k: v for k, v in GENRE_ALIASES.items() if " " not in k}


def genre_words(text: str) -> list[str]:
    """The genre-key words of one piece of text ('Hip-Hop & R&B' -> ['hip','hop','and','r','and','b'])."""
    s = unicodedata.normalize("NFKD", text or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("’", "'")
    s = re.sub(r"\br\s*&\s*b\b", "rnb", s)
    s = s.replace("&", " and ").replace("+", " and ")
    out: list[str] = []
    for w in _WORD_SPLIT.split(s):
        w = re.sub(r"[^\w]", "", w)
        if not w:
            continue
        if w == "n":
            w = "and"
        alias = _SINGLE_ALIASES.get(w)
        out.extend((alias or w).replace("&", " and ").split())
    return out


def genre_key(text: str) -> str:
    """Comparable form of a genre phrase: 'Rock-and-Roll' and 'rock & roll' give the same key. Unlike
    `retrieval.tracks.normalise_name` and `entities.entity_key` (for names) it spells genres alike ('r&b' and
    'rnb', 'hiphop' and 'hip hop', 'n' -> 'and') and keeps a leading 'the'."""
    return " ".join(genre_words(text))


class Vocabulary:
    """Catalogue genre terms (with vectors) and artist names, prepared once for fast grounding."""

    def __init__(
        self,
        genre_terms: list[str],
        genre_vectors: np.ndarray,
        artists: list[str],
        encoder: TextEncoder,
        titles: list[str] | None = None,
        genre_counts: Sequence[int] | None = None,
        entities: EntityIndex | None = None,
        latest_year: int | None = None,
        concepts=None,
        names: CatalogueNames | None = None,
    ):
        """`names`: the artists and titles already normalised (`CatalogueNames`, e.g. as saved at import); when
        given, `artists` and `titles` are not read."""
        vectors = np.asarray(genre_vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(genre_terms):
            raise ValueError(f"need one genre vector per term: {len(genre_terms)} terms, vectors of shape {vectors.shape}")
        self.genre_terms = list(genre_terms)
        self.genre_vectors = vectors
        self.genre_counts = [int(c) for c in genre_counts] if genre_counts is not None else [0] * len(self.genre_terms)
        self.encoder = encoder
        self.entities = entities  # named artists and works (None: the parser finds names by their cue words only)
        self.latest_year = latest_year  # the catalogue's latest year of releases: 'recent' and 'new' are read by it
        self.concepts = concepts  # `ConceptIndex` of occasions, moods, activities and scenes (None: not read)
        self.term_by_key: dict[str, str] = {}
        self._word_terms: dict[str, list[int]] = {}
        for i, term in enumerate(self.genre_terms):
            key = genre_key(term)
            if key and key not in self.term_by_key:
                self.term_by_key[key] = term
            for w in set(key.split()):
                self._word_terms.setdefault(w, []).append(i)
        for alias, target in GENRE_ALIASES.items():
            ak, tk = genre_key(alias), genre_key(target)
            if tk in self.term_by_key and ak not in self.term_by_key:
                self.term_by_key[ak] = self.term_by_key[tk]
        self.max_genre_words = max((len(k.split()) for k in self.term_by_key), default=1)
        self.term_by_spaceless: dict[str, str] = {}
        for key, term in sorted(self.term_by_key.items()):
            self.term_by_spaceless.setdefault(key.replace(" ", ""), term)
        self._keys = sorted(self.term_by_key)

        self.names = names if names is not None else CatalogueNames.build(artists, titles)
        self.artist_by_norm: dict[str, str] = self.names.artist_by_norm
        self.tracks_by_norm: Counter[str] = self.names.tracks_by_norm
        self._loose: LooseNames | None = None
        self._by_length = self.names.by_length
        self._lengths = [len(x) for x in self._by_length]
        self._artist_cache: dict[tuple[str, float], tuple[str | None, float]] = {}

    @property
    def titles(self) -> set[str]:
        """The catalogue's track titles, normalised (`retrieval.tracks.normalise_name`)."""
        return self.names.titles

    @classmethod
    def build(cls, genre_terms: Iterable[str], artists: list[str], encoder: TextEncoder,
              titles: list[str] | None = None) -> Vocabulary:
        """Encode the genre terms and build the vocabulary; a term given n times counts n (most used first)."""
        counts = Counter(t.strip() for t in genre_terms if t and t.strip())
        terms = sorted(counts)
        texts = [GENRE_TEMPLATE.format(t) for t in terms]
        vectors = encoder.encode(texts, kind="passage") if terms else np.zeros((0, encoder.dim), np.float32)
        return cls(terms, vectors, artists, encoder, titles, [counts[t] for t in terms])

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue, encoder: TextEncoder) -> Vocabulary:
        """All genre terms (counted per track), artists and titles of a catalogue (~150 terms/s to encode)."""
        titles = catalogue.strings.get("title")
        return cls.build([g for gs in catalogue.genres for g in gs], list(catalogue.artists), encoder,
                         list(titles) if titles is not None else None)

    @classmethod
    def from_library(cls, library: Library, encoder: TextEncoder, concepts=None) -> Vocabulary:
        """The vocabulary a loaded library serves: its genre terms with their stored vectors (no encoding), each
        term's track count, its artists and titles, the entity index of its names, its latest year of releases,
        and the concept index when given. What costs time to compute from the catalogue is loaded as saved at
        import, or built and saved (`saved_vocabulary`)."""
        from assistant.understanding.saved_vocabulary import vocabulary_parts

        cat = library.catalogue
        parts = vocabulary_parts(library)
        years = np.asarray(cat.column("year"), dtype=np.float64)
        known = years[~np.isnan(years)]
        latest = int(np.percentile(known, 99.5)) if known.size else None  # robust to a stray future date
        return cls(genre_terms=list(library.vectors.genre_terms), genre_vectors=library.vectors.genre_vectors,
                   artists=cat.artists, encoder=encoder, titles=cat.titles, genre_counts=parts.genre_counts,
                   entities=parts.entities, latest_year=latest, concepts=concepts, names=parts.names)

    def genre_spans(self, text: str, min_words: int = 2) -> list[tuple[int, int]]:
        """Character spans of `text` that spell a catalogue genre of `min_words` words or more, without digits
        ('smooth jazz', 'new wave', 'soft rock'): words that read as structure alone ('smooth', 'new') belong to
        the genre."""
        words = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[\w&'+-]+", text)]
        spans: list[tuple[int, int]] = []
        for n in range(min(self.max_genre_words, 5), min_words - 1, -1):
            for i in range(len(words) - n + 1):
                start, end = words[i][0], words[i + n - 1][1]
                if any(a < end and start < b for a, b in spans) or any(ch.isdigit() for ch in text[start:end]):
                    continue
                if genre_key(" ".join(w for _, _, w in words[i:i + n])) in self.term_by_key:
                    spans.append((start, end))
        return spans

    # --- artists -------------------------------------------------------------------------------------------

    def find_artist(self, name: str, min_score: float = 0.8) -> tuple[str | None, float]:
        """Best catalogue artist for `name` and a score 0..1: exact normalised match (1.0), else fuzzy ratio."""
        norm = normalise_name(name)
        if not norm:
            return None, 0.0
        hit = self.artist_by_norm.get(norm)
        if hit is not None:
            return hit, 1.0
        key = (norm, min_score)
        if key in self._artist_cache:
            return self._artist_cache[key]
        result: tuple[str | None, float] = (None, 0.0)
        if len(norm) >= 4:
            from rapidfuzz import fuzz, process

            n = len(norm)
            # ratio >= s needs the lengths within a factor (2-s)/s of each other: compare only those.
            spread = (2 - min_score) / min_score
            pool = self._by_length[self._start(int(n / spread)):self._start(int(n * spread) + 1)]
            best = process.extractOne(norm, pool, scorer=fuzz.ratio, score_cutoff=min_score * 100, processor=None)
            if best is not None:
                result = (self.artist_by_norm[best[0]], round(best[1] / 100, 4))
        if len(self._artist_cache) > 4096:
            self._artist_cache.clear()
        self._artist_cache[key] = result
        return result

    def loose_artist(self, words: list[str]) -> LooseMatch | None:
        """The catalogue artist a run of words names loosely (misspelt, shortened, split), or None: see
        `name_spelling`. The index of names is built on first use."""
        if self._loose is None:
            self._loose = LooseNames(self.artist_by_norm, self.tracks_by_norm, self.names.words_of)
        return self._loose.match(words)

    def _start(self, length: int) -> int:
        """Index of the first artist name at least `length` characters long in the length-sorted list."""
        return bisect.bisect_left(self._lengths, length)

    def is_title(self, text: str) -> bool:
        """Whether `text` is a track title in the catalogue (normalised exact)."""
        return normalise_name(text) in self.titles

    # --- genres --------------------------------------------------------------------------------------------

    def genre_term(self, text: str) -> str | None:
        """The catalogue term whose key equals `text`'s key (aliases included), or None."""
        return self.term_by_key.get(genre_key(text))

    def fuzzy_genre(self, text: str, min_score: float = 0.92) -> tuple[str | None, float]:
        """Closest genre term by spelling (rapidfuzz ratio on keys), for typos like 'dubstepp'."""
        key = genre_key(text)
        if len(key) < 5 or not self._keys:
            return None, 0.0
        from rapidfuzz import fuzz, process

        best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=min_score * 100, processor=None)
        return (self.term_by_key[best[0]], round(best[1] / 100, 4)) if best else (None, 0.0)

    def terms_with_word(self, word: str, k: int = 3) -> list[str]:
        """Catalogue terms containing `word` as a word: most used first, then shortest, then by name."""
        w = genre_key(word)
        idx = self._word_terms.get(w, []) if " " not in w else []
        order = sorted(idx, key=lambda i: self._rank(i, w))
        return [self.genre_terms[i] for i in order[:k]]

    def narrowed(self, word: str, term: str) -> str | None:
        """The catalogue term that narrows `term` by `word` ('pinoy' + 'classic rock' -> 'pinoy rock', 'mexican' +
        'gangster rap' -> 'mexican hip hop'): it contains `word` and the same kind of music (the last word of `term`,
        rap and hip hop counted as one); the most used such term, or None."""
        w = genre_key(word)
        head = genre_key(term).split()[-1:] or [""]
        heads = {"rap", "hip hop"} if head[0] in ("rap", "hop") else {head[0]}
        found = [i for i in self._word_terms.get(w, []) if " " not in w
                 and any(f" {genre_key(self.genre_terms[i])}".endswith(f" {h}") for h in heads) and self.genre_terms[i] != term]
        return self.genre_terms[min(found, key=lambda i: self._rank(i, w))] if found else None

    def _rank(self, i: int, word: str) -> tuple:
        """Order of terms containing `word`: most used, starting with it, shortest, then by name."""
        term = self.genre_terms[i]
        return (-self.genre_counts[i], genre_key(term).split()[0] != word, len(term), term)

    def is_genre_word(self, word: str) -> bool:
        """Whether `word` is a word of some catalogue genre term ('electronic', 'indie')."""
        key = genre_key(word)
        return bool(key) and all(w in self._word_terms for w in key.split())

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of `text` to every genre term (empty vocabulary -> empty array)."""
        if not self.genre_terms:
            return np.zeros(0, dtype=np.float32)
        q = self.encoder.encode([GENRE_TEMPLATE.format(text.strip())], kind="query")[0]
        return self.genre_vectors @ q

    def ground_genres(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """Nearest catalogue genre terms with a score: the exact term (1.0), then terms containing all its words
        (most used first), then the rest by encoder similarity."""
        if not self.genre_terms or k <= 0 or not genre_key(text):
            return []
        sims = self.similarities(text)
        out: list[tuple[str, float]] = []
        exact = self.genre_term(text)
        if exact is not None:
            out.append((exact, 1.0))
        words = genre_key(text).split()
        sets = [set(self._word_terms.get(w, ())) for w in words]
        containing = set.intersection(*sets) if sets else set()
        for i in sorted(containing, key=lambda i: self._rank(i, words[0])):
            if len(out) < k and all(t != self.genre_terms[i] for t, _ in out):
                out.append((self.genre_terms[i], round(float(sims[i]), 4)))
        for i in _top(sims, k + len(out)):
            if len(out) < k and all(t != self.genre_terms[i] for t, _ in out):
                out.append((self.genre_terms[i], round(float(sims[i]), 4)))
        return out

    def nearest_terms(self, term: str, k: int = 3) -> list[str]:
        """The k catalogue genre terms most similar to `term` by the encoder (excluding an exact match)."""
        if not self.genre_terms or not term.strip():
            return []
        sims = self.similarities(term)
        same = self.genre_term(term)
        return [self.genre_terms[i] for i in _top(sims, k + 1) if self.genre_terms[i] != same][:k]


def _top(scores: np.ndarray, k: int) -> Sequence[int]:
    """Indexes of the k highest scores, best first, ties by index (deterministic)."""
    if k <= 0 or scores.size == 0:
        return []
    order = np.lexsort((np.arange(scores.size), -scores))
    return [int(i) for i in order[:k]]
