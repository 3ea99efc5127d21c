"""Structural steps for explicit lyrics, a per-artist cap, song length, playlist length and counts, and tempo.
Each takes the `Draft`, reads what is left of the text, records what it understood and blanks the words it used
(see `draft.py`); the pipeline runs them in order (`pipeline.STRUCTURE`).
"""

from __future__ import annotations

import re

from assistant.understanding.parser.draft import BLANK, Draft
from assistant.understanding.parser.numbers import NUM, NUM_A, number

_APPROX = r"(?:(?:about|around|roughly|approximately|approx\.?|~|almost|nearly|some|maybe|like|under|over|at least|at most|up to|max|maximum|minimum)\s*)?"
_SONG = r"(?:songs?|tracks?|tunes?)"
_ARTIST = r"(?:artists?|bands?|singers?|acts?|musicians?|groups?|performers?)"


def explicit(d: Draft) -> None:
    for _ in d.each(r"\b(?:explicit(?: (?:songs|tracks|lyrics|versions?))? only|only explicit(?: songs| tracks| lyrics)?)\b"):
        d.explicit = "only"
    clean = (r"\b(?:(?:no|not|non|without|zero|nothing(?: too)?|not too)[\s-]*explicit(?: (?:lyrics|content|songs|tracks|language|stuff))?"
             r"|clean(?: (?:versions?|lyrics|edits?|songs|tracks|only))?|(?:family|kids?|child|children)[\s'-]*"
             r"(?:friendly|safe|appropriate)|safe for (?:work|kids|children)|sfw|radio edits?|for (?:my |the )?(?:kids|children)"
             r"|no (?:swearing|swear words|cursing|profanity|bad words))\b")
    for _ in d.each(clean):
        if d.explicit == "only":
            d.note("asked for both clean and explicit songs: kept clean")
        d.explicit = "exclude"


def per_artist(d: Draft) -> None:
    cap = (r"\b(?:no more than|not more than|maximum(?: of)?|max(?:imum)?|at most|up to|only|just|limit(?: of| to)?)?\s*"
           r"(?P<n>" + NUM_A + r")\s*(?:" + _SONG + r"\s*)?(?:max(?:imum)?\s*)?(?:per|from each|from any(?: one)?|from a single|"
           r"by each|by any(?: one)?|by the same|by a single|for each|each|an?)\s+(?:one\s+|single\s+)?" + _ARTIST + r"\b")
    for m in d.each(cap):
        _set_cap(d, number(m.group("n")))
    once = (r"\b(?:(?:no|don'?t|do not|never|without)\s+(?:repeat(?:ed|ing|s)?|duplicate[sd]?)\s+" + _ARTIST
            + r"|(?:each|every|all)\s+(?:" + _SONG + r"\s+)?(?:(?:by|from)\s+)?(?:an?\s+)?different\s+" + _ARTIST
            + r"|no " + _ARTIST + r" (?:twice|more than once)|" + _ARTIST + r" only once)\b")
    for _ in d.each(once):
        _set_cap(d, 1)
    for _ in d.each(r"\bno (?:repeats|duplicates|repeated (?:songs|tracks)|duplicate (?:songs|tracks))\b"):
        pass  # a playlist never repeats a track anyway
    for m in d.each(r"\bno " + _ARTIST + r" more than (?P<n>" + NUM + r")\s*(?:times|" + _SONG + r")\b"):
        _set_cap(d, number(m.group("n")))


def _set_cap(d: Draft, n: float | None) -> None:
    if n is None or n < 1:
        return
    d.max_per_artist = min(int(n), 100) if d.max_per_artist is None else min(d.max_per_artist, int(n))


def track_length(d: Draft) -> None:
    unit = r"\s*(?:m|mins?|minutes?)\b(?:\s+(?:long|each))?"
    short = (r"\b(?:" + _SONG + r"|each one|each)\s+(?:that are\s+|which are\s+)?(?:under|less than|shorter than|below|"
             r"at most|no longer than|not longer than|max(?:imum)?)\s+(?P<n>" + NUM + r")" + unit)
    for m in d.each(short):
        _track_range(d, None, number(m.group("n")))
    for m in d.each(r"\b(?:nothing|no " + _SONG + r")\s+(?:longer than|over|more than|above)\s+(?P<n>" + NUM + r")" + unit):
        _track_range(d, None, number(m.group("n")))
    long = (r"\b(?:" + _SONG + r"|each one|each)\s+(?:that are\s+|which are\s+)?(?:over|more than|longer than|above|"
            r"at least)\s+(?P<n>" + NUM + r")" + unit)
    for m in d.each(long):
        _track_range(d, number(m.group("n")), None)
    between = (r"\b(?:(?:" + _SONG + r")\s+)?(?:that are\s+|which are\s+)?between\s+(?P<a>" + NUM + r")\s*(?:and|-|to)\s*(?P<b>"
               + NUM + r")\s*(?:m|mins?|minutes?)\s+(?:long|each)\b")
    for m in d.each(between):
        _track_range(d, number(m.group("a")), number(m.group("b")))
    for m in d.each(r"\b(?P<n>" + NUM + r")\s*(?:\+|or more|plus)\s*(?:m|mins?|minutes?)\s+(?:long\s+)?each\b"
                    r"|\b(?:at least|over|more than)\s+(?P<k>" + NUM + r")\s*(?:m|mins?|minutes?)\s+each\b"):
        _track_range(d, number(m.group("n") or m.group("k")), None)


