"""The step for occasions, moods, activities and scenes: the request is read against the concept inventory
(`understanding.concepts`) by phrase and by nearest neighbour on the text encoder; names, genres, years and lengths
already read (those left in the theme too) are protected, so 'Summer Walker' or 'Ocean Colour Scene' never
becomes a concept. What looked like an occasion but matched nothing is said in a note, not guessed."""

from __future__ import annotations

import re

from assistant.understanding.parser.draft import BLANK
from assistant.understanding.parser.state import ParseState


def concepts(state: ParseState) -> None:
    """Concepts of what is left of the request (mood words still visible: 'calm and hopeful' helps place
    'memorial'); recorded on the state, words not consumed (the theme keeps them for the meaning query)."""
    index = state.vocab.concepts
    if index is None:
        return
    text = state.draft.current()
    protected = [m.span() for m in re.finditer(BLANK + "+", text)]
    protected += state.vocab.genre_spans(text, min_words=1)
    protected += state.names  # names left in the theme too ('some Doja Cat next' is not martial arts)
    reading = index.find(text.replace(BLANK, " "), protected=protected)
    state.concepts = list(reading.concepts)
    for miss in reading.misses[:2]:
        state.draft.note(f"'{miss.text}' sounds like an occasion or mood I don't know"
                         + (f" (closest: {miss.nearest})" if miss.nearest else "") + "; it is read as words")
