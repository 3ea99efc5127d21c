"""Catalogue artists named loosely: misspelt ('billie ellish', 'kenny wayne shepperd'), shortened ('tasha cobs' for
Tasha Cobbs Leonard, 'michael smith' for Michael W. Smith) or split ('hill song' for Hillsong Worship).

`LooseNames(artists_by_norm, tracks_by_norm).match(words)` takes the words of a run of a request (two to four) and
returns the catalogue artist they most likely name, with a score and how it was read, or None. Three readings:

* **spelling**: the run and the artist's name have as many words and are spelt alike (`SPELLING`, rapidfuzz ratio
  on the whole names, and every word at least `WORD_FLOOR` alike);
* **short form**: the run is the artist's name without its last word ('maverick city' for Maverick City Music),
  each word spelt alike (`SHORT`), the run at least `SHORT_CHARS` letters;
* **joined**: two words written apart that are one word of the name ('hill song': Hillsong).

Initials are left out of names before comparing ('Michael W. Smith' is 'michael smith'). An exact name is not a
loose reading (the entity extractor reads those, with its own rules about ordinary words). Among candidates the
best spelt wins, then the artist with more tracks. Pure: no encoder, no catalogue beyond the names and counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from retrieval.tracks import normalise_name

SPELLING = 0.84  # whole-name likeness for a name of as many words ("katie perry" for Katy Perry is 0.857)
WORD_FLOOR = 0.6  # every word of a spelling reading at least this alike (not two names that share letters)
SHORT = 0.8  # each word of a short form at least this alike
SHORT_CHARS = 8  # a short form has at least this many letters ('tasha cobs')
MIN_TRACKS = 2  # an artist read loosely has at least this many tracks in the catalogue


@dataclass(frozen=True)
class LooseMatch:
    artist: str
    score: float
    how: str  # "spelling" | "short form" | "joined"


def name_words(name: str) -> tuple[str, ...]:
    """The words of a normalised name without initials ('michael w smith' -> ('michael', 'smith'))."""
    words = tuple(w for w in normalise_name(name).split() if len(w) > 1 or w.isdigit())
    return words or tuple(normalise_name(name).split())


class LooseNames:
    """Loose readings of artist names over a catalogue's artists (normalised name -> display name, track counts)."""

    def __init__(self, artists_by_norm: Mapping[str, str], tracks_by_norm: Mapping[str, int],
                 words_of: Callable[[str], tuple[str, ...]] | None = None):
        """`words_of`: `name_words` of a normalised name, when the caller knows them already (`CatalogueNames`)."""
        words_of = words_of or name_words
        self.display = dict(artists_by_norm)
        self.tracks = {k: int(tracks_by_norm.get(k, 0)) for k in self.display}
        self.exact = set(self.display)
        self.whole: dict[int, dict[str, str]] = {}  # words -> {initial-free name: norm}
        self.short: dict[int, dict[str, list[str]]] = {}  # words -> {name without its last word: [norm...]}
        self.first: dict[str, list[str]] = {}  # first word -> [norm...] of names of one or two words
        for norm in sorted(self.display, key=lambda k: -self.tracks[k]):
            if self.tracks[norm] < MIN_TRACKS:
                continue
            words = words_of(norm)
            self.whole.setdefault(len(words), {}).setdefault(" ".join(words), norm)
            if len(words) >= 3:
                self.short.setdefault(len(words) - 1, {}).setdefault(" ".join(words[:-1]), []).append(norm)
            if len(words) <= 2:
                self.first.setdefault(words[0], []).append(norm)
        self.whole_keys = {n: list(names) for n, names in self.whole.items()}
        self.short_keys = {n: list(names) for n, names in self.short.items()}

    def is_exact(self, words: Sequence[str]) -> bool:
        """Whether the words are a catalogue artist's name as it is (initials and all)."""
        return normalise_name(" ".join(words)) in self.exact

    def match(self, words: Sequence[str]) -> LooseMatch | None:
        """The artist a run of 2-4 words names loosely (see the module docstring), or None."""
        run = name_words(" ".join(words))
        if not 2 <= len(run) <= 4 or self.is_exact(words):
            return None
        from rapidfuzz import fuzz, process

        text = " ".join(run)
        found: list[tuple[float, int, str, str]] = []  # (score, tracks, norm, how)
        pool = self.whole.get(len(run), {})
        for key, score, _ in process.extract(text, self.whole_keys.get(len(run), []), scorer=fuzz.ratio, score_cutoff=SPELLING * 100,
                                             limit=5, processor=None):
            if all(fuzz.ratio(a, b) >= WORD_FLOOR * 100 for a, b in zip(run, key.split(), strict=True)):
                found.append((score / 100, self.tracks[pool[key]], pool[key], "spelling"))
        shorts = self.short.get(len(run), {})
        if len(text.replace(" ", "")) >= SHORT_CHARS:
            for key, _, _ in process.extract(text, self.short_keys.get(len(run), []), scorer=fuzz.ratio, score_cutoff=SHORT * 100,
                                             limit=5, processor=None):
                alike = [fuzz.ratio(a, b) / 100 for a, b in zip(run, key.split(), strict=True)]
                if min(alike) >= SHORT:
                    for norm in shorts[key]:
                        found.append((sum(alike) / len(alike), self.tracks[norm], norm, "short form"))
        if len(run) == 2:
            for norm in self.first.get(run[0] + run[1], []):
                found.append((1.0, self.tracks[norm], norm, "joined"))
        if not found:
            return None
        score, _, norm, how = max(found)
        return LooseMatch(artist=self.display[norm], score=round(score, 4), how=how)
