"""Structural step for years: single years, decades ('late 90s', 'the eighties'), ranges, bounds ('before 1980'),
'recent' and 'oldies', recorded on the `Draft` as spans (a union) and bounds (an intersection); `year_range`
combines them into one range once the pass is over. A lone bare year labelling a playlist ('Pop Hits 2020') is
read as what was playing that year.
"""

from __future__ import annotations

import re

from assistant.understanding.parser.draft import BLANK, Draft
from assistant.understanding.parser.numbers import NUM, number

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
    # decades in other languages: 'années 60', 'los 80', 'anni 70', '80er Jahre'
    for m in d.each(r"\b(?:(?:les\s+)?ann[ée]es|(?:los\s+)?a[ñn]os|anni|(?:die\s+)?jahre|los|die)\s+(?P<fd>\d0)(?:'?s)?\b"
                    r"|\b(?P<gd>\d0)er(?:\s+jahre)?\b"):
        two = int(m.group("fd") or m.group("gd"))
        start = 2000 + two if two <= 10 else 1900 + two
        d.year_spans.append((start, start + 9))
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
