"""The step for covers: 'covers of Beatles songs', 'Beatles covers', 'songs by Prince covered by others' -> the
artist whose songs are wanted as recorded by someone else (grounded in the catalogue's artists)."""

from __future__ import annotations

import re

from assistant.understanding.parser.state import ParseState

_END = r"(?=\s+(?:from|in the|for|with|without|no|not|but|and (?:no|not|only))\b|[,.;!?]|$)"
_PATTERNS = (
    r"\bcover(?:s|\s+versions?|\s+songs?)?\s+of\s+(?:songs?\s+by\s+)?(?P<n>[^\x00,.;!?]+?)(?:'s)?(?:\s+(?:songs?|tracks?|"
    r"tunes|classics|hits))?" + _END,
    r"\b(?:songs?|tracks?|tunes|hits)\s+(?:originally\s+)?by\s+(?P<n>[^\x00,.;!?]+?)\s+(?:covered|done|sung|performed|"
    r"redone|reinterpreted)\s+by\s+(?:others|other (?:artists|people|bands)|someone else|anyone else)\b",
    r"(?:^|\b(?:some|of|play|want|give me|with|any)\s+)(?P<n>[A-Za-z0-9][^\x00,.;!?]{0,40}?)(?:'s)?\s+(?:songs?\s+)?covers?\b",
)


def covers(state: ParseState) -> None:
    """Covers of an artist the catalogue knows; the artist is not also read as a seed or 'only X'."""
    d = state.draft
    for pat in _PATTERNS:
        for m in list(re.finditer(pat, d.current(), re.IGNORECASE)):
            if "\x00" in m.group(0):
                continue
            name = re.sub(r"^(?:the\s+)?", "", m.group("n").strip(), flags=re.IGNORECASE)
            found, score = state.vocab.find_artist(name)
            if found is None:
                found, score = state.vocab.find_artist("the " + name)
            if found is None or score < 0.85:
                d.note(f"'covers of {name}': no artist called {name!r} in this catalogue")
                continue
            if found not in state.covers:
                state.covers.append(found)
            d.consume(m.start(), m.end())
