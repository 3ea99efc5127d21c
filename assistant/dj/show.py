"""The DJ show: a set of tracks -> sequenced for flow -> links written and fact-checked -> links spoken -> files.

`render_show` is the entry point the CLI and the server call. It writes `out_dir/links/NNN.wav` (one per link),
`out_dir/show.m3u8` (a cue sheet interleaving links and tracks, in the M3U8 layout of `exports`: a track without
a local file has its `#EXTINF` line and no location) and `out_dir/script.json` (every line with the facts
behind it, the running order, and the transition scores of the sequenced and the given order). `Studio` holds
what a show needs to write and speak more links later (the live session re-plans after "more energy").
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from assistant.dj.facts import listening_facts, occasion, request_words
from assistant.dj.lines import OfflineWriter, write_lines
from assistant.dj.link_plans import LinkPlan, about_plan, plan_links, request_plan
from assistant.dj.sequencing import Arc, TransitionScore, arc_from, score_transitions, sequence, transition_weights_for
from assistant.dj.speech import Speaker, speaker_for, wav_seconds
from assistant.model.base import StrictModel
from assistant.model.constraints import Constraints
from assistant.model.errors import BadInput
from assistant.model.playlist_files import clean_text, m3u_location, write_export
from assistant.planning import Planner
from retrieval.listeners import ListenerService
from retrieval.tracks import Catalogue, Track

__all__ = ["Show", "ShowLink", "ShowTrack", "Studio", "cue_sheet", "history_for", "more_energy", "render_show",
           "resolve_tracks", "script", "voice_label", "write_files"]


class ShowLink(StrictModel):
    """One spoken link of the show."""

    n: int = Field(description="Link number, from 1")
    after_position: int = Field(description="Tracks played before it: 0 is the intro, the track count the outro")
    kind: str
    text: str
    facts: dict[str, Any] = Field(default_factory=dict, description="Everything the line may say")
    wav: str = Field(description="The audio, relative to the show's folder (links/001.wav)")
    seconds: float = Field(description="Length of the audio")
    source: str = Field(default="template", description="template, llm, llm-rewritten or template-replaced")
    rejected: list[dict] = Field(default_factory=list, description="Lines that failed the fact check")


class ShowTrack(StrictModel):
    position: int = Field(description="1-based position in the sequenced show")
    track_id: str
    artist: str
    title: str
    seconds: float | None = None
    path: str | None = None


class Show(StrictModel):
    """A rendered show: the running order, the links, and how well the order flows."""

    prompt: str = ""
    request: str = Field(default="", description="The request the links quote (the prompt without its length)")
    catalogue: str = ""
    generated: bool = Field(default=False, description="True for the generated demo catalogue (invented artists)")
    listener: str | None = None
    voice: str = ""
    every: int = 3
    arc: str = ""
    track_ids: list[str] = Field(default_factory=list, description="The sequenced order")
    input_track_ids: list[str] = Field(default_factory=list, description="The order given (e.g. ranked)")
    tracks: list[ShowTrack] = Field(default_factory=list)
    links: list[ShowLink] = Field(default_factory=list)
    score: TransitionScore
    input_score: TransitionScore
    notes: list[str] = Field(default_factory=list)
    seconds: dict[str, float] = Field(default_factory=dict, description="Time in s: sequence, write, speak, all")

    def running_order(self) -> list[dict]:
        """Links and tracks interleaved, as they play."""
        out: list[dict] = []
        by_pos: dict[int, list[ShowLink]] = {}
        for link in self.links:
            by_pos.setdefault(link.after_position, []).append(link)
        for pos in range(len(self.tracks) + 1):
            out += [{"type": "link", "n": x.n, "kind": x.kind, "text": x.text, "wav": x.wav}
                    for x in by_pos.get(pos, [])]
            if pos < len(self.tracks):
                t = self.tracks[pos]
                out.append({"type": "track", "position": t.position, "track_id": t.track_id,
                            "label": f"{t.artist} - {t.title}"})
        return out


def resolve_tracks(catalogue: Catalogue, tracks: Sequence[Any]) -> list[Track]:
    """Tracks given as `Track`s, playlist entries (with `.track`) or catalogue track ids."""
    out: list[Track] = []
    missing: list[str] = []
    for t in tracks:
        t = getattr(t, "track", t)
        if isinstance(t, Track):
            out.append(t)
            continue
        cat = catalogue
        row = cat.row_of(str(t))
        if row is None:
            missing.append(str(t))
        else:
            out.append(cat.track(row))
    if missing:
        raise BadInput(f"{len(missing)} track id(s) are not in the catalogue (e.g. {missing[0]!r}).")
    return out


class Studio:
    """Writes and speaks links for one show, and keeps lines varied across everything it writes."""

    def __init__(self, speaker: Speaker, out_dir: Path, *, request: str = "", occasion_text: str | None = None,
                 history=None, generated: bool = False, listener: str | None = None, every: int = 3, seed: int = 0):
        self.speaker = speaker
        self.out_dir = Path(out_dir)
        self.request = request
        self.occasion = occasion_text
        self.history = history
        self.generated = generated
        self.listener = listener
        self.every = every
        self.writer = OfflineWriter(seed)
        self.count = 0  # links written so far (numbers the next one)

    def plans(self, tracks: Sequence[Track], every: int | None = None) -> list[LinkPlan]:
        plans = plan_links(tracks, every=every or self.every, request=self.request, occasion_text=self.occasion,
                           history=self.history, generated=self.generated, listener=self.listener)
        return [self._number(p) for p in plans]

    def _number(self, plan: LinkPlan) -> LinkPlan:
        self.count += 1
        return plan.model_copy(update={"n": self.count})

    def about(self, track: Track, after_position: int) -> LinkPlan:
        return self._number(about_plan(track, 1, after_position))

    def request_link(self, track: Track, after_position: int) -> LinkPlan:
        return self._number(request_plan(track, 1, after_position))

    def speak(self, plan: LinkPlan, text: str, source: str = "template", rejected: list | None = None) -> ShowLink:
        rel = f"links/{plan.n:03d}.wav"
        path = self.speaker.say_to_wav(text, self.out_dir / rel)
        return ShowLink(n=plan.n, after_position=plan.after_position, kind=plan.kind, text=text, facts=plan.facts,
                        wav=rel, seconds=round(wav_seconds(path), 3), source=source, rejected=list(rejected or []))

    def without_backsell(self, link: ShowLink) -> ShowLink:
        """The link again without the track just played (it was skipped: "you just heard" would be wrong)."""
        facts = {k: v for k, v in link.facts.items() if k != "just_played"}
        return self.live(self._number(LinkPlan(n=1, after_position=link.after_position, kind=link.kind, facts=facts)))

    def live(self, plan: LinkPlan) -> ShowLink:
        """Write (templates: no LLM wait mid-show) and speak one link."""
        return self.speak(plan, self.writer.write(plan))


def history_for(listeners: ListenerService, listener: str | None):
    """The listener's plays as commentary facts, or None (no listener, or one with no history)."""
    if not listener:
        return None
    store = listeners.store()
    if listener not in store.listeners():
        return None
    tracks, artists = listening_facts(store.listens(listener))
    return (tracks, artists) if tracks or artists else None


