"""The last step before the theme: what is left of the request that carries a number, a comparison or a negation
was not understood by any step ('nothing slower than a ballad', '3 of them', 'no more than a few'). It is reported
(`Constraints.unread`, and the report then is not 'all satisfied') rather than silently dropped or matched as words.
"""

from __future__ import annotations

import re

from assistant.understanding.lexicon import FILLER
from assistant.understanding.parser.draft import BLANK
from assistant.understanding.parser.numbers import NUM
from assistant.understanding.parser.state import ParseState

_NUMBER = re.compile(r"(?<![\w'])(?:\d+(?:[.,/]\d+)?(?!\s*(?:st|nd|rd|th)\b)\+?|" + NUM + r")(?![\w'])", re.IGNORECASE)
_COMPARE = re.compile(r"\b(?:than|at (?:least|most)|no (?:more|less|fewer)|fewer|under|over|below|above|max(?:imum)?|"
                      r"min(?:imum)?|faster|slower|longer|shorter|quicker)\b", re.IGNORECASE)
_NEGATE = re.compile(r"\b(?:no|not|without|never|nothing|none|except|don'?t|dont|avoid|hate|skip|minus)\b", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_NOT_NUMBERS = frozenset({"a", "an", "single", "half"})  # 'a' and 'an' are articles unless a step read them


def unread(state: ParseState) -> None:
    """Runs of leftover words (between consumed words and punctuation) with a number, a comparison or a negation,
    when they say something (two words or more, or a number)."""
    d = state.draft
    runs = re.split(r"[" + BLANK + r",.;:!?()]+", d.current())
    for run in runs:
        words = [w for w in _WORDS.findall(run) if w.lower() not in FILLER]
        if not words:
            continue
        text = " ".join(run.split())
        numbers = [m for m in _NUMBER.finditer(text) if m.group(0).lower() not in _NOT_NUMBERS]
        negation = _NEGATE.search(text) if len(words) >= 2 else None
        found = [m for m in (*numbers, _COMPARE.search(text), negation) if m is not None]
        if not found or not (numbers or len(words) >= 2):
            continue
        text = text[min(m.start() for m in found):]  # from the first word that carries it: 'no more than a few'
        if text not in d.unread:
            d.unread.append(text)
