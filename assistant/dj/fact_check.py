"""The fact check for DJ lines: every name, number and year in a line must come from the facts given for it.

Pure. `allowed_claims(facts)` collects what a line may say from a facts dict (any nesting): the strings (titles,
artists, albums, the listener's words, the month of a first play), every number (also the numbers inside
those strings), the years among them and their decades. `check_line(line, facts)` then looks for claims:

- years ("1959") and decades ("the 90s", "the nineties", "1990s"): the year, or a year of that decade, must be
  a fact;
- other numbers, in digits or words ("14 times", "fourteen weeks", "number three", "their second album"):
  the number must be a fact;
- names: runs of capitalised words that are not an ordinary word opening a sentence ("Coming up, Miles Davis")
  must appear in a fact string ("Davis" alone is fine when "Miles Davis" is a fact; "Bill Davis" is not).

A few fixed phrases carry no claim and are always allowed ("Billboard Hot 100", "Spotify", "BPM").
It errs on the strict side: a failed line is only rewritten or replaced, never spoken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.understanding.entities import ENGLISH, STRONG_BREAK, WEAK_BREAK

__all__ = ["AllowedClaims", "Claim", "FactCheck", "allowed_claims", "check_line", "norm"]

ALWAYS = ("Billboard Hot 100", "the Hot 100", "Hot 100", "Billboard", "Spotify", "BPM", "DJ", "Segue", "OK")
STARTERS = frozenset("""
a an the this that these those here there now next up so and but then well yes oh ah okay alright right time
it it's its that's here's there's what's let's let you you've you're your we we're we've our i i'm i've my
chart coming closing keeping easing staying settling turning moving sliding rolling heading winding starting taking
still just another one more some plenty nothing something everything good great lovely beautiful gentle soft
slow quiet warm easy sweet smooth cool hello hi welcome thanks thank stay keep settle pour grab sit lean picture
perfect made built fresh straight first last from with for over after before into out on off back around
through under across if when while as all both each every few most much no not only very too also ever
over
""".split())
CONNECTORS = frozenset("of the and de la le el del da di du van von der den y & 'n' n' a an in on for to at is".split())
UNITS = {"zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
         "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
         "eighteen": 18, "nineteen": 19, "dozen": 12}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
ORDINALS = {"third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
            "eleventh": 11, "twelfth": 12, "twentieth": 20}
DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
                "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000}

_YEAR = re.compile(r"(?<![\w'])(1[89]\d\d|20\d\d)(s)?(?!\w)")
_SHORT_DECADE = re.compile(r"(?<![\w])'?(\d)0s\b")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?!\w)")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_SENTENCE_END = re.compile(r"[.!?:;\u2014\"(]\s*$|^\s*$|\s-\s*$")


class Claim(BaseModel):
    """One claim of a line that the facts do not support."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["name", "number", "year", "decade"]
    text: str = Field(description="The words of the line that make the claim")

    def describe(self) -> str:
        return f"{self.kind} '{self.text}' is not in the facts"


class FactCheck(BaseModel):
    """The fact check's verdict on one line: ok, or the claims its facts do not support."""

    model_config = ConfigDict(extra="forbid")

    ok: bool
    failed: list[Claim] = Field(default_factory=list)

    def problems(self) -> list[str]:
        return [c.describe() for c in self.failed]


@dataclass
class AllowedClaims:
    """What a line may say, collected from its facts."""

    strings: list[str] = field(default_factory=list)  # originals, longest first (masked out of a line)
    names: list[str] = field(default_factory=list)  # normalised fact strings
    tokens: set[str] = field(default_factory=set)  # normalised words of fact strings
    numbers: set[float] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    decades: set[int] = field(default_factory=set)


def norm(text: str) -> str:
    """Case-folded, accents and punctuation dropped, '&' read as 'and', one space between words."""
    s = unicodedata.normalize("NFKD", text.replace("’", "'"))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    s = re.sub(r"'s\b", "", s)
    return re.sub(r"\s+", " ", re.sub(r"[^\w]+", " ", s)).strip()


def _walk(value: object) -> Iterable[object]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _walk(v)
    elif value is not None:
        yield value


