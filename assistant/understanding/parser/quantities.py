"""Structural phrases of a request, found with regular expressions: length, years, tempo, explicit, caps, discovery.

Each extractor reads `Draft.current()`, records what it understood on the draft and blanks the words it used
(`Draft.consume`), so later steps (artists, moods, genres, theme) never see them again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLANK = "\x00"
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORDS: dict[str, float] = {w: i for i, w in enumerate(_UNITS)}
_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
_WORDS.update({"a": 1, "an": 1, "a single": 1, "single": 1, "a dozen": 12, "dozen": 12, "a couple of": 2,
               "a couple": 2, "couple of": 2, "a few": 3, "a hundred": 100, "hundred": 100, "half": 0.5})
_BY_LENGTH = sorted(_UNITS[1:], key=len, reverse=True)
_WORD_NUM = r"(?:(?:%s)(?:[\s-](?:%s))?|%s)" % ("|".join(_TENS), "|".join(_UNITS[1:10]), "|".join(_BY_LENGTH))
NUM = r"(?:\d+(?:\.\d+)?|a dozen|dozen|a couple(?: of)?|couple of|a few|a hundred|" + _WORD_NUM + ")"
NUM_A = r"(?:" + NUM + r"|an?|a single)"
_APPROX = r"(?:(?:about|around|roughly|approximately|approx\.?|~|almost|nearly|some|maybe|like|under|over|at least|at most|up to|max|maximum|minimum)\s*)?"
_SONG = r"(?:songs?|tracks?|tunes?)"
_ARTIST = r"(?:artists?|bands?|singers?|acts?|musicians?|groups?|performers?)"
_DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
                 "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000, "aughts": 2000}


def when(sfx: str = "") -> str:
    """A year ('1994') or decade ('90s', 'late 1980s', 'nineties') pattern; `sfx` keeps group names unique."""
    decade = (r"(?:(?P<part%s>early|mid|late)[\s-]*)?(?:(?P<dec4%s>(?:19|20)\d0)'?s|'?(?P<dec2%s>\d0)'?s|(?:nineteen[\s-]?)?"
              r"(?P<decw%s>" % (sfx, sfx, sfx, sfx) + "|".join(_DECADE_WORDS) + r"))")
    year = r"(?P<year%s>(?:19|20)\d\d)(?!\d|'?s\b)" % sfx
    short = r"(?<![\w'])'(?P<yr2%s>\d\d)(?![\d']|s\b)" % sfx  # '89
    return r"(?:the\s+)?(?:year\s+)?(?:" + decade + "|" + year + "|" + short + ")"


WHEN = when()


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
    return None


@dataclass
class Draft:
    """The prompt being parsed: the text, what is left of it, and what was understood so far."""

    text: str
    today_year: int = 2026
    work: list[str] = field(default_factory=list)
    minutes: float | None = None
    tracks: int | None = None
    year_spans: list[tuple[int, int]] = field(default_factory=list)
    year_min: list[int] = field(default_factory=list)
    year_max: list[int] = field(default_factory=list)
    tempo: tuple[float | None, float | None] | None = None
    track_minutes: tuple[float | None, float | None] | None = None
    explicit: str = "allow"
    max_per_artist: int | None = None
    discovery: list[float] = field(default_factory=list)
    popularity: list[str] = field(default_factory=list)
    arc: str = "any"
    smooth: bool = False
    recent: bool = False
    season_year: int | None = None  # a bare year naming when the playlist is played ('Hits 2020')
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.work:
            self.work = list(self.text)

    def current(self) -> str:
        return "".join(self.work)

    def consume(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.work[i] = BLANK

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)

    def each(self, pattern: str):
        """Matches of `pattern` (case-insensitive, whole words) in what is left, consumed as they are returned."""
        for m in list(re.finditer(pattern, self.current(), re.IGNORECASE)):
            if BLANK in m.group(0):
                continue
            self.consume(m.start(), m.end())
            yield m


def extract_all(d: Draft) -> None:
    """Run every structural extractor in a safe order (phrases containing 'no' before negations)."""
    explicit(d)
    per_artist(d)
    track_length(d)
    duration(d)
    tempo(d)
    years(d)
    from assistant.understanding.parser.preferences import discovery, ordering

    ordering(d)
    discovery(d)


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
        (r"\bhalf(?:\s+an?|-an)?[\s-]+hour\b", lambda m: 30),
        (r"\b(?:a\s+)?quarter(?:\s+of)?(?:\s+an?)?[\s-]+hour\b", lambda m: 15),
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
    pats = [
        (r"\b(?:between\s+)?(?P<a>\d{2,3})\s*(?:bpm\s*)?(?:-|to|and)\s*(?P<b>\d{2,3})" + unit, lambda a, b: (a, b)),
        (r"(?:\b(?:around|about|approx(?:imately)?|roughly|near|circa|close to)\s*|~\s*)(?P<a>\d{2,3})" + unit,
         lambda a, b: (a - 5, a + 5)),
        (r"(?:\b(?:under|below|less than|slower than|at most|max(?:imum)?|no (?:more|faster) than|up to)\s*|<\s*)(?P<a>\d{2,3})"
         + unit, lambda a, b: (None, a)),
        (r"(?:\b(?:over|above|more than|faster than|at least|min(?:imum)?|no (?:less|slower) than)\s*|>\s*)(?P<a>\d{2,3})"
         + unit, lambda a, b: (a, None)),
        (r"\b(?:at\s+)?(?P<a>\d{2,3})" + unit, lambda a, b: (a - 3, a + 3)),
        (r"\btempo (?:of |around |about |near )?(?P<a>\d{2,3})\b", lambda a, b: (a - 5, a + 5)),
    ]
    for pat, rng in pats:
        for m in d.each(pat):
            a = float(m.group("a"))
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


def _when(m: re.Match, today: int, sfx: str = "") -> tuple[int, int]:
    """The year span of a `when(sfx)` match."""
    g = {k[: len(k) - len(sfx)] if sfx else k: v for k, v in m.groupdict().items() if k.endswith(sfx)}
    if g.get("year"):
        y = int(g["year"])
        return y, y
    if g.get("yr2"):
        two = int(g["yr2"])
        y = 2000 + two if two <= today % 100 else 1900 + two
        return y, y
    if g.get("dec4"):
        start = int(g["dec4"])
    elif g.get("dec2"):
        two = int(g["dec2"])
        start = 2000 + two if two <= 10 else 1900 + two
    else:
        start = _DECADE_WORDS[g["decw"].lower()]
    part = (g.get("part") or "").lower()
    if part == "early":
        return start, start + 3
    if part == "mid":
        return start + 3, start + 6
    if part == "late":
        return start + 6, start + 9
    return start, start + 9


_RELEASED = re.compile(r"\b(?:from|in|of|during|released|recorded|made|out|dated|circa|year)\s*$", re.IGNORECASE)


_EVENT = re.compile(r"\b(?:tour|setlist|set list|concert|gig|live)\s*$", re.IGNORECASE)


def _names_a_season(text: str, m: re.Match) -> bool:
    """A lone bare year labelling a playlist ('Pop Hits 2020', 'Summer 2019') rather than dating its songs ('songs
    from 2019', 'released in 1999', '2023 and 2024 only'): such a playlist holds what was playing that year, and
    the hits of early 2020 were the releases of 2019 (on playlists.dev, 'X 2020' lists hold mostly 2019 releases)."""
    before, after = text[: m.start()].replace(BLANK, " ").rstrip(), text[m.end():]
    if m.group(0).lower().startswith(("the", "year")) or _RELEASED.search(before) or re.match(r"\W*only\b", after, re.I):
        return False
    return len(set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d|'?s\b)", text))) == 1


def years(d: Draft) -> None:
    today = d.today_year
    neg = r"\b(?:nothing|none|no (?:songs?|tracks?|music|stuff)|not anything|nothing that'?s)(?:\s+(?:released|made|recorded|from))?\s+"
    for m in d.each(neg + r"(?:after|later than|newer than|past|beyond|since)\s+" + WHEN):
        d.year_max.append(_when(m, today)[1])
    for m in d.each(neg + r"(?:before|earlier than|older than|prior to)\s+" + WHEN):
        d.year_min.append(_when(m, today)[0])
    for m in d.each(r"\b(?:before|pre|prior to|older than|earlier than)[\s-]*" + WHEN):
        d.year_max.append(_when(m, today)[0] - 1)
    for pat in (r"\b" + WHEN + r"\s+(?:or|and)\s+(?:earlier|before|older)\b",
                r"\b(?:until|till|up to|through|thru|no later than)\s+" + WHEN):
        for m in d.each(pat):
            d.year_max.append(_when(m, today)[1])
    for m in d.each(r"\b(?:after|post|later than|newer than)[\s-]*" + WHEN):
        lo, hi = _when(m, today)
        d.year_min.append(hi + 1)
        if lo == hi:
            d.note(f"'after {lo}' read as {hi + 1} onwards")
    for pat in (r"\b(?:since|starting (?:in|from))\s+" + WHEN,
                r"\b(?:from\s+)?" + WHEN + r"\s*(?:onwards?|on|and (?:later|newer|up|after)|or (?:later|newer)|\+)(?=\W|$)"):
        for m in d.each(pat):
            d.year_min.append(_when(m, today)[0])
    for m in d.each(r"(?:\bfrom\s+)?(?<![\w'])" + WHEN + r"\s*(?:-|to|through|thru|till|until)\s*(?:the\s+)?(?:present|now|today|date)\b"):
        d.year_min.append(_when(m, today)[0])
    ranges = [r"\bbetween\s+" + when("_a") + r"\s*(?:and|-)\s*" + when("_b"),
              r"(?:\bfrom\s+)?(?<![\w'])" + when("_a") + r"\s*(?:-|to|through|thru|till|until)\s*" + when("_b")]
    for m in (m for pat in ranges for m in d.each(pat)):
        lo, hi = _when(m, today, "_a")[0], _when(m, today, "_b")[1]
        if lo <= hi:
            d.year_spans.append((lo, hi))
        else:
            d.year_spans.extend([_when(m, today, "_a"), _when(m, today, "_b")])
    for m in d.each(r"\b(?P<c>19|20)(?P<a>\d\d)\s*[-–]\s*(?P<b>\d\d)\b(?!\d|'?s)"):
        lo, hi = int(m.group("c") + m.group("a")), int(m.group("c") + m.group("b"))
        if lo <= hi:
            d.year_spans.append((lo, hi))
    for m in d.each(r"(?:\b(?:no|not|nothing from|without|except|minus)\s+(?:the\s+)?)?(?<![\w'])" + WHEN):
        if re.match(r"(?:no|not|nothing|without|except|minus)\b", m.group(0), re.IGNORECASE):
            d.note(f"can't leave out '{m.group(0).strip()}' alone: give a range instead, e.g. 'before 1980'")
            continue
        lo, hi = _when(m, today)
        if lo == hi and _EVENT.search(d.text[: m.start()].replace(BLANK, " ").rstrip()):
            d.year_max.append(hi)
            d.note(f"'{m.group(0).strip()}' dates a tour or show, so songs up to {hi}")
            continue
        if lo == hi and _names_a_season(d.text, m):
            lo, d.season_year = hi - 1, hi
            d.note(f"'{hi}' read as what was playing in {hi}: songs released {lo}-{hi}")
        d.year_spans.append((lo, hi))
    recent = {"this year'?s?": (today, today), "last year'?s?": (today - 1, today - 1)}
    for pat, span in recent.items():
        for _ in d.each(r"\b" + pat + r"\b"):
            d.year_spans.append(span)
    for m in d.each(r"\b(?:last|past)\s+(?P<n>" + NUM + r"|few|couple of)\s+years\b|\b(?:last|past) decade\b"):
        n = number(m.group("n")) if m.group("n") and m.group("n") not in ("few", "couple of") else None
        n = 10 if "decade" in m.group(0).lower() else (n or (2 if "couple" in m.group(0).lower() else 3))
        d.year_min.append(today - int(n))
    novelty = re.search(r"\b(?:never heard|haven'?t heard|not heard|new to me|i don'?t know)\b", d.current(), re.I)
    for _ in d.each(r"\b(?:recent|latest|newest|brand[\s-]new|new releases?|new (?:songs|music|tracks|stuff|hits))\b"):
        if novelty:
            d.discovery.append(0.85)  # new to the listener, not newly released
            d.popularity.append("deep_cuts")
        else:
            d.recent = True
    for _ in d.each(r"\b(?:golden )?oldies\b"):
        d.year_max.append(1979)


def year_range(d: Draft) -> tuple[int | None, int | None] | None:
    """Combine spans (union) and bounds (intersection) into one inclusive range, or None."""
    if d.recent and not d.year_spans and not d.year_min and not d.year_max:
        d.year_min.append(d.today_year - 2)
        d.note(f"'recent' read as {d.today_year - 2}-{d.today_year}")
    lo = min((s[0] for s in d.year_spans), default=None)
    hi = max((s[1] for s in d.year_spans), default=None)
    if len(d.year_spans) > 1:
        covered = sorted(d.year_spans)
        gaps = any(b[0] > a[1] + 1 for a, b in zip(covered, covered[1:]))
        if gaps:
            d.note(f"several periods given: using everything from {lo} to {hi}")
    if d.year_min:
        lo = max(d.year_min) if lo is None else max(lo, max(d.year_min))
    if d.year_max:
        hi = min(d.year_max) if hi is None else min(hi, min(d.year_max))
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None and lo > hi:
        d.note(f"the years asked for contradict each other ({lo} > {hi}): ignored the year limits")
        return None
    if lo is not None and lo > d.today_year:
        d.note(f"{lo} is after {d.today_year}: no song can be from then")
    return lo, hi