def _track_range(d: Draft, lo: float | None, hi: float | None) -> None:
    if (lo is not None and not 0 < lo <= 60) or (hi is not None and not 0 < hi <= 60):
        d.note("ignored a song length outside 0-60 minutes")
        return
    old_lo, old_hi = d.track_minutes or (None, None)
    d.track_minutes = (lo if lo is not None else old_lo, hi if hi is not None else old_hi)


def duration(d: Draft) -> None:
    found: list[tuple[int, float]] = []
    pats = [
        (r"\b(?:an?|one)\s+hours?\s+and\s+a\s+half\b|\bhour and a half\b", lambda m: 90),
        (r"\b(?P<n>" + NUM + r")\s+and\s+a\s+half\s+hours?\b", lambda m: (number(m.group("n")) or 0) * 60 + 30),
        (r"\b(?P<h>\d+)\s*h\s*(?P<m>\d{1,2})\b", lambda m: int(m.group("h")) * 60 + int(m.group("m"))),
        (r"\b(?P<h>" + NUM_A + r")\s*(?:h|hrs?|hours?)\s*(?:and\s*)?(?P<m>" + NUM + r")\s*(?:m|mins?|minutes?)\b",
         lambda m: (number(m.group("h")) or 0) * 60 + (number(m.group("m")) or 0)),
        (r"\b(?:an?|one)\s+hours?\s+and\s+a\s+quarter\b", lambda m: 75),
        (r"\b(?:three[\s-]quarters|3/4)\s+(?:of\s+)?an?\s+hour\b", lambda m: 45),
        (r"\b(?:half(?:\s+an?|-an)?|1/2(?:\s+an?)?)[\s-]+hour\b", lambda m: 30),
        (r"\b(?:a\s+)?quarter(?:\s+of)?(?:\s+an?)?[\s-]+hour\b", lambda m: 15),
        (r"\b(?P<n>\d+(?:\.\d+)?)\s*\+\s*(?:h|hrs?|hours?)\b", lambda m: float(m.group("n")) * 60),
        (r"\b(?P<n>\d+(?:\.\d+)?)\s*\+\s*(?:m|mins?|minutes?)\b", lambda m: float(m.group("n"))),
        (_APPROX + r"\b(?P<n>" + NUM_A + r")[\s-]*(?:h|hrs?|hours?)\b(?:[\s-]+long)?", lambda m: (number(m.group("n")) or 0) * 60),
        (_APPROX + r"\b(?P<n>" + NUM + r")[\s-]*(?:m|mins?|minutes?)\b(?:[\s-]+long)?", lambda m: number(m.group("n")) or 0),
    ]
    for pat, value in pats:
        for m in d.each(pat):
            found.append((m.start(), float(value(m))))
    counts: list[tuple[int, float, str]] = []
    for m in d.each(r"\b(?P<no>(?:no|not|without|avoid|skip|nothing)\s+(?:the\s+|any\s+)?)?top[\s-]?(?:40|forty)"
                    r"(?:\s+(?:hits?|radio|pop|charts?|music|stuff))?\b(?!\s+(?:songs?|tracks?))"):
        negated = bool(m.group("no"))  # the chart, not a count; "no top 40" asks for the opposite
        d.discovery.append(0.8 if negated else 0.1)
        d.popularity.append("deep_cuts" if negated else "hits")
    # '2020 hits', '1999 songs': a year (read by `years`), not a count
    for m in d.each(_APPROX + r"\b(?:top\s+)?(?!(?:19|20)\d\d\b)(?P<n>" + NUM + r")[\s-]*(?P<noun>" + _SONG
                    + r"|bangers?|jams?|hits?|records?|singles?)\b(?:[\s-]+(?:long|playlist|mix))?"):
        counts.append((m.start(), number(m.group("n")) or 0, m.group("noun").lower()))
    gap = r"\b(?P<n>" + NUM + r")\s+(?:(?![\d\x00])[\w&'-]+\s+){1,3}?(?P<noun>" + _SONG + r")\b"
    for m in list(re.finditer(gap, d.current(), re.IGNORECASE)):
        n = number(m.group("n"))
        if BLANK in m.group(0) or n is None or 1900 <= n <= 2099:
            continue
        d.consume(m.start("n"), m.end("n"))
        d.consume(m.start("noun"), m.end("noun"))
        counts.append((m.start(), n, m.group("noun").lower()))
    for m in d.each(r"\btop\s+(?P<n>\d{1,3})\b|\bplaylist of (?P<k>\d{1,3})\b(?!\s*(?:m|min|h|bpm))"):
        counts.append((m.start(), float(m.group("n") or m.group("k")), ""))
    found.sort()
    counts.sort()
    for _, minutes in found:
        if minutes <= 0:
            continue
        if minutes > 24 * 60:
            d.note(f"{minutes:g} minutes is over a day: made it 24 hours")
            minutes = 24 * 60
        if d.minutes is None:
            d.minutes = minutes
        elif d.minutes != minutes:
            d.note(f"several lengths given: kept {d.minutes:g} minutes")
    for _, n, noun in counts:
        if noun.startswith("hit"):
            d.discovery.append(0.1)
            d.popularity.append("hits")
        if n < 1:
            continue
        if n > 1000:
            d.note(f"{n:g} songs is more than the 1000 allowed: made it 1000")
            n = 1000
        if d.tracks is None:
            d.tracks = int(n)
        elif d.tracks != int(n):
            d.note(f"several song counts given: kept {d.tracks}")
    if d.tracks is not None and d.minutes is not None:
        d.note(f"asked for both {d.tracks} songs and {d.minutes:g} minutes: kept {d.tracks} songs")
        d.minutes = None


