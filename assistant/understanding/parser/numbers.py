"""Numbers as a request writes them ('45', 'forty-five', 'a hundred and twenty', 'a dozen', 'half'): `NUM` (and
`NUM_A`, which also takes 'a'/'an') are regular-expression patterns for them, `number` reads one (number words
through text2num, in English, French, Spanish and German). Used by the structural pass and the edit reader.
"""

from __future__ import annotations

import re

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORDS: dict[str, float] = {w: i for i, w in enumerate(_UNITS)}
_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
_WORDS.update({"a": 1, "an": 1, "a single": 1, "single": 1, "a dozen": 12, "dozen": 12, "a couple of": 2,
               "a couple": 2, "couple of": 2, "a few": 3, "a hundred": 100, "hundred": 100, "half": 0.5})
_BY_LENGTH = sorted(_UNITS[1:], key=len, reverse=True)
_WORD_NUM = r"(?:(?:%s)(?:[\s-](?:%s))?|%s)" % ("|".join(_TENS), "|".join(_UNITS[1:10]), "|".join(_BY_LENGTH))
_HUNDREDS = r"(?:(?:a|one|two|three)\s+)?hundred(?:\s+and)?(?:[\s-]+" + _WORD_NUM + r")?"
NUM = r"(?:\d+(?:\.\d+)?|a dozen|dozen|a couple(?: of)?|couple of|a few|" + _HUNDREDS + "|" + _WORD_NUM + ")"
NUM_A = r"(?:" + NUM + r"|an?|a single)"


def number(text: str) -> float | None:
    """'45' -> 45, 'forty-five' -> 45, 'a dozen' -> 12; None when it isn't a number."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    try:
        return float(t)
    except ValueError:
        pass
    if t in _WORDS:
        return _WORDS[t]
    parts = re.split(r"[\s-]", t)
    if len(parts) == 2 and parts[0] in _WORDS and parts[1] in _WORDS:
        return _WORDS[parts[0]] + _WORDS[parts[1]]
    return _number_words(re.sub(r"^an?\s+", "one ", t))


def _number_words(text: str) -> float | None:
    """Number words in a language text2num knows ('a hundred and twenty', 'soixante'), else None."""
    from text_to_num import text2num

    for lang in ("en", "fr", "es", "de"):
        try:
            return float(text2num(text.replace(" and ", " "), lang))
        except ValueError:
            continue
    return None
