"""Parser step: moods and catalogue genre terms (longest phrase first, moods win ties), then leftover genre-like
words (plurals, joined spellings, typos, well-known genres the catalogue lacks, with a note). Capitalised names
that are not moods or genres are read first (`bare_names.mentioned_artists`), and the rest after.
"""

from __future__ import annotations

import re

from assistant.understanding.lexicon import FILLER, GENERIC_TERMS, KNOWN_GENRES, MOODS_NOT_FROM_GENRES, STOP
from assistant.understanding.moods import MOOD_KEYS
from assistant.understanding.parser.bare_names import mentioned_artists
from assistant.understanding.parser.state import ParseState
from assistant.understanding.tokens import Tok, join_words, tokens
from assistant.understanding.vocabulary import genre_key, genre_words

_GENRE_SUFFIX = re.compile(r"\w{3}(core|wave|step|gaze|pop|rock|metal|punk|funk|jazz|tronica)$")


def moods_and_genres(state: ParseState) -> None:
    """Mood phrases and catalogue genre terms among the words left, longest first, then the leftovers."""
    toks = tokens(state.draft.current())
    mentioned_artists(state, toks, set(), strict=True)
    toks = tokens(state.draft.current())
    subs = [genre_words(t.text) if t.text != "," else [] for t in toks]
    matches = []
    for a in range(len(toks)):
        key_words: list[str] = []
        for b in range(a, min(len(toks), a + 6)):
            if toks[b].seg != toks[a].seg or toks[b].text == ",":
                break
            key_words += subs[b]
            key = " ".join(key_words)
            if key in MOOD_KEYS:
                matches.append((-len(key_words), 0, a, b, MOOD_KEYS[key]))
            term = state.vocab.term_by_key.get(key)
            if term is not None and key in GENERIC_TERMS:
                nxt = b + 1 < len(toks) and toks[b + 1].seg == toks[a].seg and toks[b + 1].text.lower() == "music"
                term = term if nxt else None
            if term is not None:
                matches.append((-len(key_words), 1, a, b, term))
    used: set[int] = set()
    for _, kind, a, b, value in sorted(matches):
        if used & set(range(a, b + 1)):
            continue
        used |= set(range(a, b + 1))
        if kind == 0:
            state.add_mood(value, toks[a].start)
        else:
            value = _narrow(state, toks, used, a, value)
            state.genres.append((toks[a].start, value))
            for w in genre_key(value).split():
                mood = MOOD_KEYS.get(w)
                if mood and mood not in MOODS_NOT_FROM_GENRES:
                    state.add_mood(mood, toks[a].start)
    mentioned_artists(state, toks, used, strict=False)
    _leftovers(state, toks, used)


def _narrow(state: ParseState, toks: list[Tok], used: set[int], a: int, term: str) -> str:
    """A place or scene word just before a genre narrows it when the catalogue has that narrower term
    ('Pinoy Classic Rock' -> pinoy rock); the word is used up."""
    k = a - 1
    if k < 0 or k in used or toks[k].seg != toks[a].seg or not toks[k].text.isalpha():
        return term
    word = toks[k].text.lower()
    if word in STOP or word in FILLER or genre_key(word) in MOOD_KEYS:
        return term
    narrower = state.vocab.narrowed(word, term)
    if narrower is None:
        return term
    used.add(k)
    state.draft.note(f"'{toks[k].text} {term}' read as {narrower}")
    return narrower


def _leftovers(state: ParseState, toks: list[Tok], used: set[int]) -> None:
    """Unmatched words: plurals, joined spellings, typos of genre terms; genre-like words get a note."""
    free = [k for k, t in enumerate(toks) if k not in used and t.text != "," and re.search(r"[a-z]", t.text.lower())
            and t.text.lower() not in FILLER and t.text.lower() not in STOP]
    done: set[int] = set()
    for k in free:
        if k in done:
            continue
        pair = [k, k + 1] if k + 1 in free and toks[k + 1].seg == toks[k].seg else [k]
        for span in ([pair, [k]] if len(pair) == 2 else [[k]]):
            text = " ".join(toks[j].text for j in span)
            term = _respell(state, text)
            if term:
                state.genres.append((toks[k].start, term))
                done.update(span)
                break
        if k in done:
            continue
        word = toks[k].text.lower()
        if word in KNOWN_GENRES or genre_key(word) in KNOWN_GENRES or _GENRE_SUFFIX.search(word):
            if state.caps and toks[k].text[:1].isupper() and k and toks[k - 1].seg == toks[k].seg:
                continue  # a capitalised word mid-sentence is more likely a name
            containing = state.vocab.terms_with_word(word, 2)
            if containing:
                state.genres.extend((toks[k].start, c) for c in containing)
                state.draft.note(f"'{word}' read as {', '.join(containing)}")
            else:
                near = state.vocab.nearest_terms(word, 3)
                state.draft.note(f"'{word}' isn't a genre in this catalogue" + (f"; closest: {', '.join(near)}" if near else ""))
            done.add(k)


def _respell(state: ParseState, text: str) -> str | None:
    key = genre_key(text)
    if not key or key in GENERIC_TERMS:
        return None
    if key.endswith("s") and key[:-1] in state.vocab.term_by_key:
        return state.vocab.term_by_key[key[:-1]]
    hit = state.vocab.term_by_spaceless.get(key.replace(" ", ""))
    if hit:
        return hit
    term, _ = state.vocab.fuzzy_genre(key)
    if term:
        state.draft.note(f"read '{text}' as {term}")
    return term


def genre_prefix(state: ParseState, words: list[str]):
    """Longest prefix of `words` that is a catalogue genre term: (words used, term) or None."""
    for n in range(min(len(words), 6), 0, -1):
        term = state.vocab.genre_term(join_words(words[:n]))
        if term:
            return n, term
    return None