def allowed_claims(facts: dict) -> AllowedClaims:
    """Everything the facts let a line say."""
    a = AllowedClaims()
    strings: set[str] = set()
    for v in _walk(facts):
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            _add_number(a, float(v))
        elif isinstance(v, str) and v.strip():
            strings.add(_plain(v.strip()))
            for m in _NUMBER.finditer(v):
                _add_number(a, float(m.group().replace(",", "")))
            for m in _SHORT_DECADE.finditer(v):  # "80s pop" lets a line say "the 80s"
                a.decades.add((2000 if int(m.group(1)) < 3 else 1900) + int(m.group(1)) * 10)
            for word, decade in DECADE_WORDS.items():
                if re.search(rf"\b{word}\b", v, re.I):
                    a.decades.add(decade)
    a.strings = sorted(strings, key=len, reverse=True)
    a.names = [n for n in (norm(s) for s in a.strings) if n]
    a.tokens = {t for n in a.names for t in n.split()}
    a.decades |= {y // 10 * 10 for y in a.years}
    return a


def _add_number(a: AllowedClaims, x: float) -> None:
    a.numbers |= {round(x), round(x, 1)}
    if x.is_integer() and 1800 <= x <= 2099:
        a.years.add(int(x))
    if x.is_integer() and 1900 <= x <= 2090 and x % 10 == 0:
        a.decades.add(int(x))


def check_line(line: str, facts: dict | AllowedClaims) -> FactCheck:
    """Whether every name, number and year in `line` comes from `facts` (a facts dict or its `allowed_claims`)."""
    a = facts if isinstance(facts, AllowedClaims) else allowed_claims(facts)
    text = _plain(line)
    failed: list[Claim] = []
    text = _mask(text, a.strings)  # exact fact strings ("1999" the title, "Take Five") carry no new claim
    text = _mask(text, ALWAYS)
    text = _years(text, a, failed)
    text = _numbers(text, a, failed)
    _names(text, a, failed)
    return FactCheck(ok=not failed, failed=failed)


def _plain(text: str) -> str:
    """One form for quotes and dashes in lines and facts alike."""
    return unicodedata.normalize("NFC", text).translate(_QUOTES)


def _mask(text: str, phrases: Iterable[str]) -> str:
    for p in phrases:
        if len(p) < 2:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(p)}(?!\w)", re.I)
        text = pattern.sub(lambda m: " \u00a7 " if m.group()[0].isupper() or not m.group()[0].isalpha() else " ~ ",
                           text)
    return text


def _years(text: str, a: AllowedClaims, failed: list[Claim]) -> str:
    def year(m: re.Match) -> str:
        y = int(m.group(1))
        if m.group(2):  # "1990s"
            if y // 10 * 10 not in a.decades:
                failed.append(Claim(kind="decade", text=m.group()))
        elif y not in a.years:
            failed.append(Claim(kind="year", text=m.group()))
        return " ~ "

    def short(m: re.Match) -> str:
        d = int(m.group(1)) * 10
        decade = 2000 + d if d < 30 else 1900 + d
        if decade not in a.decades:
            failed.append(Claim(kind="decade", text=m.group()))
        return " ~ "

    text = _YEAR.sub(year, text)
    text = _SHORT_DECADE.sub(short, text)
    for word, decade in DECADE_WORDS.items():
        if re.search(rf"\b{word}\b", text, re.I) and decade not in a.decades:
            failed.append(Claim(kind="decade", text=word))
    return text


def _numbers(text: str, a: AllowedClaims, failed: list[Claim]) -> str:
    def digits(m: re.Match) -> str:
        x = float(m.group().replace(",", ""))
        if round(x, 1) not in a.numbers and round(x) not in a.numbers:
            failed.append(Claim(kind="number", text=m.group()))
        return " ~ "

    text = _NUMBER.sub(digits, text)
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    for i, (w, _, _) in enumerate(words):
        prev = words[i - 1][0] if i else ""
        value = None
        if w in TENS:
            value = TENS[w]
            nxt = words[i + 1][0] if i + 1 < len(words) else ""
            if nxt in UNITS and UNITS[nxt] < 10:
                value += UNITS[nxt]
        elif w in UNITS and prev not in TENS:
            value = UNITS[w]
        elif w == "one" and prev in ("number", "no"):
            value = 1
        elif w in ORDINALS or (w == "second" and prev in ("the", "their", "his", "her", "its", "a")):
            value = ORDINALS.get(w, 2)
        elif w == "hundred":
            value = 100
        if value is not None and value not in a.numbers:
            failed.append(Claim(kind="number", text=w))
    return text


def _names(text: str, a: AllowedClaims, failed: list[Claim]) -> None:
    words = list(_WORD.finditer(text))
    run: list[tuple[str, bool]] = []  # (word, opens a sentence)
    pending: list[str] = []  # connectors seen since the last capitalised word of the run

    def close() -> None:
        if run:
            _judge(run, a, failed)
        run.clear()
        pending.clear()

    for i, m in enumerate(words):
        w = m.group()
        gap = text[words[i - 1].end():m.start()] if i else text[:m.start()]
        if run and gap.strip() not in ("", "&"):
            close()  # punctuation or a mask between words ends a name
        elif run and gap.strip() == "&":
            run.append(("&", False))
        opens = bool(_SENTENCE_END.search(text[:m.start()]))
        if w[0].isupper() and w not in ("I", "I'm", "I've", "I'd", "I'll"):
            if pending and run:
                run.extend((p, False) for p in pending)
            pending.clear()
            run.append((w, opens))
        elif run and w.lower() in CONNECTORS and not pending:
            pending.append(w)
        else:
            close()
    close()


def _judge(run: list[tuple[str, bool]], a: AllowedClaims, failed: list[Claim]) -> None:
    words = [w for w, _ in run]
    if run[0][1] and _ordinary(words[0]):
        words = words[1:]  # "Coming up, ..." / "That was ..." / "Here's ..."
    while words and words[-1].lower() in CONNECTORS:
        words = words[:-1]
    if not words:
        return
    phrase = norm(" ".join(words))
    if not phrase:
        return
    if any(re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", n) for n in a.names):
        return
    if len(words) == 1 and phrase in a.tokens:
        return
    failed.append(Claim(kind="name", text=" ".join(words)))


def _ordinary(word: str) -> bool:
    w = word.lower().replace("’", "'")
    base = re.sub(r"'(s|re|ve|ll|d|m)$", "", w)
    return any(x in STARTERS or x in ENGLISH or x in STRONG_BREAK or x in WEAK_BREAK for x in (w, base))