def render_show(planner: Planner, tracks: Sequence[Any], *, prompt: str = "", constraints: Constraints | None = None,
                listener: str | None = None, every: int = 3, speaker: Speaker | None = None, out_dir: Path,
                locked: Sequence[str] = (), persona: str | None = None, use_llm: bool | None = None,
                budget: float | None = None, seed: int = 0) -> Show:
    """Sequence `tracks`, write and check the links, speak them, and write the show's files into `out_dir`."""
    t0 = time.perf_counter()
    settings = planner.settings
    cat = planner.library().catalogue
    given = resolve_tracks(cat, tracks)
    if not given:
        raise BadInput("The show has no tracks: make a playlist first.")
    given, every, budget_notes = within_budget(given, every, settings.dj_max_tracks, settings.dj_max_minutes,
                                               settings.dj_max_links)
    if constraints is None:
        constraints = _constraints_for(planner, prompt)
    prompt = prompt or constraints.prompt
    minutes = sum(t.duration_ms or 0 for t in given) / 60000
    arc = arc_from(constraints.ordering, prompt, minutes)
    weights = transition_weights_for(constraints.ordering)
    ordered = sequence(given, arc, locked=locked, weights=weights, budget=settings.dj_budget if budget is None else budget,
                       seed=seed)
    t_seq = time.perf_counter()

    speaker = speaker or speaker_for(settings.dj_voice)
    out_dir = Path(out_dir)
    (out_dir / "links").mkdir(parents=True, exist_ok=True)
    studio = Studio(speaker, out_dir, request=request_words(prompt) or (constraints.theme or ""),
                    occasion_text=occasion(constraints.theme, constraints.activities, constraints.moods,
                                           constraints.genres),
                    history=history_for(planner.listeners, listener), generated=cat.generated, listener=listener,
                    every=every, seed=seed)
    plans = studio.plans(ordered)
    llm = planner.llm() if (settings.dj_use_llm if use_llm is None else use_llm) else None
    lines, note = write_lines(plans, llm=llm, persona=persona or settings.dj_persona, timeout=settings.llm_timeout,
                              seed=seed)
    for line in lines:
        studio.writer.note(line.text)
    t_write = time.perf_counter()
    links = [studio.speak(p, x.text, x.source, x.rejected) for p, x in zip(plans, lines)]
    t_speak = time.perf_counter()

    flow = score_transitions(ordered, arc, weights)
    show = Show(
        prompt=prompt, request=studio.request, catalogue=cat.meta.get("label", ""), generated=cat.generated,
        listener=listener, voice=voice_label(speaker), every=every,
        arc=flow.arc, track_ids=[t.track_id for t in ordered],
        input_track_ids=[t.track_id for t in given],
        tracks=[ShowTrack(position=i + 1, track_id=t.track_id, artist=t.artist, title=t.title,
                          seconds=round(t.duration_ms / 1000, 1) if t.duration_ms else None, path=t.path)
                for i, t in enumerate(ordered)],
        links=links, score=flow, input_score=score_transitions(given, arc, weights),
        notes=budget_notes + ([note] if note else []),
        seconds={"sequence": round(t_seq - t0, 3), "write": round(t_write - t_seq, 3),
                 "speak": round(t_speak - t_write, 3), "all": round(time.perf_counter() - t0, 3)})
    write_files(show, ordered, out_dir)
    return show


