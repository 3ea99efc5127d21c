"""Tokenizing functions of the offline parser (word lists are data, in `lexicon.py`).

`tokens` splits a request into words (and commas, '&', '+') with segment numbers: punctuation, dashes, blanks
and sentence ends start a new segment, so a name or genre phrase never runs across them. `join`/`join_words`
put tokens back into text, and `dedupe` drops case-insensitive repeats from a list of names or genres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Typographic quotes and dashes -> plain ones; tabs, NULs (the parser's blank mark), no-break and zero-width
# spaces -> spaces. `entities.tokens.CHARS` differs (it also maps '`', '´', '„', '«', '»' and '−', and keeps tabs
# and zero-width characters): each tokenizer's rules were tuned on its own mapping, so they stay apart.
CHARS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\t": " ", "\x00": " ",
                       **{chr(c): " " for c in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF)}})
TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{1,2}/[A-Za-z0-9]{1,2}(?![A-Za-z0-9])|,|[^\s,;:?()\[\]{}\"\x00/|]+")


@dataclass
class Tok:
    """A word of a request: offsets, text, segment number, and whether it starts a sentence."""

    start: int
    end: int
    text: str
    seg: int
    sentence_start: bool = False


def tokens(s: str, start: int = 0, span: int | None = None) -> list[Tok]:
    """Words (and commas, '&', '+') of `s` from `start` (`span` characters), each with a segment number:
    punctuation, dashes, blanks and sentence ends split segments; quotes don't. Unlike `entities.tokens.tokenize`
    (which keeps punctuation as tokens for name slots) punctuation only shows as a segment change."""
    out: list[Tok] = []
    seg, last, sentence = 0, start, True
    stop = len(s) if span is None else min(len(s), start + span)
    for m in TOKEN.finditer(s, start, stop):
        a, b, t = m.start(), m.end(), m.group(0)
        between = s[last:a]
        if not re.search(r"[\w&+,]", t):  # a dash or other lone punctuation: a boundary, not a word
            seg, last = seg + 1, m.end()
            sentence = sentence or bool(re.search(r"[.!?]", t))
            continue
        if re.search(r"[^\s,\"'`*]", between):
            seg += 1
            sentence = sentence or bool(re.search(r"[.!?\n\x00]", between)) and not re.search(r"[\w]", between)
        lead = len(t) - len(t.lstrip("'\"`*"))
        t, a = t[lead:], a + lead
        ends = False
        while t and t[-1] in ".!'\"`*" and not re.fullmatch(r"(?i)(?:\w\.){2,}|n'|mrs?\.|ms\.|dr\.|st\.|jr\.|sr\.|vs\.", t):
            ends = ends or t[-1] in ".!"
            t, b = t[:-1], b - 1
        if t:
            out.append(Tok(a, b, t, seg, sentence))
            sentence = False
        if ends:
            seg, sentence = seg + 1, True
        last = m.end()
    return out


def join_words(words: list[str]) -> str:
    """Words back into text, with no space before a comma."""
    return re.sub(r"\s+,", ",", " ".join(words))


def join(toks: list[Tok]) -> str:
    """Tokens back into text."""
    return join_words([t.text for t in toks])


def dedupe(items: list[str]) -> list[str]:
    """`items` without case-insensitive repeats, first spelling kept, in order."""
    seen: set[str] = set()
    return [x for x in items if not (x.casefold() in seen or seen.add(x.casefold()))]
