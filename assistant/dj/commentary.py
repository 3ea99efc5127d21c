"""DJ commentary: where links go, the facts behind each, and the lines (LLM in a persona, or varied templates).

Pure apart from the LLM call. `plan_links` places an intro, a link every N tracks and an outro, chooses each
link's kind (story, trending, mood, personal) so kinds rotate, and gives it only the facts it may use: the
catalogue's (year, album, Billboard Hot 100 peak and weeks, Spotify popularity), the listener's request and the
track's feel (from its audio features), and the listener's own plays. `write_lines` writes them: with an LLM,
one call for the whole show in the chosen persona, each line checked by `grounding_check`, the failures asked
for again once with their problems, and what still fails replaced by a template line; offline, templates only.
No line repeats within a show and no two lines open with the same two words while an alternative exists.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.model.base import StrictModel

from retrieval.tracks import Track

from assistant.dj import templates as T
from assistant.dj.fact_check import Allowed, allowed, check, norm

POPULAR = 60  # Spotify popularity from which a track counts as a listener favourite
MIN_PLAYS = 2
MIN_ARTIST_PLAYS = 3
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


class LinkPlan(StrictModel):
    """One link to write: where it goes, its kind, and the facts it may use."""

    n: int = Field(ge=1, description="Link number, from 1, in show order")
    after_position: int = Field(ge=0, description="Tracks played before it (0: the intro; the track count: the outro)")
    kind: str = Field(description="intro, story, trending, mood, personal, outro, about or request")
    facts: dict[str, Any] = Field(default_factory=dict)


class Line(StrictModel):
    """A written link line and where it came from."""

    n: int
    text: str
    source: str = Field(description="template, llm, llm-rewritten or template-replaced")
    rejected: list[dict] = Field(default_factory=list, description="Lines that failed the check, with the problems")


class DJLine(StrictModel):
    n: int = Field(description="The link number")
    text: str = Field(min_length=1, max_length=600, description="What the DJ says")


class DJScript(StrictModel):
    lines: list[DJLine] = Field(description="One line per link")


# -- facts --------------------------------------------------------------------------------------
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


# -- planning -----------------------------------------------------------------------------------
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


# -- writing ------------------------------------------------------------------------------------
def fields(plan: LinkPlan) -> dict[str, Any]:
    """A plan's facts flattened into template fields."""
    f = plan.facts
    out: dict[str, Any] = {k: v for k, v in f.items() if not isinstance(v, dict)}
    for key in ("up_next", "now_playing"):
        out.update(f.get(key) or {})
    for key, prefix in (("just_played", "prev_"), ("first", "first_"), ("last", "last_")):
        for k, v in (f.get(key) or {}).items():
            out[prefix + k] = v
    if "chart_weeks" in out:
        out["weeks_phrase"] = "one week" if out["chart_weeks"] == 1 else f"{out['chart_weeks']} weeks"
    return out


def opening(text: str) -> str:
    return " ".join(norm(text).split()[:2])


