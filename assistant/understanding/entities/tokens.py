"""The tokenizer of entity extraction: `prepare` (plain quotes and dashes) and `tokenize` (words and punctuation).

It differs on purpose from `understanding.tokens.tokens`, the offline parser's tokenizer: punctuation
(quotes, dashes, parentheses, commas) comes out as tokens, because name slots are opened and closed by it,
and initials ('J. Cole'), abbreviations ('ft.', 'Dr.'), 'R&B', possessives and inner hyphens/apostrophes
stay inside words; there are no segment numbers. Word lists live in `wordlists.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHARS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                       "–": "-", "—": "-", "−": "-", "\u00a0": " "})
TOKEN_RE = re.compile(r"(?:[A-Za-z]\.){2,}|[B-HJ-Z]\.(?=\s+[A-Z])"  # acronyms, initials ('J. Cole', not 'Kid A.')
                      r"|\b[A-Za-z]&[A-Za-z]\b"  # 'R&B'
                      r"|(?i:dr|mr|mrs|ms|st|jr|sr|ft|feat|vs|prod|vol|pt)\.(?!\w)"  # abbreviations
                      r"|[^\W_]+(?:[.'\-+][^\W_]+)*'?|[&+]|[^\w\s]")
SQUOTE_RE = re.compile(r"(?<![\w'])'(?=[^\s'])((?:[^'\n\"]|(?<=\w)'(?=\w)){1,80}?[^\s'])'(?![\w])")
SLASHED_RE = re.compile(r"\b([A-Z]{1,2})/([A-Z]{1,2})\b")  # AC/DC stays one word


@dataclass
class Tok:
    """One token: a word (`word=True`, including '&' and '+') or a punctuation mark."""

    text: str
    start: int
    end: int
    word: bool

    @property
    def low(self) -> str:
        return self.text.lower().rstrip(".") if len(self.text) > 1 else self.text.lower()

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper() or self.text[:1].isdigit()


def prepare(text: str) -> str:
    """Same-length copy with plain quotes/dashes; single-quoted spans get double quotes."""
    s = SLASHED_RE.sub(r"\1-\2", (text or "").translate(CHARS)).replace("''", ' "')
    return SQUOTE_RE.sub(lambda m: '"' + m.group(1) + '"', s)


def tokenize(s: str) -> list[Tok]:
    """Tokens of a `prepare`d text, with character offsets into it."""
    out = []
    for m in TOKEN_RE.finditer(s):
        t = m.group(0)
        word = t[0].isalnum() or t in "&+"
        if word and t.endswith("'") and not t.lower().endswith("s'"):
            t = t[:-1]
        out.append(Tok(t, m.start(), m.start() + len(t), word))
    return out
