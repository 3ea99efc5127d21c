"""Candidate spans of a request for the concept lookup: words, clauses, exact phrase matches and word n-grams.

Pure functions on text, no encoder. Words are normalised (case and accents folded, apostrophes dropped, so
"Soirée" is "soiree" and "kid's" is "kids"). Clauses end at punctuation and at the connectives "and", "for",
"with", "to", "while", "but"...; a negation ("no", "not", "without"...) blocks the rest of its clause (what a
listener excludes is not an occasion they want).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
BREAK = re.compile(r"[,;:.!?()\[\]{}\"|/]|\s[-–—]+\s")
CONNECTIVES = frozenset("and for with to while but or plus during when so because then".split())
CUES = frozenset("for to while during".split())  # a clause after these says what the music is for
NEGATIONS = frozenset("no not without nothing except avoid skip never nor dont non".split())
STOPWORDS = frozenset("""
a an the my our your his her their its me us i we you it this that these those some any of in on at by from into
and or but for to with while during when as so than then plus also just only really very too more less bit little
kind kinda sort sorta type like good great best nice new old all any every one two few lots lot of please pls plz
give gimme make made want wanna need needs get got gonna let lets can could would should will im ive id am is are
be was were been being have has had do does did doing music musics song songs track tracks tune tunes playlist
playlists mix mixes list stuff something anything things thing vibe vibes vibey feel feels feeling energy mood moods
sound sounds sounding type style genre genres hour hours minute minutes min mins long short out up down off over
back through around about between before after across myself yourself ourselves everyone everybody someone
somebody people where there here what which who whom whose how why if them they him she he one ones
hit hits classic classics tracklist clean explicit dirty lyrics lyric vocals vocal remix remixes cover covers
de del la las el los en con para pra por le les des du et pour avec un une una uno unos der die das und fur mit
musica musicas musique musik canciones cancoes chansons lieder
""".split()) | NEGATIONS
DECADE = re.compile(r"(?:19|20)?\d0s|(?:19|20)\d\d")  # the parser's business, not a concept


def fold(word: str) -> str:
    """A word normalised for matching: lower case, no accents, no apostrophes."""
    s = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in s if not unicodedata.combining(ch) and ch not in "'’")


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    key: str
    clause: int
    cue: bool  # the clause is introduced by a purpose cue ("for", "to", "while"...)
    blocked: bool  # protected by the caller or negated
    negated_from: int = -1  # the start of the negation that blocks it ("no" in "no worries"), else -1


def words(text: str, protected: Iterable[tuple[int, int]] = ()) -> list[Word]:
    """The words of `text` with their clause numbers; words overlapping a protected range or negated are blocked."""
    protected = list(protected)
    out: list[Word] = []
    clause, cue, negated, last = 0, False, -1, 0
    for m in WORD.finditer(text):
        a, b, key = m.start(), m.end(), fold(m.group(0))
        if BREAK.search(text, last, a):
            clause, cue, negated = clause + 1, False, -1
        last = b
        if key in CONNECTIVES:
            clause, cue, negated = clause + 1, key in CUES, -1
            continue
        hidden = any(a < pe and ps < b for ps, pe in protected)
        out.append(Word(a, b, key, clause, cue, hidden or negated >= 0, -1 if hidden else negated))
        if key in NEGATIONS and negated < 0:
            negated = a
    return out


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The word keys of a phrase, the way `words` reads a request (connectives kept)."""
    return tuple(fold(m.group(0)) for m in WORD.finditer(phrase))


def name_words(phrase: str) -> frozenset[str]:
    """The content-word keys of a phrase ("hype songs" -> {"hype"})."""
    return frozenset(k for k in phrase_key(phrase) if k not in STOPWORDS and not DECADE.fullmatch(k) and not k.isdigit())


def all_words(text: str) -> list[tuple[int, int, str]]:
    """Every word of `text` (connectives included) as (start, end, key), for exact phrase matching."""
    return [(m.start(), m.end(), fold(m.group(0))) for m in WORD.finditer(text)]