class OfflineWriter:
    """Template lines that vary: unused openings and templates first, never a repeated line, always grounded."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.lines: set[str] = set()
        self.openings: Counter[str] = Counter()
        self.templates: Counter[str] = Counter()

    def note(self, text: str) -> None:
        """Count a line written elsewhere (an LLM line that passed) so later lines vary from it too."""
        self.lines.add(norm(text))
        self.openings[opening(text)] += 1

    def write(self, plan: LinkPlan) -> str:
        f = fields(plan)
        bodies = [tpl for need, tpl in T.KINDS.get(plan.kind, ()) if all(f.get(k) is not None for k in need)]
        backs = [None]
        if plan.kind in ("story", "trending", "mood", "personal") and f.get("prev_title"):
            backs += list(T.BACKSELL)
        combos = [(b, body) for body in bodies for b in backs]
        self.rng.shuffle(combos)
        combos.sort(key=lambda c: (self.templates[c[1]] + (self.templates[c[0]] if c[0] else 0.5)))
        facts = allowed(plan.facts)
        best = None
        for back, body in combos:
            text = self._fill(back, body, f, plan)
            if text is None or norm(text) in self.lines or not check(text, facts).ok:
                continue
            rank = (self.openings[opening(text)], self.templates[body] + (self.templates[back] if back else 0))
            if best is None or rank < best[0]:
                best = (rank, text, back, body)
            if rank[0] == 0:
                break
        if best is None:
            text = self._fallback(f, facts)
        else:
            _, text, back, body = best
            self.templates[body] += 1
            if back:
                self.templates[back] += 1
        self.note(text)
        return text

    def _fill(self, back, body, f, plan) -> str | None:
        try:
            text = body.format(**f)
            if back:
                text = back.format(**f) + " " + text
        except (KeyError, IndexError):
            return None
        if plan.kind == "intro" and f.get("catalogue"):
            text += " " + T.GENERATED_NOTE
        return text[0].upper() + text[1:]

    def _fallback(self, f: dict, facts: Allowed) -> str:
        title = f.get("title") or f.get("last_title") or f.get("first_title") or ""
        artist = f.get("artist") or f.get("last_artist") or f.get("first_artist") or ""
        for text in (T.FALLBACK.format(title=title, artist=artist), f"{artist}: {title}.", f"{title}."):
            if norm(text) not in self.lines and check(text, facts).ok:
                return text
        return f"{title}."


def persona_text(persona: str | None) -> str:
    """A persona preset's description, or the listener's own description (clipped)."""
    p = (persona or T.DEFAULT_PERSONA).strip()
    return T.PERSONAS.get(p.lower(), p[:200])


def judge(text: str, plan: LinkPlan, writer: OfflineWriter) -> list[str]:
    """Why an LLM line cannot be used: claims not in its facts, a repeated line, a repeated opening."""
    problems = check(text, plan.facts).problems()
    if len(text.split()) > 60:
        problems.append("the line is longer than 60 words")
    elif len(text.split()) < 3:
        problems.append("the line is too short to say anything")
    if norm(text) in writer.lines:
        problems.append("the line repeats an earlier one")
    elif writer.openings[opening(text)]:
        problems.append(f"the opening '{opening(text)}' was already used; open differently")
    return problems


def write_lines(plans: Sequence[LinkPlan], *, llm=None, persona: str | None = None, timeout: float = 30.0,
                seed: int = 0) -> tuple[list[Line], str | None]:
    """Lines for `plans` and a note when the LLM could not be used. Offline (no `llm`): templates only."""
    writer = OfflineWriter(seed)
    if llm is None:
        return [Line(n=p.n, text=writer.write(p), source="template") for p in plans], None
    import prompts

    from assistant.llm.interface import LLMError, ask_structured

    system = prompts.render("dj_system", persona=persona_text(persona))
    try:
        first = ask_structured(llm, system, _user(plans, ""), DJScript, timeout=timeout).value
    except LLMError as e:
        return [Line(n=p.n, text=writer.write(p), source="template") for p in plans], f"DJ lines from templates: {e}"
    got = {x.n: x.text.strip() for x in first.lines}
    rejected: dict[int, list[dict]] = {}
    lines: dict[int, Line] = {}
    for p in plans:
        text = got.get(p.n, "")
        problems = judge(text, p, writer) if text else ["no line was given for this link"]
        if problems:
            rejected[p.n] = [{"text": text, "problems": problems}]
        else:
            writer.note(text)
            lines[p.n] = Line(n=p.n, text=text, source="llm")
    note = None
    if rejected:
        retry = [p for p in plans if p.n in rejected]
        ask = "\nThese lines were rejected. Write them again, fixing every problem:\n" + "\n".join(
            f"- link {n}: {json.dumps(r[0]['text'])}: {'; '.join(r[0]['problems'])}" for n, r in rejected.items())
        try:
            again = {x.n: x.text.strip() for x in ask_structured(llm, system, _user(retry, ask), DJScript,
                                                                  timeout=timeout).value.lines}
        except LLMError as e:
            again, note = {}, f"the DJ's rewrite failed ({e}); rejected lines replaced from templates"
        for p in retry:
            text = again.get(p.n, "")
            problems = judge(text, p, writer) if text else ["no line was given for this link"]
            if text and not problems:
                writer.note(text)
                lines[p.n] = Line(n=p.n, text=text, source="llm-rewritten", rejected=rejected[p.n])
            else:
                if text:
                    rejected[p.n].append({"text": text, "problems": problems})
                lines[p.n] = Line(n=p.n, text=writer.write(p), source="template-replaced", rejected=rejected[p.n])
    return [lines[p.n] for p in plans], note


def _user(plans: Sequence[LinkPlan], rewrite: str) -> str:
    import prompts

    links = json.dumps([{"n": p.n, "kind": p.kind, **p.facts} for p in plans], ensure_ascii=False, indent=1)
    links = links.replace("</links>", "<\\/links>")
    return prompts.render("dj_user", links=links, rewrite=rewrite)
