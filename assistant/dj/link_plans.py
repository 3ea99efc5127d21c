"""Where a show's links go and what each may say: an intro, a link every N tracks, an outro, each with its facts.

Pure. `plan_links` chooses each link's kind (story, trending, mood, personal) so kinds rotate, and gives it only
the facts it may use (`facts.track_facts`, the listener's plays, the occasion); `about_plan` and `request_plan`
plan the live session's answers ("who is this?", "more energy").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from assistant.dj.facts import spoken_title, track_facts
from assistant.model.base import StrictModel
from retrieval.tracks import Track

__all__ = ["KIND_FIELDS", "LinkPlan", "about_plan", "plan_links", "request_plan"]


class LinkPlan(StrictModel):
    """One link to write: where it goes, its kind, and the facts it may use."""

    n: int = Field(ge=1, description="Link number, from 1, in show order")
    after_position: int = Field(ge=0, description="Tracks played before it (0: the intro; the track count: the outro)")
    kind: str = Field(description="intro, story, trending, mood, personal, outro, about or request")
    facts: dict[str, Any] = Field(default_factory=dict)


def plan_links(
    tracks: Sequence[Track],
    *,
    every: int = 3,
    request: str = "",
    occasion_text: str | None = None,
    history: tuple[dict[str, dict[str, Any]], dict[str, int]] | None = None,
    generated: bool = False,
    listener: str | None = None,
) -> list[LinkPlan]:
    """An intro, a link after every `every` tracks (not after the last), and an outro, each with its facts."""
    if not tracks:
        return []
    every = max(1, int(every))
    n = len(tracks)
    minutes = round(sum(t.duration_ms or 0 for t in tracks) / 60000)
    intro: dict[str, Any] = {"first": _name(tracks[0]), "tracks": n}
    if minutes:
        intro["minutes"] = minutes
    if request:
        intro["request"] = request
    if listener:
        intro["listener"] = listener
    if generated:
        intro["catalogue"] = "generated demo catalogue (invented artists)"
    plans = [LinkPlan(n=1, after_position=0, kind="intro", facts=intro)]
    used: Counter[str] = Counter()
    last = None
    for pos in range(every, n, every):
        nxt = tracks[pos]
        kind, facts = _choose(nxt, used, last, history, occasion_text)
        used[kind] += 1
        last = kind
        facts = {"just_played": _name(tracks[pos - 1]), "up_next": facts, **(
            {"occasion": occasion_text} if kind == "mood" and occasion_text else {})}
        plans.append(LinkPlan(n=len(plans) + 1, after_position=pos, kind=kind, facts=facts))
    outro: dict[str, Any] = {"last": _name(tracks[-1])}
    if minutes:
        outro["minutes"] = minutes
    if request:
        outro["request"] = request
    plans.append(LinkPlan(n=len(plans) + 1, after_position=n, kind="outro", facts=outro))
    return plans


def _name(t: Track) -> dict[str, str]:
    return {"title": spoken_title(t.title), "artist": t.artist}


KIND_FIELDS = {"story": ("year", "album", "chart_peak", "chart_weeks"), "trending": ("popularity", "chart_peak",
               "chart_weeks"), "mood": ("feel",)}
PRIORITY = ("personal", "story", "trending", "mood")


def _choose(track: Track, used: Counter, last: str | None, history, occasion_text: str | None):
    base = track_facts(track)
    options: dict[str, dict[str, Any]] = {}
    if history is not None:
        per_track, per_artist = history
        mine = dict(per_track.get(track.track_id, {}))
        if track.artist.casefold() in per_artist:
            mine["artist_plays"] = per_artist[track.artist.casefold()]
        if mine:
            options["personal"] = {"title": base["title"], "artist": base["artist"], **mine}
    for kind, fields in KIND_FIELDS.items():
        picked = {k: base[k] for k in fields if k in base}
        if picked or (kind == "mood" and occasion_text):
            options[kind] = {"title": base["title"], "artist": base["artist"], **picked}
    if not options:
        return "mood", {"title": base["title"], "artist": base["artist"]}
    kind = min(options, key=lambda k: (k == last, used[k], PRIORITY.index(k)))
    return kind, options[kind]


def about_plan(track: Track, n: int, after_position: int) -> LinkPlan:
    """The plan of a "who is this?" answer about `track`."""
    f = track_facts(track)
    return LinkPlan(n=n, after_position=after_position, kind="about",
                    facts={"now_playing": {k: f[k] for k in ("title", "artist", "year", "album") if k in f}})


def request_plan(track: Track, n: int, after_position: int) -> LinkPlan:
    """The plan of the line after "more energy": the new next track."""
    return LinkPlan(n=n, after_position=after_position, kind="request", facts={"up_next": _name(track)})
