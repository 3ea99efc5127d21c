"""The facts a DJ line may use: about a track (from the catalogue), the listener's plays, and the request.

Pure. `track_facts` gives what the catalogue knows of a track (year, album, Billboard Hot 100 peak and weeks,
Spotify popularity, its feel from the audio features) under the names a line may say (`spoken_title` without
'- Remastered 2009'); `listening_facts` the listener's own plays; `request_words` and `occasion` the listener's
request in their words, without its length.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.dj.fact_check import norm
from retrieval.tracks import Track

__all__ = ["feel", "listening_facts", "occasion", "request_words", "spoken_title", "track_facts"]

POPULAR = 60  # Spotify popularity from which a track counts as a listener favourite
MIN_PLAYS = 2
MIN_ARTIST_PLAYS = 3
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


_TITLE_NOISE = re.compile(r"\s+-\s+(?:\d{4}\s+)?(?:re-?master(?:ed)?|remix|mono|stereo|single|radio|live|edit|"
                          r"version|mix|bonus|demo|instrumental|from|feat|explicit|clean)\b.*$|\s*[\(\[](?:"
                          r"feat\.?|ft\.?|with|re-?master|\d{4}\s+re-?master|mono|stereo|single|radio|live|bonus|"
                          r"explicit|clean|remastered)[^\)\]]*[\)\]]", re.I)


def spoken_title(title: str) -> str:
    """A title as a DJ says it: without '- Remastered 2009', '(feat. X)', '(Live)' and the like."""
    cleaned = _TITLE_NOISE.sub("", title or "").strip()
    return cleaned or (title or "").strip()


def feel(track: Track) -> str | None:
    """A few words for how a track sounds, from its audio features ('slow and gentle, mostly acoustic, 82 BPM')."""
    words = []
    if track.energy is not None:
        words.append("gentle" if track.energy < 0.3 else "driving" if track.energy > 0.75 else None)
    if track.valence is not None:
        words.append("moody" if track.valence < 0.25 else "bright" if track.valence > 0.7 else None)
    if track.danceability is not None and track.danceability > 0.72:
        words.append("danceable")
    if track.acousticness is not None and track.acousticness > 0.6:
        words.append("mostly acoustic")
    if track.instrumentalness is not None and track.instrumentalness > 0.6:
        words.append("instrumental")
    words = [w for w in words if w]
    pace = None
    if track.tempo:
        pace = "slow" if track.tempo < 88 else "mid-tempo" if track.tempo < 115 else "upbeat" if track.tempo < 135 \
            else "fast"
    head = [p for p in (pace, words[0] if words else None) if p]
    joint = " but " if pace in ("upbeat", "fast") and head[-1] == "gentle" else " and "
    parts = [joint.join(head)] if head else []
    parts += words[1:3]
    if track.tempo:
        parts.append(f"{round(track.tempo)} BPM")
    return ", ".join(p for p in parts if p) or None


def track_facts(track: Track) -> dict[str, Any]:
    """What the catalogue knows about a track, as facts a line may use (unknowns left out)."""
    out: dict[str, Any] = {"title": spoken_title(track.title), "artist": track.artist}
    if track.year:
        out["year"] = track.year
    if track.album and norm(track.album) not in (norm(track.title), norm(out["title"])):
        out["album"] = spoken_title(track.album)
    if track.chart_peak:
        out["chart_peak"] = track.chart_peak
        if track.chart_weeks:
            out["chart_weeks"] = track.chart_weeks
    if track.popularity is not None and track.popularity >= POPULAR:
        out["popularity"] = round(track.popularity)
    f = feel(track)
    if f:
        out["feel"] = f
    return out


def listening_facts(listens: Iterable[Any]) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """From a listener's listens (oldest first; `track_id`, `artist`, `ts`, `skipped`): per track id its plays
    and the month of the first ('March 2023'), and per artist (case-folded) the plays."""
    plays: Counter[str] = Counter()
    first: dict[str, Any] = {}
    artists: Counter[str] = Counter()
    for x in listens:
        if getattr(x, "skipped", False):
            continue
        artists[(x.artist or "").casefold()] += 1
        if x.track_id:
            plays[x.track_id] += 1
            first.setdefault(x.track_id, x.ts)
    tracks = {tid: {"plays": n, "since": f"{MONTHS[first[tid].month - 1]} {first[tid].year}"}
              for tid, n in plays.items() if n >= MIN_PLAYS}
    return tracks, {a: n for a, n in artists.items() if n >= MIN_ARTIST_PLAYS}


_LENGTH = re.compile(r"(?<!at )(?<!after )(?<!around )\b(?:(?:about|around|roughly|some|over|under|at least|at most|"
                     r"nearly|almost)\s+)?(?:an?|one|"
                     r"half an?|\d+(?:\.\d+)?|two|three|four|five|six|ten|twenty|thirty|forty|fifty|sixty|ninety)\s*"
                     r"(?:-|\s)?(?:hours?|hrs?|minutes?|mins?|songs?|tracks?)(?:\s+(?:long|of))?\b", re.I)


def request_words(prompt: str) -> str:
    """The listener's request without its length: 'rainy afternoon jazz' from 'rainy afternoon jazz, about 40
    minutes'; '80s pop hits' from 'an hour of 80s pop hits'."""
    text = _LENGTH.sub(" ", prompt or "")
    text = re.sub(r"^\s*\d+\s+((?:[\w'-]+\s+){0,4}?)(?:songs|tracks)\b", r"\1", text, flags=re.I)
    text = re.sub(r"\s+([,.;!?])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,.;:-!?")
    return text


def occasion(theme: str | None, activities: Sequence[str] = (), moods: Sequence[str] = (),
             genres: Sequence[str] = ()) -> str | None:
    """What the set is for, in the listener's words: 'coding' from 'chill electronic for coding', 'a rainy
    afternoon' from 'rainy afternoon jazz'; else the first activity, else the first mood."""
    text = (theme or "").lower()
    m = re.search(r"\bfor\s+((?:an?\s+|the\s+|my\s+)?[\w' -]{3,40})$", text)
    if m:
        return re.sub(r"^my\s+", "", m.group(1).strip())
    for g in sorted(list(genres) + list(moods), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(g.lower())}\b", " ", text)
    text = re.sub(r"\b(music|songs?|tracks?|playlist|mix|about|some|an?|of|the|for|\d+\s*\w*)\b", " ", text)
    words = re.sub(r"[^\w\s'-]", " ", text).split()
    if 1 <= len(words) <= 4:
        phrase = " ".join(words)
        if len(words) == 1 and phrase.endswith("ing"):
            return phrase
        return f"an {phrase}" if phrase[0] in "aeiou" else f"a {phrase}"
    if activities:
        return activities[0]
    return f"a {moods[0]} mood" if moods else None
