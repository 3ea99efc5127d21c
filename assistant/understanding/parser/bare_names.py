"""Artist names without a 'like'/'no'/'by' in front: 'Radiohead-style', 'Muse radio', 'how about Johnny Cash?'.

A mixin of the parser: it reads `self.vocab`, `self.d` (the draft), `self.caps` and adds to `self.seeds`.
"""

from __future__ import annotations

import re

from assistant.understanding.lexicon import FILLER, NAME_TRAILERS
from assistant.understanding.parser.quantities import BLANK
from assistant.understanding.words import MOOD_KEYS, SEPARATORS, STOP, Tok, join_words, tokens
from assistant.understanding.vocabulary import genre_key

FUZZY_ARTIST = 0.9
_SUFFIX = re.compile(r"^(?P<name>.+?)-(?:style|esque|inspired|like|ish)$", re.IGNORECASE)
_SUFFIX_WORDS = frozenset({"style", "vibes", "radio", "type"})


class Mentions:
    """Seed artists named without a trigger word."""

    def _suffix_artists(self) -> None:
        """'Radiohead-style', 'Nirvana vibes', 'Muse radio' -> seed artists (only names the catalogue knows)."""
        toks = tokens(self.d.current())
        for k, t in enumerate(toks):
            m = _SUFFIX.match(t.text)
            if m:
                prev = [x for x in toks[max(0, k - 3):k] if x.seg == t.seg and x.text != ","]
                base, starts = [x.text for x in prev] + [m.group("name")], [x.start for x in prev] + [t.start]
            elif t.text.lower() in _SUFFIX_WORDS and k:
                prev = [x for x in toks[max(0, k - 4):k] if x.seg == t.seg and x.text != ","]
                base, starts = [x.text for x in prev], [x.start for x in prev]
            else:
                continue
            for n in range(len(base), 0, -1):
                name, start = join_words(base[-n:]), starts[-n]
                if BLANK in self.d.current()[start:t.end] or name.lower() in FILLER or self.vocab.genre_term(name):
                    continue
                if MOOD_KEYS.get(genre_key(name)):
                    continue
                artist, score = self.vocab.find_artist(name, FUZZY_ARTIST)
                if artist and (score >= 1 or (self.caps and name[:1].isupper())):
                    self.seeds.append(artist)
                    if score < 1:
                        self.d.note(f"read '{name}' as {artist}")
                    self.d.consume(start, t.end)
                    break

    def _mentioned_artists(self, toks: list[Tok], used: set[int], strict: bool) -> None:
        """Artist names left in the text without a trigger ('how about Johnny Cash?') -> seed artists.
        `strict` (before moods and genres): only capitalised names of 2+ words that aren't a mood or genre."""
        k = 0
        while k < len(toks):
            run = []
            for j in range(k, min(len(toks), k + 6)):
                if j in used or toks[j].seg != toks[k].seg or toks[j].text == ",":
                    break
                run.append(j)
            hit = self._mention_at(toks, run, strict) if run else None
            if not hit:
                k += 1
                continue
            n, artist, score, raw = hit
            self.seeds.append(artist)
            self.d.note(f"took '{raw}' as an artist to sound like" + (f" ({artist})" if score < 1 else ""))
            used.update(run[:n])
            self.d.consume(toks[run[0]].start, toks[run[n - 1]].end)
            k += n

    def _mention_at(self, toks: list[Tok], run: list[int], strict: bool):
        words = [toks[j].text for j in run]
        first = words[0].lower()
        if first in STOP or (first in FILLER and first != "the") or first in SEPARATORS:
            return None
        for n in range(len(words), 0, -1):
            last = words[n - 1].lower()
            if last in NAME_TRAILERS or last in STOP or last in SEPARATORS or (last in FILLER and n == 1):
                continue
            name = join_words(words[:n])
            name = name[:-2] if name.lower().endswith("'s") else name
            real = n - (first == "the")
            upper = all(w[:1].isupper() or w[:1].isdigit() or w.lower() in SEPARATORS | {"of", "the"} for w in words[:n])
            if strict and (real < 2 or not upper or genre_key(name) in MOOD_KEYS or self.vocab.genre_term(name)):
                continue
            cap = self.caps and upper
            if real < 1 or (real == 1 and (not cap or toks[run[0]].sentence_start)):
                continue
            artist, score = self.vocab.find_artist(name, FUZZY_ARTIST)
            if artist is not None and (score >= 1 or (cap and real >= 2 and not strict)):
                return n, artist, score, name
        return None