def tempo(d: Draft) -> None:
    unit = r"\s*(?:bpm|beats (?:per|a) minute)\b"
    n = r"(?P<a>\d{2,3}|" + NUM + r")"
    none = r"(?:no|nothing|none|not anything)(?:\s+(?:songs?|tracks?|music))?(?:\s+that'?s)?\s+"
    slower = r"(?:slower|below|under|less|lower)"
    faster = r"(?:faster|quicker|above|over|more|higher)"
    pats = [
        (r"\b(?:between\s+)?(?P<a>\d{2,3})\s*(?:bpm\s*)?(?:-|to|and)\s*(?P<b>\d{2,3})" + unit, lambda a, b: (a, b)),
        (r"(?:\b(?:around|about|approx(?:imately)?|roughly|near|circa|close to)\s*|~\s*)" + n + unit,
         lambda a, b: (a - 5, a + 5)),
        (r"\b" + none + faster + r"\s+than\s+" + n + unit, lambda a, b: (None, a)),
        (r"\b" + none + slower + r"\s+than\s+" + n + unit, lambda a, b: (a, None)),
        (r"(?:\b(?:under|below|less than|slower than|at most|max(?:imum)?|no (?:more|faster) than|up to)\s*|<\s*)" + n
         + unit, lambda a, b: (None, a)),
        (r"(?:\b(?:over|above|more than|faster than|at least|min(?:imum)?|no (?:less|slower) than)\s*|>\s*)" + n
         + unit, lambda a, b: (a, None)),
        (r"\b" + n + unit + r"\s*(?:or\s+" + slower + r"|(?:at\s+)?max(?:imum)?|tops)\b", lambda a, b: (None, a)),
        (r"\b" + n + r"\s*(?:\+\s*" + unit + r"|" + unit + r"\s*(?:\+|or\s+" + faster + r"\b|(?:at\s+)?min(?:imum)?\b|and up\b))",
         lambda a, b: (a, None)),
        (r"\b(?:at\s+)?" + n + unit, lambda a, b: (a - 3, a + 3)),
        (r"\btempo (?:of |around |about |near )?(?P<a>\d{2,3})\b", lambda a, b: (a - 5, a + 5)),
    ]
    for pat, rng in pats:
        for m in d.each(pat):
            a = number(m.group("a"))
            if a is None:
                continue
            b = float(m.group("b")) if "b" in m.groupdict() and m.group("b") else None
            lo, hi = rng(a, b)
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            if any(v is not None and not 30 <= v <= 300 for v in (lo, hi)):
                d.note(f"ignored tempo '{m.group(0).strip()}': tempos run 30-300 BPM")
                continue
            if d.tempo is not None:
                d.note("several tempos given: kept the first")
                continue
            d.tempo = (lo, hi)
