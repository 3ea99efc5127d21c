"""Words of a request: tokens with segment numbers, and small word lists shared by the parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.understanding.vocabulary import genre_key
from assistant.model.constraints import FeatureTargets
from assistant.understanding.lexicon import FILLER, MOOD_ALIASES, MOODS

STOP = frozenset("but with for please because so while when if than except without only like no not that which who "
                 "to at as into on in from during then plus also by".split())
SEPARATORS = frozenset({",", "and", "or", "nor", "&", "n", "+"})
MOOD_KEYS: dict[str, str] = {genre_key(k): k for k in MOODS}
MOOD_KEYS.update({genre_key(k): v for k, v in MOOD_ALIASES.items()})
CHARS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\t": " ", "\x00": " ",
                       **{chr(c): " " for c in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF)}})
TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{1,2}/[A-Za-z0-9]{1,2}(?![A-Za-z0-9])|,|[^\s,;:?()\[\]{}\"\x00/|]+")


@dataclass
class Tok:
    start: int
    end: int
    text: str
    seg: int
    sentence_start: bool = False


def tokens(s: str, start: int = 0, span: int | None = None) -> list[Tok]:
    """Words (and commas, '&', '+') of `s` from `start` (`span` characters), each with a segment number:
    punctuation, dashes, blanks and sentence ends split segments; quotes don't."""
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


def mood_prefix(words: list[str]):
    """Longest prefix of `words` that is a mood phrase: (words used, canonical mood) or None."""
    for n in range(min(len(words), 4), 0, -1):
        mood = MOOD_KEYS.get(genre_key(" ".join(words[:n])))
        if mood:
            return n, mood
    return None


def join_words(words: list[str]) -> str:
    return re.sub(r"\s+,", ",", " ".join(words))


def join(toks: list[Tok]) -> str:
    return join_words([t.text for t in toks])


def dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x.casefold() in seen or seen.add(x.casefold()))]


def targets_for(moods: list[str]) -> FeatureTargets:
    """Feature targets of some moods; two moods setting one feature average it."""
    sums: dict[str, list[float]] = {}
    for mood in moods:
        for feature, value in MOODS.get(mood, {}).items():
            sums.setdefault(feature, []).append(value)
    return FeatureTargets(**{f: round(sum(v) / len(v), 3) for f, v in sums.items()})


def theme_of(remaining: str) -> str | None:
    """What is left of a request once structure and names are removed, without filler words (None if nothing)."""
    keep = [t.text for t in tokens(remaining) if t.text != "," and t.text.lower() not in FILLER
            and t.text.lower() not in STOP and re.search(r"[^\W\d]", t.text)]
    return " ".join(keep).strip() or None
