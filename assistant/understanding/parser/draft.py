"""`Draft`: the working state of the structural pass, the request's text and what was read from it so far. Each
step reads `Draft.current()`, records what it understood on the draft and blanks the words it used
(`Draft.consume` writes `BLANK` over them), so later steps never read them again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLANK = "\x00"


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
    protected: list[tuple[int, int]] = field(default_factory=list)  # spans structural steps must not take (genres)
    subject: str | None = None  # what the songs are about ('songs about the ocean')
    title_words: list[str] = field(default_factory=list)  # 'with love in the title'
    era: str = "any"  # 'newer' / 'older' than the seeds
    familiarity: str = "any"  # 'favourites' or 'new_to_me'
    unread: list[str] = field(default_factory=list)  # spans with a number, comparison or negation nobody read
    artist_traits: list[str] = field(default_factory=list)  # 'female-fronted': not in the catalogue

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
            if BLANK in m.group(0) or any(a < m.end() and m.start() < b for a, b in self.protected):
                continue
            self.consume(m.start(), m.end())
            yield m