def exact_matches(text: str, table: Mapping[tuple[str, ...], int], blocked: Sequence[Word],
                  longest: int) -> list[tuple[int, int, int]]:
    """Non-overlapping exact phrase matches as (start_char, end_char, concept id), longest first; a match may not
    cross punctuation or touch a blocked word, unless the word is negated and the match holds the negation
    itself ("no worries")."""
    ws = all_words(text)
    found: list[tuple[int, int, int, int]] = []  # (n words, start word, end word, concept)
    for i in range(len(ws)):
        for n in range(min(longest, len(ws) - i), 0, -1):
            key = tuple(w[2] for w in ws[i:i + n])
            if key in table:
                found.append((n, i, i + n, table[key]))
    taken: set[int] = set()
    out = []
    for _, i, j, cid in sorted(found, key=lambda f: (-f[0], f[1])):
        a, b = ws[i][0], ws[j - 1][1]
        if taken & set(range(i, j)) or BREAK.search(text, a, b):
            continue
        if any(a < w.end and w.start < b and not 0 <= a <= w.negated_from for w in blocked):
            continue
        taken.update(range(i, j))
        out.append((a, b, cid))
    return out


def edge(w: Word) -> bool:
    """A word a span may start or end with: not a stopword, a decade or a year."""
    return w.key not in STOPWORDS and not DECADE.fullmatch(w.key)


def content(w: Word) -> bool:
    """A word that carries meaning on its own (a bare number does not)."""
    return edge(w) and not w.key.isdigit()


def runs_of(ws: Sequence[Word]) -> list[list[Word]]:
    """Runs of unblocked words within one clause."""
    runs: list[list[Word]] = [[]]
    for w in ws:
        if w.blocked:
            runs.append([])
        elif runs[-1] and runs[-1][-1].clause == w.clause:
            runs[-1].append(w)
        else:
            runs.append([w])
    return [r for r in runs if r]


def candidate_spans(ws: Sequence[Word], max_n: int = 4, max_clause: int = 10) -> list[tuple[int, int, int]]:
    """Character spans worth embedding, as (start, end, content words): word n-grams of 1..max_n words inside one
    clause that neither start nor end with a stopword and hold a content word, plus each run of a clause (trimmed
    of stopwords) of up to `max_clause` words. No span holds a blocked word."""
    spans: dict[tuple[int, int], int] = {}
    for run in runs_of(ws):
        edges = [k for k, w in enumerate(run) if edge(w)]
        for i in edges:
            for j in edges:
                if i <= j < i + max_n:
                    n = sum(content(w) for w in run[i:j + 1])
                    if n:
                        spans[(run[i].start, run[j].end)] = n
        if edges and edges[-1] - edges[0] + 1 <= max_clause:
            inner = run[edges[0]:edges[-1] + 1]
            if n := sum(content(w) for w in inner):
                spans[(inner[0].start, inner[-1].end)] = n
    return sorted((a, b, n) for (a, b), n in spans.items())


def cue_clauses(ws: Sequence[Word]) -> list[tuple[int, int]]:
    """Character spans of the clauses introduced by a purpose cue ("for a bar fight", "while I paint"), trimmed of
    stopwords, holding a content word and no blocked one: where a miss would be reported."""
    out = []
    by_clause: dict[int, list[Word]] = {}
    for w in ws:
        by_clause.setdefault(w.clause, []).append(w)
    for group in by_clause.values():
        if not group[0].cue or any(w.blocked for w in group) or not any(content(w) for w in group):
            continue
        kept = [w for w in group if edge(w)]
        out.append((kept[0].start, kept[-1].end))
    return out


def content_count(ws: Sequence[Word], a: int, b: int) -> int:
    """How many content words lie in the character range [a, b) (at least 1)."""
    return max(1, sum(content(w) for w in ws if a <= w.start and w.end <= b))


def span_keys(ws: Sequence[Word], a: int, b: int) -> frozenset[str]:
    """The keys of the content words in the character range [a, b)."""
    return frozenset(w.key for w in ws if a <= w.start and w.end <= b and content(w))
