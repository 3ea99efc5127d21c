"""Parser steps: artist names without a 'like'/'no'/'by' in front ('Radiohead-style', 'Muse radio', 'how about
Johnny Cash?') -> seed artists. `suffix_artists` is a step of its own; `mentioned_artists` runs inside the moods
and genres step, once before them (strict: capitalised names of 2+ words only) and once after.
"""

from __future__ import annotations

import re

from assistant.understanding.lexicon import FILLER, NAME_TRAILERS, SEPARATORS, STOP
from assistant.understanding.moods import MOOD_KEYS
from assistant.understanding.parser.draft import BLANK
from assistant.understanding.parser.state import ParseState
from assistant.understanding.tokens import Tok, join_words, tokens
from assistant.understanding.vocabulary import genre_key

FUZZY_ARTIST = 0.9  # spelling score (0..1) a name needs to be read as a catalogue artist
_SUFFIX = re.compile(r"^(?P<name>.+?)-(?:style|esque|inspired|like|ish)$", re.IGNORECASE)
_SUFFIX_WORDS = frozenset({"style", "vibes", "radio", "type"})


def suffix_artists(state: ParseState) -> None:
    """'Radiohead-style', 'Nirvana vibes', 'Muse radio', 'metalica and megadeth type stuff' -> seed artists (only
    names the catalogue knows; the suffix is a cue, so a misspelt name of five letters or more is read too)."""
    toks = tokens(state.draft.current())
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
        start = _cued_name(state, base, starts, t.end)
        # a list before the cue ('A and B type stuff'): the names before 'and' / 'or' / ',' count too
        while start is not None:
            before = [x for x in toks if x.end <= start and x.seg == t.seg][-5:]
            if not before or before[-1].text.lower() not in ("and", "or", "&", ","):
                break
            names = [x for x in before[:-1] if x.text != ","]
            start = _cued_name(state, [x.text for x in names], [x.start for x in names], before[-1].end)


def _cued_name(state: ParseState, base: list[str], starts: list[int], end: int) -> int | None:
    """The longest catalogue artist ending `base` (words before a cue ending at `end`), read as a seed and consumed;
    its start, or None."""
    for n in range(len(base), 0, -1):
        name, start = join_words(base[-n:]), starts[-n]
        if BLANK in state.draft.current()[start:end] or name.lower() in FILLER or state.vocab.genre_term(name):
            continue
        if MOOD_KEYS.get(genre_key(name)):
            continue
        artist, score = state.vocab.find_artist(name, FUZZY_ARTIST)
        if artist and (score >= 1 or (state.caps and name[:1].isupper()) or len(name) >= 5):
            state.seeds.append(artist)
            if score < 1:
                state.draft.note(f"read '{name}' as {artist}")
            state.draft.consume(start, end)
            return start
    return None


def mentioned_artists(state: ParseState, toks: list[Tok], used: set[int], strict: bool) -> None:
    """Artist names left in the text without a trigger ('how about Johnny Cash?') -> seed artists.
    `strict` (before moods and genres): only capitalised names of 2+ words that aren't a mood or genre."""
    k = 0
    while k < len(toks):
        run = []
        for j in range(k, min(len(toks), k + 6)):
            if j in used or toks[j].seg != toks[k].seg or toks[j].text == ",":
                break
            run.append(j)
        hit = _mention_at(state, toks, run, strict) if run else None
        if not hit:
            k += 1
            continue
        n, artist, score, raw = hit
        state.seeds.append(artist)
        state.draft.note(f"took '{raw}' as an artist to sound like" + (f" ({artist})" if score < 1 else ""))
        used.update(run[:n])
        state.draft.consume(toks[run[0]].start, toks[run[n - 1]].end)
        k += n


def _mention_at(state: ParseState, toks: list[Tok], run: list[int], strict: bool):
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
        if strict and (real < 2 or not upper or genre_key(name) in MOOD_KEYS or state.vocab.genre_term(name)):
            continue
        cap = state.caps and upper
        if real < 1 or (real == 1 and (not cap or toks[run[0]].sentence_start)):
            continue
        artist, score = state.vocab.find_artist(name, FUZZY_ARTIST)
        if artist is not None and (score >= 1 or (cap and real >= 2 and not strict)):
            return n, artist, score, name
    return None
