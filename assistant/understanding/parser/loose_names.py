"""Parser step: catalogue artists named loosely, as listeners type them in a conversation: misspelt ('billie
ellish'), shortened ('some of tasha cobs songs' for Tasha Cobbs Leonard) or split ('hill song' for Hillsong).

It runs before the entity extractor, so that 'Daniel ceaser' is read whole (Daniel Caesar) and not as the artist
Daniel beside a stray word. Runs of two to four words inside a clause are tried longest first
(`Vocabulary.loose_artist`, see `name_spelling`); a run is a candidate only when it does not start or end with a
small word, holds no genre word, and one of its words is not ordinary English (so 'rainy day' is never the band
Rainy Days). The words around the name say where it goes (`entity_names.cue`: 'no X' excludes, 'songs by X'
keeps only these, otherwise a seed to sound like); the reading is noted ("read 'tasha cobs' as ...").
"""

from __future__ import annotations

from assistant.understanding.entities.wordlists import english
from assistant.understanding.lexicon import FILLER, SEPARATORS, STOP
from assistant.understanding.parser.entity_names import cue
from assistant.understanding.parser.state import ParseState
from assistant.understanding.tokens import Tok, tokens

LONGEST = 4  # words in a run
_SMALL = STOP | FILLER | SEPARATORS  # words a name does not start with


def loose_names(state: ParseState) -> None:
    """Each loosely named catalogue artist left in the text, into the list its cue says; its words consumed."""
    toks = [t for t in tokens(state.draft.current()) if t.text not in {",", "&", "+"}]
    taken: set[int] = set()
    for n in range(LONGEST, 1, -1):
        for i in range(len(toks) - n + 1):
            run = toks[i:i + n]
            if taken & set(range(i, i + n)) or len({t.seg for t in run}) > 1 or not _candidate(state, run):
                continue
            hit = state.vocab.loose_artist([_low(t) for t in run])
            if hit is None or (hit.how != "joined" and not _names_something(run)):
                continue
            if hit.how == "joined" and english(_low(run[0]) + _low(run[1])):
                continue
            text, start, end = state.draft.text, run[0].start, run[-1].end
            kind = cue(text, start, end, "artist")
            {"exclude": state.exclude, "include": state.include}.get(kind, state.seeds).append(hit.artist)
            state.draft.note(f"read '{text[start:end]}' as {hit.artist}")
            state.draft.consume(start, end)
            taken.update(range(i, i + n))


def _low(t: Tok) -> str:
    return t.text.lower().removesuffix("'s").strip("'")


def _candidate(state: ParseState, run: list[Tok]) -> bool:
    """A run that may be a name: no small word at its edges (a filler word may end a split name: 'hill song'),
    no separator, no genre word, no digits only."""
    words = [_low(t) for t in run]
    if words[0] in _SMALL or words[-1] in STOP or words[-1] in SEPARATORS:
        return False
    if any(w in SEPARATORS or w in STOP or not w or w.isdigit() for w in words):
        return False
    return not any(state.vocab.is_genre_word(w) for w in words if w not in FILLER)


def _names_something(run: list[Tok]) -> bool:
    """One word of the run is not ordinary English or filler (names are rarely only common words)."""
    return any(not english(w) and w not in FILLER for w in (_low(t) for t in run)) and _low(run[-1]) not in FILLER
