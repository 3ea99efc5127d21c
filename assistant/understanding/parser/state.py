"""`ParseState`: what one run of the offline parser shares between its steps: the request, the vocabulary, the
structural `Draft` (text with used words blanked, structural facts, notes) and the lists the steps fill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.model.constraints import Work
from assistant.understanding.parser.draft import Draft
from assistant.understanding.tokens import CHARS
from assistant.understanding.vocabulary import Vocabulary

_TITLE_CASE_SMALL = frozenset("a an the of and or nor to in on at for by with from as but vs n 'n".split())
# text-speak: a lone 4 or 2 between words, before an article or a pronoun, is 'for' / 'to' ('chill 4 da beach')
_TEXT_SPEAK = re.compile(r"(?<=[^\W\d_] )(?P<d>[42])(?= (?:da|the|tha|a|an|my|me|u|you|ur|your|this|that|us|him|her|them)\b)",
                         re.IGNORECASE)


def plain_text(text: str) -> str:
    """The request with plain quotes and dashes, and text-speak digits read as the words they stand for."""
    return _TEXT_SPEAK.sub(lambda m: "for" if m.group("d") == "4" else "to", text.translate(CHARS))


@dataclass
class ParseState:
    """The request being parsed and what the steps found so far (positions keep moods and genres in text order)."""

    prompt: str
    vocab: Vocabulary
    draft: Draft
    caps: bool  # capitals mark names (False when the text is in Title Case or capitals throughout)
    moods: list[tuple[int, str]] = field(default_factory=list)
    genres: list[tuple[int, str]] = field(default_factory=list)
    exclude_genres: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)
    works: dict[str, list[Work]] = field(default_factory=lambda: {"seed": [], "include": [], "exclude": []})
    theme: str | None = None
    covers: list[str] = field(default_factory=list)  # artists whose songs are wanted as covers
    concepts: list = field(default_factory=list)  # `ConceptMatch`es read from the request
    names: list[tuple[int, int]] = field(default_factory=list)  # character spans read as names (consumed or not)

    @classmethod
    def start(cls, text: str, vocab: Vocabulary, today_year: int) -> ParseState:
        """The state before any step: the text with plain quotes and dashes, nothing found yet."""
        draft = Draft(plain_text(text), today_year)
        draft.protected = vocab.genre_spans(draft.text)
        words = re.findall(r"[^\W\d_][\w']*", draft.text)
        caps = any(w.islower() and w not in _TITLE_CASE_SMALL for w in words)
        return cls(prompt=text, vocab=vocab, draft=draft, caps=caps)

    def add_mood(self, mood: str, pos: int) -> None:
        """Add a mood found at character `pos`, unless it is there already."""
        if mood not in {m for _, m in self.moods}:
            self.moods.append((pos, mood))