def within_budget(tracks: list[Track], every: int, max_tracks: int, max_minutes: float,
                  max_links: int) -> tuple[list[Track], int, list[str]]:
    """The tracks a show may play (the first ones, at most `max_tracks` and `max_minutes` of music), the spacing of
    its links so that there are at most `max_links` (an intro, one after every `every` tracks, an outro), and a note
    for each cut."""
    notes: list[str] = []
    kept, ms = [], 0.0
    for t in tracks[:max_tracks]:
        ms += t.duration_ms or 0
        if kept and ms > max_minutes * 60000:
            break
        kept.append(t)
    if len(kept) < len(tracks):
        minutes = sum(t.duration_ms or 0 for t in kept) / 60000
        notes.append(f"The show was shortened to the first {len(kept)} of {len(tracks)} tracks ({minutes:.0f} "
                     f"minutes): a show has at most {max_tracks} tracks and {max_minutes:g} minutes of music "
                     "(SEGUE_DJ_MAX_TRACKS, SEGUE_DJ_MAX_MINUTES).")
    every = max(1, int(every))
    between = max(1, max_links - 2)  # links between tracks, after the intro and before the outro
    spaced = max(every, -(-(len(kept) - 1) // between))
    if spaced > every:
        notes.append(f"A link after every {spaced} tracks, not {every}: a show has at most {max_links} links "
                     "(SEGUE_DJ_MAX_LINKS).")
    return kept, spaced, notes


def voice_label(speaker: Speaker) -> str:
    name = getattr(speaker, "name", type(speaker).__name__)
    variant = getattr(speaker, "voice", None)
    return f"{name}:{variant}" if variant else name


def _constraints_for(planner: Planner, prompt: str) -> Constraints:
    if not prompt.strip():
        return Constraints()
    reading = planner.understand(prompt)
    return reading.constraints if reading.constraints is not None else Constraints(prompt=prompt)


def script(show: Show) -> dict:
    """The contents of script.json."""
    return {**show.model_dump(mode="json"), "running_order": show.running_order()}


def cue_sheet(show: Show, tracks: Sequence[Track]) -> str:
    """M3U8 text interleaving the links (`links/NNN.wav`) and the tracks (`#EXTINF:<seconds>,<Artist> - <Title>`)."""
    by_id = {t.track_id: t for t in tracks}
    lines = ["#EXTM3U", f"#PLAYLIST:{clean_text('Segue DJ: ' + (show.request or show.prompt or 'a show'))}"]
    for item in show.running_order():
        if item["type"] == "link":
            link = next(x for x in show.links if x.n == item["n"])
            lines += [f"#EXTINF:{round(link.seconds)},Segue DJ - {link.kind}", link.wav]
            continue
        t = by_id[item["track_id"]]
        seconds = round(t.duration_ms / 1000) if t.duration_ms else -1
        lines.append(f"#EXTINF:{seconds},{clean_text(t.artist)} - {clean_text(t.title)}")
        if t.path:
            lines.append(m3u_location(t.path))
    return "\n".join(lines) + "\n"


def write_files(show: Show, tracks: Sequence[Track], out_dir: Path) -> None:
    write_export(cue_sheet(show, tracks), Path(out_dir) / "show.m3u8")
    write_export(json.dumps(script(show), indent=2, ensure_ascii=False) + "\n", Path(out_dir) / "script.json")


def more_energy(current: Track | None, upcoming: Sequence[Track], pool: Sequence[Track], *, played: Sequence[str] = (),
                max_per_artist: int = 2, boost: float = 0.15, seed: int = 0) -> list[Track]:
    """The upcoming tracks after "more energy": as many as before, the most energetic of the upcoming ones and
    the pool (the playlist's other candidates), climbing from the current track's energy."""
    if not upcoming:
        return []
    k = len(upcoming)
    seen = set(played) | ({current.track_id} if current else set())
    floor = (current.energy if current and current.energy is not None else 0.5) + boost
    candidates: list[Track] = []
    for t in list(upcoming) + list(pool):
        if t.track_id in seen or t.energy is None:
            continue
        seen.add(t.track_id)
        candidates.append(t)
    candidates.sort(key=lambda t: (t.energy < floor, -t.energy))
    chosen: list[Track] = []
    artist_n: dict[str, int] = {}
    for t in candidates:
        a = t.artist.casefold()
        if artist_n.get(a, 0) >= max_per_artist:
            continue
        chosen.append(t)
        artist_n[a] = artist_n.get(a, 0) + 1
        if len(chosen) == k:
            break
    if len(chosen) < k:  # keep the show's length: top up with what was coming
        chosen += [t for t in upcoming if t not in chosen][: k - len(chosen)]
    return sequence(chosen, Arc(shape="rising"), budget=0.2, seed=seed)
